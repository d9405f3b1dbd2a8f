/// This process's environment and clock, read where they are needed, not cached; the names of its threads.
public enum ProcessEnvironment {
    /// The value of the environment variable `name` now; nil when it is unset.
    public static func value(_ name: String) -> String? {
        Syscalls.environmentValue(name)
    }

    /// CLOCK_MONOTONIC now in microseconds: the clock systemd compares `MONOTONIC_USEC=` against.
    public static func monotonicMicroseconds() -> UInt64 {
        Syscalls.monotonicMicroseconds()
    }

    /// Names the calling thread as /proc/PID/task/TID/comm, `top -H` and debuggers show it, cut to 15 bytes.
    public static func nameCurrentThread(_ name: String) {
        Syscalls.setCurrentThreadName(name)
    }
}
