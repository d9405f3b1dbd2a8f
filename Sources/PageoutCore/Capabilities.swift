/// Linux capabilities pageoutd needs, and reading a capability set from /proc/PID/status.
public struct Capability: Sendable, Hashable, CustomStringConvertible {
    /// The capability's number (include/uapi/linux/capability.h).
    public let number: Int
    /// Its name, e.g. `CAP_SYS_PTRACE`.
    public let name: String
    /// What pageoutd needs it for.
    public let purpose: String

    public var description: String { name }

    /// CAP_DAC_READ_SEARCH: open /proc/PID/pagemap (mode 0400) of a VMM running as another user.
    public static let dacReadSearch = Capability(number: 2, name: "CAP_DAC_READ_SEARCH",
                                                 purpose: "to open the pagemap of a VMM running as another user")
    /// CAP_FOWNER: MADV_PAGEOUT on a shared file the daemon does not own (a 0600 /dev/shm file).
    public static let fowner = Capability(number: 3, name: "CAP_FOWNER",
                                          purpose: "to page out /dev/shm files of other users (else a silent no-op)")
    /// CAP_SYS_PTRACE: pagemap, map_files and pidfds of other processes (PTRACE_MODE_READ).
    public static let sysPtrace = Capability(number: 19, name: "CAP_SYS_PTRACE",
                                             purpose: "to read pagemap and map_files of VMMs")
    /// CAP_SYS_NICE: process_madvise on another process.
    public static let sysNice = Capability(number: 23, name: "CAP_SYS_NICE",
                                           purpose: "to page out a VMM's memory with process_madvise")
    /// CAP_CHECKPOINT_RESTORE: open /proc/PID/map_files/* without CAP_SYS_ADMIN.
    public static let checkpointRestore = Capability(number: 40, name: "CAP_CHECKPOINT_RESTORE",
                                                     purpose: "to open a VMM's memfd through /proc/PID/map_files")
    /// CAP_SYS_ADMIN, which also allows map_files (checked as an alternative to CAP_CHECKPOINT_RESTORE).
    public static let sysAdmin = Capability(number: 21, name: "CAP_SYS_ADMIN", purpose: "")

    /// The set pageoutd's unit grants: exactly what it needs.
    public static let required: [Capability] = [.sysPtrace, .sysNice, .dacReadSearch, .checkpointRestore, .fowner]

    /// The effective capability mask (`CapEff:`) in a /proc/PID/status text, or nil if absent.
    public static func effectiveMask(inStatus text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(line.dropFirst("CapEff:".count).trimmingWhitespaceAndNewlines, radix: 16)
        }
        return nil
    }

    /// The capabilities of `required` missing from `mask` (CAP_SYS_ADMIN stands in for CAP_CHECKPOINT_RESTORE).
    public static func missing(from mask: UInt64) -> [Capability] {
        required.filter { capability in
            let has = { (cap: Capability) in mask & (1 << UInt64(cap.number)) != 0 }
            if capability == .checkpointRestore { return !has(.checkpointRestore) && !has(.sysAdmin) }
            return !has(capability)
        }
    }
}

extension Substring {
    fileprivate var trimmingWhitespaceAndNewlines: String { String(self).trimmingWhitespaceAndNewlines }
}
