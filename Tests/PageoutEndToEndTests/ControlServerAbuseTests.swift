import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// Mutating methods need root (what bad clients cannot do: ExclusiveTests.ControlServerAbuse).
@Suite struct ControlServerAbuseTests {
    @Test func anUnprivilegedClientReadsButCannotRegister() throws {
        try HostRequirements.requireRoot()
        let daemon = try ControlDaemon()
        _ = try daemon.client().call("io.pageoutd.GetStatus")
        // Operators get access through the socket's group; here the test opens it to everyone.
        #expect(chmod(daemon.socketPath, 0o666) == 0)
        let script = """
            import json, socket, sys
            s = socket.socket(socket.AF_UNIX)
            s.connect(sys.argv[1])
            def call(method, parameters):
                s.sendall(json.dumps({"method": method, "parameters": parameters}).encode() + b"\\0")
                data = b""
                while not data.endswith(b"\\0"):
                    chunk = s.recv(65536)
                    if not chunk: break
                    data += chunk
                return json.loads(data[:-1])
            print(json.dumps([call("io.pageoutd.GetStatus", {}),
                              call("io.pageoutd.Register", {"name": "vm1", "pid": 1, "memfd": "ram"}),
                              call("io.pageoutd.Reload", {})]))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid", "65534", "--regid", "65534", "--clear-groups",
                             "/usr/bin/python3", "-c", script, daemon.socketPath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let replies = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]],
                                   "\(String(decoding: data, as: UTF8.self))")
        #expect(replies.count == 3)
        #expect(replies[0].errorName == nil && replies[0].parameters["status"] != nil, "\(replies[0])")
        #expect(replies[1].errorName == "io.pageoutd.PermissionDenied", "\(replies[1])")
        #expect(replies[1].parameters["method"] as? String == "io.pageoutd.Register")
        #expect(replies[2].errorName == "io.pageoutd.PermissionDenied", "\(replies[2])")
    }
}
