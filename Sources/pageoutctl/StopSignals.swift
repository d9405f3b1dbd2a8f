import Glibc

/// SIGINT and SIGTERM held pending instead of killing the process, so that a loop that redraws the screen stops
/// between two pictures, never in the middle of one (which could leave the terminal coloured).
///
/// A signal that comes while the loop talks to the daemon waits for the next `wait`, at most the call's timeout.
struct StopSignals {
    private var signals = sigset_t()

    /// Blocks SIGINT and SIGTERM for the process (pageoutctl has one thread) until it exits.
    init() {
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        sigprocmask(SIG_BLOCK, &signals, nil)
    }

    /// Waits `duration` for SIGINT or SIGTERM; true if one came (it is consumed), false when the time is up.
    func wait(_ duration: Duration) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        var signals = signals
        while true {
            let left = clock.now.duration(to: deadline)
            guard left > .zero else { return false }
            var timeout = timespec(tv_sec: Int(left.components.seconds),
                                   tv_nsec: Int(left.components.attoseconds / 1_000_000_000))
            if sigtimedwait(&signals, nil, &timeout) > 0 { return true }
            // EAGAIN: the time is up; EINTR: another signal interrupted the wait, which goes on.
            if errno != EINTR { return false }
        }
    }
}
