import ArgumentParser
import Foundation
import Glibc
import PageoutControl

/// `pageoutctl status`: the daemon's summary and a table of its regions.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the daemon's summary and every region's figures.")

    @ParentCommand var global: Pageoutctl

    func run() throws {
        try global.session().show("GetStatus", field: "status", as: WireStatus.self, render: Rendering.statusText)
    }
}

/// `pageoutctl regions`: the regions as a table.
struct RegionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "regions", abstract: "List the regions.")

    @ParentCommand var global: Pageoutctl

    func run() throws {
        try global.session().show("ListRegions", field: "regions", as: [WireRegion].self, render: Rendering.regionTable)
    }
}

/// `pageoutctl metrics`: the daemon's Prometheus metrics, as the daemon renders them.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the daemon's Prometheus metrics (text exposition format 0.0.4).",
        discussion: "With --json, the GetMetrics reply: the same text as one JSON string.")

    @ParentCommand var global: Pageoutctl

    func run() throws {
        try global.session().show("GetMetrics", field: "text", as: String.self) { $0 }
    }
}

/// `pageoutctl watch`: follows the status, a line per scan round, until interrupted.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print a summary line after every scan round until interrupted.",
        discussion: "With --json, one JSON object per line: the parameters of each GetStatus reply.")

    @ParentCommand var global: Pageoutctl

    func run() throws {
        let session = try global.session()
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        try session.follow("GetStatus") { reply in
            if session.json {
                print(Rendering.json(reply, pretty: false))
            } else {
                let status = try session.field("status", of: reply, as: WireStatus.self)
                print("\(formatter.string(from: Date()))  \(Rendering.summary(status))")
            }
            fflush(nil)  // every line as it comes, also into a pipe
        }
    }
}
