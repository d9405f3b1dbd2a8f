import PageoutLinux
import SystemPackage

/// The device and inode of a stream to journald, as systemd publishes it in `JOURNAL_STREAM=<dev>:<ino>` for a
/// service whose stdout or stderr it connected to the journal.
///
/// A process knows its stderr goes to the journal when `JOURNAL_STREAM` names the same device and inode as
/// `fstat(2)` of fd 2 (systemd.exec(5), "JOURNAL_STREAM"). Comparing, rather than trusting the variable alone,
/// keeps a child whose stderr was redirected (`pageoutd demo 2>file` run from a unit) from logging to the journal.
public struct JournalStream: Sendable, Equatable {
    /// `st_dev` of the stream.
    public var device: UInt64
    /// `st_ino` of the stream.
    public var inode: UInt64

    /// A stream with the given device and inode numbers.
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// Parses the value of `JOURNAL_STREAM`: two decimal numbers separated by a colon, e.g. `"8:123456"`;
    /// `nil` for anything else.
    public init?(environmentValue: String) {
        let parts = environmentValue.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
              parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
              let device = UInt64(parts[0]), let inode = UInt64(parts[1])
        else { return nil }
        self.init(device: device, inode: inode)
    }

    /// The device and inode of an open descriptor, from `fstat(2)`.
    public init(descriptor: FileDescriptor) throws(Errno) {
        let status: Stat
        do {
            status = try FileSystem.status(of: descriptor)
        } catch {
            throw error.errno
        }
        self.init(device: UInt64(status.deviceID.rawValue), inode: UInt64(status.inode.rawValue))
    }

    /// The current value of `JOURNAL_STREAM`, or `nil` when it is not set.
    public static var environmentValue: String? {
        ProcessEnvironment.value("JOURNAL_STREAM")
    }

    /// Whether `descriptor` is the stream that `environmentValue` (by default this process's `JOURNAL_STREAM`)
    /// names; `false` when the variable is unset or malformed or the descriptor cannot be inspected.
    public static func isConnected(
        _ descriptor: FileDescriptor = .standardError,
        environmentValue: String? = JournalStream.environmentValue
    ) -> Bool {
        guard let environmentValue, let published = JournalStream(environmentValue: environmentValue),
              let actual = try? JournalStream(descriptor: descriptor)
        else { return false }
        return published == actual
    }
}
