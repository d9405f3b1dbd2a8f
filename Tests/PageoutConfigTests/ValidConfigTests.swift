import PageoutCore
import Testing
@testable import PageoutConfig

@Suite("Valid config files")
struct ValidConfigTests {
    @Test("an empty file is the built-in default")
    func empty() throws {
        #expect(try ConfigLoader.parse("", fileName: "empty.toml") == .default)
        #expect(try ConfigLoader.parse("# nothing\n[daemon]\n[policy]\n", fileName: "empty.toml") == .default)
    }

    @Test("a date-time's shape or a brace in a comment, a string or a key is not refused as one (only values are)")
    func dateShapesOutsideValues() throws {
        let text = """
            # 2024-01-31T: a note
            [daemon]
            socket = "/run/pageoutd/2024-01-31T:x.sock" # 2024-01-31T:
            metrics_textfile = '''
            /var/lib/node/2024-01-31T:x.prom'''
            """
        let configuration = try ConfigLoader.parse(text, fileName: "pageoutd.toml")
        #expect(configuration.daemon.socket == "/run/pageoutd/2024-01-31T:x.sock")
        // Inline tables in arrays close with '}' after their last value, which is no array element.
        #expect(try ConfigLoader.parse("region = [ { name = \"a\", pid = 1, memfd = \"m\" }, ]\n",
                                       fileName: "x").regions.count == 1)
        #expect(errorLines("[policy]\n2024-01-31Tx = 1\n").first?
            .hasPrefix("pageoutd.toml:2: policy.2024-01-31Tx: unknown key in [policy]") == true)
    }

    @Test("regions with overrides get merged policies and remember what they override")
    func overrides() throws {
        let text = """
            [daemon]
            socket_mode = "660"
            socket_group = "1001"
            max_clients = 8
            client_idle_timeout = "2m"
            scan_interval = "750ms"
            log_level = "debug"

            [policy]
            cold_age = "3m"
            max_pageout_rate = "1G"
            min_free_swap = "10%"
            psi_some_avg10_max = 25
            max_swapped_percent = 80.5

            [[region]]
            name = "vm1"
            pid = 4242
            memfd = "memory-backend-memfd"
            [region.policy]
            cold_age = "5m"
            dry_run = true

            [[region]]
            name = "vm-2.test_x"
            pidfile = "/run/libvirt/qemu/vm2.pid"
            path = "/dev/shm/vm2-ram"
            """
        let configuration = try ConfigLoader.parse(text, fileName: "pageoutd.toml")
        #expect(configuration.daemon == DaemonSettings(socketMode: FileMode(0o660), socketGroup: "1001", maxClients: 8,
                                                      clientIdleTimeout: .seconds(120),
                                                      scanInterval: .milliseconds(750), logLevel: .debug))
        let global = PolicySettings(coldAge: .seconds(180), maxPageoutRate: .gib(1), minFreeSwap: .percent(Percent(10)),
                                    psiSomeAvg10Max: Percent(25), maxSwappedPercent: try #require(Percent(value: 80.5)))
        #expect(configuration.policy == global)
        #expect(configuration.regions.count == 2)

        var vm1Policy = global
        vm1Policy.coldAge = .seconds(300)
        vm1Policy.dryRun = true
        #expect(configuration.regions[0] == RegionConfig(
            name: "vm1", process: .pid(4242), memory: .memfd("memory-backend-memfd"), policy: vm1Policy,
            overriddenKeys: [.coldAge, .dryRun]))
        #expect(configuration.regions[1] == RegionConfig(
            name: "vm-2.test_x", process: .pidfile("/run/libvirt/qemu/vm2.pid"), memory: .shmFile("/dev/shm/vm2-ram"),
            policy: global))
        #expect(configuration.region(named: "vm1")?.memory.regionSource == .memfd("memory-backend-memfd"))
        #expect(configuration.validationIssues().isEmpty)
    }

    @Test("inline tables and dotted keys mean the same as table headers")
    func inlineForms() throws {
        let headers = try ConfigLoader.parse(regionText(extra: "[region.policy]\ncold_age = \"5m\"\n"), fileName: "a")
        let inline = try ConfigLoader.parse(
            #"region = [{ name = "vm1", pid = 4242, memfd = "memory-backend-memfd", policy = { cold_age = "5m" } }]"#,
            fileName: "b")
        let dotted = try ConfigLoader.parse(regionText(extra: "policy.cold_age = \"5m\"\n"), fileName: "c")
        #expect(headers == inline)
        #expect(headers == dotted)
        #expect(headers.regions.first?.overriddenKeys == [.coldAge])
    }

    @Test("a region override may fix what the global policy would make it: only the merged result counts")
    func mergedBackoffs() throws {
        let text = "[policy]\nmax_backoff = \"1m\"\n" + regionText(extra: "[region.policy]\nmax_backoff = \"1h\"\n")
        let configuration = try ConfigLoader.parse(text, fileName: "pageoutd.toml")
        #expect(configuration.regions[0].policy.maxBackoff == .seconds(3600))
        #expect(configuration.policy.maxBackoff == .seconds(60))
    }

    @Test("replacing keys is how overrides apply")
    func replacing() {
        var other = PolicySettings.default
        other.coldAge = .seconds(1)
        other.probeBudget = .zero
        let merged = PolicySettings.default.replacing([.coldAge], from: other)
        #expect(merged.coldAge == .seconds(1))
        #expect(merged.probeBudget == .mib(64))
    }

    @Test("key lines: headers, arrays of tables, quoted keys, and strings that look like headers")
    func keyLines() {
        let text = """
            [daemon]
            socket = '''
            [policy]
            cold_age = "x"
            '''
            "log level" = "a # not a comment"
            [[region]]
            name = "a"
            [[region]]
            name = "b"
            [ region . "policy" ]
            cold_age = "1m"
            [policy]
            min_backoff = [
              1,
              2,
            ]
            """
        let lines = KeyLines(text: text)
        #expect(lines.line(for: ConfigKeyPath("daemon", "socket")) == 2)
        #expect(lines.line(for: ConfigKeyPath("daemon", "log level")) == 6)
        #expect(lines.line(for: ConfigKeyPath("region").appending(index: 1).appending("name")) == 10)
        #expect(lines.line(for: ConfigKeyPath("region").appending(index: 1).appending("pid")) == 9)
        #expect(lines.line(for: ConfigKeyPath("region").appending(index: 1).appending("policy")
            .appending("cold_age")) == 12)
        #expect(lines.line(for: ConfigKeyPath("policy", "cold_age")) == 13)
        #expect(lines.line(for: ConfigKeyPath("policy", "min_backoff").appending(index: 1)) == 16)
        #expect(lines.line(for: ConfigKeyPath("nowhere")) == nil)
    }
}
