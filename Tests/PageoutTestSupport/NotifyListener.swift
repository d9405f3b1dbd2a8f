import Foundation
import Glibc

/// A stand-in for systemd's notification socket: a unix datagram socket that records every message received.
public final class NotifyListener: @unchecked Sendable {
    // @unchecked: `received` is only touched with `lock` held; `fd` and `path` never change.
    /// The socket's path, for NOTIFY_SOCKET.
    public let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [(at: ContinuousClock.Instant, text: String)] = []
    private var closed = false

    /// Binds a new socket in a fresh temporary directory and starts receiving.
    public init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            path.utf8CString.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(raw.count - 1))) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestFailure("bind \(path): errno \(errno)") }
        let thread = Thread { [self] in receive() }
        thread.start()
    }

    deinit {
        close()
    }

    /// Stops receiving.
    public func close() {
        lock.lock()
        let wasClosed = closed
        closed = true
        lock.unlock()
        if !wasClosed { shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }
    }

    /// Every message so far, with when it arrived.
    public var messages: [(at: ContinuousClock.Instant, text: String)] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Waits for a message (arriving after the first `skipping` ones) that satisfies `predicate`.
    @discardableResult
    public func wait(for what: String, after skipping: Int = 0, timeout: Double,
                     _ predicate: (String) -> Bool) throws -> (index: Int, text: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let all = messages
            if skipping < all.count, let index = all[skipping...].firstIndex(where: { predicate($0.text) }) {
                return (index, all[index].text)
            }
            // Judged before the sleep, so that a thread that woke late still looks once more.
            if Date() >= deadline { break }
            usleep(20_000)
        }
        throw TestFailure("no \(what) notification within \(timeout) s; got: \(messages.map(\.text))")
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, 200)
            lock.lock()
            let stop = closed
            lock.unlock()
            if stop { return }
            guard ready > 0 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let text = String(decoding: buffer[..<count], as: UTF8.self)
            lock.lock()
            received.append((ContinuousClock.now, text))
            lock.unlock()
        }
    }
}
