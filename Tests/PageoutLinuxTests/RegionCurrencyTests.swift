import Foundation
import Glibc
import PageoutCore
@testable import PageoutLinux
import PageoutTestSupport
import Testing

/// `RegionResolver.isCurrent`, which the executor asks before every pageout: a region opened over a /dev/shm file
/// another process maps, checked against /proc/PID/maps texts written to a fake /proc (the real one, then edited).
@Suite struct RegionCurrencyTests {
    @Test func aChangedMapsTextIsNeverTakenForTheOneFoundCurrentBefore() throws {
        let path = "/dev/shm/pageoutd-currency-\(UUID().uuidString)"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(count: 1 << 20)))
        defer { unlink(path) }
        let mapper = try FileMapper(path: path)
        let pid = mapper.pid
        let region = try ShmemRegion(process: ProcessHandle(pid: pid), source: .shmPath(path))
        let realText = try ProcFS().mapsText(pid: pid)
        let line = try #require(realText.split(separator: "\n").first { $0.hasSuffix(" \(path)") })
        let tree = try FakeProcTree()
        let resolver = RegionResolver(procfs: tree.procfs)
        let check = { (text: String) throws -> Bool in
            try tree.write("\(pid)/maps", text: text)
            return try resolver.isCurrent(region, source: .shmPath(path))
        }

        #expect(try check(realText), "the maps the region was opened from")
        #expect(try check(realText), "the same text again (found current without parsing)")
        let unrelated = "7ff000000000-7ff000001000 rw-p 00000000 00:00 0 \n"
        #expect(try check(realText + unrelated), "another mapping added: the region's are unchanged")
        // The file's mapping one page shorter, as a partial munmap leaves it.
        let start = try #require(UInt64(line.prefix { $0 != "-" }, radix: 16))
        let shorter = "\(String(start, radix: 16))-\(String(start + (1 << 20) - 4096, radix: 16))"
            + line.drop { $0 != " " }
        let changed = realText.replacingOccurrences(of: String(line), with: shorter)
        #expect(changed != realText)
        #expect(try !check(changed), "the region's mapping changed")
        #expect(try !check(changed), "and stays changed: a text not found current is parsed each time")
        #expect(try check(realText), "back to the text found current")
        #expect(try !check(realText.replacingOccurrences(of: String(line) + "\n", with: "")), "the mapping gone")
        withExtendedLifetime(mapper) {}
    }
}
