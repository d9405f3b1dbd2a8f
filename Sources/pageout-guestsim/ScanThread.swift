import CPageoutSys
import Glibc
import Synchronization

/// How SIGUSR1's scan runs when it runs like a VMM's migration: on a thread of its own with a name, at a rate.
struct ScanThreadSettings: Sendable {
    /// The thread's name as /proc/PID/task/TID/comm shows it (QEMU's migration thread: `live_migration`).
    var name: String
    /// Bytes read per second (nil: as fast as it goes).
    var bytesPerSecond: Int?
}

/// SIGUSR1's scan on a thread named like QEMU's migration thread: it reads every page once, paced to the rate
/// (a throttled migration), prints SCANNED and ends, so the thread exists exactly while the scan runs, as the
/// migration thread exists while a migration runs. The main thread's hot loop goes on meanwhile.
enum ScanThread {
    /// What the thread needs; handed over through pthread_create's argument.
    private final class Job: Sendable {
        let settings: ScanThreadSettings
        let start: UInt
        let pageCount: Int
        let pageSize: Int

        init(settings: ScanThreadSettings, start: UInt, pageCount: Int, pageSize: Int) {
            (self.settings, self.start, self.pageCount, self.pageSize) = (settings, start, pageCount, pageSize)
        }
    }

    /// Whether a scan thread runs now: a second SIGUSR1 meanwhile is answered `SCAN busy`.
    private static let running = Atomic<Bool>(false)
    /// Receives the reads' result, so the optimiser cannot drop them.
    private static let sink = Atomic<UInt64>(0)

    /// Starts the scan of the `pageCount` pages of `pageSize` bytes at `start`.
    static func start(_ settings: ScanThreadSettings, start: UInt, pageCount: Int, pageSize: Int) {
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else {
            Output.line("SCAN busy")
            return
        }
        let job = Job(settings: settings, start: start, pageCount: pageCount, pageSize: pageSize)
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let job = Unmanaged<Job>.fromOpaque(argument!).takeRetainedValue()
            ScanThread.run(job)
            return nil
        }, Unmanaged.passRetained(job).toOpaque())
        guard result == 0 else {
            Output.warn("pthread_create: \(GuestSimError.errnoName(result))")
            running.store(false, ordering: .releasing)
            return
        }
        pthread_detach(thread)
    }

    /// The thread: names itself, reads the first word of every page at the rate, reports, ends.
    private static func run(_ job: Job) {
        _ = pageout_set_thread_name(job.settings.name)
        let began = Clock.now()
        var sum: UInt64 = 0
        let pagesPerStep = max(1, (1 << 20) / job.pageSize)
        var page = 0
        while page < job.pageCount {
            let end = min(page + pagesPerStep, job.pageCount)
            for index in page..<end {
                let address = UnsafePointer<UInt64>(bitPattern: job.start + UInt(index * job.pageSize))!
                sum ^= address.pointee
            }
            page = end
            if let rate = job.settings.bytesPerSecond {
                // Sleep until the time the bytes read so far take at the rate.
                let due = began + UInt64(Double(page * job.pageSize) / Double(rate) * 1e9)
                let now = Clock.now()
                if due > now {
                    var pause = timespec(tv_sec: Int((due - now) / 1_000_000_000),
                                         tv_nsec: Int((due - now) % 1_000_000_000))
                    var left = timespec()
                    while nanosleep(&pause, &left) != 0 && errno == EINTR { pause = left }
                }
            }
        }
        sink.store(sum, ordering: .relaxed)
        running.store(false, ordering: .releasing)
        Output.line("SCANNED thread=\(job.settings.name) ms=\((Clock.now() - began) / 1_000_000)")
    }
}
