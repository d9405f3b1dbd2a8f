import Foundation
import Glibc

/// A failure to talk to a varlink service: the socket, the transport or a malformed reply. An error the service
/// returned on purpose is a `ControlError` instead.
public struct VarlinkClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the exchange failed: connecting, sending, receiving, or reading the reply.
    public enum Code: Sendable, Equatable {
        /// `socket()` or `connect()` failed: the daemon cannot be reached at all.
        case connect
        /// Sending a call failed after the connection was made.
        case send
        /// Receiving a reply failed, or the service closed the connection before a whole reply.
        case receive
        /// No whole reply within the timeout.
        case timeout
        /// A reply longer than `VarlinkFraming.maximumMessageBytes`.
        case tooLarge
        /// A reply that is not a varlink reply object, or whose parameters do not have the expected shape.
        case invalidReply
    }

    /// Which step failed: pageoutctl tells "cannot connect" from "the daemon misbehaved" by it.
    public var code: Code
    /// The socket's path.
    public var path: String
    /// The errno of the failed call, when a syscall failed.
    public var errno: Int32?
    /// One sentence naming the socket and the reason.
    public var message: String

    /// An error of `code` on the socket at `path`, with the errno of the failed syscall if one failed.
    public init(_ code: Code, path: String, errno: Int32? = nil, message: String) {
        self.code = code
        self.path = path
        self.errno = errno
        self.message = message
    }

    /// The message as is.
    public var description: String { message }

    /// True when the client never reached the service (no socket, permission, nobody listening).
    public var isConnectFailure: Bool { code == .connect }
}

/// A blocking varlink client over one AF_UNIX stream connection: one call at a time, replies in order.
///
/// Not thread-safe: use one connection per thread. Closed by `close()` or when released.
public final class VarlinkConnection {
    /// The socket's path.
    public let path: String
    /// How long a call waits for its reply (and a send for buffer space); nil waits forever.
    public var timeout: Duration?
    private var fd: Int32
    /// Bytes received after the last complete message (the start of the next one).
    private var pending: [UInt8] = []

    /// Connects to the varlink service listening on the AF_UNIX socket at `path`.
    ///
    /// - Throws: `VarlinkClientError` with code `.connect` naming the path and the reason (no such file,
    ///   permission denied, nobody listening).
    public init(path: String, timeout: Duration? = .seconds(30)) throws(VarlinkClientError) {
        self.path = path
        self.timeout = timeout
        fd = try Self.connectSocket(path: path)
    }

