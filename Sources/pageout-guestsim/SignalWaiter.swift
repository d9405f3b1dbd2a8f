import Glibc

/// Receives the simulator's control signals synchronously, with no signal handler at all.
///
/// `init` blocks SIGUSR1, SIGUSR2, SIGTERM and SIGINT (and SIGPIPE) in the calling thread before anything else
/// happens. Blocked signals stay pending until `wait(nanoseconds:)` takes them with sigtimedwait(2), which
/// also serves as the sleep between hot passes. Nothing runs in signal context, so there is nothing that has
/// to be async-signal-safe and no state shared with a handler; the simulator stays single-threaded. A signal
/// that arrives during a pass or a scan waits for it to finish, so the reply to USR1/USR2 comes within one
/// pass (plus the scan or verify itself).
///
/// SIGPIPE is blocked but never waited for: a write to a closed pipe then fails with EPIPE instead of killing
/// the process, and `Output` exits quietly.
struct SignalWaiter: ~Copyable {
    /// What the simulator is asked to do.
    enum Request: Equatable {
        /// SIGUSR1: read every page once.
        case scan
        /// SIGUSR2: check every page's pattern.
        case verify
        /// SIGTERM or SIGINT: exit 0.
        case exit
    }

    /// The signals `wait` takes.
    private var waited = sigset_t()

    /// Blocks the control signals and SIGPIPE in the calling thread. Call it first, on the main thread, before
    /// any other thread exists, so that every thread inherits the mask and no signal hits a default action.
    init() throws(GuestSimError) {
        sigemptyset(&waited)
        for signal in [SIGUSR1, SIGUSR2, SIGTERM, SIGINT] {
            sigaddset(&waited, signal)
        }
        var blocked = waited
        sigaddset(&blocked, SIGPIPE)
        let result = pthread_sigmask(SIG_BLOCK, &blocked, nil)
        guard result == 0 else { throw .syscall("pthread_sigmask(SIG_BLOCK)", result) }
    }

    /// Waits up to `nanoseconds` (0: just looks) for a control signal. Returns nil when none arrived in time.
    mutating func wait(nanoseconds: UInt64) -> Request? {
        var timeout = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        // EAGAIN is the timeout; EINTR (a stop/continue, say) simply ends this wait early.
        switch sigtimedwait(&waited, nil, &timeout) {
        case SIGUSR1: return .scan
        case SIGUSR2: return .verify
        case SIGTERM, SIGINT: return .exit
        default: return nil
        }
    }

    /// Waits until `deadline` (CLOCK_MONOTONIC nanoseconds) for a control signal; looks at least once even when
    /// the deadline has passed. Returns nil once the deadline has passed with no signal.
    mutating func wait(until deadline: UInt64) -> Request? {
        var now = Clock.now()
        while true {
            if let request = wait(nanoseconds: deadline > now ? deadline - now : 0) { return request }
            now = Clock.now()
            if now >= deadline { return nil }
        }
    }
}
