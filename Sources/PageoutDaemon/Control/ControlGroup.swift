import Glibc
import SystemPackage

/// The control group of `[daemon] socket_group`, resolved to a gid at start-up.
enum ControlGroup {
    /// The gid `text` names: a numeric gid as is, a name through the group database (getgrnam_r), nil when
    /// `text` is empty (no control group).
    ///
    /// - Throws: `ControlSocketError` naming the key and the group when no group has that name.
    static func resolve(_ text: String) throws(ControlSocketError) -> gid_t? {
        if text.isEmpty { return nil }
        if let gid = gid_t(text) { return gid }
        var group = group()
        var result: UnsafeMutablePointer<group>?
        // getgrnam_r reports ERANGE when the buffer cannot hold the entry (a group with many members).
        var size = max(Int(sysconf(Int32(_SC_GETGR_R_SIZE_MAX))), 1024)
        while true {
            let code = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                getgrnam_r(text, &group, buffer.baseAddress, size, &result)
            }
            if code == ERANGE, size < 1 << 24 {
                size *= 2
                continue
            }
            if code == EINTR { continue }
            guard code == 0 else {
                let error = Errno(rawValue: code)
                throw ControlSocketError("[daemon] socket_group: cannot look up group \"\(text)\": \(error)",
                                         errno: error)
            }
            guard result != nil else {
                throw ControlSocketError("[daemon] socket_group: no group named \"\(text)\"",
                                         errno: .noSuchFileOrDirectory)
            }
            return group.gr_gid
        }
    }
}
