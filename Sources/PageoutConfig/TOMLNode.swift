import PageoutCore
import TOMLKit

/// A parsed TOML value as plain Swift values: TOMLKit's tables and arrays are classes over C++ nodes that are not
/// Sendable, so they are copied into this once and dropped.
indirect enum TOMLNode {
    /// A string.
    case string(String)
    /// An integer.
    case integer(Int)
    /// A float.
    case float(Double)
    /// `true` or `false`.
    case boolean(Bool)
    /// A table (a `[header]` or an inline `{ ... }`), its keys in TOMLKit's order.
    case table([(key: String, value: TOMLNode)])
    /// An array, including an array of tables (`[[header]]`).
    case array([TOMLNode])
    /// A date, time or date-time: no key of ours takes one.
    case other(type: String, text: String)

    /// Copies a TOMLKit value.
    init(_ value: any TOMLValueConvertible) {
        switch value.type {
        case .string: self = .string(value.string ?? "")
        case .int: self = .integer(value.int ?? 0)
        case .double: self = .float(value.double ?? 0)
        case .bool: self = .boolean(value.bool ?? false)
        case .table: self = TOMLNode(table: value.table ?? TOMLTable())
        case .array: self = .array((value.array ?? TOMLArray()).map { TOMLNode($0) })
        default: self = .other(type: value.type.description, text: value.debugDescription)
        }
    }

    /// Copies a TOMLKit table.
    init(table: TOMLTable) {
        self = .table(table.keys.compactMap { key in table[key].map { (key, TOMLNode($0)) } })
    }

    /// The value for a message: `integer 5`, `string "5m"`, `a table`.
    var found: String {
        switch self {
        case .string(let text): "string \(text.configQuoted)"
        case .integer(let number): "integer \(number)"
        case .float(let number): "float \(number)"
        case .boolean(let value): "boolean \(value)"
        case .table: "a table"
        case .array: "an array"
        case .other(let type, let text): "\(type) \(text)"
        }
    }
}
