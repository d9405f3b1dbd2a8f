import CSystemd
import Glibc
import PageoutLinux
import SystemPackage

/// A problem that keeps the control socket from being set up; the daemon does not start.
public struct ControlSocketError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, as a sentence.
    public var message: String
    /// The errno for systemd's ERRNO=.
    public var errno: Errno

    /// Creates the error.
    public init(_ message: String, errno: Errno) {
        self.message = message
        self.errno = errno
    }

    public var description: String { message }
}

/// Where the control socket comes from: systemd's socket activation, or a path the daemon binds itself.
enum ControlSocketSource {
    /// The listening socket systemd passed (fd 3, `SD_LISTEN_FDS_START`).
    case passed(Int32)
    /// A path to bind.
    case path(String)

    /// The socket systemd passed when it did (pageoutd.socket), else `path`.
    ///
    /// `sd_listen_fds(1)` also unsets LISTEN_FDS and LISTEN_PID, so child processes do not take the socket.
    static func current(path: String) throws(ControlSocketError) -> ControlSocketSource {
        let count = sd_listen_fds(1)
        if count < 0 {
            throw ControlSocketError("sd_listen_fds: \(Errno(rawValue: -count))", errno: Errno(rawValue: -count))
        }
        if count == 0 { return .path(path) }
        guard count == 1 else {
            throw ControlSocketError("systemd passed \(count) sockets, pageoutd listens on one (the control socket)",
                                     errno: .invalidArgument)
        }
        let descriptor = SD_LISTEN_FDS_START
        guard sd_is_socket_unix(descriptor, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else {
            throw ControlSocketError("the socket systemd passed is not a listening AF_UNIX stream socket",
                                     errno: .notSocket)
        }
        return .passed(descriptor)
    }

    /// Prepares `path` for binding: creates its parent directory, and removes a stale socket file left by a
    /// daemon that died, refusing if a process still answers on it.
    static func prepare(_ path: String) throws(ControlSocketError) {
        guard let slash = path.lastIndex(of: "/") else {
            throw ControlSocketError("control socket \(path) is not an absolute path", errno: .invalidArgument)
        }
        let parent = String(path[..<slash])
        if !parent.isEmpty {
            do {
                try RegistrationStore.makeDirectory(parent)
            } catch {
                throw ControlSocketError("cannot create the control socket's directory: \(error)",
                                         errno: (error as? SystemCallError)?.errno ?? .ioError)
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ControlSocketError("\(path) exists and is not a socket: remove it or set [daemon] socket",
                                     errno: .fileExists)
        }
        if answers(path) {
            throw ControlSocketError("another process answers on \(path): is pageoutd already running?",
                                     errno: .addressInUse)
        }
        if unlink(path) != 0, Glibc.errno != ENOENT {
            let code = Errno(rawValue: Glibc.errno)
            throw ControlSocketError("cannot remove the stale socket \(path): \(code)", errno: code)
        }
    }

    /// Whether a process listens on the socket at `path`: a non-blocking connect succeeds (or finds the backlog
    /// full) when one does, and is refused when the socket file is stale.
    static func answers(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                                | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0 || Glibc.errno == EAGAIN || Glibc.errno == EINPROGRESS
    }
}
