import NIOCore
import PageoutControl
import PageoutLinux
import SystemPackage

/// The process at the other end of a connection, as the kernel recorded it at connect time (SO_PEERCRED).
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The client's process ID.
    public var pid: Int32
    /// Its effective user ID.
    public var uid: UInt32
    /// Its effective group ID.
    public var gid: UInt32
    /// Its supplementary groups (SO_PEERGROUPS), sorted; empty when the kernel could not tell.
    public var groups: [UInt32]

    /// Credentials as SO_PEERCRED and SO_PEERGROUPS report them (tests build peers of their choosing).
    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }

    /// The credentials of the peer of `channel`, a connected AF_UNIX stream socket.
    static func of(_ channel: any Channel) async throws -> PeerCredentials {
        guard let provider = channel as? any SocketOptionProvider else { throw ChannelError.operationUnsupported }
        let raw: UnixSocket.Credentials = try await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(UnixSocket.socketLevel), name: SocketOptionName(UnixSocket.peerCredentialsOption)
        ).get()
        let groups = (try? await peerGroups(provider)) ?? []
        return PeerCredentials(pid: raw.pid, uid: raw.uid, gid: raw.gid, groups: groups)
    }

    /// The supplementary groups of the peer (SO_PEERGROUPS).
    ///
    /// The kernel copies the groups (sorted, as it keeps them) when the buffer holds them all, and fails with
    /// ERANGE otherwise. NIO hands out neither the descriptor nor the length the kernel writes back, only a
    /// zeroed buffer of a fixed type; so an empty buffer first tells whether there are any groups, then buffers
    /// of growing size are tried, and the unused tail is the zeros after the last nonzero gid (gid 0, being the
    /// smallest, can only come first).
    private static func peerGroups(_ provider: any SocketOptionProvider) async throws -> [UInt32] {
        let level = SocketOptionLevel(UnixSocket.socketLevel)
        let name = SocketOptionName(UnixSocket.peerGroupsOption)
        do {
            let _: NoGroups = try await provider.unsafeGetSocketOption(level: level, name: name).get()
            return []
        } catch let error as IOError where error.errnoCode == Errno.outOfRange.rawValue {}
        do {
            let few: InlineArray<64, UInt32> = try await provider.unsafeGetSocketOption(level: level, name: name).get()
            return trimmed(few)
        } catch let error as IOError where error.errnoCode == Errno.outOfRange.rawValue {}
        // NGROUPS_MAX is 65536.
        let all: InlineArray<65536, UInt32> = try await provider.unsafeGetSocketOption(level: level, name: name).get()
        return trimmed(all)
    }

    /// The groups in a zero-filled buffer holding at least one.
    private static func trimmed<let count: Int>(_ buffer: InlineArray<count, UInt32>) -> [UInt32] {
        var last = 0
        for index in buffer.indices where buffer[index] != 0 { last = index }
        return (0...last).map { buffer[$0] }
    }

    /// A buffer of no bytes: getsockopt succeeds only when there are no groups.
    private struct NoGroups: Sendable {}
}

/// Who may call what on the control socket: anyone who can connect may read; root, and members of the allowed
/// groups, may also call the methods that change the daemon (`ControlInterface.mutatingMethods`).
public struct ControlAuthorization: Sendable, Hashable {
    /// Groups whose members may call the mutating methods, besides root (the peer's effective gid and its
    /// supplementary groups are checked).
    public var allowedGroups: Set<UInt32>

    /// Root only, unless `allowedGroups` are given.
    public init(allowedGroups: Set<UInt32> = []) {
        self.allowedGroups = allowedGroups
    }

    /// Whether `peer` may call `method` (fully qualified). Unknown credentials may only read.
    public func permits(_ method: String, peer: PeerCredentials?) -> Bool {
        guard ControlInterface.mutatingMethods.contains(method) else { return true }
        guard let peer else { return false }
        return isPrivileged(peer)
    }

    /// Whether `peer` is root or a member of an allowed group: the callers the reserved connections are for.
    public func isPrivileged(_ peer: PeerCredentials?) -> Bool {
        guard let peer else { return false }
        return peer.uid == 0 || allowedGroups.contains(peer.gid) || peer.groups.contains(where: allowedGroups.contains)
    }
}
