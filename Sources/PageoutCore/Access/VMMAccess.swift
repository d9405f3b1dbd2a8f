/// Who may register which process as a VMM: the daemon's authorisation of Register, as a pure function.
///
/// Root may register any process but these: pid 1, pageoutd itself and kernel threads. A member of the control
/// group may register only a process all of whose uids are its own or listed in `[daemon] vmm_users`.
public enum VMMAccess {
    /// What the daemon read about a process through its pidfd (the process was alive after the reads).
    public struct Candidate: Sendable, Hashable {
        /// The process ID.
        public var pid: Int32
        /// Its uids.
        public var uids: ProcessUIDs
        /// True for a kernel thread (PF_KTHREAD): it has no memory of its own.
        public var isKernelThread: Bool

        /// A process as read from /proc.
        public init(pid: Int32, uids: ProcessUIDs, isKernelThread: Bool) {
            self.pid = pid
            self.uids = uids
            self.isKernelThread = isKernelThread
        }
    }

    /// Why `caller` may not register `candidate`, or nil when it may.
    ///
    /// - Parameters:
    ///   - callerUID: the caller's uid (0: root).
    ///   - daemonPID: pageoutd's own pid.
    ///   - vmmUsers: the uids of `[daemon] vmm_users`.
    public static func refusal(of candidate: Candidate, callerUID: UInt32, daemonPID: Int32,
                               vmmUsers: Set<UInt32>) -> String? {
        let pid = candidate.pid
        if pid == 1 { return "pid 1 is the init process, which no one may register" }
        if pid == daemonPID { return "pid \(pid) is pageoutd itself" }
        if candidate.isKernelThread { return "pid \(pid) is a kernel thread, with no memory of its own" }
        guard callerUID != 0 else { return nil }
        guard let other = candidate.uids.all.first(where: { $0 != callerUID && !vmmUsers.contains($0) }) else {
            return nil
        }
        return "pid \(pid) runs as uid \(other) (uids \(candidate.uids)), neither the caller's uid \(callerUID) "
            + "nor one of [daemon] vmm_users"
    }
}
