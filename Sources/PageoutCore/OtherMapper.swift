/// A process other than the VMM that maps some of a region's memory (a vhost-user backend: virtiofsd,
/// DPDK/OVS, SPDK map the VMM's memfd and keep their I/O buffers mapped).
public struct OtherMapper: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Its process id.
    public var pid: Int32
    /// Its command name (/proc/PID/stat's comm, as the kernel keeps it: at most 15 bytes, set by the process).
    public var command: String
    /// When it started (clock ticks after boot): with the pid, what tells it from a later process of that pid.
    public var startTime: UInt64
    /// The bytes of the region's files it maps (its VMAs' sizes: what it may touch, not what it has touched).
    public var mappedBytes: UInt64

    /// A mapper `pid` named `command`, started at `startTime`, mapping `mappedBytes` of the region's files.
    public init(pid: Int32, command: String, startTime: UInt64, mappedBytes: UInt64) {
        self.pid = pid
        self.command = command
        self.startTime = startTime
        self.mappedBytes = mappedBytes
    }

    /// `pid N (comm)`, the command escaped: a process names itself, so its name is untrusted text.
    public var description: String { "pid \(pid) (\(printableCommand))" }

    /// The command with control characters, quotes and backslashes escaped: what status and logs show.
    public var printableCommand: String { Self.escaped(command) }

    /// `text` with control characters, quotes and backslashes escaped, and at most 64 characters kept.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars.prefix(64) {
            if scalar.value < 0x20 || scalar.value == 0x7f || scalar == "\\" || scalar == "\"" {
                result += scalar.escaped(asASCII: true)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
