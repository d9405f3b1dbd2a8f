import PageoutCore
import Testing
@testable import PageoutConfig

@Suite("Invalid config files: one exact line per problem")
struct InvalidConfigTests {
    /// A file with one problem, and the one line that reports it.
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var message: String
        var testDescription: String { message }
    }

    static let cases: [Case] = [
        Case(text: "[policy]\ncold_age = \"5 minutes\"\n",
             message: #"pageoutd.toml:2: policy.cold_age: "5 minutes" is not a duration (use e.g. "750ms", "30s", "2m", "1h")"#),
        Case(text: "[daemon]\nscan_interval = \"5\"\n",
             message: #"pageoutd.toml:2: daemon.scan_interval: "5" has no unit (use e.g. "5s" or "5ms")"#),
        Case(text: "[daemon]\nscan_interval = 5\n",
             message: #"pageoutd.toml:2: daemon.scan_interval: expected a duration such as "30s" or "2m", found integer 5"#),
        Case(text: "[daemon]\nscan_interval = \"0ms\"\n",
             message: "pageoutd.toml:2: daemon.scan_interval: must be more than zero"),
        Case(text: "[policy]\n\ncold_age = \"-2m\"\n",
             message: #"pageoutd.toml:3: policy.cold_age: "-2m" is negative"#),
        Case(text: "[policy]\nmin_backoff = \"0s\"\n",
             message: "pageoutd.toml:2: policy.min_backoff: must be more than zero"),
        Case(text: "[policy]\nmin_backoff = \"20m\"\nmax_backoff = \"10m\"\n",
             message: "pageoutd.toml:2: policy.min_backoff: 20m is longer than max_backoff (10m)"),
        Case(text: "[policy]\ncold_agee = \"2m\"\n",
             message: "pageoutd.toml:2: policy.cold_agee: unknown key in [policy] (did you mean cold_age?)"),
        Case(text: "[policy]\nscan_interval = \"2s\"\n",
             message: "pageoutd.toml:2: policy.scan_interval: unknown key in [policy] (scan_interval belongs in [daemon])"),
        Case(text: "[daemon]\ncolour = \"blue\"\n",
             message: "pageoutd.toml:2: daemon.colour: unknown key in [daemon] "
                + "(known keys: socket, socket_mode, socket_group, max_clients, client_idle_timeout, "
                + "state_directory, scan_interval, log_level, max_scan_window, metrics_textfile, vmm_users, "
                + "max_regions, max_regions_per_user, gone_region_grace, max_clients_per_uid, reserved_clients, "
                + "max_subscribers_per_uid, max_scan_windows, max_cpu)"),
        Case(text: "[daemon]\nvmm_users = [\"libvirt qemu\"]\n",
             message: #"pageoutd.toml:2: daemon.vmm_users[0]: "libvirt qemu" is not a user name or ID"#),
        Case(text: "[daemon]\nvmm_users = \"libvirt-qemu\"\n",
             message: #"pageoutd.toml:2: daemon.vmm_users: expected an array of user name or ID strings, "#
                + #"found string "libvirt-qemu""#),
        Case(text: "[daemon]\nmax_regions_per_user = 0\n",
             message: "pageoutd.toml:2: daemon.max_regions_per_user: 0 is not from 1 to 65536"),
        Case(text: "[deamon]\n",
             message: "pageoutd.toml:1: deamon: unknown key in the top level (did you mean daemon?)"),
        Case(text: "[daemon]\nlog_level = \"verbose\"\n",
             message: #"pageoutd.toml:2: daemon.log_level: "verbose" is not a log level "#
                + "(use trace, debug, info, notice, warning, error or critical)"),
        Case(text: "[daemon]\nsocket_mode = \"0668\"\n",
             message: #"pageoutd.toml:2: daemon.socket_mode: "0668" is not an octal file mode (use e.g. "0660")"#),
        Case(text: "[daemon]\nsocket_mode = \"1777\"\n",
             message: #"pageoutd.toml:2: daemon.socket_mode: "1777" sets bits beyond "0777" (setuid, setgid or sticky)"#),
        Case(text: "[daemon]\nsocket_mode = 660\n",
             message: #"pageoutd.toml:2: daemon.socket_mode: expected an octal file mode string such as "0660", found integer 660"#),
        Case(text: "[daemon]\nsocket_group = \"kvm operators\"\n",
             message: #"pageoutd.toml:2: daemon.socket_group: "kvm operators" is not a group name or ID"#),
        Case(text: "[daemon]\nsocket_group = \"4294967295\"\n",
             message: "pageoutd.toml:2: daemon.socket_group: 4294967295 is not a group ID (0 to 4294967294)"),
        Case(text: "[daemon]\nmax_clients = 0\n",
             message: "pageoutd.toml:2: daemon.max_clients: 0 is not from 1 to 4096"),
        Case(text: "[daemon]\nmax_clients = \"64\"\n",
             message: #"pageoutd.toml:2: daemon.max_clients: expected an integer, found string "64""#),
        Case(text: "[daemon]\nclient_idle_timeout = \"0s\"\n",
             message: "pageoutd.toml:2: daemon.client_idle_timeout: must be more than zero"),
        Case(text: "[daemon]\nsocket = \"run/pageoutd.sock\"\n",
             message: #"pageoutd.toml:2: daemon.socket: "run/pageoutd.sock" is not an absolute path"#),
        Case(text: "[daemon]\nmetrics_textfile = \"pageoutd.prom\"\n",
             message: #"pageoutd.toml:2: daemon.metrics_textfile: "pageoutd.prom" is not an absolute path"#),
        Case(text: "[policy]\nmin_free_swap = \"512MB\"\n",
             message: #"pageoutd.toml:2: policy.min_free_swap: "512MB" is ambiguous: sizes count in powers of 1024, write "512MiB""#),
        Case(text: "[policy]\nmin_free_swap = 536870912\n",
             message: #"pageoutd.toml:2: policy.min_free_swap: expected a size such as "512MiB" or a percentage such as "10%", found integer 536870912"#),
        Case(text: "[policy]\nmax_swapped_percent = \"120%\"\n",
             message: #"pageoutd.toml:2: policy.max_swapped_percent: "120%" is more than 100%"#),
        Case(text: "[policy]\npsi_some_avg10_max = \"10\"\n",
             message: #"pageoutd.toml:2: policy.psi_some_avg10_max: expected a number from 0 to 100, found string "10""#),
        Case(text: "[policy]\nmax_pageout_rate = \"0B/s\"\n",
             message: "pageoutd.toml:2: policy.max_pageout_rate: must be more than zero (set dry_run = true to stop paging out)"),
        Case(text: "[policy]\nmax_probe_rate = \"0B\"\n",
             message: #"pageoutd.toml:2: policy.max_probe_rate: must be more than zero (set probe_per_cold_age = "0%" to probe within probe_budget only)"#),
        Case(text: "[policy]\nprobe_per_cold_age = \"150%\"\n",
             message: #"pageoutd.toml:2: policy.probe_per_cold_age: "150%" is more than 100%"#),
        Case(text: "[policy]\nmax_probe_rate = \"1GiB/min\"\n",
             message: #"pageoutd.toml:2: policy.max_probe_rate: "1GiB/min" is not a rate: write bytes per second, e.g. "256MiB" or "256MiB/s""#),
        Case(text: "[policy]\ndry_run = \"yes\"\n",
             message: #"pageoutd.toml:2: policy.dry_run: expected true or false, found string "yes""#),
        Case(text: "[region]\nname = \"vm1\"\n",
             message: "pageoutd.toml:1: region: expected an array of tables ([[region]]), found a table"),
        Case(text: "[[region]]\nname = \"vm1\"\npid = \"4242\"\nmemfd = \"m\"\n",
             message: #"pageoutd.toml:3: region[0].pid: expected an integer process ID, found string "4242""#),
        Case(text: "[[region]]\nname = \"vm1\"\npid = 0\nmemfd = \"m\"\n",
             message: "pageoutd.toml:3: region[0].pid: 0 is not a process ID (1 to 2147483647)"),
        Case(text: "[[region]]\nname = \"vm 1\"\npid = 1\nmemfd = \"m\"\n",
             message: #"pageoutd.toml:2: region[0].name: "vm 1" is not a region name (1 to 64 of A-Z a-z 0-9 . _ -)"#),
        Case(text: "[[region]]\npid = 1\nmemfd = \"m\"\n",
             message: "pageoutd.toml:1: region[0].name: missing (every region needs a unique name)"),
        Case(text: "[[region]]\nname = \"vm1\"\nmemfd = \"m\"\n",
             message: "pageoutd.toml:1: region[0]: neither pid nor pidfile is set (set one to find the VMM process)"),
        Case(text: regionText() + "path = \"/dev/shm/vm1\"\n",
             message: "pageoutd.toml:5: region[0].path: memfd and path are both set (set only one)"),
        Case(text: "[[region]]\nname = \"vm1\"\npidfile = \"vm1.pid\"\nmemfd = \"m\"\n",
             message: #"pageoutd.toml:3: region[0].pidfile: "vm1.pid" is not an absolute path"#),
        Case(text: "[[region]]\nname = \"vm1\"\npid = 1\nmemfd = \"\"\n",
             message: "pageoutd.toml:4: region[0].memfd: must not be empty"),
        Case(text: regionText() + "\n" + regionText(),
             message: #"pageoutd.toml:7: region[1].name: "vm1" is already the name of region[0]"#),
        Case(text: regionText() + "cold_age = \"5m\"\n",
             message: "pageoutd.toml:5: region[0].cold_age: unknown key in [[region]] (cold_age belongs in [region.policy])"),
        Case(text: regionText(extra: "[region.policy]\nscan_interval = \"1s\"\n"),
             message: "pageoutd.toml:6: region[0].policy.scan_interval: unknown key in [region.policy] "
                + "(scan_interval belongs in [daemon])"),
        Case(text: regionText(extra: "[region.policy]\ncold_age = 300\n"),
             message: #"pageoutd.toml:6: region[0].policy.cold_age: expected a duration such as "30s" or "2m", found integer 300"#),
        Case(text: "[policy]\nmax_backoff = \"10m\"\n\n" + regionText(extra: "[region.policy]\nmin_backoff = \"20m\"\n"),
             message: "pageoutd.toml:9: region[0].policy.min_backoff: 20m is longer than max_backoff (10m)"),
        Case(text: "[policy]\nmin_backoff = \"1m\"\n\n" + regionText(extra: "[region.policy]\nmax_backoff = \"30s\"\n"),
             message: "pageoutd.toml:9: region[0].policy.max_backoff: 30s is shorter than min_backoff (1m)"),
        Case(text: "region = [\n  { name = \"a\", pid = 1, memfd = \"m\" },\n  { name = \"b\", pid = 2, memfd = \"m\", policy = { cold_age = \"0s\" } },\n]\n",
             message: "pageoutd.toml:3: region[1].policy.cold_age: must be more than zero"),
        Case(text: "[policy]\ncold_age = \"2m\"\ncold_age = \"3m\"\n",
             message: "pageoutd.toml:3:12: invalid TOML: Error while parsing key-value pair: "
                + "cannot redefine existing string 'cold_age'"),
        Case(text: "[daemon]\nsocket = \"/a\0b\"\n",
             message: "pageoutd.toml:2:13: contains a NUL character (U+0000): TOML allows none but tab outside escapes"),
        // Found by the config fuzz target: toml++ asserts (aborts) on a table header whose first key cannot start.
        Case(text: "[policy]\ncold_age = \"3s\"\n[\\region]]\n",
             message: "pageoutd.toml:3:2: invalid TOML: a table header must begin with a key"),
        Case(text: "[[ \\region]]\n", message: "pageoutd.toml:1:4: invalid TOML: a table header must begin with a key"),
        Case(text: "\u{FEFF}[^daemon]\n", message: "pageoutd.toml:1:2: invalid TOML: a table header must begin with a key"),
        Case(text: "\u{FEFF}\u{FEFF}[\n",
             message: "pageoutd.toml:1:1: invalid TOML: expected a key, a table header or a comment, found U+FEFF"),
        Case(text: "[daemon]\n[# a comment\n", message: "pageoutd.toml:2:2: invalid TOML: a table header must begin with a key"),
        Case(text: "[[[region]]\n", message: "pageoutd.toml:1:3: invalid TOML: a table header must begin with a key"),
        Case(text: "[policy]\n[ \n", message: "pageoutd.toml:2:3: invalid TOML: a table header must begin with a key"),
        // Found by the config fuzz target: toml++ asserts (aborts) on a date-time whose T is not followed by a digit.
        Case(text: "[[region]]\nname = \"vm1\"\npid = 1980-05-27Ts:00%\n",
             message: "pageoutd.toml:3:7: invalid TOML: a date-time needs a time (HH:MM:SS) after its T (and pageoutd "
                + "takes no dates)"),
        Case(text: "[daemon]\nvmm_users = [\n  \"a\",\n  2024-01-31t:00 ]\n",
             message: "pageoutd.toml:4:3: invalid TOML: a date-time needs a time (HH:MM:SS) after its T (and pageoutd "
                + "takes no dates)"),
        // Found by the config fuzz target: toml++ asserts (aborts) on an array element that starts with '}'.
        Case(text: "[policy]\nmax_pageout_rate = [[[}]]]\n",
             message: "pageoutd.toml:2:23: invalid TOML: expected an array element or ']', found '}'"),
        Case(text: "[daemon]\nvmm_users = [\"a\", # a comment\n  }]\n",
             message: "pageoutd.toml:3:3: invalid TOML: expected an array element or ']', found '}'"),
        // Found by the config fuzz target: toml++ asserts on a control character in a table header.
        Case(text: "[policy]\n[\u{06}daemon]\n",
             message: "pageoutd.toml:2:2: contains a control character (U+0006): TOML allows none but tab outside "
                + "escapes"),
    ]

    @Test("one problem, one exact line", arguments: cases)
    func invalid(_ example: Case) {
        #expect(errorLines(example.text) == [example.message])
    }

    @Test("every problem of a file is reported, in line order")
    func allErrors() {
        let text = """
            [daemon]
            scan_interval = 1
            log_level = "loud"

            [policy]
            min_backoff = "20m"
            max_backoff = "10m"
            max_pageout_rate = "fast"

            [[region]]
            name = "vm1"
            memfd = "memory-backend-memfd"

            [[region]]
            name = "vm1"
            pid = 7
            memfd = "memory-backend-memfd"
            [region.policy]
            cold_age = "5 minutes"
            bogus = true
            """
        #expect(errorLines(text) == [
            #"pageoutd.toml:2: daemon.scan_interval: expected a duration such as "30s" or "2m", found integer 1"#,
            #"pageoutd.toml:3: daemon.log_level: "loud" is not a log level (use trace, debug, info, notice, warning, error or critical)"#,
            "pageoutd.toml:6: policy.min_backoff: 20m is longer than max_backoff (10m)",
            #"pageoutd.toml:8: policy.max_pageout_rate: "fast" is not a size (use e.g. "4096B", "64MiB", "2GiB")"#,
            "pageoutd.toml:10: region[0]: neither pid nor pidfile is set (set one to find the VMM process)",
            #"pageoutd.toml:15: region[1].name: "vm1" is already the name of region[0]"#,
            #"pageoutd.toml:19: region[1].policy.cold_age: "5 minutes" is not a duration (use e.g. "750ms", "30s", "2m", "1h")"#,
            "pageoutd.toml:20: region[1].policy.bogus: unknown key in [region.policy] "
                + "(known keys: cold_age, min_backoff, max_backoff, max_pageout_rate, min_free_swap, "
                + "psi_some_avg10_max, max_swapped_percent, probe_budget, probe_per_cold_age, max_probe_rate, "
                + "refault_target, auto_repair, prefetch, auto_windows, dry_run)",
        ])
    }

    @Test("a value that cannot be read does not also fail the checks that compare it")
    func noConsequentialErrors() {
        let text = "[policy]\nmin_backoff = \"20m\"\nmax_backoff = \"ten minutes\"\n"
        #expect(errorLines(text) == [
            #"pageoutd.toml:3: policy.max_backoff: "ten minutes" is not a duration (use e.g. "750ms", "30s", "2m", "1h")"#,
        ])
    }

    @Test("files that cannot be read or are not UTF-8")
    func unreadable() {
        #expect(throws: ConfigErrors([ConfigError(file: "/nonexistent/pageoutd.toml",
                                                  problem: "cannot open: No such file or directory")])) {
            try ConfigLoader.load(path: "/nonexistent/pageoutd.toml")
        }
        #expect(throws: ConfigErrors([ConfigError(file: "x.toml", line: 2, problem: "not valid UTF-8 text")])) {
            try ConfigLoader.parse(bytes: Array("[daemon]\nsocket = \"".utf8) + [0xFF, 0x22], fileName: "x.toml")
        }
    }
}
