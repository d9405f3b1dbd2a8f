import Foundation
import Glibc

/// A second mapper of the demo guest's memory, like a vhost-user backend: `pageout-guestsim backend`, started
/// by `pageoutd demo --backend-share`.
final class DemoBackend: DemoChild {
    let process = Process()
    let pid: Int32
    /// The guest pages it maps.
    let touchedPages: Int

    /// Starts `pageout-guestsim backend` (next to this executable) against `guest`, reading `sharePercent`% of
    /// the pages after the hot set.
    init(of guest: DemoGuest, sharePercent: Int) throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.executableURL = exe.deletingLastPathComponent().appendingPathComponent("pageout-guestsim")
        let fromPercent = (guest.hotPages * 100 + guest.pages - 1) / max(guest.pages, 1)
        process.arguments = ["backend", "--pid", "\(guest.pid)", "--share", "\(sharePercent)%",
                             "--from", "\(fromPercent)%", "--memfd", guest.memfd]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let line = try DemoGuest.readLine(pipe.fileHandleForReading, of: "the backend")
        let fields = DemoGuest.fields(line)
        guard line.hasPrefix("BACKEND READY"), let pid = fields["pid"].flatMap({ Int32($0) }),
              let touched = fields["touched_pages"].flatMap({ Int($0) })
        else { throw DemoError("unexpected line from the backend: \(line)") }
        (self.pid, self.touchedPages) = (pid, touched)
    }

    deinit {
        stop()
    }
}
