import ArgumentParser
import PageoutControl
import PageoutCore

/// `pageoutctl register --name N (--pid P | --pidfile F) (--memfd M | --path P)`.
struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a region: a VMM (pid or pidfile) and its guest memory (memfd name or /dev/shm path).")

    @ParentCommand var global: Pageoutctl

    @Option(help: "The region's name.")
    var name: String
    @Option(help: "The VMM's pid.")
    var pid: Int32?
    @Option(help: ArgumentHelp("A file holding the VMM's pid.", valueName: "FILE"))
    var pidfile: String?
    @Option(help: ArgumentHelp("The name of the VMM's memfd holding guest RAM.", valueName: "NAME"))
    var memfd: String?
    @Option(help: ArgumentHelp("The shared-memory file holding guest RAM (e.g. under /dev/shm).", valueName: "PATH"))
    var path: String?

    func validate() throws {
        guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
        guard (pid == nil) != (pidfile == nil) else { throw ValidationError("give exactly one of --pid and --pidfile") }
        guard (memfd == nil) != (path == nil) else { throw ValidationError("give exactly one of --memfd and --path") }
        if let pid, pid <= 0 { throw ValidationError("--pid must be positive") }
    }

    /// The call's parameters; absent options are left out.
    var parameters: [String: JSONValue] {
        var parameters: [String: JSONValue] = ["name": .string(name)]
        if let pid { parameters["pid"] = .number(Double(pid)) }
        if let pidfile { parameters["pidfile"] = .string(pidfile) }
        if let memfd { parameters["memfd"] = .string(memfd) }
        if let path { parameters["path"] = .string(path) }
        return parameters
    }

    func run() throws {
        try global.session().show("Register", parameters, field: "region", as: WireRegion.self) {
            Rendering.regionTable([$0])
        }
    }
}

/// `pageoutctl unregister NAME`.
struct UnregisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unregister", abstract: "Forget a region registered over the socket.")

    @ParentCommand var global: Pageoutctl

    @Argument(help: "The region's name.")
    var name: String

    func run() throws {
        try global.session().show("Unregister", ["name": .string(name)]) { _ in "unregistered \(name)\n" }
    }
}

/// `pageoutctl pause [NAME]`.
struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Hold pageout back for a region, or for all without a name.")

    @ParentCommand var global: Pageoutctl

    @Argument(help: "The region's name (default: every region).")
    var name: String?

    func run() throws {
        try PauseCommand.toggle("Pause", verb: "paused", name: name, global: global)
    }

    /// Calls Pause or Resume and prints the regions it changed.
    static func toggle(_ method: String, verb: String, name: String?, global: Pageoutctl) throws {
        let parameters: [String: JSONValue] = name.map { ["name": .string($0)] } ?? [:]
        try global.session().show(method, parameters, field: "names", as: [String].self) { names in
            names.isEmpty ? "\(verb): no regions\n" : "\(verb): \(names.joined(separator: ", "))\n"
        }
    }
}

/// `pageoutctl resume [NAME]`.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Let pageout run again for a region, or for all without a name.")

    @ParentCommand var global: Pageoutctl

    @Argument(help: "The region's name (default: every region).")
    var name: String?

    func run() throws {
        try PauseCommand.toggle("Resume", verb: "resumed", name: name, global: global)
    }
}

/// `pageoutctl pageout NAME [--bytes SIZE]`.
struct PageoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pageout", abstract: "Page a region's cold pages out now.")

    @ParentCommand var global: Pageoutctl

    @Argument(help: "The region's name.")
    var name: String

    @Option(help: ArgumentHelp("At most this much, e.g. 512MiB (default: what the rate limit allows).",
                               valueName: "SIZE"))
    var bytes: String?

    func validate() throws {
        _ = try budget
    }

    /// --bytes in bytes, as the config file writes sizes.
    var budget: UInt64? {
        get throws {
            guard let bytes else { return nil }
            do {
                return try ByteSize(configText: bytes).bytes
            } catch {
                throw ValidationError("--bytes: \(error)")
            }
        }
    }

    func run() throws {
        var parameters: [String: JSONValue] = ["name": .string(name)]
        if let budget = try budget { parameters["bytes"] = .number(Double(budget)) }
        try global.session().show("PageoutNow", parameters, field: "bytes", as: UInt64.self) { paged in
            "\(name): \(Rendering.bytes(paged)) paged out\n"
        }
    }
}

/// `pageoutctl reload`.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Reload the daemon's configuration file (as SIGHUP does).")

    @ParentCommand var global: Pageoutctl

    func run() throws {
        try global.session().show("Reload") { _ in "reloaded\n" }
    }
}
