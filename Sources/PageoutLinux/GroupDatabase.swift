/// The system's group database (/etc/group, or whatever nsswitch.conf names).
public enum GroupDatabase {
    /// The largest entry buffer tried: getgrnam_r reports ERANGE until the buffer holds the whole entry.
    static let maximumEntryBytes = 1 << 24

    /// The gid of the group `name`, nil when the database has no such group.
    ///
    /// - Throws: `SystemCallError` naming `getgrnam_r` when the lookup itself fails (an unreachable directory
    ///   service, an entry larger than 16 MiB).
    public static func groupID(named name: String) throws(SystemCallError) -> UInt32? {
        var size = max(Syscalls.groupEntrySizeHint, 1024)
        while true {
            do {
                return try Syscalls.groupID(named: name, bufferSize: size)
            } catch {
                // A group with many members needs a larger buffer.
                guard error.errno == .outOfRange, size < maximumEntryBytes else { throw error }
                size *= 2
            }
        }
    }
}
