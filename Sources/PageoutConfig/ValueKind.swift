import PageoutCore

/// What a key takes, and how a TOML value becomes it.
struct ValueKind<Value> {
    /// What the key takes, for a type mismatch: `a duration such as "30s" or "2m"`.
    var expected: String
    /// The value, nil when the TOML type is wrong, or an error when the type is right and the value is not.
    var decode: (TOMLNode) throws(ConfigValueError) -> Value?
}

extension ValueKind where Value == Duration {
    /// A duration string: `"30s"`.
    static var duration: Self {
        ValueKind(expected: "a duration such as \"30s\" or \"2m\"") { node throws(ConfigValueError) in
            guard case .string(let text) = node else { return nil }
            return try Duration(configText: text)
        }
    }
}

extension ValueKind where Value == ByteSize {
    /// A size string: `"64MiB"`.
    static var size: Self {
        ValueKind(expected: "a size such as \"64MiB\"") { node throws(ConfigValueError) in
            guard case .string(let text) = node else { return nil }
            return try ByteSize(configText: text)
        }
    }

    /// A rate string, bytes per second: `"256MiB"` or `"256MiB/s"`.
    static var rate: Self {
        ValueKind(expected: "a rate such as \"256MiB/s\"") { node throws(ConfigValueError) in
            guard case .string(let text) = node else { return nil }
            return try ByteSize(rateText: text)
        }
    }
}

extension ValueKind where Value == SwapAmount {
    /// A size or a percentage string: `"512MiB"`, `"10%"`.
    static var swapAmount: Self {
        ValueKind(expected: "a size such as \"512MiB\" or a percentage such as \"10%\"") {
            node throws(ConfigValueError) in
            guard case .string(let text) = node else { return nil }
            return try SwapAmount(configText: text)
        }
    }
}

extension ValueKind where Value == Percent {
    /// A percentage string (`"90%"`) or a plain number from 0 to 100 (`90`, `90.0`).
    static var percent: Self {
        ValueKind(expected: "a percentage such as \"90%\" or 90") { node throws(ConfigValueError) in
            switch node {
            case .string(let text): try Percent(configText: text)
            case .integer(let number): try Percent(number: Double(number), shown: "\(number)")
            case .float(let number): try Percent(number: number, shown: "\(number)")
            default: nil
            }
        }
    }

    /// A plain number from 0 to 100 (`10`, `10.0`), as pressure figures are written.
    static var number: Self {
        ValueKind(expected: "a number from 0 to 100") { node throws(ConfigValueError) in
            switch node {
            case .integer(let number): try Percent(number: Double(number), shown: "\(number)")
            case .float(let number): try Percent(number: number, shown: "\(number)")
            default: nil
            }
        }
    }
}

extension ValueKind where Value == Bool {
    /// `true` or `false`.
    static var boolean: Self {
        ValueKind(expected: "true or false") { node in
            guard case .boolean(let value) = node else { return nil }
            return value
        }
    }
}

extension ValueKind where Value == String {
    /// Any string; what it must look like is checked by validation.
    static func string(_ expected: String) -> Self {
        ValueKind(expected: expected) { node in
            guard case .string(let text) = node else { return nil }
            return text
        }
    }
}

extension ValueKind where Value == LogLevel {
    /// A log level name: `"info"`.
    static var logLevel: Self {
        ValueKind(expected: "a log level such as \"info\"") { node throws(ConfigValueError) in
            guard case .string(let text) = node else { return nil }
            return try LogLevel(configText: text)
        }
    }
}

extension ValueKind where Value == Int32 {
    /// A process ID: an integer from 1.
    static var pid: Self {
        ValueKind(expected: "an integer process ID") { node throws(ConfigValueError) in
            guard case .integer(let number) = node else { return nil }
            if let problem = RegionConfig.pidProblem(number) { throw ConfigValueError(problem) }
            return Int32(number)
        }
    }
}
