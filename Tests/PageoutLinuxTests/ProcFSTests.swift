import CPageoutSys
import Foundation
import Glibc
import PageoutCore
import PageoutLinux
import PageoutTestSupport
import SystemPackage
import Testing

/// ProcFS over a fake /proc tree built from PageoutCoreTests' fixtures, then over the live /proc.
@Suite("ProcFS")
struct ProcFSTests {
    // MARK: fake tree

    @Test("reads a VMM's maps and stat from a fake tree")
    func fakeProcess() throws {
        let tree = try FakeProcTree()
        try tree.write("4242/maps", fixture: "qemu-memfd.maps")
        try tree.write("4242/stat", fixture: "proc-stat.qemu")
        let procfs = tree.procfs
        let mappings = try procfs.mappings(pid: 4242)
        #expect(mappings.count == 40)
        let ram = try RegionSource.memfd("memory-backend-memfd").mappings(in: mappings, pid: 4242)
        #expect(ram.count == 1 && ram[0].byteCount == 1 << 30)
        #expect(try procfs.stat(pid: 4242).command == "qemu-system-x86")
        #expect(try procfs.startTime(pid: 4242) == 1_065_895)
        #expect(procfs.path(pid: 4242, "map_files/1000-2000") == tree.root.appending("4242/map_files/1000-2000"))
    }

    @Test("reads swaps, meminfo and pressure from a fake tree")
    func fakeSystem() throws {
        let tree = try FakeProcTree()
        try tree.write("swaps", fixture: "proc-swaps.zram")
        try tree.write("meminfo", fixture: "meminfo.zram")
        try tree.write("pressure/memory", fixture: "pressure-memory.loaded")
        let procfs = tree.procfs
        #expect(try procfs.swaps().map(\.filename) == ["/dev/zram0"])
        #expect(try procfs.memInfo().swapFreeBytes == 7_340_028 * 1024)
        #expect(try procfs.memoryPressure().some.avg10 == 42.17)
        let status = try procfs.swapStatus()
        #expect(status.isUsable && status.deviceCount == 1 && status.totalBytes == 8_388_604 * 1024)

        try tree.write("swaps", fixture: "proc-swaps.none")
        try tree.write("meminfo", fixture: "meminfo.noswap")
        #expect(try procfs.swapStatus().unusableReason == "no swap is active")
    }

    @Test("a missing pid directory means the process exited")
    func missingProcess() throws {
        let tree = try FakeProcTree()
        let error = try #require(throws: ProcessExited.self) { try tree.procfs.mappings(pid: 77) }
        #expect(error.pid == 77)
        #expect(error.description.contains("/77/maps"))
        #expect(throws: ProcessExited.self) { try tree.procfs.stat(pid: 77) }
    }

    @Test("empty maps: exited when stat says zombie or exiting, a kernel thread's (nothing mapped) otherwise")
    func emptyMaps() throws {
        let tree = try FakeProcTree()
        try tree.write("9/maps", text: "")
        try tree.write("9/stat", text: "9 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 2 0 0\n")
        #expect(try tree.procfs.mappings(pid: 9).isEmpty)
        try tree.write("9/stat", text: "9 (qemu) Z 1 9 9 0 -1 4227084 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0\n")
        #expect(throws: ProcessExited.self) { try tree.procfs.mappings(pid: 9) }
        // Killed, memory already released, not yet a zombie: still running do_exit (PF_EXITING, 0x4).
        try tree.write("9/stat", text: "9 (qemu) R 1 9 9 0 -1 4194308 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0\n")
        #expect(throws: ProcessExited.self) { try tree.procfs.mappings(pid: 9) }
    }

    @Test("a parse error names the file, the line and the problem")
    func parseErrorNamesFile() throws {
        let tree = try FakeProcTree()
        try tree.write("5/maps", text: "1000-2000 r--p 00000000 00:00 0\n1000-2000 r--q 00000000 00:00 0\n")
        let error = try #require(throws: ProcFileParseError.self) { try tree.procfs.mappings(pid: 5) }
        #expect(error.path == tree.root.appending("5/maps"))
        #expect((error.underlying as? MapsParseError)?.problem == .badPermissions)
        #expect(error.description.hasPrefix("\(tree.root)/5/maps: line 2: bad permissions \"r--q\""))

        try tree.write("meminfo", text: "MemTotal: 1 kB\n")
        let missing = try #require(throws: ProcFileParseError.self) { try tree.procfs.memInfo() }
        #expect(missing.description == "\(tree.root)/meminfo: no MemAvailable line")
    }

    @Test("a missing system file is an open error naming the path")
    func missingSystemFile() throws {
        let tree = try FakeProcTree()
        let error = try #require(throws: SystemCallError.self) { try tree.procfs.memoryPressure() }
        #expect(error.call == "open" && error.errno == .noSuchFileOrDirectory)
        #expect(error.target == "\(tree.root)/pressure/memory")
    }

