import CSystemd
import PageoutLinux
import SystemPackage

/// A problem that keeps the control socket from being set up; the daemon does not start.
public struct ControlSocketError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, as a sentence.
    public var message: String
    /// The errno for systemd's ERRNO=.
    public var errno: Errno

    /// `message` goes to the log and systemd's STATUS=, `errno` to its ERRNO=.
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
        guard sd_is_socket_unix(descriptor, UnixSocket.streamType, 1, nil, 0) > 0 else {
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
                try FileSystem.makeDirectories(parent)
            } catch {
                throw ControlSocketError("cannot create the control socket's directory: \(error)", errno: error.errno)
            }
        }
        guard let status = try? FileSystem.linkStatus(path) else { return }
        guard status.type == .socket else {
            throw ControlSocketError("\(path) exists and is not a socket: remove it or set [daemon] socket",
                                     errno: .fileExists)
        }
        if UnixSocket.isListening(at: path) {
            throw ControlSocketError("another process answers on \(path): is pageoutd already running?",
                                     errno: .addressInUse)
        }
        do {
            try FileSystem.removeFile(path)
        } catch {
            if error.errno != .noSuchFileOrDirectory {
                throw ControlSocketError("cannot remove the stale socket \(path): \(error.errno)", errno: error.errno)
            }
        }
    }
}
