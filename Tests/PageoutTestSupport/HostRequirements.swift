import Foundation
import Glibc
import Testing

/// What a kernel test needs from the machine. Outside CI a missing requirement skips the test with the reason;
/// with CI=true it fails it, so a CI run that could not set up swap never passes by skipping.
public enum HostRequirements {
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Active swap with at least `freeBytes` free (scripts/setup-host.sh enables zram swap).
    public static func requireSwap(freeBytes: UInt64 = 256 << 20) throws {
        let free = swapFreeBytes()
        guard free < freeBytes else { return }
        try missing("needs active swap with \(freeBytes >> 20) MiB free (has \(free >> 20) MiB): run scripts/setup-host.sh")
    }

    /// Root (the tests open other processes' map_files and pagemap and use process_madvise).
    public static func requireRoot() throws {
        guard geteuid() != 0 else { return }
        try missing("needs root")
    }

    /// A journald that accepts entries, and journalctl to read them (scripts/test.sh runs one for the tests
    /// where the machine has none, as in a container).
    public static func requireJournald() throws {
        let socket = "/run/systemd/journal/socket"
        guard FileManager.default.fileExists(atPath: socket), journalctl != nil else {
            try missing("needs a running journald (\(socket)) and journalctl: run the tests through scripts/test.sh")
            return
        }
    }

    /// The first of `candidates` that is an executable file; fails (CI) or skips the test naming `package`.
    public static func requireExecutable(_ candidates: [String], package: String) throws -> String {
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        try missing("needs \(candidates[0]) (package \(package))")
        throw TestFailure("needs \(candidates[0])")  // not reached: missing() throws
    }

    /// The `journalctl` executable, if installed.
    public static let journalctl = ["/usr/bin/journalctl", "/bin/journalctl"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// SwapFree from /proc/meminfo, in bytes.
    public static func swapFreeBytes() -> UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("SwapFree:") {
            let number = line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) } ?? 0
            return number * 1024
        }
        return 0
    }

    private static func missing(_ reason: String) throws {
        if isCI {
            Issue.record("CI=true and the machine is not set up: \(reason)")
            throw TestFailure(reason)
        }
        try Test.cancel(Comment(rawValue: reason))
    }
}
