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

    /// Creates a call.
    public init(method: String, parameters: JSONValue? = nil, more: Bool? = nil, oneway: Bool? = nil) {
        self.method = method
        self.parameters = parameters
        self.more = more
        self.oneway = oneway
    }
}

/// A varlink reply: parameters, or an error name with its parameters; `continues` while more follow.
public struct VarlinkReply: Codable, Sendable, Equatable {
    /// The reply's parameters.
    public var parameters: JSONValue?
    /// More replies follow this one.
    public var continues: Bool?
    /// A fully qualified error name, e.g. `io.pageoutd.RegionNotFound`.
    public var error: String?

    /// Creates a reply.
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
    /// Its parameters.
    public var parameters: [String: JSONValue]

    /// Creates an error.
    public init(name: String, parameters: [String: JSONValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    public var description: String {
        let shown = parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: " ")
        return shown.isEmpty ? name : "\(name): \(shown)"
    }

    /// io.pageoutd.RegionNotFound
    public static func regionNotFound(_ name: String) -> ControlError {
        ControlError(name: "io.pageoutd.RegionNotFound", parameters: ["name": .string(name)])
    }
    /// io.pageoutd.RegionExists
    public static func regionExists(_ name: String) -> ControlError {
        ControlError(name: "io.pageoutd.RegionExists", parameters: ["name": .string(name)])
    }
    /// io.pageoutd.InvalidParameter
    public static func invalidParameter(_ parameter: String, _ reason: String) -> ControlError {
        ControlError(name: "io.pageoutd.InvalidParameter",
                     parameters: ["parameter": .string(parameter), "reason": .string(reason)])
    }
    /// io.pageoutd.PermissionDenied
    public static func permissionDenied(_ method: String) -> ControlError {
        ControlError(name: "io.pageoutd.PermissionDenied", parameters: ["method": .string(method)])
    }
    /// io.pageoutd.ProcessNotFound
    public static func processNotFound(_ pid: Int) -> ControlError {
        ControlError(name: "io.pageoutd.ProcessNotFound", parameters: ["pid": .number(Double(pid))])
    }
    /// io.pageoutd.MappingNotFound
    public static func mappingNotFound(_ name: String, source: String) -> ControlError {
        ControlError(name: "io.pageoutd.MappingNotFound", parameters: ["name": .string(name), "source": .string(source)])
    }
    /// io.pageoutd.NoSwap
    public static func noSwap(_ reason: String) -> ControlError {
        ControlError(name: "io.pageoutd.NoSwap", parameters: ["reason": .string(reason)])
    }
    /// org.varlink.service.MethodNotFound
    public static func methodNotFound(_ method: String) -> ControlError {
        ControlError(name: "org.varlink.service.MethodNotFound", parameters: ["method": .string(method)])
    }
    /// org.varlink.service.InterfaceNotFound
    public static func interfaceNotFound(_ interface: String) -> ControlError {
        ControlError(name: "org.varlink.service.InterfaceNotFound", parameters: ["interface": .string(interface)])
    }
    /// org.varlink.service.InvalidParameter
    public static func varlinkInvalidParameter(_ parameter: String) -> ControlError {
        ControlError(name: "org.varlink.service.InvalidParameter", parameters: ["parameter": .string(parameter)])
    }
}

/// Any JSON value, for parameters whose shape depends on the method.
public enum JSONValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 9e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
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
        case .string(let value): Self.quoted(value)
        case .array(let value): "[" + value.map(\.description).joined(separator: ",") + "]"
        case .object(let value): "{" + value.keys.sorted().map { "\(Self.quoted($0)):\(value[$0]!)" }.joined(separator: ",") + "}"
        }
    }

    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
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
    public var name: String
    public var pid: Int?
    public var state: String
    public var reason: String?
    public var size, mapped, swapped, holes, skewed, hot, warm, cold: UInt64
    public var paged_out, refaults, scans: UInt64
    /// Bytes automatic repair put back into swap; scan windows opened, closed, expired; bytes windows put back.
    public var repaired, windows_opened, windows_closed, windows_expired, window_repaired: UInt64

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
        paged_out = status.pagedOutBytes
        refaults = status.refaultPages
        scans = status.scans
        repaired = status.repairedBytes
        windows_opened = status.windowsOpened
        windows_closed = status.windowsClosed
        windows_expired = status.windowsExpired
        window_repaired = status.windowRepairedBytes
    }
}

/// The wire form of `DaemonStatus` (the IDL's `Status`).
public struct WireStatus: Codable, Sendable, Equatable {
    public var regions: [WireRegion]
    public var held_by: String?
    public var scans: UInt64
    public var dry_run: Bool
    public var reload_problem: String?
    public var swapped: UInt64
    public var paged_out: UInt64

    /// The wire form of `status`.
    public init(_ status: DaemonStatus) {
        regions = status.regions.map(WireRegion.init)
        held_by = status.guardReason
        scans = status.scans
        dry_run = status.dryRun
        reload_problem = status.reloadProblem
        swapped = status.swappedBytes
        paged_out = status.pagedOutBytes
    }
}
