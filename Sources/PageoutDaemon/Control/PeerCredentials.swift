import Glibc
import NIOCore
import PageoutControl

/// The process at the other end of a connection, as the kernel recorded it at connect time (SO_PEERCRED).
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The client's process ID.
    public var pid: Int32
    /// Its effective user ID.
    public var uid: UInt32
    /// Its effective group ID.
    public var gid: UInt32

    /// Creates credentials.
    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }

    /// The credentials of the peer of `channel`, a connected AF_UNIX stream socket.
    static func of(_ channel: any Channel) async throws -> PeerCredentials {
        guard let provider = channel as? any SocketOptionProvider else { throw ChannelError.operationUnsupported }
        let raw: RawCredentials = try await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)).get()
        return PeerCredentials(pid: raw.pid, uid: raw.uid, gid: raw.gid)
    }

    /// `struct ucred` of <sys/socket.h> (pid_t, uid_t, gid_t), declared here because glibc hides it behind
    /// _GNU_SOURCE.
    private struct RawCredentials: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }
}

/// Who may call what on the control socket: anyone who can connect may read; root, and members of the allowed
/// groups, may also call the methods that change the daemon (`ControlInterface.mutatingMethods`).
public struct ControlAuthorization: Sendable, Hashable {
    /// Groups whose members may call the mutating methods, besides root (the peer's effective gid is checked).
    public var allowedGroups: Set<UInt32>

    /// Root only, unless `allowedGroups` are given.
    public init(allowedGroups: Set<UInt32> = []) {
        self.allowedGroups = allowedGroups
    }

    /// Whether `peer` may call `method` (fully qualified). Unknown credentials may only read.
    public func permits(_ method: String, peer: PeerCredentials?) -> Bool {
        guard ControlInterface.mutatingMethods.contains(method) else { return true }
        guard let peer else { return false }
        return peer.uid == 0 || allowedGroups.contains(peer.gid)
    }
}
