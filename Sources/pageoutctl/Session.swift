import Glibc
import PageoutControl

/// One connection to the daemon for one command: calls, and the mapping of every failure to an exit code and one
/// line for stderr.
struct Session {
    /// The socket's path, as messages name it.
    let path: String
    /// --json: replies are printed as JSON instead of text.
    let json: Bool
    private let connection: VarlinkConnection

    /// Connects to `path`.
    ///
    /// - Throws: `CommandFailure` with exit code 3 naming the socket and how to check the service.
    init(path: String, json: Bool, timeout: Duration) throws(CommandFailure) {
        self.path = path
        self.json = json
        do {
            connection = try VarlinkConnection(path: path, timeout: timeout)
        } catch {
            throw Self.failure(error)
        }
    }

    /// Calls `io.pageoutd.<method>` and returns the reply's parameters.
    func call(_ method: String, _ parameters: [String: JSONValue] = [:]) throws(CommandFailure) -> JSONValue {
        do {
            return try connection.call(method: "\(ControlInterface.name).\(method)", parameters: parameters)
        } catch {
            throw Self.failure(error)
        }
    }

    /// Calls `io.pageoutd.<method>` with `more` and hands every reply to `body`, until the daemon sends its last.
    /// Waits for replies without a timeout.
    func follow(_ method: String, _ parameters: [String: JSONValue] = [:], body: (JSONValue) throws -> Void)
        throws(CommandFailure)
    {
        do {
            var replies = try connection.stream(method: "\(ControlInterface.name).\(method)", parameters: parameters)
            connection.timeout = nil
            while let reply = try replies.next() {
                try body(reply)
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// `field` of `reply` decoded as `T`.
    ///
    /// - Throws: `CommandFailure` with exit code 1 when the reply lacks it or it has another shape.
    func field<T: Decodable>(_ field: String, of reply: JSONValue, as type: T.Type) throws(CommandFailure) -> T {
        do {
            guard let value = reply.field(field) else {
                throw CommandFailure(exitCode: .daemonError, message: "the reply from \(path) has no \"\(field)\"")
            }
            return try value.decoded(as: T.self)
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(exitCode: .daemonError,
                                 message: "the reply from \(path) has an unexpected \"\(field)\": \(error)")
        }
    }

    /// Calls `io.pageoutd.<method>` and prints the reply: indented JSON with sorted keys with --json, else the text
    /// `render` makes of it (ending with a newline).
    func show(_ method: String, _ parameters: [String: JSONValue] = [:],
              render: (JSONValue) throws(CommandFailure) -> String) throws(CommandFailure)
    {
        let reply = try call(method, parameters)
        if json { return print(Rendering.json(reply, pretty: true)) }
        print(try render(reply), terminator: "")
    }

    /// Calls `io.pageoutd.<method>` and prints the reply: indented JSON with --json, else the text `render` makes of
    /// the reply's `name` field decoded as `T`.
    func show<T: Decodable>(_ method: String, _ parameters: [String: JSONValue] = [:], field name: String,
                            as type: T.Type, render: (T) -> String) throws(CommandFailure)
    {
        try show(method, parameters) { reply throws(CommandFailure) in render(try field(name, of: reply, as: T.self)) }
    }

    /// The exit code and line for `error`: 1 for the daemon's errors and replies that cannot be read, 3 when the
    /// daemon cannot be reached or stops answering.
    static func failure(_ error: any Error) -> CommandFailure {
        switch error {
        case let failure as CommandFailure:
            return failure
        case let error as ControlError:
            return CommandFailure(exitCode: .daemonError, message: Rendering.oneLine(error.sentence))
        case let error as VarlinkClientError:
            return failure(error)
        default:
            return CommandFailure(exitCode: .daemonError, message: Rendering.oneLine("\(error)"))
        }
    }

    private static let howToCheck = "check the service with 'systemctl status pageoutd'"

    /// The exit code and line for a transport failure.
    static func failure(_ error: VarlinkClientError) -> CommandFailure {
        let path = error.path
        switch error.code {
        case .connect:
            let reason = switch error.errno {
            case ENOENT?:
                "the socket does not exist: is pageoutd running? \(howToCheck) (or pass --socket PATH)"
            case EACCES?, EPERM?:
                "permission denied: run as root or as a member of the daemon's control group, or \(howToCheck)"
            case ECONNREFUSED? where !isSocket(path):
                "the path is not a socket: \(howToCheck) (or pass --socket PATH)"
            case ECONNREFUSED?:
                "nothing listens on the socket (a stale socket file?): \(howToCheck)"
            default:
                nil as String?
            }
            guard let reason else {
                return CommandFailure(exitCode: .cannotConnect, message: "\(error.message); \(howToCheck)")
            }
            return CommandFailure(exitCode: .cannotConnect, message: "cannot connect to \(path): \(reason)")
        case .send, .receive, .timeout:
            return CommandFailure(exitCode: .cannotConnect, message: "\(error.message); \(howToCheck)")
        case .tooLarge, .invalidReply:
            return CommandFailure(exitCode: .daemonError, message: Rendering.oneLine(error.message))
        }
    }

    /// True when `path` is a socket (connecting to another kind of file is refused like a socket nobody serves).
    private static func isSocket(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
    }
}
