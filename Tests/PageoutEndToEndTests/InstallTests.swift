import Foundation
import PageoutTestSupport
import Testing

/// `make install` (PREFIX, DESTDIR) puts binaries, configuration, units, the libvirt hook and the man pages where
/// they belong; `make uninstall` takes them away again and leaves the configuration.
///
/// The test installs the binaries this test run was built with (BINDIR_SOURCE), so make runs no swift command.
@Suite struct InstallTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let installedFiles: [(path: String, executable: Bool)] = [
        ("usr/bin/pageoutd", true),
        ("usr/bin/pageoutctl", true),
        ("usr/libexec/pageoutd/pageout-guestsim", true),
        ("etc/pageoutd/pageoutd.toml", false),
        ("usr/lib/systemd/system/pageoutd.service", false),
        ("usr/lib/systemd/system/pageoutd.socket", false),
        ("usr/share/pageoutd/libvirt-qemu-hook", true),
        ("usr/share/man/man8/pageoutd.8", false),
        ("usr/share/man/man1/pageoutctl.1", false),
        ("usr/share/man/man5/pageoutd.toml.5", false),
    ]

    static func make(_ target: String, destdir: String) throws -> (status: Int32, output: String) {
        let binaries = BuildProducts.url(of: "pageoutd").deletingLastPathComponent().path
        return try runToEnd(["make", "--no-print-directory", "-C", root.path, target, "DESTDIR=\(destdir)",
                             "PREFIX=/usr", "CONFIGURATION=debug", "BINDIR_SOURCE=\(binaries)", "SWIFT=false"])
    }

    static func temporaryDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.path
    }

    @Test func installPutsEveryFileInPlace() throws {
        let destdir = try Self.temporaryDirectory()
        let result = try Self.make("install", destdir: destdir)
        #expect(result.status == 0, "\(result.output)")
        for file in Self.installedFiles {
            let path = "\(destdir)/\(file.path)"
            #expect(FileManager.default.fileExists(atPath: path), "missing \(file.path)\n\(result.output)")
            if file.executable {
                #expect(FileManager.default.isExecutableFile(atPath: path), "\(file.path) is not executable")
            }
        }
        // The binaries are the ones built, the configuration is the shipped one.
        #expect(FileManager.default.contentsEqual(atPath: "\(destdir)/usr/bin/pageoutd",
                                                  andPath: BuildProducts.url(of: "pageoutd").path))
        #expect(FileManager.default.contentsEqual(atPath: "\(destdir)/etc/pageoutd/pageoutd.toml",
                                                  andPath: Self.root.appendingPathComponent("Config/pageoutd.toml").path))

        let service = try String(contentsOfFile: "\(destdir)/usr/lib/systemd/system/pageoutd.service", encoding: .utf8)
        let execStart = service.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") }
        #expect(execStart == ["ExecStart=/usr/bin/pageoutd --config /etc/pageoutd/pageoutd.toml"], "\(execStart)")
        let execReload = service.split(separator: "\n").filter { $0.hasPrefix("ExecReload=") }
        #expect(execReload == ["ExecReload=/usr/bin/pageoutctl reload"], "\(execReload)")

        // The installed man pages render.
        for page in ["usr/share/man/man8/pageoutd.8", "usr/share/man/man1/pageoutctl.1",
                     "usr/share/man/man5/pageoutd.toml.5"] {
            let rendered = try runToEnd(["groff", "-man", "-Tutf8", "-z", "-ww", "\(destdir)/\(page)"])
            #expect(rendered.status == 0 && rendered.output.isEmpty, "\(page): \(rendered.output)")
        }
    }

    @Test func installedUnitsVerify() throws {
        let destdir = try Self.temporaryDirectory()
        let result = try Self.make("install", destdir: destdir)
        #expect(result.status == 0, "\(result.output)")
        // systemd-analyze verify needs the ExecStart and ExecReload binaries to exist: point at the installed copies.
        let units = try Self.temporaryDirectory()
        let service = try String(contentsOfFile: "\(destdir)/usr/lib/systemd/system/pageoutd.service", encoding: .utf8)
            .replacingOccurrences(of: "ExecStart=/usr/bin/pageoutd ", with: "ExecStart=\(destdir)/usr/bin/pageoutd ")
            .replacingOccurrences(of: "ExecReload=/usr/bin/pageoutctl ",
                                  with: "ExecReload=\(destdir)/usr/bin/pageoutctl ")
        try service.write(toFile: "\(units)/pageoutd.service", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: "\(destdir)/usr/lib/systemd/system/pageoutd.socket",
                                         toPath: "\(units)/pageoutd.socket")
        let verify = try runToEnd(["systemd-analyze", "verify", "--man=no", "\(units)/pageoutd.socket",
                                   "\(units)/pageoutd.service"])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(!verify.output.contains("Unknown"), "\(verify.output)")
    }

    @Test func anExistingConfigurationIsKeptAndUninstallLeavesIt() throws {
        let destdir = try Self.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(destdir)/etc/pageoutd", withIntermediateDirectories: true)
        let mine = "[policy]\ncold_age = \"5m\"\n"
        try mine.write(toFile: "\(destdir)/etc/pageoutd/pageoutd.toml", atomically: true, encoding: .utf8)

        let install = try Self.make("install", destdir: destdir)
        #expect(install.status == 0, "\(install.output)")
        #expect(try String(contentsOfFile: "\(destdir)/etc/pageoutd/pageoutd.toml", encoding: .utf8) == mine)
        #expect(FileManager.default.contentsEqual(atPath: "\(destdir)/etc/pageoutd/pageoutd.toml.example",
                                                  andPath: Self.root.appendingPathComponent("Config/pageoutd.toml").path))

        let uninstall = try Self.make("uninstall", destdir: destdir)
        #expect(uninstall.status == 0, "\(uninstall.output)")
        for file in Self.installedFiles where file.path != "etc/pageoutd/pageoutd.toml" {
            #expect(!FileManager.default.fileExists(atPath: "\(destdir)/\(file.path)"), "left behind: \(file.path)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(destdir)/etc/pageoutd/pageoutd.toml.example"))
        #expect(try String(contentsOfFile: "\(destdir)/etc/pageoutd/pageoutd.toml", encoding: .utf8) == mine)
    }
}
