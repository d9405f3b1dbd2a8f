import PageoutCore
import Testing

@Suite("MemoryPressure")
struct MemoryPressureTests {
    @Test("parses an idle machine's file")
    func idle() throws {
        let pressure = try MemoryPressure.parse(try ProcFixture.text("pressure-memory.idle"))
        #expect(pressure.some == PressureStall(avg10: 0, avg60: 0, avg300: 0.09, totalMicroseconds: 4_456_937))
        #expect(pressure.full == pressure.some)
    }

    @Test("parses a loaded machine's file")
    func loaded() throws {
        let pressure = try MemoryPressure.parse(try ProcFixture.text("pressure-memory.loaded"))
        let some = PressureStall(avg10: 42.17, avg60: 18.93, avg300: 5.02, totalMicroseconds: 98_234_561)
        let full = PressureStall(avg10: 31.6, avg60: 12.44, avg300: 3.17, totalMicroseconds: 70_112_398)
        #expect(pressure.some == some)
        #expect(pressure.full == full)
    }

    static let full = "full avg10=0.00 avg60=0.00 avg300=0.00 total=0"

    @Test("rejects malformed input, naming line and problem", arguments: [
        ("", "no \"some\" line"),
        ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0", "no \"full\" line"),
        ("some avg10=0.00 avg60=0.00 total=0\n" + full, "line 1: no avg300= in \"some avg10=0.00 avg60=0.00 total=0\""),
        ("some avg10=x avg60=0.00 avg300=0.00 total=0\n" + full, "line 1: bad avg10 \"x\" (expected a percentage)"),
        ("some avg10=101 avg60=0.00 avg300=0.00 total=0\n" + full, "line 1: bad avg10 \"101\" (expected a percentage)"),
        ("some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n" + full, "line 1: bad total \"-1\" (expected microseconds)"),
        ("some avg10=0.00 avg60=0.00 avg300=0.00 total\n" + full, "line 1: bad column \"total\""),
        (full + "\n" + full, "line 2: second \"full\" line"),
        ("half avg10=0.00 avg60=0.00 avg300=0.00 total=0", "line 1: unknown line \"half\""),
    ])
    func malformed(text: String, message: String) {
        let error = #expect(throws: ProcTextParseError.self) { try MemoryPressure.parse(text) }
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }
}
