/// The parameters of one call, read with the checks the IDL implies: every problem is an
/// `io.pageoutd.InvalidParameter` naming the parameter.
public struct ControlParameters: Sendable {
    private let values: [String: JSONValue]

    /// The parameters of `value` (absent or null: none); any name outside `allowed` is refused.
    public init(_ value: JSONValue?, allowed: Set<String>) throws(ControlError) {
        switch value {
        case nil, .null?: values = [:]
        case .object(let object)?: values = object
        default: throw .invalidParameter("parameters", "must be an object")
        }
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .invalidParameter(unknown, "is not a parameter of this method")
        }
    }

    /// A required string.
    public func string(_ name: String) throws(ControlError) -> String {
        guard let value = try optionalString(name) else { throw .invalidParameter(name, "is required") }
        return value
    }

    /// An optional string (null counts as absent).
    public func optionalString(_ name: String) throws(ControlError) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .invalidParameter(name, "must be a string")
        }
    }

    /// An optional integer within `range` (null counts as absent).
    public func optionalInteger(_ name: String, in range: ClosedRange<Int64>) throws(ControlError) -> Int64? {
        switch values[name] {
        case nil, .null?:
            return nil
        case .number(let number)?:
            // Int64(exactly:), not a comparison in Double and Int64(_:): Double(Int64.max) rounds up to 2^63, which
            // passes `number <= Double(range.upperBound)` and then traps in the conversion.
            guard let integer = Int64(exactly: number), range.contains(integer)
            else { throw .invalidParameter(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)") }
            return integer
        default:
            throw .invalidParameter(name, "must be an integer")
        }
    }
}
