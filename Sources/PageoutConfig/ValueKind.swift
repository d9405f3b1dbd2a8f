import PageoutCore

/// What a key takes, and how a TOML value becomes it.
struct ValueKind<Value> {
    /// What the key takes, for a type mismatch: `a duration such as "30s" or "2m"`.
    var expected: String
    /// The value, nil when the TOML type is wrong, or an error when the type is right and the value is not.
    var decode: (TOMLNode) throws(ConfigValueError) -> Value?
}

extension ValueKind {
    /// A kind written as a TOML string: `parse` reads it, and throws when the string is not a valid value.
    static func text(_ expected: String, _ parse: @escaping (String) throws(ConfigValueError) -> Value) -> Self {
        ValueKind(expected: expected) { node throws(ConfigValueError) in
            guard case .string(let text) = node else { return nil }
            return try parse(text)
        }
    }
}

extension ValueKind where Value == Duration {
    /// A duration string: `"30s"`.
    static var duration: Self { .text("a duration such as \"30s\" or \"2m\"", Duration.init(configText:)) }
}

extension ValueKind where Value == ByteSize {
    /// A size string: `"64MiB"`.
    static var size: Self { .text("a size such as \"64MiB\"", ByteSize.init(configText:)) }

    /// A rate string, bytes per second: `"256MiB"` or `"256MiB/s"`.
    static var rate: Self { .text("a rate such as \"256MiB/s\"", ByteSize.init(rateText:)) }
}

extension ValueKind where Value == SwapAmount {
    /// A size or a percentage string: `"512MiB"`, `"10%"`.
    static var swapAmount: Self {
        .text("a size such as \"512MiB\" or a percentage such as \"10%\"", SwapAmount.init(configText:))
    }
}

extension ValueKind where Value == Percent {
    /// A percentage string (`"90%"`) or a plain number from 0 to 100 (`90`, `90.0`).
    static var percent: Self {
        ValueKind(expected: "a percentage such as \"90%\" or 90") { node throws(ConfigValueError) in
            if case .string(let text) = node { return try Percent(configText: text) }
            return try number.decode(node)
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
        .text(expected) { $0 }
    }
}

extension ValueKind where Value == LogLevel {
    /// A log level name: `"info"`.
    static var logLevel: Self { .text("a log level such as \"info\"", LogLevel.init(configText:)) }
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
