import Testing
@testable import PageoutCore

@Suite struct TokenBucketTests {
    @Test func refillsAtTheRateUpToOneSecondOfIt() {
        var bucket = TokenBucket(rate: 1000, now: 0)
        #expect(bucket.take(600) == 600)
        #expect(bucket.take(600) == 400, "only what is left")
        bucket.refill(at: 500)
        #expect(bucket.available == 500)
        bucket.refill(at: 10_000)
        #expect(bucket.available == 1000, "capped at one second's worth")
        bucket.setRate(100)
        #expect(bucket.available == 100)
    }
}

@Suite struct PageoutGuardTests {
    static func swap(total: UInt64, free: UInt64, devices: Int = 1) -> SwapStatus {
        let list = (0..<devices).map { _ in
            SwapDevice(filename: "/dev/zram0", type: "partition", sizeKiB: total >> 10, usedKiB: (total - free) >> 10,
                       priority: 100)
        }
        return SwapStatus(devices: list, totalBytes: total, freeBytes: free)
    }

    static func pressure(_ avg10: Double) -> MemoryPressure {
        try! MemoryPressure.parse("some avg10=\(avg10) avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1\n")
    }

    @Test(arguments: [
        (total: UInt64(0), free: UInt64(0), devices: 0, avg10: 0.0, expected: "no-swap"),
        (total: 8 << 30, free: 100 << 20, devices: 1, avg10: 0.0, expected: "swap-low"),
        (total: 8 << 30, free: 4 << 30, devices: 1, avg10: 55.0, expected: "memory-pressure"),
        (total: 8 << 30, free: 4 << 30, devices: 1, avg10: 1.0, expected: "none"),
    ])
    func machineGuards(total: UInt64, free: UInt64, devices: Int, avg10: Double, expected: String) {
        let found = PageoutGuard.machine(swap: Self.swap(total: total, free: free, devices: devices),
                                         pressure: Self.pressure(avg10), policy: .default)
        #expect((found?.name ?? "none") == expected)
        if let found { #expect(!found.description.isEmpty) }
    }

    @Test func minFreeSwapAsAPercentOfSwap() throws {
        var policy = PolicySettings.default
        policy.minFreeSwap = try SwapAmount(configText: "50%")
        let low = PageoutGuard.machine(swap: Self.swap(total: 8 << 30, free: 3 << 30), pressure: nil, policy: policy)
        #expect(low == .swapLow(freeBytes: 3 << 30, minimumBytes: 4 << 30))
        #expect(PageoutGuard.machine(swap: Self.swap(total: 8 << 30, free: 5 << 30), pressure: nil, policy: policy) == nil)
    }
}

@Suite struct SmallParserTests {
    @Test func capabilitiesFromStatus() {
        let status = "Name:\tpageoutd\nCapInh:\t0000000000000000\nCapEff:\t000001000080000c\n"
        let mask = Capability.effectiveMask(inStatus: status)
        #expect(mask == 0x0000_0100_0080_000c)
        // 0xc: bits 2 and 3; 0x800000: bit 23; 0x10000000000: bit 40. Bit 19 (CAP_SYS_PTRACE) is missing.
        #expect(Capability.missing(from: mask!) == [.sysPtrace])
        #expect(Capability.missing(from: ~0) == [])
        #expect(Capability.missing(from: 0).count == 5)
    }

    @Test(arguments: [("4242\n", 4242), (" 17 ", 17)])
    func pidFiles(text: String, pid: Int32) throws {
        #expect(try PidFile.parse(text).get() == pid)
    }

    @Test(arguments: ["", "\n", "abc", "-3", "0", "12 13"])
    func badPidFiles(text: String) {
        #expect(throws: PidFileError.self) { try PidFile.parse(text).get() }
    }

    @Test func smapsSwapOfChosenMappings() throws {
        let text = """
            7f0000000000-7f0040000000 r--s 00000000 00:01 1051                       /memfd:ram0 (deleted)
            Size:            1048576 kB
            Rss:                   0 kB
            Swap:             524288 kB
            AnonHugePages:         0 kB
            7f0040000000-7f0040001000 rw-p 00000000 00:00 0
            Swap:                  4 kB
            """
        #expect(try SmapsSwap.swapBytes(in: text, mappingsStartingAt: [0x7f00_0000_0000]) == [0x7f00_0000_0000: 512 << 20])
        #expect(throws: ProcTextParseError.self) {
            try SmapsSwap.swapBytes(in: "7f0000000000-7f0040000000 r--s 0 0 0\nSwap: lots\n", mappingsStartingAt: [0x7f00_0000_0000])
        }
    }
}
