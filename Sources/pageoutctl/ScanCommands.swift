import ArgumentParser
import Glibc
import PageoutControl

/// `pageoutctl scan-begin REGION`: opens a scan window and prints its token.
struct ScanBeginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-begin",
        abstract: "Open a scan window on a region before something reads all its memory; prints the token.",
        discussion: """
            The daemon records the region's cold set. Give the token to scan-end when the reader (a live \
            migration, a backup) is done: the cold pages it brought back are paged out again. A window left open \
            for 10 minutes expires.
            """)

    @ParentCommand var global: Pageoutctl

    @Argument(help: "The region's name.")
    var region: String

    func run() throws {
        try global.session().show("BeginScan", ["name": .string(region)], field: "token", as: String.self) { $0 + "\n" }
    }
}

/// `pageoutctl scan-end TOKEN`: ends a scan window and prints what it put back.
struct ScanEndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-end", abstract: "End a scan window: page its cold set out again and print the counts.")

    @ParentCommand var global: Pageoutctl

    @Argument(help: "The token scan-begin printed.")
    var token: String

    func run() throws {
        let session = try global.session()
        try session.show("EndScan", ["token": .string(token)]) { reply throws(CommandFailure) in
            try Self.summary(reply, session: session) + "\n"
        }
    }

    /// One line for EndScan's reply.
    static func summary(_ reply: JSONValue, session: Session) throws(CommandFailure) -> String {
        let cold = try session.field("cold_pages", of: reply, as: Int.self)
        let pagedOut = try session.field("paged_out", of: reply, as: Int.self)
        let repaired = try session.field("repaired", of: reply, as: Int.self)
        let swapped = try session.field("swapped_after", of: reply, as: Int.self)
        return "cold set \(cold) pages: \(pagedOut) paged out (mapped in the VMM), \(repaired) repaired "
            + "(read by another process), \(swapped) in swap now"
    }
}

/// `pageoutctl scan-wrap REGION -- COMMAND ARGS…`: runs a command inside a scan window.
struct ScanWrapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-wrap",
        abstract: "Run a command that reads a region's memory inside a scan window, and exit with its status.",
        discussion: """
            Opens the window (BeginScan), runs the command, and ends the window (EndScan) however the command \
            ended. If the window cannot be opened the command runs anyway, with a warning: a migration must not \
            fail because pageoutd is away. The counts go to stderr, leaving stdout to the command. Exit status: \
            the command's (128 + N if signal N killed it, 127 if it could not be started).
            """)

    @ParentCommand var global: Pageoutctl

    @Argument(help: "The region's name.")
    var region: String

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.",
                                                            valueName: "COMMAND"))
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command to run after --") }
    }

    func run() throws {
        var token: String?
        do {
            let session = try global.session()
            token = try session.field("token", of: try session.call("BeginScan", ["name": .string(region)]),
                                      as: String.self)
        } catch {
            printError("pageoutctl: no scan window (\(error.message)), running the command anyway")
        }
        let status = Self.runToCompletion(command)
        if let token {
            do {
                let session = try global.session()  // a new connection: the command may have run for long
                let reply = try session.call("EndScan", ["token": .string(token)])
                if session.json {
                    printError(Rendering.json(reply, pretty: false))
                } else {
                    printError("pageoutctl: \(region): \(try ScanEndCommand.summary(reply, session: session))")
                }
            } catch {
                printError("pageoutctl: scan window not ended: \(error.message)")
            }
        }
        fflush(nil)  // every stream: stdout may be a pipe
        Glibc.exit(status)  // the command's status as is (ExitCode would take 64 for a usage error)
    }

    /// Runs `arguments` (looked up in PATH) and waits for it; returns its exit status as a shell reports it.
    /// SIGINT and SIGQUIT are ignored meanwhile (as system(3) does), so a ^C stops the command and the window
    /// still ends; the child gets the default actions back.
    static func runToCompletion(_ arguments: [String]) -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGQUIT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        let previousInterrupt = signal(SIGINT, SIG_IGN)
        let previousQuit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, previousInterrupt)
            signal(SIGQUIT, previousQuit)
        }
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], nil, &attributes, cArguments, environ)
        guard spawned == 0 else {
            printError("pageoutctl: cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
            return 127
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return 127 }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import from <sys/wait.h>.
        let terminatingSignal = status & 0x7f
        return terminatingSignal == 0 ? (status >> 8) & 0xff : 128 + terminatingSignal
    }
}

extension Error {
    /// The error's one line for stderr.
    fileprivate var message: String {
        (self as? CommandFailure)?.message ?? "\(self)"
    }
}
