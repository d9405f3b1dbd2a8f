import PageoutCore
import Testing

@Suite("MapsParser")
struct MapsParserTests {
    @Test("parses the QEMU fixture: every line, and the memfd guest RAM line in full")
    func qemuFixture() throws {
        let mappings = try MapsParser.parse(try ProcFixture.text("qemu-memfd.maps"))
        #expect(mappings.count == 40)
        let shared = mappings.filter(\.isShared)
        #expect(shared.count == 1)
        let ram = try #require(shared.first)
        #expect(ram.start == 0x7efc_3fff_f000)
        #expect(ram.end == 0x7efc_7fff_f000)
        #expect(ram.byteCount == 1 << 30)
        #expect(ram.permissions == [.readable, .writable, .shared])
        #expect(ram.offset == 0)
        #expect(ram.device == "00:01")
        #expect(ram.inode == 1051)
        #expect(ram.pathname == "/memfd:memory-backend-memfd (deleted)")
        #expect(ram.isDeleted)
        #expect(ram.pathWithoutDeletedSuffix == "/memfd:memory-backend-memfd")
        #expect(ram.memfdName == "memory-backend-memfd")

        let text = try #require(mappings.first)
        #expect(text.pathname == "/usr/bin/qemu-system-x86_64")
        #expect(text.permissions == [.readable])
        #expect(text.device == "fe:00" && text.inode == 16_236_551)
        #expect(mappings[1].permissions == [.readable, .executable] && mappings[1].offset == 0x407000)
        #expect(mappings.contains { $0.pathname == "[heap]" })
        #expect(mappings.filter { $0.pathname.isEmpty }.count == 33)
        #expect(zip(mappings, mappings.dropFirst()).allSatisfy { $0.end <= $1.start })
    }

    @Test("keeps spaces inside pathnames and finds memfd names with spaces")
    func pathnamesWithSpaces() throws {
        let line = "7f0000000000-7f0000200000 rw-s 00000000 00:01 2077                       "
            + "/memfd:guest ram (node 0) (deleted)"
        let mapping = try MapsParser.parse(line: line)
        #expect(mapping.pathname == "/memfd:guest ram (node 0) (deleted)")
        #expect(mapping.memfdName == "guest ram (node 0)")
        let file = try MapsParser.parse(line: "7f0000000000-7f0000001000 r--s 00001000 00:1a 9 /dev/shm/my vm  ram")
        #expect(file.pathname == "/dev/shm/my vm  ram")
        #expect(file.offset == 0x1000)
        #expect(!file.isDeleted && file.memfdName == nil)
        #expect(file.pathWithoutDeletedSuffix == "/dev/shm/my vm  ram")
    }

    @Test("anonymous lines, with and without the trailing space, have an empty pathname")
    func anonymous() throws {
        let withSpace = "55bd75d49000-55bd75d7c000 rw-p 00000000 00:00 0 "
        for line in [withSpace, String(withSpace.dropLast())] {
            let mapping = try MapsParser.parse(line: line)
            #expect(mapping.pathname == "")
            #expect(mapping.inode == 0 && !mapping.isShared && !mapping.isDeleted && mapping.memfdName == nil)
        }
    }

    @Test("pseudo-paths and deleted files")
    func pseudoPaths() throws {
        let heap = try MapsParser.parse(
            line: "55bd8df1c000-55bd8eb7f000 rw-p 00000000 00:00 0                          [heap]")
        #expect(heap.pathname == "[heap]" && heap.permissions == [.readable, .writable])
        let gone = try MapsParser.parse(line: "7f00-8f00 ---p 00000000 fe:00 12 /tmp/old lib.so (deleted)")
        #expect(gone.isDeleted && gone.pathWithoutDeletedSuffix == "/tmp/old lib.so")
        #expect(gone.permissions.isEmpty)
    }

    @Test("description prints a maps line that parses back to the same mapping")
    func roundTrip() throws {
        let mapping = MemoryMapping(
            start: 0x7f00_0000_0000, end: 0x7f00_0020_0000, permissions: [.readable, .writable, .shared],
            offset: 0x20_0000, device: "00:01", inode: 42, pathname: "/memfd:a b (deleted)")
        #expect(mapping.description == "7f0000000000-7f0000200000 rw-s 00200000 00:01 42 /memfd:a b (deleted)")
        #expect(try MapsParser.parse(line: mapping.description) == mapping)
    }

    @Test("skips empty lines and counts them in line numbers")
    func lineNumbers() throws {
        let text = "1000-2000 r--p 00000000 00:00 0\n\n3000-4000 rw-x 00000000 00:00 0\n"
        let error = try #require(throws: MapsParseError.self) { try MapsParser.parse(text) }
        #expect(error.line == 3)
        #expect(error.problem == .badPermissions)
        #expect(error.field == "rw-x")
        #expect(error.description.hasPrefix("line 3: bad permissions \"rw-x\""))
        #expect(try MapsParser.parse("1000-2000 r--p 00000000 00:00 0\n\n").count == 1)
        #expect(try MapsParser.parse("").isEmpty)
    }

    @Test("rejects malformed lines, naming the problem", arguments: [
        ("1000-2000 r--p", MapsParseError.Problem.missingFields),
        ("", .missingFields),
        ("1000 r--p 00000000 00:00 0", .badAddressRange),
        ("1000-zz r--p 00000000 00:00 0", .badAddressRange),
        ("-1000-2000 r--p 00000000 00:00 0", .badAddressRange),
        ("0x1000-2000 r--p 00000000 00:00 0", .badAddressRange),
        ("2000-1000 r--p 00000000 00:00 0", .endBeforeStart),
        ("1000-2000 rw- 00000000 00:00 0", .badPermissions),
        ("1000-2000 rwsp 00000000 00:00 0", .badPermissions),
        ("1000-2000 rw-sx 00000000 00:00 0", .badPermissions),
        ("1000-2000 rw-s 0000g000 00:00 0", .badOffset),
        ("1000-2000 rw-s 00000000 0000 0", .badDevice),
        ("1000-2000 rw-s 00000000 00:zz 0", .badDevice),
        ("1000-2000 rw-s 00000000 00:00 -1", .badInode),
        ("1000-2000 rw-s 00000000 00:00 1a", .badInode),
        ("1000-2000 rw-s 00000000 00:00 99999999999999999999", .badInode),
    ])
    func malformed(line: String, problem: MapsParseError.Problem) {
        let error = #expect(throws: MapsParseError.self) { try MapsParser.parse(line: line, number: 7) }
        #expect(error?.problem == problem)
        #expect(error?.line == 7)
        #expect(error?.description.hasPrefix("line 7: ") == true)
    }

    @Test("permission columns", arguments: [
        ("rw-s", [.readable, .writable, .shared]),
        ("r-xp", [.readable, .executable]),
        ("---p", []),
        ("rwxs", [.readable, .writable, .executable, .shared]),
    ] as [(String, MappingPermissions)])
    func permissions(column: String, expected: MappingPermissions) {
        #expect(MappingPermissions(column: column) == expected)
        #expect(expected.description == column)
    }
}
