import PageoutCore
import Testing

/// The /proc texts that tell a region the kernel refuses: /proc/PID/status `VmLck:`, smaps `VmFlags:`.
@Suite struct RefusalParsingTests {
    static let status = """
        Name:\tqemu-system-x86
        Umask:\t0022
        State:\tS (sleeping)
        VmPeak:\t 4462660 kB
        VmSize:\t 4397124 kB
        VmLck:\t 1048576 kB
        VmPin:\t       0 kB
        Groups:\t
        Cpus_allowed_list:\t0-1

        """

    @Test func statusGivesLockedAndMappedBytes() throws {
        let memory = try ProcessMemoryStatus.parse(Self.status)
        #expect(memory == ProcessMemoryStatus(lockedBytes: 1 << 30, virtualBytes: 4_397_124 * 1024))
    }

    @Test(arguments: [
        ("Name:\tx\nVmSize:\t 10 kB\n", "no VmLck line"),
        ("VmLck:\t 0 kB\n", "no VmSize line"),
        ("VmLck:\t lots kB\nVmSize:\t 1 kB\n", "line 1: VmLck is not a size in kB in \"VmLck:\t lots kB\""),
        ("VmLck:\t 18446744073709551615 kB\nVmSize:\t 1 kB\n", "line 1: VmLck overflows 64 bits"),
    ])
    func statusWithoutTheFiguresIsRefused(text: String, problem: String) {
        #expect(throws: ProcTextParseError.self) { try ProcessMemoryStatus.parse(text) }
        do { _ = try ProcessMemoryStatus.parse(text) } catch { #expect("\(error)".hasPrefix(problem), "\(error)") }
    }

    static let smaps = """
        7f0000000000-7f0004000000 rw-s 00000000 00:01 2048                       /memfd:guest (deleted)
        Size:              65536 kB
        Rss:               65536 kB
        Swap:                  0 kB
        Shared_Hugetlb:        0 kB
        Private_Hugetlb:       0 kB
        Locked:            65536 kB
        VmFlags: rd wr sh mr mw me ms lo
        7f1000000000-7f1001000000 rw-s 00000000 00:11 4096                       /memfd:huge (deleted)
        Rss:                   0 kB
        Shared_Hugetlb:    14336 kB
        Private_Hugetlb:    2048 kB
        Swap:                  0 kB
        VmFlags: rd wr sh mr mw me ms de ht
        7f2000000000-7f2000100000 rw-s 00000000 00:01 8192                       /memfd:plain (deleted)
        Rss:                 512 kB
        Swap:                512 kB
        VmFlags: rd wr sh mr mw me ms
        """

    @Test func smapsGivesFlagsAndFiguresOfTheChosenMappings() throws {
        let starts: Set<UInt64> = [0x7f00_0000_0000, 0x7f10_0000_0000, 0x7f20_0000_0000]
        let mappings = try SmapsMapping.parse(Self.smaps, mappingsStartingAt: starts)
        let locked = try #require(mappings[0x7f00_0000_0000])
        #expect(locked.flags == ["rd", "wr", "sh", "mr", "mw", "me", "ms", "lo"])
        #expect(locked.residentBytes == 64 << 20 && locked.swapBytes == 0)
        #expect(locked.refusal == .locked)
        let huge = try #require(mappings[0x7f10_0000_0000])
        #expect(huge.hugetlbBytes == 16 << 20 && huge.residentBytes == 0)
        #expect(huge.refusal == .hugetlb)
        let plain = try #require(mappings[0x7f20_0000_0000])
        #expect(plain.refusal == nil && plain.swapBytes == 512 << 10)
        #expect(try SmapsMapping.parse(Self.smaps, mappingsStartingAt: [0x7f20_0000_0000]).count == 1)
    }

    @Test(arguments: [
        (["rd", "sh", "lo"], PageoutRefusal.locked), (["rd", "lo", "ht"], .locked), (["sh", "ht"], .hugetlb),
        (["io", "pf", "dd"], .deviceMemory), (["pf"], .deviceMemory),
    ])
    func flagsNameTheRefusal(flags: [String], refusal: PageoutRefusal) {
        #expect(PageoutRefusal(vmFlags: flags) == refusal)
    }

    @Test func theReasonsSayWhyInOperatorsWords() {
        #expect(PageoutRefusal(vmFlags: ["rd", "wr", "sh"]) == nil)
        #expect("\(PageoutRefusal.locked)".hasPrefix("the VMM locks guest RAM in memory (mlock): nothing can be"))
        #expect("\(PageoutRefusal.hugetlb)".contains("hugetlbfs"))
        #expect("\(PageoutRefusal.kernelRefused(flags: ["rd", "sh"]))".contains("EINVAL; mapping flags rd sh"))
    }
}
