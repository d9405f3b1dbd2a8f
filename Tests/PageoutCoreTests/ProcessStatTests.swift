import PageoutCore
import Testing

@Suite("ProcessStat")
struct ProcessStatTests {
    @Test("parses the QEMU fixture")
    func fixture() throws {
        let stat = try ProcessStat.parse(try ProcFixture.text("proc-stat.qemu"))
        let expected = ProcessStat(
            pid: 4242, command: "qemu-system-x86", state: "S", parentPid: 1, startTime: 1_065_895,
            userTicks: 1532, systemTicks: 8841, flags: 4_194_560)
        #expect(stat == expected)
        #expect(!stat.hasExited && !stat.isKernelThread && !stat.isExiting)
    }

    @Test("finds the fields after the last ')' when the command holds spaces and parentheses")
    func trickyCommand() throws {
        let line = "77 (a) b (c) Z 1 77 77 0 -1 4194308 97 0 0 0 0 0 0 0 20 0 1 0 123456 0 0 18446744073709551615 0\n"
        let stat = try ProcessStat.parse(line)
        #expect(stat.command == "a) b (c")
        #expect(stat.state == "Z")
        #expect(stat.hasExited)
        #expect(stat.isExiting)  // 4194308: PF_EXITING (0x4) is set
        #expect(stat.startTime == 123_456)
        let emptyCommand = "5 () R 1 " + Array(repeating: "0", count: 17).joined(separator: " ") + " 9"
        #expect(try ProcessStat.parse(emptyCommand).startTime == 9)
    }

    @Test("rejects malformed lines", arguments: [
        ("77 a R 1 2", "no command in parentheses"),
        ("x (a) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5", "bad pid \"x\" (field 1)"),
        ("77 (a) R 1 77 77", "only 6 fields (expected at least 22)"),
        ("77 (a) RS 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5", "bad state \"RS\" (field 3, expected one letter)"),
        ("77 (a) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5", "bad start time \"-5\" (field 22)"),
        ("77 (a) R 1 77 77 0 -1 0 0 0 0 0 x 0 0 0 20 0 1 0 5", "bad user time \"x\" (field 14)"),
        ("77 (a) R 1 77 77 0 -1 0 0 0 0 0 0 -1 0 0 20 0 1 0 5", "bad system time \"-1\" (field 15)"),
    ])
    func malformed(line: String, problem: String) {
        let error = #expect(throws: ProcTextParseError.self) { try ProcessStat.parse(line) }
        #expect(error?.problem == problem)
        #expect(error?.description == "line 1: \(problem) in \"\(line)\"")
    }
}
