import ArgumentParser
import Foundation
import Glibc
import Logging
import PageoutConfig
import PageoutCore
import PageoutDaemon
import PageoutLinux

/// `pageoutd demo`: the daemon against the built-in guest simulator, with a live progress line and a summary.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run pageoutd against the built-in guest simulator and show what it does.",
        discussion: """
            Starts a simulated VM (a memfd of --size bytes whose first --hot-percent is touched all the time), \
            runs the daemon against it with a short cold age, shows its progress until the cold memory is in \
            swap, then lets a "backup tool" read all guest memory and shows the repair. With --backend-share, a \
            second process maps part of the cold memory first, as a vhost-user backend does with its buffers: \
            the kernel will not page out pages two processes map, and the demo shows them held, then paged out \
            once the backend exits. Needs root and swap.
            """)

    @Option(help: "Size of the simulated guest RAM (B, KiB, MiB, GiB).")
    var size: String = "1GiB"

    @Option(help: "Percentage of the guest's memory it keeps using.")
    var hotPercent: Int = 20

    @Option(help: ArgumentHelp("Stop waiting for convergence after this long: \"90s\", \"2m\" (as durations in the "
                               + "config file), or a number of seconds. Default: 90s.", valueName: "DURATION"),
            transform: { text in try Duration(commandLineText: text) })
    var duration: Duration = .seconds(90)

    @Option(help: ArgumentHelp("Run a vhost-user-like backend that maps this share of the guest's cold pages, e.g. "
                               + "\"25%\".", valueName: "PERCENT"))
    var backendShare: String?

    func run() async throws {
        guard let bytes = try? ByteSize(configText: size), bytes.bytes > 0 else {
            throw ValidationError("--size: \"\(size)\" is not a size (e.g. 1GiB, 512MiB)")
        }
        guard (0...90).contains(hotPercent) else { throw ValidationError("--hot-percent must be 0...90") }
        let sharePercent = try backendShare.map(Self.percent)
        try Self.checkHost()
        LoggingSetup.bootstrap(level: .warning, destination: .standardError)
        let guest = try DemoGuest(size: bytes.bytes, hotPercent: hotPercent)
        defer { guest.stop() }
        let out = DemoOutput()
        out.line("pageoutd demo: a simulated VM (pid \(guest.pid)) with \(Self.mib(bytes.bytes)) of guest RAM in memfd "
                 + "\"\(guest.memfd)\", \(hotPercent)% of it in constant use.")
        let backend = try sharePercent.map { try DemoBackend(of: guest, sharePercent: $0) }
        defer { backend?.stop() }
        if let backend {
            let shared = Self.mib(Self.bytes(backend.touchedPages))
            out.line("A vhost-user-like backend (pid \(backend.pid)) maps \(shared) "
                     + "of its cold memory too: the kernel will not page out pages two processes map.")
        }
        out.line("The daemon scans it every second; memory unused for 3 s is cold and goes to swap, a sample first.")
        out.line("")

        let state = FileManager.default.temporaryDirectory.appendingPathComponent("pageoutd-demo-\(getpid())")
        defer { try? FileManager.default.removeItem(at: state) }
        let supervisor = Supervisor(configuration: Self.configuration(guest: guest, stateDirectory: state.path),
                                    forceDryRun: false, procfs: ProcFS(), logger: Logger(label: "pageoutd"))
        await supervisor.start()
        let heldBytes = Self.bytes(backend?.touchedPages ?? 0)
        let (region, converged) = try await converge(supervisor, guest: guest, heldBytes: heldBytes, out: out)
        report(region, converged: converged, guest: guest, out: out)
        if let backend { try await demonstrateBackendExit(backend, supervisor: supervisor, guest: guest, out: out) }
        try await demonstrateScan(supervisor: supervisor, guest: guest, out: out, before: region.swappedBytes)
        out.line("")
        out.line("Next: `pageoutd --check-config Config/pageoutd.toml` shows every setting; install the daemon "
                 + "with the")
        out.line("units in systemd/ and query it with `pageoutctl status`; README.md explains how it decides.")
    }

    /// The demo's configuration: 1 s scans, 3 s cold_age, limits that let the guest converge in seconds.
    private static func configuration(guest: DemoGuest, stateDirectory: String) -> PageoutConfiguration {
        var configuration = PageoutConfiguration.default
        configuration.daemon.scanInterval = .seconds(1)
        configuration.daemon.stateDirectory = stateDirectory
        configuration.policy.coldAge = .seconds(3)
        configuration.policy.probeBudget = .mib(128)
        configuration.policy.maxPageoutRate = .gib(1)
        configuration.regions = [RegionConfig(name: "demo-vm", process: .pid(guest.pid), memory: .memfd(guest.memfd),
                                              policy: configuration.policy)]
        return configuration
    }

    /// Runs a round a second, with a progress line, until 95% of the cold memory is in swap or `duration` ends;
    /// returns the region's last status and when it converged.
    private func converge(_ supervisor: Supervisor, guest: DemoGuest, heldBytes: UInt64,
                          out: DemoOutput) async throws -> (RegionStatus, Duration?) {
        let coldBytes = UInt64(guest.pages - guest.hotPages) * Self.pageSize - heldBytes
        let clock = ContinuousClock()
        let started = clock.now
        var last = DaemonStatus()
        var converged: Duration?
        while started.duration(to: clock.now) < duration {
            let round = clock.now
            last = await supervisor.scanRound()
            out.progress(Self.progressLine(last, elapsed: started.duration(to: clock.now), guest: guest))
            if let region = last.regions.first, Double(region.swappedBytes) >= 0.95 * Double(coldBytes) {
                converged = started.duration(to: clock.now)
                break
            }
            try await Task.sleep(until: round.advanced(by: .seconds(1)), clock: clock)
        }
        out.endProgress()
        return (last.regions.first ?? RegionStatus(name: "demo-vm"), converged)
    }

    /// The summary after convergence: where the cold and the hot memory are, and what the guest felt.
    private func report(_ region: RegionStatus, converged: Duration?, guest: DemoGuest, out: DemoOutput) {
        let coldBytes = UInt64(guest.pages - guest.hotPages) * Self.pageSize
        let hotBytes = UInt64(guest.hotPages) * Self.pageSize
        out.line("")
        out.line(converged.map { "Converged after \(Self.seconds($0)):" } ?? "Stopped after \(Self.seconds(duration)):")
        out.line("  cold memory in swap:   \(Self.mib(region.swappedBytes)) of \(Self.mib(coldBytes)) cold")
        out.line("  hot memory resident:   \(Self.mib(region.mappedBytes))"
                 + " (the guest's hot set is \(Self.mib(hotBytes)))")
        out.line("  pages that came back:  \(region.refaultPages)"
                 + " (each one a guest stall; the hot set is \(guest.hotPages) pages)")
        if let mapper = region.otherMappers.first {
            out.line("  held by the backend:   \(Self.mib(region.heldByOtherMappersBytes)), mapped by \(mapper) too: "
                     + "the kernel will not page them out")
        }
        if let passes = guest.passes {
            out.line("  guest hot-loop pass:   \(Self.milliseconds(passes.first)) at start, "
                     + "\(Self.milliseconds(passes.mean)) now"
                     + " (worst in the last second \(Self.milliseconds(passes.worst)))")
        }
    }

    /// The machine's page size.
    private static let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))

    /// The bytes of `pages` pages.
    static func bytes(_ pages: Int) -> UInt64 { UInt64(pages) * pageSize }

    /// `text` as a percentage of 1...100: "25%" or "25".
    static func percent(_ text: String) throws -> Int {
        let digits = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let value = Int(digits), (1...100).contains(value) else {
            throw ValidationError("--backend-share: \"\(text)\" is not a percentage of 1-100 (e.g. 25%)")
        }
        return value
    }

    /// The backend exits: the pages it held are the VMM's alone again, and cold, so they go out within seconds.
    private func demonstrateBackendExit(_ backend: DemoBackend, supervisor: Supervisor, guest: DemoGuest,
                                        out: DemoOutput) async throws {
        let coldBytes = Self.bytes(guest.pages - guest.hotPages)
        backend.stop()
        let clock = ContinuousClock()
        let started = clock.now
        var region = RegionStatus(name: "demo-vm")
        while started.duration(to: clock.now) < .seconds(20) {
            region = await supervisor.scanRound().regions.first ?? region
            if Double(region.swappedBytes) >= 0.95 * Double(coldBytes) { break }
            try await Task.sleep(for: .seconds(1))
        }
        out.line("  the backend exits:     \(Self.mib(region.swappedBytes)) of \(Self.mib(coldBytes)) cold in swap "
                 + "\(Self.seconds(started.duration(to: clock.now))) later, "
                 + "\(Self.mib(region.heldByOtherMappersBytes)) held")
    }

    /// A backup tool reads all of the guest's memory; the daemon puts what came back into swap again.
    private func demonstrateScan(supervisor: Supervisor, guest: DemoGuest, out: DemoOutput,
                                 before: UInt64) async throws {
        out.line("")
        out.line("Now a backup tool reads every page of the guest's memory (through /proc/\(guest.pid)/map_files),")
        out.line("which brings cold pages back from swap without the guest using them:")
        let path = guest.mapFilesPath
        let reader = Task.detached { try DemoReader.readAll(path) }
        try await reader.value
        let clock = ContinuousClock()
        let started = clock.now
        var status = await supervisor.scanRound()
        out.line("  right after the read:  \(Self.mib(status.regions.first?.swappedBytes ?? 0)) in swap"
                 + " (\(Self.mib(status.regions.first?.skewedBytes ?? 0)) resident but unused by the guest)")
        while started.duration(to: clock.now) < .seconds(20) {
            try await Task.sleep(for: .seconds(1))
            status = await supervisor.scanRound()
            if Double(status.regions.first?.swappedBytes ?? 0) >= 0.95 * Double(before) { break }
        }
        let region = status.regions.first ?? RegionStatus(name: "demo-vm")
        out.line("  \(Self.seconds(started.duration(to: clock.now))) later:          "
                 + "\(Self.mib(region.swappedBytes)) in swap again"
                 + " (\(Self.mib(region.repairedBytes)) repaired), the guest's hot set untouched.")
    }

    /// Root and usable swap, or a sentence saying what is missing and the command that fixes it.
    static func checkHost() throws {
        guard geteuid() == 0 else {
            throw DemoError("pageoutd demo needs root (it reads another process's pagemap and pages its memory out): "
                            + "run it as root, e.g. `sudo scripts/demo.sh`")
        }
        let swap = try ProcFS().swapStatus()
        if let reason = swap.unusableReason {
            throw DemoError("pageoutd demo needs swap, and \(reason): run `scripts/setup-host.sh` (as root) to enable "
                            + "zram swap, then try again")
        }
    }

    /// The progress line of one round: the region's figures, the guest's pass time, and a guard in force.
    static func progressLine(_ status: DaemonStatus, elapsed: Duration, guest: DemoGuest) -> String {
        let region = status.regions.first ?? RegionStatus(name: "demo-vm")
        var line = "\(seconds(elapsed))  mapped \(mib(region.mappedBytes))  swapped \(mib(region.swappedBytes))"
            + "  working set \(mib(region.workingSetBytes))  paged out \(mib(region.pagedOutBytes))"
            + "  refaults \(region.refaultPages)"
        if region.heldByOtherMappersBytes > 0 { line += "  held by others \(mib(region.heldByOtherMappersBytes))" }
        if let passes = guest.passes { line += "  guest pass \(milliseconds(passes.mean))" }
        if let reason = status.guardReason ?? region.reason { line += "  (\(reason))" }
        return line
    }

    /// `bytes` in whole MiB, e.g. `"512 MiB"`.
    static func mib(_ bytes: UInt64) -> String { "\(bytes >> 20) MiB" }

    /// A guest pass time in milliseconds, e.g. `"0.42 ms"`.
    static func milliseconds(_ value: Double) -> String { String(format: "%.2f ms", value) }

    /// `duration` in seconds to a tenth, e.g. `"3.2 s"`.
    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

/// Reads every page of a file through a shared mapping, as a backup tool that maps guest RAM would.
enum DemoReader {
    static func readAll(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DemoError("cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        var status = stat()
        fstat(fd, &status)
        let length = Int(status.st_size)
        guard let base = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw DemoError("cannot map \(path): errno \(errno)")
        }
        defer { munmap(base, length) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var sum: UInt64 = 0
        for offset in stride(from: 0, to: length, by: pageSize) {
            sum &+= UInt64(base.load(fromByteOffset: offset, as: UInt8.self))
        }
        withExtendedLifetime(sum) {}
    }
}

/// The demo's output: a progress line redrawn in place on a terminal, plain lines otherwise.
final class DemoOutput {
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private var progressShown = false

    func line(_ text: String) {
        endProgress()
        write(text + "\n")
    }

    func progress(_ text: String) {
        if isTerminal {
            write("\r" + text + "\u{1B}[K")
            progressShown = true
        } else {
            write(text + "\n")
        }
    }

    func endProgress() {
        if progressShown { write("\n") }
        progressShown = false
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { _ = Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}
