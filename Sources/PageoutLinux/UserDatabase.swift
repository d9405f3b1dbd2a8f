import Glibc

/// The system's user database (/etc/passwd, or whatever nsswitch.conf names).
public enum UserDatabase {
    /// The uid of the user `name`, nil when the database has no such user.
    ///
    /// - Throws: `SystemCallError` naming `getpwnam_r` when the lookup itself fails (an unreachable directory
    ///   service, an entry larger than 16 MiB).
    public static func userID(named name: String) throws(SystemCallError) -> UInt32? {
        var size = max(Syscalls.userEntrySizeHint, 1024)
        while true {
            do {
                return try Syscalls.userID(named: name, bufferSize: size)
            } catch {
                guard error.errno == .outOfRange, size < GroupDatabase.maximumEntryBytes else { throw error }
                size *= 2
            }
        }
    }
}

extension Syscalls {
    /// getpwnam_r(3): the uid of user `name`, nil when there is none; ERANGE when `bufferSize` is too small.
    static func userID(named name: String, bufferSize: Int) throws(SystemCallError) -> uid_t? {
        var user = passwd()
        var result: UnsafeMutablePointer<passwd>?
        _ = try systemCall("getpwnam_r", on: name) {
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: bufferSize) { buffer in
                // getpwnam_r returns the error number instead of setting errno: set it for systemCall.
                let code = getpwnam_r(name, &user, buffer.baseAddress!, bufferSize, &result)
                Glibc.errno = code
                return code == 0 ? 0 : -1
            }
        }
        return result == nil ? nil : user.pw_uid
    }

    /// sysconf(_SC_GETPW_R_SIZE_MAX): the suggested scratch size for getpwnam_r, -1 when there is no suggestion.
    static var userEntrySizeHint: Int { sysconf(Int32(_SC_GETPW_R_SIZE_MAX)) }
}
