import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// The limits on what one client makes the daemon hold: connections per uid, connections reserved for root and the
/// control group, status streams per uid, scan windows per region. Plain users are uid 65534 and 65533 via setpriv.
@Suite struct ControlServerLimitsTests {
    @Test func rootIsServedWhileAPlainUserHoldsEveryConnectionItMayTake() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon(daemonExtra: """
            max_clients = 6
            reserved_clients = 2
            max_clients_per_uid = 8
            max_subscribers_per_uid = 8
            socket_mode = "0666"
            """)
        _ = try daemon.client().scans()
        let holder = try HeldConnections(uid: 65534, count: 8, socketPath: daemon.socketPath)
        #expect(holder.outcomes == Array(repeating: "status", count: 4) + Array(repeating: "closed", count: 4),
                "4 of 6 places are not reserved")
        let roots = try (0..<2).map { _ in try daemon.client() }
        for root in roots { #expect(try root.call("io.pageoutd.GetStatus").errorName == nil, "root is served") }
        let other = try HeldConnections(uid: 65533, count: 1, socketPath: daemon.socketPath)
        #expect(other.outcomes == ["closed"], "the reserved places are not for plain users")
        #expect(daemon.daemon.stderrText.contains("too many clients (the rest are reserved)"))
        withExtendedLifetime(holder) {}
    }

    @Test func oneUidHoldsAtMostItsConnectionsAndStatusStreams() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon(daemonExtra: """
            max_clients_per_uid = 3
            max_subscribers_per_uid = 1
            socket_mode = "0666"
            """)
        _ = try daemon.client().scans()
        let holder = try HeldConnections(uid: 65534, count: 4, socketPath: daemon.socketPath)
        #expect(holder.outcomes == ["status", "error io.pageoutd.InvalidParameter more",
                                    "error io.pageoutd.InvalidParameter more", "closed"])
        let other = try HeldConnections(uid: 65533, count: 1, socketPath: daemon.socketPath)
        #expect(other.outcomes == ["status"], "another uid has places of its own")
        let root = try daemon.client()
        #expect(root.send(method: "io.pageoutd.GetStatus", more: true))
        #expect(try root.read()?["continues"] as? Bool == true, "root's streams are not counted")
        withExtendedLifetime(holder) {}
    }

    @Test func aRegionHoldsAtMostMaxScanWindowsOpen() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "0"])
        let daemon = try ControlDaemon(daemonExtra: "max_scan_windows = 2")
        let client = try daemon.client()
        #expect(try client.call("io.pageoutd.Register", ["name": "vm", "pid": Int(guest.pid), "memfd": guest.memfd])
            .errorName == nil)
        let tokens = try (0..<2).map { _ in
            let reply = try client.call("io.pageoutd.BeginScan", ["name": "vm"])
            return try #require(reply.parameters["token"] as? String, "\(reply)")
        }
        let refused = try client.call("io.pageoutd.BeginScan", ["name": "vm"])
        #expect(refused.errorName == "io.pageoutd.InvalidParameter", "\(refused)")
        #expect(refused.parameters["reason"] as? String
            == "region vm has 2 scan windows open already ([daemon] max_scan_windows)", "\(refused)")
        #expect(try client.call("io.pageoutd.EndScan", ["token": tokens[0]]).errorName == nil)
        #expect(try client.call("io.pageoutd.BeginScan", ["name": "vm"]).errorName == nil, "an ended window frees a place")
    }
}

/// Connections a plain user opens with setpriv and holds until the value goes: each asks GetStatus with `more`,
/// and `outcomes` says per connection what came back: `status`, `error NAME PARAMETER`, or `closed`.
private final class HeldConnections {
    let outcomes: [String]
    private let process = Process()
    private let input = Pipe()

    init(uid: UInt32, count: Int, socketPath: String) throws {
        let script = """
            import json, socket, sys
            held, outcomes = [], []
            for _ in range(int(sys.argv[2])):
                s = socket.socket(socket.AF_UNIX)
                s.connect(sys.argv[1])
                s.settimeout(30)
                held.append(s)
                try:
                    s.sendall(json.dumps({"method": "io.pageoutd.GetStatus", "more": True}).encode() + b"\\0")
                    data = b""
                    while not data.endswith(b"\\0"):
                        chunk = s.recv(65536)
                        if not chunk: break
                        data += chunk
                except OSError:
                    data = b""
                if not data.endswith(b"\\0"):
                    outcomes.append("closed")
                    continue
                reply = json.loads(data.split(b"\\0")[0])
                if "error" in reply:
                    outcomes.append("error %s %s" % (reply["error"], reply.get("parameters", {}).get("parameter")))
                else:
                    outcomes.append("status")
            print(json.dumps(outcomes), flush=True)
            sys.stdin.read()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid", "\(uid)", "--regid", "\(uid)", "--clear-groups",
                             "/usr/bin/python3", "-c", script, socketPath, "\(count)"]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        guard let outcomes = try? JSONSerialization.jsonObject(with: line) as? [String] else {
            throw TestFailure("no outcomes from uid \(uid): \(String(decoding: line, as: UTF8.self))")
        }
        self.outcomes = outcomes
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
