import Foundation
import PageoutCore

/// A varlink call: `{"method": "io.pageoutd.GetStatus", "parameters": {...}, "more": true}` (NUL-terminated on the
/// wire).
public struct VarlinkCall: Codable, Sendable, Equatable {
    /// The fully qualified method.
    public var method: String
    /// The parameters object (absent means empty).
    public var parameters: JSONValue?
    /// The client wants several replies (each with "continues": true but the last).
    public var more: Bool?
    /// The client wants no reply.
    public var oneway: Bool?
    /// The client wants the method's parameters checked against upgrades (unused by pageoutd, accepted).
    public var upgrade: Bool?

    /// A call of `method` (fully qualified); `upgrade` stays unset.
    public init(method: String, parameters: JSONValue? = nil, more: Bool? = nil, oneway: Bool? = nil) {
        self.method = method
        self.parameters = parameters
        self.more = more
        self.oneway = oneway
    }
}

/// A varlink reply: parameters, or an error name with its parameters; `continues` while more follow.
public struct VarlinkReply: Codable, Sendable, Equatable {
    /// The method's out-parameters, or the error's parameters for an error reply; absent means none.
    public var parameters: JSONValue?
    /// More replies follow this one.
    public var continues: Bool?
    /// A fully qualified error name, e.g. `io.pageoutd.RegionNotFound`.
    public var error: String?

    /// A reply; an error reply names the error in `error` and carries the error's parameters.
    public init(parameters: JSONValue? = nil, continues: Bool? = nil, error: String? = nil) {
        self.parameters = parameters
        self.continues = continues
        self.error = error
    }
}

/// A varlink error reply: a name from the IDL (or org.varlink.service's) and its parameters.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The fully qualified error name.
    public var name: String
    /// Its parameters, as the IDL declares them for `name`.
    public var parameters: [String: JSONValue]

    /// The error `name` (fully qualified) with `parameters`.
    public init(name: String, parameters: [String: JSONValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    public var description: String {
        let shown = parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: " ")
        return shown.isEmpty ? name : "\(name): \(shown)"
    }

    /// io.pageoutd.RegionNotFound: no region has this name.
    public static func regionNotFound(_ name: String) -> ControlError {
        ControlError(name: "io.pageoutd.RegionNotFound", parameters: ["name": .string(name)])
    }
    /// io.pageoutd.RegionExists: Register with a name already taken.
    public static func regionExists(_ name: String) -> ControlError {
        ControlError(name: "io.pageoutd.RegionExists", parameters: ["name": .string(name)])
    }
    /// io.pageoutd.InvalidParameter: a parameter of the right type whose value is wrong, and why.
    public static func invalidParameter(_ parameter: String, _ reason: String) -> ControlError {
        ControlError(name: "io.pageoutd.InvalidParameter",
                     parameters: ["parameter": .string(parameter), "reason": .string(reason)])
    }
    /// io.pageoutd.PermissionDenied: a mutating method called by neither root nor the control group.
    public static func permissionDenied(_ method: String) -> ControlError {
        ControlError(name: "io.pageoutd.PermissionDenied", parameters: ["method": .string(method)])
    }
    /// io.pageoutd.ProcessNotFound: the VMM's pid names no process.
    public static func processNotFound(_ pid: Int) -> ControlError {
        ControlError(name: "io.pageoutd.ProcessNotFound", parameters: ["pid": .number(Double(pid))])
    }
    /// io.pageoutd.MappingNotFound: the VMM has no shared mapping of the region's memfd or file.
    public static func mappingNotFound(_ name: String, source: String) -> ControlError {
        ControlError(name: "io.pageoutd.MappingNotFound",
                     parameters: ["name": .string(name), "source": .string(source)])
    }
    /// io.pageoutd.NoSwap: pageout was asked for while swap cannot take pages.
    public static func noSwap(_ reason: String) -> ControlError {
        ControlError(name: "io.pageoutd.NoSwap", parameters: ["reason": .string(reason)])
    }
    /// org.varlink.service.MethodNotFound: the interface has no such method.
    public static func methodNotFound(_ method: String) -> ControlError {
        ControlError(name: "org.varlink.service.MethodNotFound", parameters: ["method": .string(method)])
    }
    /// org.varlink.service.InterfaceNotFound: the service implements no such interface.
    public static func interfaceNotFound(_ interface: String) -> ControlError {
        ControlError(name: "org.varlink.service.InterfaceNotFound", parameters: ["interface": .string(interface)])
    }
    /// org.varlink.service.InvalidParameter: a parameter is missing or of the wrong type.
    public static func varlinkInvalidParameter(_ parameter: String) -> ControlError {
        ControlError(name: "org.varlink.service.InvalidParameter", parameters: ["parameter": .string(parameter)])
    }
}

