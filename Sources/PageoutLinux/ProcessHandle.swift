import Glibc
import SystemPackage

/// A VMM process that has exited (or never existed): nothing may act on it any more.
public struct ProcessExited: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pid the process had.
    public var pid: Int32
    /// What pageoutd was doing when it noticed, e.g. `"reading pagemap"`.
    public var during: String

    /// `during` completes "noticed while ...", e.g. `"opening a pidfd"`.
    public init(pid: Int32, during: String) {
        self.pid = pid
        self.during = during
    }

    public var description: String { "process \(pid) exited (noticed while \(during))" }
}

/// A process identified by a pidfd, not by its pid.
///
/// A pid can be reused the moment its process is reaped; a pidfd always refers to the process it was opened
/// for. Everything pageoutd does to a VMM goes through this handle (process_madvise takes the pidfd) or through
/// files opened while the handle proved the process alive, so an exited VMM's pid that another process reuses
/// never receives an madvise meant for the VMM.
public final class ProcessHandle: Sendable {
    /// The pid at the time the handle was opened.
    public let pid: Int32
    /// Field 22 of /proc/PID/stat (clock ticks after boot): with the pid, the process's identity across restarts.
    public let startTime: UInt64
    /// The pidfd (O_CLOEXEC), closed when the handle goes away.
    public let descriptor: FileDescriptor
    /// The /proc the handle reads.
    public let procfs: ProcFS

    /// Opens a pidfd for `pid` and reads its start time, proving both refer to one process.
    ///
    /// - Throws: `ProcessExited` if there is no such process, `SystemCallError` for anything else.
    public init(pid: Int32, procfs: ProcFS = ProcFS()) throws {
        let descriptor: FileDescriptor
        do {
            descriptor = try Syscalls.openProcess(pid)
        } catch {
            if error.errno == .noSuchProcess { throw ProcessExited(pid: pid, during: "opening a pidfd") }
            throw error
        }
        do {
            let startTime = try procfs.stat(pid: pid).startTime
            // The stat we read belongs to the pidfd's process only if that process was still alive after the read.
            self.pid = pid
            self.startTime = startTime
            self.descriptor = descriptor
            self.procfs = procfs
        } catch {
            Syscalls.close(descriptor)
            throw error
        }
        if hasExited {
            throw ProcessExited(pid: pid, during: "reading /proc/\(pid)/stat")
        }
    }

    deinit {
        Syscalls.close(descriptor)
    }

    /// True once the process has exited: a pidfd polls readable when its process terminates.
    public var hasExited: Bool {
        // A pidfd that cannot be polled any more cannot prove the process alive either.
        (try? Syscalls.isReady(descriptor, for: Int16(POLLIN), target: "pidfd of pid \(pid)")) ?? true
    }

    /// Throws `ProcessExited` if the process has exited.
    public func checkAlive(during activity: @autoclosure () -> String) throws(ProcessExited) {
        if hasExited { throw ProcessExited(pid: pid, during: activity()) }
    }

    /// The path of `name` in the process's /proc directory, e.g. `pagemap` or `map_files/START-END`.
    public func procPath(_ name: String) -> FilePath {
        procfs.path(pid: pid, name)
    }
}
