/// Where a value sits in the configuration, in the dotted form operators read: `policy.cold_age`,
/// `region[1].memfd`, `region[0].policy.cold_age`.
public struct ConfigKeyPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a key path.
    public enum Component: Sendable, Hashable {
        /// A key of a table.
        case key(String)
        /// An element of an array (of tables), counted from 0.
        case index(Int)
    }

    /// The steps from the top of the file.
    public var components: [Component]

    /// The path of `components`, from the top of the file.
    public init(_ components: [Component]) {
        self.components = components
    }

    /// A path of table keys only, such as `ConfigKeyPath("policy", "cold_age")`.
    public init(_ keys: String...) {
        self.components = keys.map(Component.key)
    }

    /// The path of the top of the file, which has no key.
    public static let root = ConfigKeyPath([])

    /// This path with `key` added at the end.
    public func appending(_ key: String) -> ConfigKeyPath {
        ConfigKeyPath(components + [.key(key)])
    }

    /// This path with an array element added at the end.
    public func appending(index: Int) -> ConfigKeyPath {
        ConfigKeyPath(components + [.index(index)])
    }

    /// The path without its last step, or nil for the root.
    public var parent: ConfigKeyPath? {
        components.isEmpty ? nil : ConfigKeyPath(Array(components.dropLast()))
    }

    /// The dotted form; a key that is not a bare TOML key is written quoted (`daemon."log level"`).
    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key.isBareConfigKey ? key : key.configQuoted
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}

extension String {
    /// This string as a TOML basic string: in double quotes, with quotes, backslashes and control characters
    /// escaped, so that it always stays on one line of a message or of a rendered file. The result is a valid JSON
    /// string literal too.
    public var configQuoted: String {
        var quoted = "\""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case "\r": quoted += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// Whether this string can be written as a TOML bare key: `A-Za-z0-9_-`, at least one character.
    public var isBareConfigKey: Bool {
        !isEmpty && utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
