import PageoutCore
import Testing

@Suite("ThreadSchedStat")
struct ThreadSchedStatTests {
    @Test("parses the line the kernel prints: run, wait, timeslices")
    func kernelLine() throws {
        let stat = try ThreadSchedStat.parse("58571613 6999809 141\n")
        #expect(stat == ThreadSchedStat(runNanoseconds: 58_571_613, waitNanoseconds: 6_999_809, timeslices: 141))
        #expect(try ThreadSchedStat.parse("0 0 1").waitNanoseconds == 0, "no newline at the end is the same")
    }

    @Test("rejects anything else", arguments: [
        "", "\n", "1 2", "1 2 3 4", "1 -2 3", "a b c", "1  2 3", "+1 2 3", " 1 2 3", "1 2 3\n4 5 6\n",
        "1 2 18446744073709551616", "1 2 3 ",
    ])
    func malformed(text: String) {
        #expect(throws: ProcTextParseError.self) { try ThreadSchedStat.parse(text) }
    }
}
