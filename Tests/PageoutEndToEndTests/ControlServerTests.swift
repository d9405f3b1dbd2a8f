import Foundation
import Glibc
import PageoutControl
import PageoutTestSupport
import Testing

/// The varlink control socket of a real pageoutd: the protocol, the methods, and what a client may not do.
@Suite struct ControlServerTests {
    @Test func serviceInterfaceAndStatus() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon()
        let client = try daemon.client()

        let info = try client.call("org.varlink.service.GetInfo")
        #expect(info.parameters["vendor"] as? String == "pageoutd")
        #expect(info.parameters["interfaces"] as? [String] == ["org.varlink.service", "io.pageoutd"])

        let description = try client.call("org.varlink.service.GetInterfaceDescription", ["interface": "io.pageoutd"])
        #expect(description.parameters["description"] as? String == ControlInterface.description)
        let service = try client.call("org.varlink.service.GetInterfaceDescription",
                                      ["interface": "org.varlink.service"])
        #expect((service.parameters["description"] as? String)?.contains("interface org.varlink.service") == true)
        let unknown = try client.call("org.varlink.service.GetInterfaceDescription", ["interface": "com.example"])
        #expect(unknown.errorName == "org.varlink.service.InterfaceNotFound")

        let status = try client.call("io.pageoutd.GetStatus")
        let figures = try #require(status.parameters["status"] as? [String: Any], "\(status)")
        #expect(figures["regions"] as? [Any] != nil && figures["scans"] as? Int != nil, "\(status)")

        // Every method of the IDL is implemented: none answers MethodNotFound (the parameters may be wrong).
        let declared = ControlInterface.description.split(separator: "\n").filter { $0.hasPrefix("method ") }
            .map { "io.pageoutd." + $0.dropFirst(7).prefix { $0 != "(" } }
        #expect(declared == ControlInterface.methods)
        for method in ControlInterface.methods where method != "io.pageoutd.Reload" {
            let reply = try client.call(method, ["name": "no-such-region"])
            #expect(reply.errorName != "org.varlink.service.MethodNotFound", "\(method): \(reply)")
        }
        // `oneway`: no reply; the next call is answered.
        client.send(method: "io.pageoutd.GetStatus", oneway: true)
        #expect(try client.call("org.varlink.service.GetInfo").errorName == nil)
    }

    @Test func methodErrorsAreTypedAndKeepTheConnection() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon()
        let client = try daemon.client()
        let cases: [(String, [String: Any]?, String, String?)] = [
            ("io.pageoutd.NoSuchMethod", nil, "org.varlink.service.MethodNotFound", nil),
            ("com.example.Thing", nil, "org.varlink.service.InterfaceNotFound", nil),
            ("io.pageoutd.GetRegion", ["name": 5], "io.pageoutd.InvalidParameter", "name"),
            ("io.pageoutd.GetRegion", [:], "io.pageoutd.InvalidParameter", "name"),
            ("io.pageoutd.GetRegion", ["name": "vm9"], "io.pageoutd.RegionNotFound", nil),
            ("io.pageoutd.GetStatus", ["surprise": true], "io.pageoutd.InvalidParameter", "surprise"),
            ("io.pageoutd.Register", ["name": "vm1", "pid": 1.5, "memfd": "ram"], "io.pageoutd.InvalidParameter", "pid"),
            ("io.pageoutd.Register", ["name": "vm1", "pid": 1e300, "memfd": "ram"], "io.pageoutd.InvalidParameter", "pid"),
            ("io.pageoutd.Register", ["name": "vm1", "pid": "12", "memfd": "ram"], "io.pageoutd.InvalidParameter", "pid"),
            ("io.pageoutd.Register", ["name": "vm 1", "pid": 1, "memfd": "ram"], "io.pageoutd.InvalidParameter", "name"),
            ("io.pageoutd.Register", ["name": "vm1", "memfd": "ram"], "io.pageoutd.InvalidParameter", "pid"),
            ("io.pageoutd.Register", ["name": "vm1", "pid": 1], "io.pageoutd.InvalidParameter", "memfd"),
            ("io.pageoutd.Register", ["name": "vm1", "pid": 2_000_000_000, "memfd": "ram"],
             "io.pageoutd.ProcessNotFound", nil),
            ("io.pageoutd.Register", ["name": "vm1", "pid": Int(getpid()), "memfd": "no-such-memfd"],
             "io.pageoutd.MappingNotFound", nil),
            ("io.pageoutd.Unregister", ["name": "vm1"], "io.pageoutd.RegionNotFound", nil),
            ("io.pageoutd.Pause", ["name": "vm1"], "io.pageoutd.RegionNotFound", nil),
            ("io.pageoutd.PageoutNow", ["name": "vm1", "bytes": -1], "io.pageoutd.InvalidParameter", "bytes"),
        ]
        for (method, parameters, error, parameter) in cases {
            let reply = try client.call(method, parameters)
            #expect(reply.errorName == error, "\(method) \(parameters ?? [:]): \(reply)")
            if let parameter { #expect(reply.parameters["parameter"] as? String == parameter, "\(method): \(reply)") }
        }
        #expect(try client.call("io.pageoutd.GetStatus").errorName == nil)
    }

    @Test func aSecondDaemonRefusesTheSocketInUseAndAStaleOneIsReplaced() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon()
        _ = try daemon.client().call("io.pageoutd.GetStatus")
        let second = try DaemonProcess(config: ControlDaemon.config(directory: daemon.directory, extra: ""))
        #expect(second.waitForExit(timeout: 15) == 1)
        #expect(second.stderrText.contains("another process answers on \(daemon.socketPath)"), "\(second.stderrText)")
        #expect(try daemon.client().call("io.pageoutd.GetStatus").errorName == nil)

        // A daemon killed without cleanup leaves its socket file: the next one replaces it.
        daemon.daemon.send(SIGKILL)
        _ = daemon.daemon.waitForExit(timeout: 10)
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath))
        _ = try daemon.restart()
        #expect(try daemon.client().call("io.pageoutd.GetStatus").errorName == nil)
        var info = stat()
        #expect(stat(daemon.socketPath, &info) == 0 && info.st_mode & 0o777 == 0o660)
    }

    @Test func statusStreamsAfterEveryRound() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon()
        let client = try daemon.client()
        client.send(method: "io.pageoutd.GetStatus", more: true)
        var scans: [Int] = []
        for _ in 0..<3 {
            let reply = try #require(try client.read(timeout: 60))
            #expect(reply["continues"] as? Bool == true, "\(reply)")
            scans.append(((reply.parameters["status"] as? [String: Any])?["scans"] as? Int) ?? -1)
        }
        #expect(scans[1] > scans[0] && scans[2] > scans[1], "\(scans)")
    }
}
