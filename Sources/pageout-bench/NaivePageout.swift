import ArgumentParser
import Foundation
import PageoutCore
import PageoutLinux

/// `pageout-bench naive-pageout`: the naive baseline of the policy benchmark, as a process of its own so that its
/// CPU time can be read like the daemon's.
struct NaivePageout: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "naive-pageout",
        abstract: "Pages out a VMM's whole region every N seconds with process_madvise(MADV_PAGEOUT), until it exits.",
        discussion: """
            The baseline `pageout-bench policy` compares pageoutd with: no learning at all, every page of the \
            region advised out every --every seconds, hot or cold. Exits with status 0 when the VMM exits.
            """)

    @Option(help: "The VMM's pid.")
    var pid: Int32

    @Option(help: "The memfd name of the region.")
    var memfd: String

    @Option(help: "Seconds between two pageouts of the whole region (the first after as long).")
    var every: Int = 20

    func validate() throws {
        guard every >= 1 else { throw ValidationError("--every \(every) is below 1 second.") }
    }

    func run() throws {
        let region = try ShmemRegion(process: ProcessHandle(pid: pid), source: .memfd(memfd))
        let whole = [0..<region.layout.pageCount]
        while true {
            Thread.sleep(forTimeInterval: Double(every))
            do {
                try region.pageOutMapped(whole)
            } catch is ProcessExited {
                return
            }
        }
    }
}
