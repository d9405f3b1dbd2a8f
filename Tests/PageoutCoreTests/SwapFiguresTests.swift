import PageoutCore
import Testing

@Suite("Swap figures")
struct SwapFiguresTests {
    @Test("no swap: a header and no rows")
    func none() throws {
        #expect(try SwapDevice.parseSwaps(try ProcFixture.text("proc-swaps.none")).isEmpty)
    }

    @Test("one zram device")
    func zram() throws {
        let devices = try SwapDevice.parseSwaps(try ProcFixture.text("proc-swaps.zram"))
        let zram0 = SwapDevice(
            filename: "/dev/zram0", type: "partition", sizeKiB: 2_097_148, usedKiB: 496, priority: -2)
        #expect(devices == [zram0])
        #expect(devices[0].sizeBytes == 2_097_148 * 1024)
        #expect(devices[0].freeBytes == (2_097_148 - 496) * 1024)
    }

    @Test("a full device has nothing free")
    func full() throws {
        let devices = try SwapDevice.parseSwaps(try ProcFixture.text("proc-swaps.full"))
        #expect(devices.count == 1 && devices[0].usedKiB == devices[0].sizeKiB && devices[0].freeBytes == 0)
    }

    @Test("several devices, and a file whose name the kernel escaped")
    func several() throws {
        let devices = try SwapDevice.parseSwaps(try ProcFixture.text("proc-swaps.several"))
        #expect(devices.map(\.filename) == ["/dev/zram0", "/dev/vda3", "/var/swap file"])
        #expect(devices.map(\.type) == ["partition", "partition", "file"])
        #expect(devices.map(\.priority) == [100, -2, -3])
        #expect(devices.map(\.usedKiB) == [1_048_576, 0, 65536])
    }

    @Test("rejects malformed /proc/swaps", arguments: [
        ("", "empty text (expected a header line)"),
        ("/dev/zram0 partition 1 0 -2", "line 1: missing header"),
        ("Filename Type Size Used Priority\n/dev/zram0 partition 1 0", "line 2: 4 columns (expected 5)"),
        ("Filename Type Size Used Priority\n/dev/zram0 partition x 0 -2", "line 2: bad size \"x\""),
        ("Filename Type Size Used Priority\n/dev/zram0 partition 1 -1 -2", "line 2: bad used \"-1\""),
        ("Filename Type Size Used Priority\n/dev/zram0 partition 1 0 high", "line 2: bad priority \"high\""),
    ])
    func malformedSwaps(text: String, message: String) {
        let error = #expect(throws: ProcTextParseError.self) { try SwapDevice.parseSwaps(text) }
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test("meminfo without swap")
    func memInfoNoSwap() throws {
        let info = try MemInfo.parse(try ProcFixture.text("meminfo.noswap"))
        #expect(info.totalBytes == 24_684_084 * 1024)
        #expect(info.availableBytes == 24_248_428 * 1024)
        #expect(info.shmemBytes == 8872 * 1024)
        #expect(info.swapTotalBytes == 0 && info.swapFreeBytes == 0)
        #expect(info.fields["HugePages_Total"] == 0)
        #expect(info.fields["Hugepagesize"] == 2048 * 1024)
        #expect(info.fields["Active(anon)"] != nil)
        #expect(info.fields.count > 40)
    }

    @Test("meminfo with zram swap")
    func memInfoZram() throws {
        let info = try MemInfo.parse(try ProcFixture.text("meminfo.zram"))
        #expect(info.swapTotalBytes == 8_388_604 * 1024)
        #expect(info.swapFreeBytes == 7_340_028 * 1024)
        #expect(info.shmemBytes == 1_059_184 * 1024)
        #expect(info.availableBytes == 22_893_012 * 1024)
    }

    @Test("rejects malformed meminfo", arguments: [
        ("MemTotal 12 kB", "line 1: no colon"),
        ("MemTotal: twelve kB", "line 1: bad value \"twelve\" for MemTotal"),
        ("MemTotal: 12 MB", "line 1: bad field"),
        ("MemTotal: 12 kB extra", "line 1: bad field"),
        ("MemTotal: 18446744073709551615 kB", "line 1: value 18446744073709551615 kB of MemTotal overflows"),
        ("MemTotal: 12 kB\nMemAvailable: 1 kB\nShmem: 0 kB\nSwapTotal: 0 kB\n", "no SwapFree line"),
    ])
    func malformedMemInfo(text: String, message: String) {
        let error = #expect(throws: ProcTextParseError.self) { try MemInfo.parse(text) }
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test("swap status: usable only with an active device that has room", arguments: [
        ("proc-swaps.none", "meminfo.noswap", false, 0, "no swap is active"),
        ("proc-swaps.zram", "meminfo.zram", true, 1, nil),
        ("proc-swaps.several", "meminfo.zram", true, 3, nil),
    ] as [(String, String, Bool, Int, String?)])
    func status(swaps: String, meminfo: String, usable: Bool, count: Int, reason: String?) throws {
        let status = SwapStatus(
            devices: try SwapDevice.parseSwaps(try ProcFixture.text(swaps)),
            memInfo: try MemInfo.parse(try ProcFixture.text(meminfo)))
        #expect(status.isUsable == usable)
        #expect(status.deviceCount == count)
        #expect(status.unusableReason == reason)
    }

    @Test("swap status: a full device is not usable")
    func statusFull() throws {
        let devices = try SwapDevice.parseSwaps(try ProcFixture.text("proc-swaps.full"))
        let status = SwapStatus(devices: devices, totalBytes: devices[0].sizeBytes, freeBytes: 0)
        #expect(!status.isUsable)
        #expect(status.usedBytes == status.totalBytes)
        #expect(status.unusableReason == "swap is full (2097148 KiB on 1 device(s))")
        let roomy = SwapStatus(devices: devices, totalBytes: 8192, freeBytes: 4096)
        #expect(roomy.isUsable && roomy.description == "4 KiB of 8 KiB swap free on 1 device(s)")
    }
}
