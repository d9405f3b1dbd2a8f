import PageoutLinux
import SystemPackage

/// The control group of `[daemon] socket_group`, resolved to a gid at start-up.
enum ControlGroup {
    /// The gid `text` names: a numeric gid as is, a name through the group database, nil when `text` is empty
    /// (no control group).
    ///
    /// - Throws: `ControlSocketError` naming the key and the group when no group has that name.
    static func resolve(_ text: String) throws(ControlSocketError) -> UInt32? {
        if text.isEmpty { return nil }
        if let gid = UInt32(text) { return gid }
        let found: UInt32?
        do {
            found = try GroupDatabase.groupID(named: text)
        } catch {
            throw ControlSocketError("[daemon] socket_group: cannot look up group \"\(text)\": \(error.errno)",
                                     errno: error.errno)
        }
        guard let found else {
            throw ControlSocketError("[daemon] socket_group: no group named \"\(text)\"", errno: .noSuchFileOrDirectory)
        }
        return found
    }
}
