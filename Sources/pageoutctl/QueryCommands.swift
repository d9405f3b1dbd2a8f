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
        let session = try global.session()
        let reply = try session.call("GetStatus")
        if session.json { return session.printJSON(reply) }
        let status = try session.field("status", of: reply, as: WireStatus.self)
        print(Rendering.statusText(status), terminator: "")
    }
}

/// `pageoutctl regions`: the regions as a table.
struct RegionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "regions", abstract: "List the regions.")

    @ParentCommand var global: Pageoutctl

    func run() throws {
        let session = try global.session()
        let reply = try session.call("ListRegions")
        if session.json { return session.printJSON(reply) }
        let regions = try session.field("regions", of: reply, as: [WireRegion].self)
        print(Rendering.regionTable(regions), terminator: "")
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
        let session = try global.session()
        let reply = try session.call("GetMetrics")
        if session.json { return session.printJSON(reply) }
        print(try session.field("text", of: reply, as: String.self), terminator: "")
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
