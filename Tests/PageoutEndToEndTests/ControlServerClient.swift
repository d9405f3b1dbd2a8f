import Foundation
import Glibc
import PageoutTestSupport

/// A minimal varlink client for the tests: JSON + NUL out, bytes up to the next NUL in, every wait bounded.
final class VarlinkTestClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to `path`, retrying for `timeout` seconds while the daemon starts.
    init(path: String, timeout: Double = Eventually.defaultTimeout) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let fd = UnixStreamSocket.connect(to: path) {
                self.fd = fd
                return
            }
            let code = errno
            guard Date() < deadline else { throw TestFailure("cannot connect to \(path): errno \(code)") }
            usleep(50_000)
        }
    }

    deinit { close(fd) }

    /// Sends raw bytes; false when the daemon closed the connection (EPIPE, ECONNRESET) or it stayed full.
    @discardableResult
    func send(_ bytes: [UInt8], timeout: Double = 10) -> Bool {
        var sent = 0
        let deadline = Date().addingTimeInterval(timeout)
        while sent < bytes.count {
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard Date() < deadline else { return false }
            guard poll(&entry, 1, 200) > 0 else { continue }
            let count = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, min($0.count - sent, 1 << 16), Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return false
            }
            sent += count
        }
        return true
    }

    /// Sends one call.
    @discardableResult
    func send(method: String, parameters: [String: Any]? = nil, more: Bool = false, oneway: Bool = false) -> Bool {
        var call: [String: Any] = ["method": method]
        if let parameters { call["parameters"] = parameters }
        if more { call["more"] = true }
        if oneway { call["oneway"] = true }
        let data = try! JSONSerialization.data(withJSONObject: call)
        return send(Array(data) + [0])
    }

    /// The next message as a JSON object; nil when the daemon closed the connection.
    func read(timeout: Double = 10) throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                guard let object = try JSONSerialization.jsonObject(with: message) as? [String: Any] else {
                    throw TestFailure("reply is not an object: \(String(decoding: message, as: UTF8.self))")
                }
                return object
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw TestFailure("no reply within \(timeout) s") }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(min(remaining, 1) * 1000) + 1) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = recv(fd, &chunk, chunk.count, 0)
            if count == 0 || (count < 0 && errno == ECONNRESET) { return nil }
            guard count > 0 else { continue }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// Calls `method` and returns its reply (error replies too).
    func call(_ method: String, _ parameters: [String: Any]? = nil, timeout: Double = 10) throws -> [String: Any] {
        guard send(method: method, parameters: parameters) else { throw TestFailure("\(method): connection closed") }
        guard let reply = try read(timeout: timeout) else { throw TestFailure("\(method): connection closed") }
        return reply
    }

    /// True when the daemon closed the connection within `timeout` seconds (anything sent before is skipped).
    func isClosed(within timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            do {
                if try read(timeout: max(0.01, deadline.timeIntervalSinceNow)) == nil { return true }
            } catch {
                continue
            }
        }
        return false
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The `error` of a reply.
    var errorName: String? { self["error"] as? String }
    /// The `parameters` of a reply.
    var parameters: [String: Any] { self["parameters"] as? [String: Any] ?? [:] }
}

/// A daemon with its control socket and state directory in a fresh directory, and a guest-free config.
final class ControlDaemon {
    let directory: String
    let extra: String
    /// Lines added to `[daemon]`.
    let daemonExtra: String
    var socketPath: String { directory + "/run/pageoutd.sock" }
    var stateDirectory: String { directory + "/state" }
    var registrationsPath: String { stateDirectory + "/registrations.json" }
    private(set) var daemon: DaemonProcess

    /// Starts a daemon; `extra` goes under `[policy]` (or starts tables of its own), `daemonExtra` under `[daemon]`.
    init(extra: String = "", daemonExtra: String = "") throws {
        directory = "/tmp/pageoutd-ctl-" + UUID().uuidString.prefix(8)
        self.extra = extra
        self.daemonExtra = daemonExtra
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        daemon = try DaemonProcess(config: Self.config(directory: directory, extra: extra, daemonExtra: daemonExtra))
    }

