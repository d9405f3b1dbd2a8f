import PageoutCore
import Testing

@Suite("RegionSource")
struct RegionSourceTests {
    /// A VMM with two memfd backends of QEMU's one name (listed out of address order), a private mapping of the
    /// same name, a /dev/shm file mapped shared and privately, and a memfd of another name.
    static let maps = """
        7f2000000000-7f2040000000 rw-s 00000000 00:01 2002                       /memfd:memory-backend-memfd (deleted)
        55bd74bbc000-55bd74fc3000 r--p 00000000 fe:00 16236551                   /usr/bin/qemu-system-x86_64
        7f1000000000-7f1080000000 rw-s 00000000 00:01 2001                       /memfd:memory-backend-memfd (deleted)
        7f3000000000-7f3000200000 rw-p 00000000 00:01 2003                       /memfd:memory-backend-memfd (deleted)
        7f4000000000-7f4000100000 rw-s 00000000 00:01 2004                       /memfd:memory-backend-memfd-x (deleted)
        7f5000000000-7f5000400000 rw-s 00000000 00:1a 77                         /dev/shm/vm ram
        7f5000400000-7f5000800000 rw-s 00400000 00:1a 77                         /dev/shm/vm ram (deleted)
        7f6000000000-7f6000400000 rw-p 00000000 00:1a 77                         /dev/shm/vm ram
        7f7000000000-7f7000001000 rw-s 00000000 00:01 2005                       /memfd:guest ram (deleted)
        """

    static func mappings() throws -> [MemoryMapping] { try MapsParser.parse(maps) }

    @Test("a memfd name selects every shared VMA of that name, in address order, and no private one")
    func memfdSelectsAllBackends() throws {
        let selected = try RegionSource.memfd("memory-backend-memfd").mappings(in: try Self.mappings(), pid: 4242)
        #expect(selected.map(\.start) == [0x7f10_0000_0000, 0x7f20_0000_0000])
        #expect(selected.map(\.inode) == [2001, 2002])
        #expect(selected.allSatisfy { $0.isShared })
        #expect(selected.reduce(0) { $0 + $1.byteCount } == 3 << 30)
    }

    @Test("memfd names with spaces match exactly")
    func memfdWithSpaces() throws {
        let selected = try RegionSource.memfd("guest ram").mappings(in: try Self.mappings(), pid: 1)
        #expect(selected.map(\.inode) == [2005])
        #expect(throws: RegionSourceError.self) {
            try RegionSource.memfd("guest").mappings(in: try Self.mappings(), pid: 1)
        }
    }

    @Test("a shm path selects its shared mappings, unlinked or not, and no private one")
    func shmPath() throws {
        let selected = try RegionSource.shmPath("/dev/shm/vm ram").mappings(in: try Self.mappings(), pid: 1)
        #expect(selected.map(\.start) == [0x7f50_0000_0000, 0x7f50_0040_0000])
    }

    @Test("an address range selects the shared mappings wholly inside it")
    func addressRange() throws {
        let all = try Self.mappings()
        let both = try RegionSource.addressRange(start: 0x7f10_0000_0000, end: 0x7f40_0000_0000)
            .mappings(in: all, pid: 1)
        #expect(both.map(\.inode) == [2001, 2002])
        let exact = try RegionSource.addressRange(start: 0x7f50_0000_0000, end: 0x7f50_0080_0000)
            .mappings(in: all, pid: 1)
        #expect(exact.count == 2)
    }

    @Test("an address range that cuts through a shared mapping is an error naming it")
    func addressRangeCuts() throws {
        let source = RegionSource.addressRange(start: 0x7f10_0000_0000, end: 0x7f10_4000_0000)
        let error = try #require(throws: RegionSourceError.self) {
            try source.mappings(in: try Self.mappings(), pid: 9)
        }
        guard case .cutsThrough(let mapping) = error.problem else {
            Issue.record("expected cutsThrough, got \(error.problem)")
            return
        }
        #expect(mapping.inode == 2001)
        #expect(error.description.contains("process 9"))
        #expect(error.description.contains("address range 0x7f1000000000-0x7f1040000000"))
    }

    @Test("a range over private mappings only, or an empty range, selects nothing")
    func addressRangeEmpty() throws {
        let all = try Self.mappings()
        let privateOnly = RegionSource.addressRange(start: 0x7f30_0000_0000, end: 0x7f30_0020_0000)
        let none = try #require(throws: RegionSourceError.self) { try privateOnly.mappings(in: all, pid: 1) }
        #expect(none.problem == .noMatch)
        let inverted = RegionSource.addressRange(start: 0x2000, end: 0x1000)
        let empty = try #require(throws: RegionSourceError.self) { try inverted.mappings(in: all, pid: 1) }
        #expect(empty.problem == .emptyRange)
    }

    @Test("no match names the source and the pid")
    func noMatch() throws {
        let error = try #require(throws: RegionSourceError.self) {
            try RegionSource.memfd("ram1").mappings(in: try Self.mappings(), pid: 4242)
        }
        #expect(error.problem == .noMatch && error.pid == 4242 && error.source == .memfd("ram1"))
        #expect(error.description == "process 4242 has no shared mapping of memfd \"ram1\"")
    }

    @Test("the QEMU fixture's guest RAM is found by memfd name")
    func qemuFixture() throws {
        let all = try MapsParser.parse(try ProcFixture.text("qemu-memfd.maps"))
        let selected = try RegionSource.memfd("memory-backend-memfd").mappings(in: all, pid: 1)
        #expect(selected.count == 1 && selected[0].byteCount == 1 << 30)
    }
}
