import Foundation
import Logging
import PageoutLinux

/// Writes one file on a thread of its own, newest content first (the thread runs while there is something to
/// write, and ends when there is not).
///
/// A write creates, fsyncs and renames a file: a slow or hung disk must delay the file, never a scan round (the
/// watchdog pings come from the rounds) nor a call on the supervisor. The supervisor hands over each new content
/// and moves on; the thread writes the newest content it has when it is free, so contents that a slow write
/// overtook are dropped, not queued: memory stays bounded however long a write blocks. `flush()` waits, off
/// every thread that matters, until what was handed over before it is on disk.
final class FileWriterThread: @unchecked Sendable {
    // @unchecked: every stored property but `logger` and `what` is only touched with `lock` held.
    private let lock = NSLock()
    /// The newest write not started yet.
    private var pending: (@Sendable () throws -> Void)?
    /// How many writes were handed over, and how many of those are done (written, superseded or failed).
    private var submitted: UInt64 = 0
    private var finished: UInt64 = 0
    private var waiters: [(through: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    private var threadRunning = false
    private let threadName: String
    private let logger: Logger
    private let what: String

    /// A writer whose thread is named `threadName` (at most 15 bytes) and logs a failed write of `what` (e.g.
    /// "the metrics textfile") to `logger`; the next content handed over retries.
    init(threadName: String, what: String, logger: Logger) {
        self.threadName = threadName
        self.logger = logger
        self.what = what
    }

    /// Hands `write` over, replacing a write not started yet.
    func submit(_ write: @escaping @Sendable () throws -> Void) {
        lock.lock()
        pending = write
        submitted += 1
        let start = !threadRunning
        threadRunning = true
        lock.unlock()
        guard start else { return }
        let thread = Thread { [self] in
            ProcessEnvironment.nameCurrentThread(threadName)
            run()
        }
        thread.start()
    }

    /// Returns once every write handed over before the call is done (or was superseded by one that is).
    func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if finished >= submitted {
                lock.unlock()
                continuation.resume()
                return
            }
            waiters.append((submitted, continuation))
            lock.unlock()
        }
    }

    /// The thread's loop: writes until nothing is pending.
    private func run() {
        while true {
            lock.lock()
            guard let write = pending else {
                threadRunning = false
                lock.unlock()
                return
            }
            pending = nil
            let through = submitted
            lock.unlock()
            do { try write() } catch {
                logger.warning("cannot write \(what), ignoring", metadata: ["error": "\(error)"])
            }
            lock.lock()
            finished = through
            let ready = waiters.filter { $0.through <= through }
            waiters.removeAll { $0.through <= through }
            lock.unlock()
            for waiter in ready { waiter.continuation.resume() }
        }
    }
}
