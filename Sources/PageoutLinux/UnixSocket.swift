import Glibc
import SystemPackage

/// AF_UNIX stream sockets: the values the control socket's setup needs, and a probe for a live listener.
public enum UnixSocket {
    /// SOCK_STREAM, for checking the type of a socket systemd passed (`sd_is_socket_unix`).
    public static let streamType = Int32(SOCK_STREAM.rawValue)

    /// SOL_SOCKET: the level of the peer credential options.
    public static let socketLevel = SOL_SOCKET
    /// SO_PEERCRED: the peer's `Credentials` as the kernel recorded them at connect time.
    public static let peerCredentialsOption = SO_PEERCRED
    /// SO_PEERGROUPS of <asm-generic/socket.h> (Linux 4.13, not in glibc's headers): the peer's supplementary
    /// groups at connect time, as an array of gids. The kernel fails with ERANGE when the buffer cannot hold them
    /// all, and succeeds on an empty buffer only when there are none.
    public static let peerGroupsOption: Int32 = 59

    /// `struct ucred` of <sys/socket.h> (pid_t, uid_t, gid_t), the value of SO_PEERCRED; declared here because
    /// glibc hides it behind _GNU_SOURCE.
    public struct Credentials: Sendable, Hashable {
        /// The peer's process ID.
        public var pid: Int32 = 0
        /// Its effective user ID.
        public var uid: UInt32 = 0
        /// Its effective group ID.
        public var gid: UInt32 = 0

        /// Zero credentials, for the kernel to fill in.
        public init() {}
    }

    /// A new AF_UNIX stream socket (close-on-exec) bound at `path` and listening with room for `backlog` pending
    /// connections. The daemon's control socket is bound by NIO; this serves tools and tests.
    public static func listen(at path: String, backlog: Int32 = 16) throws(SystemCallError) -> FileDescriptor {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let socket = try Syscalls.socket(family: AF_UNIX, type: type, target: "AF_UNIX listener at \(path)")
        do {
            try Syscalls.bind(socket, toUnixPath: path)
            try Syscalls.listen(socket, backlog: backlog, target: path)
            return socket
        } catch {
            Syscalls.close(socket)
            throw error
        }
    }

    /// Whether a process listens on the socket at `path`: a non-blocking connect succeeds (or finds the backlog
    /// full, EAGAIN) when one does, and is refused (ECONNREFUSED) when the socket file is stale. False too when
    /// `path` is no socket or cannot be reached.
    public static func isListening(at path: String) -> Bool {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        guard let socket = try? Syscalls.socket(family: AF_UNIX, type: type, target: "AF_UNIX probe of \(path)") else {
            return false
        }
        defer { Syscalls.close(socket) }
        do {
            try Syscalls.connect(socket, toUnixPath: path)
            return true
        } catch {
            return error.errno == .resourceTemporarilyUnavailable || error.errno == .nowInProgress
        }
    }
}
