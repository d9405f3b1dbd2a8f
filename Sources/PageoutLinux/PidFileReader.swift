import Glibc
import PageoutCore
import SystemPackage

/// A region's VMM could not be identified from its pid file.
public struct PidFileUnreadable: Error, Sendable, CustomStringConvertible {
    /// The pid file.
    public var path: String
    /// What went wrong, never the file's contents.
    public var problem: String
    public var description: String { "pid file \(path) \(problem)" }
}

/// Reads pid files as a privileged daemon must: the path is given by someone else and may name a FIFO, a
/// device, a symbolic link to a secret, or a huge file.
enum PidFileReader {
    /// The pid the file at `path` names.
    ///
    /// The file is opened `O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC` (a FIFO opened for reading with
    /// O_NONBLOCK returns at once, a symbolic link as the last component fails with ELOOP), must be a regular
    /// file of at most `PidFile.sizeLimit` bytes, and must be owned by root or by the uid of the process it
    /// names (the owner of /proc/PID). Its contents are parsed, never quoted.
    static func pid(at path: String, procfs: ProcFS) throws(PidFileUnreadable) -> Int32 {
        func refuse(_ problem: String) -> PidFileUnreadable { PidFileUnreadable(path: path, problem: problem) }
        let descriptor: FileDescriptor
        do {
            descriptor = try Syscalls.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        } catch {
            if error.errno == .tooManySymbolicLinkLevels { throw refuse("is a symbolic link") }
            throw refuse("cannot be opened: \(error.errno.symbolicName) (\(error.errno))")
        }
        defer { Syscalls.close(descriptor) }
        let (text, owner) = try contents(of: descriptor, refuse: refuse)
        let pid: Int32
        switch PidFile.parse(text) {
        case .success(let parsed): pid = parsed
        case .failure(let error): throw refuse(error.problem)
        }
        guard owner == 0 || owner == (try? Syscalls.linkStatus(procfs.root.appending("\(pid)").string))?.userID.rawValue
        else { throw refuse("is owned by uid \(owner), neither root nor the owner of process \(pid)") }
        return pid
    }

    /// The text of the open pid file and its owner, after checking it is a small regular file.
    private static func contents(
        of descriptor: FileDescriptor, refuse: (String) -> PidFileUnreadable
    ) throws(PidFileUnreadable) -> (String, UInt32) {
        let status: Stat
        do {
            status = try Syscalls.status(descriptor, target: "pid file")
        } catch {
            throw refuse("cannot be examined: \(error.errno.symbolicName) (\(error.errno))")
        }
        guard status.type == .regular else { throw refuse("is not a regular file") }
        guard status.size <= PidFile.sizeLimit else { throw refuse("holds more than \(PidFile.sizeLimit) bytes") }
        // One byte more than the limit: a file that grew since fstat is refused too.
        var bytes = [UInt8](repeating: 0, count: PidFile.sizeLimit + 1)
        var count = 0
        while count < bytes.count {
            let read = try? bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(SystemCallError) in
                    try Syscalls.read(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]),
                                      target: "pid file")
                }
            }.get()
            guard let read else { throw refuse("cannot be read") }
            if read == 0 { break }
            count += read
        }
        guard count <= PidFile.sizeLimit else { throw refuse("holds more than \(PidFile.sizeLimit) bytes") }
        return (String(decoding: bytes[..<count], as: UTF8.self), status.userID.rawValue)
    }
}