    @Test("reads files larger than one read() chunk to the end")
    func largeFile() throws {
        let tree = try FakeProcTree()
        let lines = (0..<5000).map { index in
            let start = 0x7f00_0000_0000 + UInt64(index) * 0x2000
            return String(start, radix: 16) + "-" + String(start + 0x1000, radix: 16)
                + " rw-s 00000000 00:01 \(index)                       /memfd:ram \(index) (deleted)"
        }
        try tree.write("6/maps", text: lines.joined(separator: "\n") + "\n")
        let mappings = try tree.procfs.mappings(pid: 6)
        #expect(mappings.count == 5000)
        #expect(mappings.last?.memfdName == "ram 4999")
    }

    // MARK: live /proc

    @Test("live maps show a memfd this process mapped, by name, with spaces, every VMA of it")
    func liveMemfd() throws {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        for name in ["procfs-test", "procfs test (live)"] {
            let fd = try LiveMemfd.create(name)
            defer { close(fd) }
            try #require(ftruncate(fd, off_t(4 * pageSize)) == 0)
            let first = mmap(nil, 2 * pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
            let second = mmap(nil, pageSize, PROT_READ, MAP_SHARED, fd, off_t(3 * pageSize))
            let copy = mmap(nil, pageSize, PROT_READ, MAP_PRIVATE, fd, 0)
            try #require(first != MAP_FAILED && second != MAP_FAILED && copy != MAP_FAILED)
            defer {
                munmap(first, 2 * pageSize)
                munmap(second, pageSize)
                munmap(copy, pageSize)
            }
            let procfs = ProcFS()
            let all = try procfs.mappings(pid: getpid())
            let region = try RegionSource.memfd(name).mappings(in: all, pid: getpid())
            let expected = [
                (UInt64(UInt(bitPattern: first)), UInt64(2 * pageSize), UInt64(0)),
                (UInt64(UInt(bitPattern: second)), UInt64(pageSize), UInt64(3 * pageSize)),
            ].sorted { $0.0 < $1.0 }
            #expect(region.map(\.start) == expected.map { $0.0 })
            #expect(region.map(\.byteCount) == expected.map { $0.1 })
            #expect(region.map(\.offset) == expected.map { $0.2 })
            #expect(region.allSatisfy { $0.pathname == "/memfd:\(name) (deleted)" && $0.isShared })
            var status = stat()
            try #require(fstat(fd, &status) == 0)
            #expect(region.allSatisfy { $0.inode == UInt64(status.st_ino) })
            #expect(all.contains { $0.start == UInt64(UInt(bitPattern: copy)) && !$0.isShared && $0.memfdName == name })
        }
    }

    @Test("live stat: this process's start time is stable and it is alive")
    func liveStat() throws {
        let procfs = ProcFS()
        let stat = try procfs.stat(pid: getpid())
        #expect(stat.pid == getpid())
        // The main thread (whose state /proc/PID/stat shows) may be waiting while a worker runs this test.
        #expect("RSD".contains(stat.state) && !stat.hasExited)
        #expect(stat.parentPid == getppid())
        #expect(stat.startTime > 0)
        #expect(try procfs.startTime(pid: getpid()) == stat.startTime)
        #expect(throws: ProcessExited.self) { try procfs.stat(pid: Int32.max) }
    }

    @Test("live swaps, meminfo and pressure parse, and the swap status agrees with them")
    func liveSystem() throws {
        let procfs = ProcFS()
        let memInfo = try procfs.memInfo()
        #expect(memInfo.totalBytes > 0 && memInfo.availableBytes <= memInfo.totalBytes)
        #expect(memInfo.swapFreeBytes <= memInfo.swapTotalBytes)
        _ = try procfs.swaps()
        let status = try procfs.swapStatus()
        #expect(status.isUsable == (status.deviceCount > 0 && status.freeBytes > 0))
        // Other tests may switch swap on meanwhile: compare only figures read together.
        #expect(status.totalBytes == 0 || status.deviceCount > 0)
        // A kernel without CONFIG_PSI has no pressure files; the CI machine's kernel has them.
        let hasPressure = FileManager.default.fileExists(atPath: "/proc/pressure/memory")
        #expect(hasPressure || !HostRequirements.isCI, "CI=true and no /proc/pressure/memory")
        if hasPressure {
            let pressure = try procfs.memoryPressure()
            #expect(pressure.full.totalMicroseconds <= pressure.some.totalMicroseconds)
        }
    }
}

/// memfd_create, through the C shim (Swift's Glibc module hides it).
private enum LiveMemfd {
    /// A new memfd named `name` (MFD_CLOEXEC).
    static func create(_ name: String) throws -> Int32 {
        let fd = pageout_memfd_create(name, PAGEOUT_MFD_CLOEXEC)
        guard fd >= 0 else { throw LiveMemfdError("memfd_create(\(name)): errno \(errno)") }
        return fd
    }
}

/// memfd_create failed.
private struct LiveMemfdError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