/// Any JSON value, for parameters whose shape depends on the method.
public enum JSONValue: Codable, Sendable, Equatable, CustomStringConvertible {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// Every JSON number; whole numbers up to 2^53 are exact, and are encoded without a fraction.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; its keys are encoded sorted.
    case object([String: JSONValue])

    /// Decodes whichever JSON value comes, trying the types in the order of the cases.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// Encodes the value; a whole number below 9e15 as an integer, so that sizes print without `.0`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 9e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): value == value.rounded() ? "\(Int64(value))" : "\(value)"
        case .string(let value): value.configQuoted  // a TOML basic string is a JSON string too
        case .array(let value): "[" + value.map(\.description).joined(separator: ",") + "]"
        case .object(let value):
            "{" + value.keys.sorted().map { "\($0.configQuoted):\(value[$0]!)" }.joined(separator: ",") + "}"
        }
    }
}

/// The framing: every message is one JSON object followed by a NUL byte.
public enum VarlinkFraming {
    /// The largest message pageoutd reads or writes (1 MiB): a longer one is refused and the connection closed.
    public static let maximumMessageBytes = 1 << 20

    /// `value` encoded as one message (JSON + NUL).
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0]
    }
}

/// Codable forms of pageoutd's status types, with the IDL's field names.
public struct WireRegion: Codable, Sendable, Equatable {
    /// `RegionStatus.name`.
    public var name: String
    /// The VMM's pid, once found.
    public var pid: Int?
    /// `RegionPhase.rawValue`: `pending`, `active`, `paused`, `gone` or `failed`.
    public var state: String
    /// Why pageout is held back or failed; absent when it runs.
    public var reason: String?
    /// Bytes at the last scan: the whole region; mapped, swapped, holes, skewed (resident, not mapped); the mapped
    /// bytes split into hot, warm and cold.
    public var size, mapped, swapped, holes, skewed, hot, warm, cold: UInt64
    /// Bytes another process maps too, which the kernel will not page out; and those processes.
    public var held_by_other_mappers: UInt64
    public var other_mappers: [WireOtherMapper]
    /// Bytes the guest needs: hot and warm.
    public var working_set: UInt64
    /// Refaults per minute, in pages: the controller's target, and the last minute's.
    public var refault_target, refault_rate: UInt64
    /// The shortest and longest hold of pages that came back, as the controller sets them now, in seconds.
    public var hold_min, hold_max: UInt64
    /// Since registration: bytes handed to MADV_PAGEOUT, pages that refaulted, scans, rounds that left the
    /// region alone because it was quiet.
    public var paged_out, refaults, scans, scans_skipped: UInt64
    /// Scan intervals between the region's scans now.
    public var scan_stretch: UInt64
    /// Bytes of the daemon's memory the region's page state takes.
    public var state_bytes: UInt64
    /// Bytes read into the swap cache next to pages that came back, and of them used by the guest, since
    /// registration; prefetched bytes waiting for the guest now; of them, dropped by reclaim while they waited,
    /// since registration; pages on each side the prefetch reads now; one more than the widest gap between
    /// mapped pages it fills now.
    public var prefetched, prefetch_hits, prefetch_waiting, prefetch_dropped, prefetch_reach, prefetch_gap_reach: UInt64
    /// Bytes automatic repair put back into swap; scan windows opened, closed, expired; bytes windows put back.
    public var repaired, windows_opened, windows_closed, windows_expired, window_repaired: UInt64
    /// Scan windows the daemon opened and ended by itself around a migration of the VMM.
    public var auto_windows_opened, auto_windows_closed: UInt64
    /// Whether such a window is open now.
    public var migrating: Bool
    /// Scan windows open now (BeginScan's and the daemon's own), and the most memory seen resident while the
    /// current or last one was open.
    public var windows_open, window_peak_resident: UInt64

