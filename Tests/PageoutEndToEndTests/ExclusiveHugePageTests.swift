import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// Guest RAM backed by transparent huge pages, as QEMU's is where shmem_enabled allows it (it advises guest RAM
/// MADV_HUGEPAGE). Machine-wide state: the test turns shmem THP on (`advise`) while the guest fills its memory
/// and restores what it found.
extension ExclusiveTests {
@Suite struct HugePages {
    static let shmemEnabled = "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

    /// The bracketed (active) word of shmem_enabled.
    static func activeShmemSetting() throws -> String {
        let text = try String(contentsOfFile: shmemEnabled, encoding: .utf8)
        guard let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"), open < close else {
            throw TestFailure("cannot read the active setting of \(shmemEnabled): \(text)")
        }
        return String(text[text.index(after: open)..<close])
    }

    static func setShmem(_ setting: String) throws {
        do { try setting.write(toFile: shmemEnabled, atomically: false, encoding: .utf8) } catch {
            throw TestFailure("cannot write \(setting) to \(shmemEnabled): \(error)")
        }
    }

    /// A smaps field (kB) of the VMA starting at `start` in process `pid`.
    static func smapsKiB(pid: Int32, start: UInt64, field: Substring) throws -> Int {
        let header = String(start, radix: 16) + "-"
        guard let value = try ProcText.smaps(pid: pid).first(where: { $0.header.hasPrefix(header) })?.fields[field]
        else { throw TestFailure("no \(field) for the VMA at \(header) in /proc/\(pid)/smaps") }
        return value
    }

    @Test func aGuestOnTransparentHugePagesConverges() throws {
        try HostRequirements.requireRoot()
        try HostRequirements.requireSwap(freeBytes: 1 << 30)
        let found = try Self.activeShmemSetting()
        if found == "never" || found == "deny" { try Self.setShmem("advise") }
        defer { try? Self.setShmem(found) }
        let guest = try GuestSim(["--size", "512MiB", "--hot-percent", "20", "--hugepages"])
        try Self.setShmem(found)  // the guest's memory is in place: leave the machine as it was
        let pmdMapped = try Self.smapsKiB(pid: guest.pid, start: guest.start, field: "ShmemPmdMapped")
        print("guest memory mapped by PMDs (2 MiB pages): \(pmdMapped / 1024) MiB of 512 MiB")
        try #require(pmdMapped >= 480 * 1024, "the kernel did not back the guest with huge pages")

        let daemon = try DaemonProcess(config: ConvergingConfig.text(pid: guest.pid, memfd: guest.memfd))
        let started = Date()
        let cold = guest.hotPages..<guest.pages
        let file = try MemfdProbe(path: guest.mapFilesPath)
        defer { file.close() }
        var converged: Double?
        var worstPass = 0.0
        while Date().timeIntervalSince(started) < 40 {
            if let line = try? guest.output.line(startingWith: "STAT", timeout: 2) {
                worstPass = max(worstPass, Double(GuestSim.fields(of: line)["max_pass_ms"] ?? "") ?? 0)
            }
            if Double(try file.cacheStat(pages: cold).evicted) >= 0.95 * Double(cold.count) {
                converged = Date().timeIntervalSince(started)
                break
            }
        }
        let seconds = try #require(converged, "95% of the cold pages were not swapped within 40 s")
        // Ten more seconds: the hot set stays mapped and stops refaulting.
        let majflt = { (line: String) in try GuestSim.number("majflt", of: line) }
        let first = try majflt(try guest.output.line(startingWith: "STAT", timeout: 5))
        var last = first
        for _ in 0..<10 {
            let line = try guest.output.line(startingWith: "STAT", timeout: 5)
            last = try majflt(line)
            worstPass = max(worstPass, Double(GuestSim.fields(of: line)["max_pass_ms"] ?? "") ?? 0)
        }
        let region = try VarlinkTestClient(path: daemon.socketPath)
            .call("io.pageoutd.GetRegion", ["name": "vm1"]).parameters["region"] as? [String: Any] ?? [:]
        print("huge pages: 95% of cold pages swapped after \(String(format: "%.1f", seconds)) s; "
              + "paged out \(region["paged_out"] ?? "?") B, repaired \(region["repaired"] ?? "?") B, "
              + "refaults \(region["refaults"] ?? "?"); worst hot pass \(worstPass) ms; "
              + "guest major faults in the last 10 s: \(last - first)")
        // The probes unmapped whole huge pages and left them in memory; the daemon finished those pageouts itself
        // and counts them as paged out: nobody else read the guest, so nothing was a repair.
        #expect(region["repaired"] as? Int == 0)
        #expect(Double(region["paged_out"] as? Int ?? 0) >= 0.95 * Double(cold.count * RawKernel.pageSize))
        let entries = try RawKernel.pagemap(pid: guest.pid, start: guest.start, pages: guest.hotPages)
        let mappedHot = entries.filter { $0 & (1 << 63) != 0 }.count
        #expect(Double(mappedHot) >= 0.9 * Double(guest.hotPages), "hot pages mapped: \(mappedHot)")
        #expect(Double(last - first) <= 0.05 * Double(guest.hotPages), "hot-set refaults once converged")
        let verify = try guest.verify()
        #expect(verify.bad == 0 && verify.ok == guest.pages)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 10) == 0)
    }
}
}
