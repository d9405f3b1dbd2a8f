import Foundation
import Glibc
import PageoutControl

/// A varlink server for one connection, on a temporary AF_UNIX socket: a thread accepts one client, reads one
/// NUL-terminated call, records it, writes canned frames and closes. Tests check the recorded call.
final class FakeVarlinkServer: @unchecked Sendable {
    /// What the server sends back.
    enum Answer: Sendable {
        /// These replies, each framed, written in one go.
        case replies([VarlinkReply])
        /// These bytes as they are (for malformed or oversized replies).
        case raw([UInt8])
        /// Nothing: the connection stays open until the server is released (for timeouts).
        case silence
    }

    /// The socket's path.
    let path: String
    private let exchange = Exchange()

    /// Listens on a fresh socket and serves one connection with `answer`.
    init(answer: Answer) throws {
        let directory = NSTemporaryDirectory().count < 60 ? NSTemporaryDirectory() : "/tmp"
        path = (directory as NSString).appendingPathComponent("pctl-\(UUID().uuidString.prefix(8)).sock")
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw FakeServerError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(listener, 4) == 0 else {
            close(listener)
            throw FakeServerError("bind/listen \(path): errno \(errno)")
        }
        // The thread owns the listener and the exchange, not the server, so releasing the server ends a silence.
        let (shared, socketPath) = (exchange, path)
        Thread { Self.serve(listener: listener, path: socketPath, answer: answer, exchange: shared) }.start()
    }

    deinit {
        exchange.release.signal()
        unlink(path)
    }

    /// The call the client sent, once the server has answered (nil when none came within `timeout` seconds or it
    /// is not a varlink call).
    func call(timeout: Double = 10) -> VarlinkCall? {
        guard exchange.finished.wait(timeout: .now() + timeout) == .success else { return nil }
        exchange.finished.signal()  // for the next look
        guard let bytes = exchange.received else { return nil }
        return try? JSONDecoder().decode(VarlinkCall.self, from: Data(bytes))
    }

    /// The parameters of the received call as an object (empty when it had none).
    func parameters(timeout: Double = 10) -> [String: JSONValue]? {
        guard let call = call(timeout: timeout) else { return nil }
        guard case .object(let object) = call.parameters ?? .object([:]) else { return nil }
        return object
    }

    /// What the serving thread and the test share.
    private final class Exchange: @unchecked Sendable {
        private let lock = NSLock()
        private var bytes: [UInt8]?
        /// Signalled once the call is read and answered (or the connection never came).
        let finished = DispatchSemaphore(value: 0)
        /// Signalled when the server is released: a silent connection closes.
        let release = DispatchSemaphore(value: 0)

        /// The call's bytes without the NUL.
        var received: [UInt8]? {
            get { lock.withLock { bytes } }
            set { lock.withLock { bytes = newValue } }
        }
    }

    private static func serve(listener: Int32, path: String, answer: Answer, exchange: Exchange) {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        let client = poll(&poller, 1, 10_000) == 1 ? accept(listener, nil, nil) : -1
        close(listener)
        unlink(path)
        guard client >= 0 else {
            exchange.finished.signal()
            return
        }
        defer { close(client) }
        var message: [UInt8] = []
        var byte: UInt8 = 0
        while recv(client, &byte, 1, 0) == 1, byte != 0 {
            message.append(byte)
        }
        exchange.received = message
        let frames: [UInt8]
        switch answer {
        case .replies(let replies):
            frames = replies.flatMap { (try? VarlinkFraming.encode($0)) ?? [] }
        case .raw(let bytes):
            frames = bytes
        case .silence:
            exchange.finished.signal()
            _ = exchange.release.wait(timeout: .now() + 30)
            return
        }
        var offset = 0
        while offset < frames.count {
            let sent = frames[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { break }
            offset += sent
        }
        exchange.finished.signal()
    }
}

/// A failure to set up the fake server.
struct FakeServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
