import Glibc
import SystemPackage
import Testing
@testable import PageoutDaemon

/// The text of each sd_notify message, without sending anything.
@Suite struct NotifyMessageTests {
    @Test func namedMessagesHaveTheProtocolText() {
        #expect(NotifyMessage.ready().text == "READY=1")
        #expect(NotifyMessage.ready(status: "Watching 2 regions").text == "READY=1\nSTATUS=Watching 2 regions")
        #expect(NotifyMessage.status("Idle").text == "STATUS=Idle")
        #expect(NotifyMessage.watchdog.text == "WATCHDOG=1")
        #expect(NotifyMessage.reloading(monotonicMicroseconds: 1_234_567).text == "RELOADING=1\nMONOTONIC_USEC=1234567")
        #expect(NotifyMessage.stopping.text == "STOPPING=1")
        #expect(NotifyMessage.fatal(status: "No swap", errno: .noSuchFileOrDirectory).text == "STATUS=No swap\nERRNO=2")
    }

    @Test(arguments: [
        ("one\ntwo", "STATUS=one two"),
        ("cr\r\nlf", "STATUS=cr  lf"),
        ("nul\0end", "STATUS=nul end"),
        ("plain", "STATUS=plain"),
        ("", "STATUS="),
    ])
    func statusTextIsOneLine(input: String, expected: String) {
        #expect(NotifyMessage.status(input).text == expected)
        #expect(NotifyMessage.fatal(status: input, errno: .permissionDenied).text == expected + "\nERRNO=13")
    }

    @Test func returnValuesMapToResults() {
        #expect(NotifyResult(returnValue: 1) == .sent)
        #expect(NotifyResult(returnValue: 0) == .notConfigured)
        #expect(NotifyResult(returnValue: -ECONNREFUSED) == .failed(.connectionRefused))
        #expect(NotifyResult.sent.wasSent && !NotifyResult.notConfigured.wasSent)
    }
}

/// Real libsystemd against a datagram socket bound by the test, the way systemd listens for notifications.
///
/// Every test that sets `NOTIFY_SOCKET` or `WATCHDOG_*` lives in this one serialized suite, and sets the variables
/// only around the call under test, because tests of the whole target share one process environment.
@Suite(.serialized) struct SystemdNotifierTests {
    let notifier = SystemdNotifier()

    @Test func readySendsReady() throws {
        let socket = try NotifySocket()
        let (result, datagrams) = socket.exchange { notifier.ready() }
        #expect(result == .sent)
        #expect(datagrams == ["READY=1"])
    }

    @Test func readyCarriesStatusInTheSameDatagram() throws {
        let socket = try NotifySocket()
        let (result, datagrams) = socket.exchange { notifier.ready(status: "Watching 2 regions") }
        #expect(result == .sent)
        #expect(datagrams == ["READY=1\nSTATUS=Watching 2 regions"])
    }

    @Test func statusIsOneLine() throws {
        let socket = try NotifySocket()
        let (result, datagrams) = socket.exchange { notifier.status("Paging out\nvm1") }
        #expect(result == .sent)
        #expect(datagrams == ["STATUS=Paging out vm1"])
    }

    @Test func watchdogPings() throws {
        let socket = try NotifySocket()
        let (result, datagrams) = socket.exchange { notifier.watchdog() }
        #expect(result == .sent)
        #expect(datagrams == ["WATCHDOG=1"])
    }

    @Test func reloadingCarriesMonotonicNow() throws {
        let socket = try NotifySocket()
        let before = SystemdNotifier.monotonicMicroseconds()
        let (result, datagrams) = socket.exchange { notifier.reloading() }
        let after = SystemdNotifier.monotonicMicroseconds()
        #expect(result == .sent)
        let lines = try #require(datagrams.first).split(separator: "\n")
        #expect(datagrams.count == 1 && lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) })
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect(before <= stamp && stamp <= after)
    }

    @Test func stoppingAndFatal() throws {
        let socket = try NotifySocket()
        let stopping = socket.exchange { notifier.stopping() }
        #expect(stopping.result == .sent && stopping.datagrams == ["STOPPING=1"])
        let fatal = socket.exchange { notifier.fatal(status: "No usable swap", errno: .noSuchFileOrDirectory) }
        #expect(fatal.result == .sent && fatal.datagrams == ["STATUS=No usable swap\nERRNO=2"])
    }

