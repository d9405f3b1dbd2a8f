import PageoutCore
import Testing

@Suite("Config units: durations, sizes, rates, percentages")
struct UnitParsingTests {
    @Test("durations that parse", arguments: [
        ("750ms", Duration.milliseconds(750)),
        ("30s", .seconds(30)),
        ("1.5s", .milliseconds(1500)),
        ("2m", .seconds(120)),
        ("90m", .seconds(5400)),
        ("1h", .seconds(3600)),
        ("0s", .zero),
        ("0.5ms", .microseconds(500)),
        ("0.25h", .seconds(900)),
        ("1.0000000005s", .nanoseconds(1_000_000_001)),
    ])
    func validDuration(text: String, expected: Duration) throws {
        #expect(try Duration(configText: text) == expected)
    }

    @Test("durations that do not parse", arguments: [
        ("", #""" is not a duration (use e.g. "750ms", "30s", "2m", "1h")"#),
        ("5", #""5" has no unit (use e.g. "5s" or "5ms")"#),
        ("1.5", #""1.5" has no unit (use e.g. "1.5s" or "1.5ms")"#),
        ("5 minutes", #""5 minutes" is not a duration (use e.g. "750ms", "30s", "2m", "1h")"#),
        ("1d", #""1d" has an unknown unit "d" (use ms, s, m or h)"#),
        ("2M", #""2M" has an unknown unit "M" (use ms, s, m or h)"#),
        ("-2m", #""-2m" is negative"#),
        ("s", #""s" is not a duration (use e.g. "750ms", "30s", "2m", "1h")"#),
        ("1.s", #""1.s" is not a duration (use e.g. "750ms", "30s", "2m", "1h")"#),
        ("9999999999h", #""9999999999h" is too long"#),
    ])
    func invalidDuration(text: String, message: String) {
        #expect(throws: ConfigValueError(message)) { try Duration(configText: text) }
    }

    @Test("durations on a command line: the config's syntax, or a bare number of seconds", arguments: [
        ("60s", Duration.seconds(60)),
        ("2m", .seconds(120)),
        ("750ms", .milliseconds(750)),
        ("90", .seconds(90)),
        ("1.5", .milliseconds(1500)),
        ("0", .zero),
    ])
    func commandLineDuration(text: String, expected: Duration) throws {
        #expect(try Duration(commandLineText: text) == expected)
    }

    @Test("command-line durations that do not parse", arguments: [
        ("", #""" is not a duration (use e.g. "750ms", "30s", "2m", "1h")"#),
        ("-5", #""-5" is not a duration (use e.g. "750ms", "30s", "2m", "1h")"#),
        ("1d", #""1d" has an unknown unit "d" (use ms, s, m or h)"#),
        ("99999999999", #""99999999999" is too long"#),
    ])
    func invalidCommandLineDuration(text: String, message: String) {
        #expect(throws: ConfigValueError(message)) { try Duration(commandLineText: text) }
    }

    @Test("durations render in the longest exact unit", arguments: [
        (Duration.milliseconds(1500), "1500ms"),
        (.seconds(90), "90s"),
        (.seconds(120), "2m"),
        (.seconds(7200), "2h"),
        (.nanoseconds(1500), "0.0000015s"),
        (.zero, "0s"),
    ])
    func renderDuration(duration: Duration, text: String) throws {
        #expect(duration.configText == text)
        #expect(try Duration(configText: text) == duration)
    }

    @Test("sizes that parse", arguments: [
        ("4096B", UInt64(4096)),
        ("64MiB", 64 << 20),
        ("2G", 2 << 30),
        ("2GiB", 2 << 30),
        ("1K", 1024),
        ("3M", 3 << 20),
        ("1TiB", 1 << 40),
        ("1T", 1 << 40),
        ("0B", 0),
    ])
    func validSize(text: String, bytes: UInt64) throws {
        #expect(try ByteSize(configText: text) == ByteSize(bytes: bytes))
    }

    @Test("sizes that do not parse", arguments: [
        ("512", #""512" has no unit (use B, KiB, MiB, GiB or TiB, e.g. "512MiB")"#),
        ("512MB", #""512MB" is ambiguous: sizes count in powers of 1024, write "512MiB""#),
        ("1gb", #""1gb" is ambiguous: sizes count in powers of 1024, write "1GiB""#),
        ("1mib", #""1mib" has an unknown unit "mib" (use B, KiB, MiB, GiB or TiB)"#),
        ("1.5GiB", #""1.5GiB" is not a whole number (write "1536MiB")"#),
        ("1.3B", #""1.3B" is not a whole number of bytes"#),
        ("-1MiB", #""-1MiB" is negative"#),
        ("lots", #""lots" is not a size (use e.g. "4096B", "64MiB", "2GiB")"#),
        ("5 MiB", #""5 MiB" is not a size (use e.g. "4096B", "64MiB", "2GiB")"#),
        ("10%", #""10%" is a percentage, not a size (use e.g. "64MiB")"#),
        ("99999999TiB", #""99999999TiB" is too large"#),
    ])
    func invalidSize(text: String, message: String) {
        #expect(throws: ConfigValueError(message)) { try ByteSize(configText: text) }
    }

    @Test("sizes render in the largest exact unit", arguments: [
        (ByteSize.mib(1536), "1536MiB"),
        (.gib(2), "2GiB"),
        (ByteSize(bytes: 1 << 40), "1TiB"),
        (ByteSize(bytes: 4097), "4097B"),
        (.zero, "0B"),
    ])
    func renderSize(size: ByteSize, text: String) throws {
        #expect(size.configText == text)
        #expect(try ByteSize(configText: text) == size)
    }

    @Test("rates: a size, optionally per second")
    func rates() throws {
        #expect(try ByteSize(rateText: "256MiB") == .mib(256))
        #expect(try ByteSize(rateText: "256MiB/s") == .mib(256))
        #expect(ByteSize.mib(256).rateText == "256MiB/s")
        #expect(throws: ConfigValueError(#""1GiB/min" is not a rate: write bytes per second, e.g. "256MiB" or "256MiB/s""#)) {
            try ByteSize(rateText: "1GiB/min")
        }
        #expect(throws: ConfigValueError(#""256/s" has no unit (use B, KiB, MiB, GiB or TiB, e.g. "256MiB")"#)) {
            try ByteSize(rateText: "256/s")
        }
    }

    @Test("percentages that parse", arguments: [
        ("10%", 10.0), ("2.5%", 2.5), ("100%", 100.0), ("0%", 0.0), ("33.333333%", 33.333333),
    ])
    func validPercent(text: String, value: Double) throws {
        let percent = try Percent(configText: text)
        #expect(percent.value == value)
        #expect(percent.configText == text)
    }

    @Test("percentages that do not parse", arguments: [
        ("10", #""10" has no "%" (write "10%")"#),
        ("150%", #""150%" is more than 100%"#),
        ("-5%", #""-5%" is negative"#),
        ("ten", #""ten" is not a percentage (use e.g. "10%")"#),
        ("10 %", #""10 %" is not a percentage (use e.g. "10%")"#),
    ])
    func invalidPercent(text: String, message: String) {
        #expect(throws: ConfigValueError(message)) { try Percent(configText: text) }
    }

    @Test("percentages as plain numbers")
    func percentNumbers() throws {
        #expect(try Percent(number: 90, shown: "90") == Percent(90))
        #expect(throws: ConfigValueError("150 is more than 100")) { try Percent(number: 150, shown: "150") }
        #expect(throws: ConfigValueError("-0.5 is negative")) { try Percent(number: -0.5, shown: "-0.5") }
        #expect(Percent(10).of(1000) == 100)
        #expect(Percent(value: 12.5)?.numberText == "12.5")
    }

    @Test("swap amounts: a size or a percentage")
    func swapAmounts() throws {
        #expect(try SwapAmount(configText: "512MiB") == .size(.mib(512)))
        #expect(try SwapAmount(configText: "10%") == .percent(Percent(10)))
        #expect(SwapAmount.percent(Percent(25)).bytes(ofSwapTotal: 4096) == 1024)
        #expect(throws: ConfigValueError(#""lots of" is neither a size nor a percentage (use e.g. "512MiB" or "10%")"#)) {
            try SwapAmount(configText: "lots of")
        }
        #expect(throws: ConfigValueError(#""512" has no unit (use B, KiB, MiB, GiB or TiB, e.g. "512MiB")"#)) {
            try SwapAmount(configText: "512")
        }
    }

    @Test("key paths and quoting")
    func keyPaths() {
        let path = ConfigKeyPath("region").appending(index: 1).appending("policy").appending("cold age")
        #expect(path.description == #"region[1].policy."cold age""#)
        #expect("a\"b\n".configQuoted == #""a\"b\n""#)
        #expect("\u{1}".configQuoted == #""\u0001""#)
    }
}
