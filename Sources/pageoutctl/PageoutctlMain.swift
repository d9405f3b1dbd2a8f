import ArgumentParser
import Foundation
import Glibc

/// The entry point: runs the command and turns every outcome into pageoutctl's exit codes (0 ok, 1 the daemon
/// returned an error, 2 usage, 3 cannot connect), where ArgumentParser alone would exit 64 on a usage error.
@main
enum PageoutctlMain {
    static func main() {
        let command: any ParsableCommand
        do {
            command = try Pageoutctl.parseAsRoot()
        } catch {
            exitAfterParsing(error)
        }
        var running = command
        do {
            try running.run()
        } catch let failure as CommandFailure {
            printError("pageoutctl: \(failure.message)")
            exit(failure.exitCode.rawValue)
        } catch {
            exitAfterParsing(error)
        }
        exit(0)
    }

    /// Exits for an error of ArgumentParser's (a help request, a usage error): its message, and 2 for usage.
    private static func exitAfterParsing(_ error: any Error) -> Never {
        let code = Pageoutctl.exitCode(for: error)
        guard code == .validationFailure else { Pageoutctl.exit(withError: error) }
        let message = Pageoutctl.fullMessage(for: error)
        if !message.isEmpty { printError(message) }
        exit(ExitStatus.usage.rawValue)
    }
}

/// pageoutctl's exit codes.
enum ExitStatus: Int32 {
    /// Done.
    case ok = 0
    /// The daemon answered with an error (or with a reply pageoutctl cannot read).
    case daemonError = 1
    /// The command line is wrong.
    case usage = 2
    /// The daemon cannot be reached on its socket.
    case cannotConnect = 3
}

/// A command that ran and failed: one line for stderr, and the exit code.
struct CommandFailure: Error {
    /// The exit code.
    var exitCode: ExitStatus
    /// One line, without the "pageoutctl: " prefix.
    var message: String
}

/// Writes `line` and a newline to stderr.
func printError(_ line: String) {
    let text = line.hasSuffix("\n") ? line : line + "\n"
    FileHandle.standardError.write(Data(text.utf8))
}
