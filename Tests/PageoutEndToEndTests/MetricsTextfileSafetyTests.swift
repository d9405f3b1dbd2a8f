import Foundation
import Glibc
import PageoutTestSupport
import Testing

/// metrics_textfile in a directory other users may write to (a collector's): what they plant under the temporary
/// names a naive writer would use, or in the metrics file's place, is never opened, followed or renamed into place.
@Suite struct MetricsTextfileSafetyTests {
    @Test func fifosFilesAndLinksPlantedInTheMetricsDirectoryNeitherHangNorReplaceTheMetrics() throws {
        try HostRequirements.requireRoot()
        let metrics = "/tmp/pageoutd-metrics-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: metrics, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o1777])
        defer { try? FileManager.default.removeItem(atPath: metrics) }
        let victim = metrics + "/victim"
        try "the victim's\n".write(toFile: victim, atomically: false, encoding: .utf8)
        let textfile = metrics + "/pageoutd.prom"
        // As a plain user: FIFOs and a file under the temporary names, and a link where the metrics go.
        let plant = """
            import os, sys
            d = sys.argv[1]
            os.mkfifo(d + "/pageoutd.prom.tmp")
            os.mkfifo(d + "/.pageoutd.prom.tmp")
            open(d + "/pageoutd.prom.new", "w").write("attacker_metric 1\\n")
            os.symlink(d + "/victim", d + "/pageoutd.prom")
            """
        let (status, output) = try runToEnd(["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                                             "/usr/bin/python3", "-c", plant, metrics])
        try #require(status == 0, "\(output)")

        let daemon = try ControlDaemon(daemonExtra: "metrics_textfile = \"\(textfile)\"")
        let client = try daemon.client()
        let scans = try client.waitForRounds(2, after: 0)
        let started = Date()
        #expect(try client.call("io.pageoutd.Pause", [:]).errorName == nil)
        #expect(Date().timeIntervalSince(started) < 1, "Pause answered within 1 s")
        try client.waitForRounds(1, after: scans)

        var link = stat()
        #expect(lstat(textfile, &link) == 0 && link.st_mode & S_IFMT == S_IFREG && link.st_uid == 0,
                "the link was replaced by the daemon's own regular file")
        let text = try String(contentsOfFile: textfile, encoding: .utf8)
        #expect(text.contains("pageoutd_scans") && !text.contains("attacker"), "\(text)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "the victim's\n", "the link was not followed")
        for fifo in ["pageoutd.prom.tmp", ".pageoutd.prom.tmp"] {
            #expect(lstat(metrics + "/" + fifo, &link) == 0 && link.st_mode & S_IFMT == S_IFIFO, "\(fifo) untouched")
        }
        #expect(try String(contentsOfFile: metrics + "/pageoutd.prom.new", encoding: .utf8) == "attacker_metric 1\n")
    }
}
