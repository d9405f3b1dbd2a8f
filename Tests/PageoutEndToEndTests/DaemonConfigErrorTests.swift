import Foundation
import PageoutTestSupport
import Testing

/// Invalid configuration files: pageoutd refuses to start, with one line naming file, line, key and problem.
@Suite struct DaemonConfigErrorTests {
    static let cases: [(text: String, message: String)] = [
        ("[daemon]\nscan_interval = \"0s\"\n", ":2: daemon.scan_interval:"),
        ("[daemon]\nscan_interval = \"-1s\"\n", ":2: daemon.scan_interval:"),
        ("[daemon]\nscan_interval = 5\n", ":2: daemon.scan_interval:"),
        ("[daemon]\nlog_level = \"loud\"\n", ":2: daemon.log_level:"),
        ("[daemon]\nsockett = \"/run/x.sock\"\n", ":2: daemon.sockett:"),
        ("[policy]\ncold_age = \"2 minutes\"\n", ":2: policy.cold_age:"),
        ("[policy]\nmax_pageout_rate = \"256MB\"\n", ":2: policy.max_pageout_rate:"),
        ("[policy]\nmax_swapped_percent = \"120%\"\n", ":2: policy.max_swapped_percent:"),
        ("[policy]\nmin_backoff = \"20m\"\nmax_backoff = \"10m\"\n", "policy.min_backoff:"),
        ("[policy]\ndry_run = \"yes\"\n", ":2: policy.dry_run:"),
        ("[[region]]\nname = \"vm1\"\nmemfd = \"ram0\"\n", ": region[0]"),
        ("[[region]]\nname = \"vm1\"\npid = 42\n", ": region[0]"),
        ("[[region]]\nname = \"vm1\"\npid = 1\nmemfd = \"a\"\n[[region]]\nname = \"vm1\"\npid = 2\nmemfd = \"b\"\n", "region[1].name:"),
        ("[[region]]\nname = \"vm1\"\npid = 1\nmemfd = \"a\"\n[region.policy]\ncold_agee = \"1m\"\n", ":6: region[0].policy.cold_agee:"),
        ("[daemon\nscan_interval = \"1s\"\n", ":1"),
    ]

    @Test(arguments: cases)
    func refusesToStart(text: String, message: String) throws {
        let daemon = try DaemonProcess(config: text, isolated: false)
        let status = daemon.waitForExit(timeout: 30)
        #expect(status == 1, "exit status \(String(describing: status))")
        let first = daemon.stderrText.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix(daemon.configPath), "names the file: \(first)")
        #expect(first.contains(message), "\(first)")
    }

    @Test func checkConfigPrintsTheEffectiveConfigurationOrTheErrors() throws {
        let good = try DaemonProcess(config: "[policy]\ncold_age = \"5m\"\n", arguments: [])
        good.send(SIGTERM)
        _ = good.waitForExit(timeout: 15)
        let check = Process()
        check.executableURL = BuildProducts.url(of: "pageoutd")
        check.arguments = ["--check-config", good.configPath]
        let pipe = Pipe()
        check.standardOutput = pipe
        try check.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
        #expect(output.contains("cold_age = \"5m\"") && output.contains("scan_interval = \"1s\""), "\(output)")
    }
}