    deinit {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// Closes the connection; later calls fail.
    public func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// Calls `method` and returns its reply's parameters (an empty object when the reply has none).
    ///
    /// - Throws: `ControlError` when the service answers with an error, `VarlinkClientError` otherwise.
    public func call(method: String, parameters: [String: JSONValue] = [:]) throws -> JSONValue {
        try send(VarlinkCall(method: method, parameters: .object(parameters)))
        return try Self.parameters(of: try receive())
    }

    /// Calls `method` and decodes its reply's parameters as `T`.
    ///
    /// - Throws: `ControlError` when the service answers with an error, `VarlinkClientError` otherwise (also when
    ///   the parameters do not decode as `T`).
    public func call<T: Decodable>(method: String, parameters: [String: JSONValue] = [:], as type: T.Type)
        throws -> T
    {
        let reply = try call(method: method, parameters: parameters)
        do {
            return try reply.decoded(as: T.self)
        } catch {
            throw VarlinkClientError(.invalidReply, path: path,
                                     message: "the reply to \(method) does not have the expected fields: \(error)")
        }
    }

    /// Calls `method` with `"more": true`: the replies arrive one by one from the returned sequence, which ends
    /// after the first reply whose `continues` is false or absent.
    ///
    /// - Throws: `VarlinkClientError` when the call cannot be sent; the replies throw as `call` does.
    public func stream(method: String, parameters: [String: JSONValue] = [:]) throws -> Replies {
        try send(VarlinkCall(method: method, parameters: .object(parameters), more: true))
        return Replies(connection: self)
    }

    /// The replies of a `more` call, in order.
    public struct Replies {
        let connection: VarlinkConnection
        private var finished = false

        init(connection: VarlinkConnection) {
            self.connection = connection
        }

        /// The next reply's parameters, or nil after the last one.
        ///
        /// - Throws: `ControlError` when the service answers with an error (the stream ends), `VarlinkClientError`
        ///   when the connection fails.
        public mutating func next() throws -> JSONValue? {
            guard !finished else { return nil }
            finished = true
            let reply = try connection.receive()
            let parameters = try VarlinkConnection.parameters(of: reply)
            finished = reply.continues != true
            return parameters
        }
    }

    // MARK: - Messages

    /// Sends one call (JSON + NUL).
    func send(_ call: VarlinkCall) throws(VarlinkClientError) {
        let bytes: [UInt8]
        do {
            bytes = try VarlinkFraming.encode(call)
        } catch {
            preconditionFailure("a VarlinkCall always encodes: \(error)")
        }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT), until: deadline, doing: "sending the call to")
            let sent = bytes[offset...].withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                let error = Glibc.errno
                if error == EINTR || error == EAGAIN { continue }
                throw VarlinkClientError(.send, path: path, errno: error,
                                         message: "cannot send to \(path): \(Self.errnoText(error))")
            }
            offset += sent
        }
    }

    /// Receives one reply: bytes up to the next NUL, at most `VarlinkFraming.maximumMessageBytes`.
    func receive() throws(VarlinkClientError) -> VarlinkReply {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            if let end = pending.firstIndex(of: 0) {
                let message = Array(pending[..<end])
                pending.removeSubrange(...end)
                return try decodeReply(message)
            }
            guard pending.count <= VarlinkFraming.maximumMessageBytes else {
                throw VarlinkClientError(.tooLarge, path: path,
                                         message: "the reply from \(path) is longer than "
                                            + "\(VarlinkFraming.maximumMessageBytes) bytes")
            }
            try wait(for: Int16(POLLIN), until: deadline, doing: "waiting for a reply from")
            let count = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                let error = Glibc.errno
                if error == EINTR || error == EAGAIN { continue }
                throw VarlinkClientError(.receive, path: path, errno: error,
                                         message: "cannot receive from \(path): \(Self.errnoText(error))")
            }
            if count == 0 {
                throw VarlinkClientError(.receive, path: path,
                                         message: "\(path) closed the connection before a whole reply")
            }
            pending.append(contentsOf: chunk[..<count])
        }
    }

    private func decodeReply(_ message: [UInt8]) throws(VarlinkClientError) -> VarlinkReply {
        do {
            return try JSONDecoder().decode(VarlinkReply.self, from: Data(message))
        } catch {
            throw VarlinkClientError(.invalidReply, path: path, message: "\(path) sent a reply that is not a varlink "
                + "reply object (\(message.count) bytes)")
        }
    }

    /// A reply's parameters, or its error thrown as a `ControlError`.
    static func parameters(of reply: VarlinkReply) throws(ControlError) -> JSONValue {
        if let name = reply.error {
            if case .object(let parameters) = reply.parameters {
                throw ControlError(name: name, parameters: parameters)
            }
            throw ControlError(name: name)
        }
        return reply.parameters ?? .object([:])
    }

    // MARK: - Syscalls

    /// Waits until `fd` is ready for `events`, or throws `.timeout` at `deadline`.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant?, doing what: String)
        throws(VarlinkClientError)
    {
        while true {
            var milliseconds: Int32 = -1
            if let deadline {
                let left = deadline - .now
                guard left > .zero else {
                    throw VarlinkClientError(.timeout, path: path,
                                             message: "timed out \(what) \(path) after \(timeout ?? .zero)")
                }
                let (seconds, attoseconds) = left.components
                milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            }
            var poller = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready < 0 {
                let error = Glibc.errno
                if error == EINTR { continue }
                throw VarlinkClientError(.receive, path: path, errno: error,
                                         message: "poll(\(path)): \(Self.errnoText(error))")
            }
            // POLLHUP and POLLERR also end the wait: the recv or send that follows reports them.
            if ready > 0 { return }
        }
    }

    /// `socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC)` connected to `path`.
    private static func connectSocket(path: String) throws(VarlinkClientError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let pathBytes = Array(path.utf8)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw VarlinkClientError(.connect, path: path, errno: ENAMETOOLONG,
                                     message: "cannot connect to \(path): a socket path has 1 to \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            let error = Glibc.errno
            throw VarlinkClientError(.connect, path: path, errno: error,
                                     message: "cannot connect to \(path): socket(): \(errnoText(error))")
        }
        while true {
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result == 0 { return fd }
            let error = Glibc.errno
            if error == EINTR { continue }
            _ = Glibc.close(fd)
            throw VarlinkClientError(.connect, path: path, errno: error,
                                     message: "cannot connect to \(path): \(errnoText(error))")
        }
    }

    /// `strerror(error)`, e.g. "No such file or directory".
    static func errnoText(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}

extension JSONValue {
    /// This value decoded as `T` (through its JSON text).
    public func decoded<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }

    /// The value of `key` when this is an object, else nil.
    public func field(_ key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}
