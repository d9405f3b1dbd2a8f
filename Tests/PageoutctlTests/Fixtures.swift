import PageoutControl
import PageoutCore

/// The status the golden tests render: one active VM, one waiting for its VMM, pageout held, dry run.
enum Fixtures {
    static let mib: UInt64 = 1 << 20
    static let gib: UInt64 = 1 << 30

    static var vm1: RegionStatus {
        var region = RegionStatus(name: "vm1", pid: 4242, phase: .active)
        region.sizeBytes = 4 * gib
        region.mappedBytes = 3 * gib
        region.swappedBytes = gib
        region.coldBytes = 412 * mib
        region.hotBytes = 1536 * mib
        region.warmBytes = 3 * gib - 412 * mib - 1536 * mib
        region.workingSetBytes = region.hotBytes + region.warmBytes
        region.refaultTargetPerMinute = 1_379
        region.refaultRatePerMinute = 212
        region.holdMinSeconds = 1_170
        region.holdMaxSeconds = 23_400
        region.pagedOutBytes = 700 * mib
        region.refaultPages = 1234
        region.scans = 15
        return region
    }

    static var database: RegionStatus {
        var region = RegionStatus(name: "database", phase: .pending, reason: "no process matches /run/database.pid")
        region.sizeBytes = 512 * mib
        return region
    }

    static var status: WireStatus {
        var status = DaemonStatus()
        status.regions = [vm1, database]
        status.guardReason = "memory pressure"
        status.scans = 15
        status.dryRun = true
        return WireStatus(status)
    }

    /// `value` as the JSON a server would send.
    static func json(_ value: some Encodable) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }
}

import Foundation
