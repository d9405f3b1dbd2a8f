import Foundation
import PageoutControl
import PageoutCore
import Testing

@Suite("Pageoutctl rendering")
struct PageoutctlRenderingTests {
    static let byteTexts: [(UInt64, String)] = [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (10239, "10 KiB"),
        (412 << 20, "412 MiB"),
        ((1 << 20) - 1, "1.0 MiB"),
        (1 << 30, "1.0 GiB"),
        ((3 << 30) / 2, "1.5 GiB"),
        (UInt64.max, "16 EiB"),
    ]

    @Test("byte counts for tables", arguments: byteTexts)
    func bytes(count: UInt64, text: String) {
        #expect(Rendering.bytes(count) == text)
    }

    @Test("the status table")
    func statusTable() {
        let expected = """
            2 regions (1 active), 15 scans, 1.0 GiB swapped, 700 MiB paged out, pageout held: memory pressure, dry run
            REGION     PID     SIZE  WORKING SET   MAPPED  SWAPPED     COLD      HOT     WARM  PAGED OUT  REFAULTS  REFAULTS/MIN  STATE
            vm1       4242  4.0 GiB      2.6 GiB  3.0 GiB  1.0 GiB  412 MiB  1.5 GiB  1.1 GiB    700 MiB      1234      212/1379  active
            database     -  512 MiB          0 B      0 B      0 B      0 B      0 B      0 B        0 B         0           0/0  pending (no process matches /run/database.pid)

            """
        #expect(Rendering.statusText(Fixtures.status) == expected)
    }

    @Test("the summary names a refused reload, and a region's reason stays on one line")
    func summaryAndReasons() {
        var status = DaemonStatus()
        var region = RegionStatus(name: "vm2", pid: 7, phase: .failed, reason: "pagemap:\npermission denied")
        region.sizeBytes = 1 << 30
        status.regions = [region]
        status.scans = 1
        status.reloadProblem = "line 3: unknown key \"foo\""
        let text = Rendering.statusText(WireStatus(status))
        #expect(text == """
            1 region (0 active), 1 scans, 0 B swapped, 0 B paged out, reload failed: line 3: unknown key "foo" \
            (running on the previous configuration)
            REGION  PID     SIZE  WORKING SET  MAPPED  SWAPPED  COLD  HOT  WARM  PAGED OUT  REFAULTS  REFAULTS/MIN  STATE
            vm2       7  1.0 GiB          0 B     0 B      0 B   0 B  0 B   0 B        0 B         0           0/0  failed (pagemap: permission denied)

            """)
    }

    @Test("an empty daemon: the summary and the headings")
    func empty() {
        #expect(Rendering.statusText(WireStatus(DaemonStatus())) == """
            0 regions (0 active), 0 scans, 0 B swapped, 0 B paged out
            REGION  PID  SIZE  WORKING SET  MAPPED  SWAPPED  COLD  HOT  WARM  PAGED OUT  REFAULTS  REFAULTS/MIN  STATE

            """)
    }

    @Test("--json: the reply's parameters, sorted keys, exact byte counts")
    func json() throws {
        var status = DaemonStatus()
        status.regions = [Fixtures.vm1]
        status.scans = 15
        let reply = JSONValue.object(["status": try Fixtures.json(WireStatus(status))])
        #expect(Rendering.json(reply, pretty: true) == """
            {
              "status" : {
                "dry_run" : false,
                "max_cpu" : 0,
                "paged_out" : 734003200,
                "regions" : [
                  {
                    "auto_windows_closed" : 0,
                    "auto_windows_opened" : 0,
                    "cold" : 432013312,
                    "held_by_other_mappers" : 0,
                    "hold_max" : 23400,
                    "hold_min" : 1170,
                    "holes" : 0,
                    "hot" : 1610612736,
                    "mapped" : 3221225472,
                    "migrating" : false,
                    "name" : "vm1",
                    "other_mappers" : [

                    ],
                    "paged_out" : 734003200,
                    "pid" : 4242,
                    "prefetch_dropped" : 0,
                    "prefetch_gap_reach" : 0,
                    "prefetch_hits" : 0,
                    "prefetch_reach" : 0,
                    "prefetch_waiting" : 0,
                    "prefetched" : 0,
                    "refault_rate" : 212,
                    "refault_target" : 1379,
                    "refaults" : 1234,
                    "repaired" : 0,
                    "scan_stretch" : 1,
                    "scans" : 15,
                    "scans_skipped" : 0,
                    "size" : 4294967296,
                    "skewed" : 0,
                    "state" : "active",
                    "state_bytes" : 0,
                    "swapped" : 1073741824,
                    "warm" : 1178599424,
                    "window_peak_resident" : 0,
                    "window_repaired" : 0,
                    "windows_closed" : 0,
                    "windows_expired" : 0,
                    "windows_open" : 0,
                    "windows_opened" : 0,
                    "working_set" : 2789212160
                  }
                ],
                "scan_cpu" : 0,
                "scans" : 15,
                "scans_deferred" : 0,
                "swapped" : 1073741824
              }
            }
            """)
        #expect(Rendering.json(.object(["path": .string("/dev/shm/vm1"), "n": .number(1)]), pretty: false)
            == #"{"n":1,"path":"/dev/shm/vm1"}"#)
    }
}