    deinit {
        if daemon.process.isRunning {
            daemon.send(SIGTERM)
            _ = daemon.waitForExit(timeout: 10)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func config(directory: String, extra: String, daemonExtra: String = "") -> String {
        """
        [daemon]
        socket = "\(directory)/run/pageoutd.sock"
        state_directory = "\(directory)/state"
        scan_interval = "1s"
        log_level = "debug"
        \(daemonExtra)

        [policy]
        cold_age = "2s"
        \(extra)
        """
    }

    /// A client of this daemon.
    func client(timeout: Double = Eventually.defaultTimeout) throws -> VarlinkTestClient {
        try VarlinkTestClient(path: socketPath, timeout: timeout)
    }

    /// Stops the daemon (SIGTERM, expecting exit 0) and starts it again with the same configuration.
    func restart() throws -> Int32? {
        daemon.send(SIGTERM)
        let status = daemon.waitForExit(timeout: 15)
        daemon = try DaemonProcess(config: Self.config(directory: directory, extra: extra, daemonExtra: daemonExtra))
        return status
    }
}

extension VarlinkTestClient {
    /// The number of scan rounds the daemon finished (GetStatus).
    func scans() throws -> Int {
        let reply = try call("io.pageoutd.GetStatus")
        guard let scans = (reply.parameters["status"] as? [String: Any])?["scans"] as? Int else {
            throw TestFailure("no scan count in \(reply)")
        }
        return scans
    }

    /// Waits until the daemon finished `count` scan rounds more than `from`; returns its count then. Tests count
    /// rounds, not seconds: a loaded machine stretches a round, never changes what it does.
    @discardableResult
    func waitForRounds(_ count: Int, after from: Int) throws -> Int {
        try Eventually.value("\(count) scan rounds after round \(from)", interval: 0.05) {
            let now = try scans()
            return now >= from + count ? now : nil
        }
    }

    /// Region `name`'s status (GetRegion); throws on an error reply.
    func region(_ name: String) throws -> [String: Any] {
        let reply = try call("io.pageoutd.GetRegion", ["name": name])
        guard let region = reply.parameters["region"] as? [String: Any] else {
            throw TestFailure("GetRegion: \(reply)")
        }
        return region
    }

    /// Polls GetRegion `name` until `condition` holds; returns the region's status then.
    @discardableResult
    func waitForRegion(_ name: String, _ what: String,
                       _ condition: ([String: Any]) -> Bool) throws -> [String: Any] {
        var last: [String: Any] = [:]
        return try Eventually.value("region \(name): \(what)", interval: 0.2, describe: { "\(last)" }) {
            last = try call("io.pageoutd.GetRegion", ["name": name])
            guard let region = last.parameters["region"] as? [String: Any], condition(region) else { return nil }
            return region
        }
    }
}

/// Makes `calls` (method and parameters) over one connection from a python3 run through setpriv with
/// `credentials` (`--reuid 65534 ...`); returns the replies. Waits up to 60 s for a daemon just started to
/// bind its socket and give it its mode and group (a connect until then finds no file, no listener, or EACCES).
func callsAs(_ credentials: [String], _ socketPath: String, _ calls: [[Any]]) throws -> [[String: Any]] {
    let script = """
        import json, socket, sys, time
        deadline = time.monotonic() + 60
        while True:
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1])
                break
            except (FileNotFoundError, ConnectionRefusedError, PermissionError):
                s.close()
                if time.monotonic() > deadline: raise
                time.sleep(0.05)
        replies = []
        for method, parameters in json.loads(sys.argv[2]):
            s.sendall(json.dumps({"method": method, "parameters": parameters}).encode() + b"\\0")
            data = b""
            while not data.endswith(b"\\0"):
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            replies.append(json.loads(data[:-1]))
        print(json.dumps(replies))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    let encoded = String(decoding: try JSONSerialization.data(withJSONObject: calls), as: UTF8.self)
    process.arguments = credentials + ["/usr/bin/python3", "-c", script, socketPath, encoded]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard let replies = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
        throw TestFailure("no replies: \(String(decoding: data, as: UTF8.self))")
    }
    return replies
}
