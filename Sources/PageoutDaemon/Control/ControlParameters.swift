import PageoutControl

/// The parameters of one call, read with the checks the IDL implies: every problem is an
/// `io.pageoutd.InvalidParameter` naming the parameter.
struct ControlParameters {
    private let values: [String: JSONValue]

    /// The parameters of `value` (absent or null: none); any name outside `allowed` is refused.
    init(_ value: JSONValue?, allowed: Set<String>) throws(ControlError) {
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
    func string(_ name: String) throws(ControlError) -> String {
        guard let value = try optionalString(name) else { throw .invalidParameter(name, "is required") }
        return value
    }

    /// An optional string (null counts as absent).
    func optionalString(_ name: String) throws(ControlError) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .invalidParameter(name, "must be a string")
        }
    }

    /// An optional integer within `range` (null counts as absent).
    func optionalInteger(_ name: String, in range: ClosedRange<Int64>) throws(ControlError) -> Int64? {
        switch values[name] {
        case nil, .null?:
            return nil
        case .number(let number)?:
            // Checked in Double first: converting a fraction or an out-of-range value to Int64 would trap.
            guard number == number.rounded(), number >= Double(range.lowerBound), number <= Double(range.upperBound)
            else { throw .invalidParameter(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)") }
            return Int64(number)
        default:
            throw .invalidParameter(name, "must be an integer")
        }
    }
}
