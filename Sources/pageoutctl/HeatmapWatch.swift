import Glibc
import PageoutControl

/// `pageoutctl heatmap --watch`: asks for the picture every interval and shows it when the region was scanned
/// again, until SIGINT or SIGTERM. On a terminal each picture replaces the last; into a pipe they follow each
/// other, a blank line apart. An error of the daemon's (the region is not there yet, or not scanned) is shown in
/// place of the picture and the watch goes on; losing the daemon ends it.
struct HeatmapWatch {
    /// Where pictures go.
    let output: HeatmapOutput
    /// How often to ask.
    let interval: Duration
    /// Asks the daemon for the picture.
    let fetch: () throws(CommandFailure) -> HeatmapFrame

    /// Runs until a stop signal; then returns, leaving the last picture on the screen.
    func run() throws(CommandFailure) {
        let signals = StopSignals()
        let inPlace = isatty(STDOUT_FILENO) == 1 && !output.session.json
        var shown: String?
        if inPlace { output.write("\u{1B}[2J", inPlace: false) }
        repeat {
            let frame: HeatmapFrame
            do {
                frame = try fetch()
            } catch let failure where failure.exitCode == .daemonError {
                if shown != failure.message { report(failure, after: shown, inPlace: inPlace) }
                shown = failure.message
                continue
            }
            let picture = "scan \(frame.wire.scans)"
            guard shown != picture else { continue }
            separate(after: shown, inPlace: inPlace)
            try output.show(frame, inPlace: inPlace)
            shown = picture
        } while !signals.wait(interval)
    }

    /// Shows the daemon's error in place of the picture, or on stderr with --json (stdout has a JSON object a line).
    private func report(_ failure: CommandFailure, after shown: String?, inPlace: Bool) {
        guard !output.session.json else { return printError("pageoutctl: \(failure.message)") }
        separate(after: shown, inPlace: inPlace)
        output.write("pageoutctl: \(failure.message)\n", inPlace: inPlace)
    }

    /// Into a pipe, a blank line between two pictures (JSON pictures take a line each).
    private func separate(after shown: String?, inPlace: Bool) {
        guard shown != nil, !inPlace, !output.session.json else { return }
        output.write("\n", inPlace: false)
    }
}
