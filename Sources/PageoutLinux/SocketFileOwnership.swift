import Glibc
import SystemPackage

extension Syscalls {
    /// O_PATH of <asm-generic/fcntl.h> (glibc declares it only under _GNU_SOURCE): a descriptor that names a file
    /// without opening it for I/O; it works on sockets, and with O_NOFOLLOW names a symbolic link itself.
    static let openPathOnly: Int32 = 0o10000000
    /// AT_EMPTY_PATH of <fcntl.h> (_GNU_SOURCE too): the *at call acts on the descriptor itself.
    static let emptyPath: Int32 = 0x1000
}

extension FileSystem {
    /// Gives the socket file at `path` to group `group` (when given) and sets its permission bits to exactly
    /// `permissions`, through one O_PATH descriptor of the file itself: a symbolic link or other file put in the
    /// socket's place is refused, never followed or changed.
    ///
    /// A descriptor of the socket (as bind returns it) would not do: fchown and fchmod on a socket descriptor change
    /// the socket's own inode in sockfs, not the file bind created. chown goes through fchownat(fd, "", AT_EMPTY_PATH)
    /// (the unit's SystemCallFilter allows fchown and fchownat only, of the @chown group); chmod through the
    /// descriptor's /proc/self/fd link, which names that very inode (fchmodat cannot take AT_EMPTY_PATH before
    /// fchmodat2, Linux 6.6). The group is set first: chown clears set-id mode bits, chmod never changes the owner.
    ///
    /// - Throws: `SystemCallError` naming the call; ENOTSOCK when `path` is not a socket.
    public static func setSocketOwnership(
        of path: String, group: UInt32?, permissions: FilePermissions
    ) throws(SystemCallError) {
        let file = try Syscalls.open(path, Syscalls.openPathOnly | O_NOFOLLOW | O_CLOEXEC)
        defer { Syscalls.close(file) }
        let status = try Syscalls.status(file, target: path)
        guard status.type == .socket else {
            throw SystemCallError(call: "open", target: path, errno: .notSocket)
        }
        if let group {
            try Syscalls.changeGroup(file, to: group, target: "\(path) to group \(group)")
        }
        try Syscalls.changePermissions("/proc/self/fd/\(file.rawValue)", to: permissions.rawValue)
    }
}
