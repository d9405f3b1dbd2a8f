import Foundation
import Logging
import PageoutLinux

/// Writes the metrics textfile on a thread of its own, latest text first.
///
/// A write creates, fsyncs and renames a file in a directory the operator chose: a slow or hung disk there must
/// delay the file, never a scan round (the watchdog pings come from the rounds). The supervisor hands over each
/// round's text and moves on; the thread writes the newest text it has when it is free, so texts that a slow
/// write overtook are dropped, not queued: memory stays bounded however long a write blocks.
final class MetricsTextfileWriter: @unchecked Sendable {
    // @unchecked: `pending` is only touched with `condition` locked; the thread owns the rest.
    private let condition = NSCondition()
    private var pending: (textfile: MetricsTextfile, text: String)?
    private let logger: Logger

    /// Starts the writer's thread, which logs failed writes to `logger` (and the next text retries).
    init(logger: Logger) {
        self.logger = logger
        let thread = Thread { [self] in
            ProcessEnvironment.nameCurrentThread("pageoutd-metric")
            run()
        }
        thread.start()
    }

    /// Hands `text` over for `textfile`, replacing a text not written yet.
    func submit(_ text: String, to textfile: MetricsTextfile) {
        condition.lock()
        pending = (textfile, text)
        condition.signal()
        condition.unlock()
    }

    /// The thread's loop, for the life of the process.
    private func run() {
        while true {
            condition.lock()
            while pending == nil { condition.wait() }
            let (textfile, text) = pending!
            pending = nil
            condition.unlock()
            do { try textfile.write(text) } catch {
                logger.warning("cannot write the metrics textfile, ignoring",
                               metadata: ["path": "\(textfile.path)", "error": "\(error)"])
            }
        }
    }
}
