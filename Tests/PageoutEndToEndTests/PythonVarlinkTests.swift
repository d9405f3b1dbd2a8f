import Foundation
import Glibc
import PageoutLinux
import PageoutTestSupport
import Testing

/// The python `varlink` package, an independent implementation of the protocol, as a client of pageoutd.
@Suite struct PythonVarlinkTests {
    @Test func anIndependentClientSpeaksToPageoutd() throws {
        try HostRequirements.requireRoot()
        let guest = try GuestSim(["--size", "16MiB", "--hot-percent", "10"])
        let daemon = try DaemonProcess(config: "[daemon]\nscan_interval = \"500ms\"\n")
        try Eventually.wait(for: "the control socket listening") { UnixSocket.isListening(at: daemon.socketPath) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/varlink_check.py").path
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", script, daemon.socketPath, "\(guest.pid)", guest.memfd]
        let output = Pipe()
        let errors = Pipe()
        python.standardOutput = output
        python.standardError = errors
        try python.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        try #require(python.terminationStatus == 0, "python varlink client failed: \(stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: text) as? [String: Any])
        print("python varlink client: \(String(decoding: text, as: UTF8.self))")
        #expect((result["info_interfaces"] as? [String])?.contains("io.pageoutd") == true)
        #expect(result["description_first_line"] as? String != nil)
        #expect(result["registered"] as? String == "py-vm")
        #expect((result["listed"] as? [String])?.contains("py-vm") == true)
        #expect(result["error"] as? String == "io.pageoutd.RegionNotFound")
        let scans = result["more_scans"] as? [Int] ?? []
        #expect(scans.count == 3 && scans == scans.sorted() && Set(scans).count == 3, "three updates: \(scans)")
        #expect((result["after_unregister"] as? [String])?.contains("py-vm") == false)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }
}
