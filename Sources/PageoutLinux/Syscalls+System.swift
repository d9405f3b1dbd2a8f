import CPageoutSys
import Glibc
import SystemPackage

/// Sockets, the group database, the clock and the environment.
extension Syscalls {
    /// socket(2) of `family` and `type` (which should include SOCK_CLOEXEC).
    static func socket(family: Int32, type: Int32, target: @autoclosure () -> String) throws(SystemCallError)
        -> FileDescriptor {
        FileDescriptor(rawValue: try systemCall("socket", on: target()) { Glibc.socket(family, type, 0) })
    }

    /// connect(2) of `socket` to the AF_UNIX address `path`.
    ///
    /// A non-blocking socket fails with EAGAIN when the listener's backlog is full. EINTR is not retried: the
    /// connection goes on being set up after it, and a second connect would fail with EALREADY.
    static func connect(_ socket: FileDescriptor, toUnixPath path: String) throws(SystemCallError) {
        var address = try unixAddress(path, for: "connect")
        _ = try systemCall("connect", on: path, retryOnInterrupt: false) {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(socket.rawValue, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
    }

    /// bind(2) of `socket` to the AF_UNIX address `path`.
    static func bind(_ socket: FileDescriptor, toUnixPath path: String) throws(SystemCallError) {
        var address = try unixAddress(path, for: "bind")
        _ = try systemCall("bind", on: path) {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(socket.rawValue, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
    }

    /// listen(2) with room for `backlog` pending connections.
    static func listen(_ socket: FileDescriptor, backlog: Int32, target: @autoclosure () -> String)
        throws(SystemCallError) {
        _ = try systemCall("listen", on: target()) { Glibc.listen(socket.rawValue, backlog) }
    }

    /// The AF_UNIX address of `path`; ENAMETOOLONG, reported as a failure of `call`, when it does not fit.
    private static func unixAddress(_ path: String, for call: String) throws(SystemCallError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemCallError(call: call, target: path, errno: .fileNameTooLong)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return address
    }

    /// getgrnam_r(3): the gid of the group `name`, nil when there is none; `bufferSize` bytes of scratch space.
    ///
    /// - Throws: ERANGE when `bufferSize` cannot hold the group's entry (a group with many members).
    static func groupID(named name: String, bufferSize: Int) throws(SystemCallError) -> gid_t? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        _ = try systemCall("getgrnam_r", on: name) {
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: bufferSize) { buffer in
                // getgrnam_r returns the error number instead of setting errno: set it for systemCall.
                let code = getgrnam_r(name, &group, buffer.baseAddress, bufferSize, &result)
                Glibc.errno = code
                return code == 0 ? 0 : -1
            }
        }
        return result == nil ? nil : group.gr_gid
    }

    /// sysconf(_SC_GETGR_R_SIZE_MAX): the suggested scratch size for getgrnam_r, -1 when there is no suggestion.
    static var groupEntrySizeHint: Int { sysconf(Int32(_SC_GETGR_R_SIZE_MAX)) }

    /// clock_gettime(2) of CLOCK_MONOTONIC in microseconds.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        // CLOCK_MONOTONIC cannot fail with a valid pointer.
        _ = clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    /// pthread_setname_np(3) of the calling thread, with `name` cut to the kernel's 15 bytes (at a character
    /// boundary); a failure changes nothing else and is ignored.
    static func setCurrentThreadName(_ name: String) {
        var bytes = 0
        var cut = ""
        for character in name {
            bytes += character.utf8.count
            guard bytes <= 15 else { break }
            cut.append(character)
        }
        _ = pageout_set_thread_name(cut)
    }

    /// getenv(3): the value of the environment variable `name` now, nil when it is unset.
    static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