    @Test func isEnabledFollowsNotifySocket() throws {
        let socket = try NotifySocket()
        #expect(withEnvironment(["NOTIFY_SOCKET": socket.path]) { notifier.isEnabled })
        #expect(!withEnvironment(["NOTIFY_SOCKET": nil]) { notifier.isEnabled })
        #expect(!withEnvironment(["NOTIFY_SOCKET": ""]) { notifier.isEnabled })
    }

    @Test func withoutNotifySocketNothingIsSent() throws {
        let socket = try NotifySocket()
        socket.drain()
        let results = withEnvironment(["NOTIFY_SOCKET": nil]) {
            [notifier.ready(status: "x"), notifier.status("x"), notifier.watchdog(), notifier.reloading(),
             notifier.stopping(), notifier.fatal(status: "x", errno: .ioError)]
        }
        #expect(results.allSatisfy { $0 == .notConfigured })
        #expect(socket.drain().isEmpty)
    }

    @Test func aMissingSocketIsAnError() throws {
        let socket = try NotifySocket()
        let missing = socket.path + ".missing"
        let result = withEnvironment(["NOTIFY_SOCKET": missing]) { notifier.ready() }
        #expect(result == .failed(.noSuchFileOrDirectory))
    }

    @Test func watchdogIntervalFromEnvironment() {
        let pid = String(getpid())
        let enabled = withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": pid]) {
            (notifier.watchdogInterval, notifier.watchdogPingInterval)
        }
        #expect(enabled.0 == .seconds(2))
        #expect(enabled.1 == .seconds(1))
        let withoutPid = withEnvironment(["WATCHDOG_USEC": "500000", "WATCHDOG_PID": nil]) { notifier.watchdogInterval }
        #expect(withoutPid == .milliseconds(500))
    }

    @Test func watchdogOffIsNil() {
        let otherPid = getpid() == 1 ? "2" : "1"
        let cases: [[String: String?]] = [
            ["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil],
            ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": otherPid],
            ["WATCHDOG_USEC": "soon", "WATCHDOG_PID": nil],
            ["WATCHDOG_USEC": "0", "WATCHDOG_PID": nil],
        ]
        for environment in cases {
            let interval = withEnvironment(environment) { (notifier.watchdogInterval, notifier.watchdogPingInterval) }
            #expect(interval.0 == nil && interval.1 == nil, "\(environment)")
        }
    }
}

/// Sets (or, for `nil`, unsets) environment variables around `body` and restores the previous values after it.
func withEnvironment<Result>(_ values: [String: String?], _ body: () throws -> Result) rethrows -> Result {
    let saved = values.keys.map { name in (name, getenv(name).map { String(cString: $0) }) }
    for (name, value) in values {
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
    defer {
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
    return try body()
}

/// An AF_UNIX datagram socket bound to a path in a fresh temporary directory: a stand-in for systemd's
/// notification socket.
final class NotifySocket {
    let directory: String
    let path: String
    let descriptor: Int32

    init() throws {
        var template = Array("/tmp/pageoutd-notify-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw Errno(rawValue: errno) }
        directory = String(cString: created)
        path = directory + "/notify"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Errno(rawValue: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        precondition(pathBytes.count < MemoryLayout.size(ofValue: address.sun_path), "socket path too long")
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw Errno(rawValue: errno) }
    }

    deinit {
        close(descriptor)
        unlink(path)
        rmdir(directory)
    }

    /// Points `NOTIFY_SOCKET` at this socket only while `call` runs and returns its result with the datagrams
    /// that arrived. sd_notify's sendmsg has queued the datagram by the time it returns, so no waiting is needed.
    func exchange(_ call: () -> NotifyResult) -> (result: NotifyResult, datagrams: [String]) {
        drain()
        let result = withEnvironment(["NOTIFY_SOCKET": path], call)
        return (result, drain())
    }

    /// Receives every queued datagram without blocking.
    @discardableResult
    func drain() -> [String] {
        var datagrams: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
            }
            guard count >= 0 else { return datagrams }
            datagrams.append(String(decoding: buffer[..<count], as: UTF8.self))
        }
    }
}