    /// The wire form of `status`.
    public init(_ status: RegionStatus) {
        name = status.name
        pid = status.pid.map(Int.init)
        state = status.phase.rawValue
        reason = status.reason
        size = status.sizeBytes
        mapped = status.mappedBytes
        swapped = status.swappedBytes
        holes = status.holeBytes
        skewed = status.skewedBytes
        hot = status.hotBytes
        warm = status.warmBytes
        cold = status.coldBytes
        held_by_other_mappers = status.heldByOtherMappersBytes
        other_mappers = status.otherMappers.map(WireOtherMapper.init)
        working_set = status.workingSetBytes
        refault_target = status.refaultTargetPerMinute
        refault_rate = status.refaultRatePerMinute
        hold_min = status.holdMinSeconds
        hold_max = status.holdMaxSeconds
        paged_out = status.pagedOutBytes
        refaults = status.refaultPages
        scans = status.scans
        scans_skipped = status.scansSkipped
        scan_stretch = status.scanStretch
        state_bytes = status.stateBytes
        repaired = status.repairedBytes
        prefetched = status.prefetchedBytes
        prefetch_hits = status.prefetchHitBytes
        prefetch_waiting = status.prefetchWaitingBytes
        prefetch_dropped = status.prefetchDroppedBytes
        prefetch_reach = status.prefetchReachPages
        prefetch_gap_reach = status.prefetchGapReachPages
        windows_opened = status.windowsOpened
        windows_closed = status.windowsClosed
        windows_expired = status.windowsExpired
        window_repaired = status.windowRepairedBytes
        auto_windows_opened = status.autoWindowsOpened
        auto_windows_closed = status.autoWindowsClosed
        migrating = status.migrating
        windows_open = status.windowsOpen
        window_peak_resident = status.windowPeakResidentBytes
    }
}

/// The wire form of `OtherMapper` (the IDL's `OtherMapper`).
public struct WireOtherMapper: Codable, Sendable, Equatable {
    /// The process id.
    public var pid: Int
    /// Its command name, escaped (a process names itself: untrusted text).
    public var command: String
    /// Bytes of the region's files its mappings cover.
    public var mapped: UInt64

    /// The wire form of `mapper`.
    public init(_ mapper: OtherMapper) {
        pid = Int(mapper.pid)
        command = mapper.printableCommand
        mapped = mapper.mappedBytes
    }
}

/// The wire form of `DaemonStatus` (the IDL's `Status`).
public struct WireStatus: Codable, Sendable, Equatable {
    /// Every region, in configuration order.
    public var regions: [WireRegion]
    /// The machine-wide guard holding pageout back, as a sentence; absent when pageout may run.
    public var held_by: String?
    /// Completed scan rounds since the daemon started.
    public var scans: UInt64
    /// The daemon plans pageouts without carrying them out.
    public var dry_run: Bool
    /// Why the last reload was refused; absent after a good one.
    public var reload_problem: String?
    /// Bytes in swap, all regions together.
    public var swapped: UInt64
    /// Bytes paged out: the regions' since-registration totals added up.
    public var paged_out: UInt64
    /// The percentage of one core scans may use (`max_cpu`, 0: no limit), and what they used over about the
    /// last 10 s.
    public var max_cpu, scan_cpu: Double
    /// Region scans left for a later round because scans had used their `max_cpu`.
    public var scans_deferred: UInt64

    /// The wire form of `status`.
    public init(_ status: DaemonStatus) {
        regions = status.regions.map(WireRegion.init)
        held_by = status.guardReason
        scans = status.scans
        dry_run = status.dryRun
        reload_problem = status.reloadProblem
        swapped = status.swappedBytes
        paged_out = status.pagedOutBytes
        max_cpu = status.maxCPUPercent
        scan_cpu = (status.scanCPUPercent * 100).rounded() / 100
        scans_deferred = status.scansDeferred
    }
}
