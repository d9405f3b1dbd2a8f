/// Parses /proc/PID/maps text into `MemoryMapping`s.
///
/// A line has five single-space separated columns and an optional pathname:
/// `start-end perms offset major:minor inode`, then the kernel pads with spaces to a fixed column
/// (`seq_pad` in fs/proc/task_mmu.c) and prints the pathname. The pathname is everything after that run of
/// spaces, so names that contain spaces survive. Anonymous mappings have no pathname (older kernels still print
/// the space after the inode).
public enum MapsParser {
    /// Parses a whole maps file. Empty lines are skipped; `number` in errors counts every line from 1.
    public static func parse(_ text: String) throws(MapsParseError) -> [MemoryMapping] {
        var mappings: [MemoryMapping] = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            mappings.append(try parse(line: line, number: number))
        }
        return mappings
    }

    /// Parses one maps line (without its newline); `number` is the line number reported in errors.
    public static func parse<S: StringProtocol>(line: S, number: Int = 1) throws(MapsParseError) -> MemoryMapping {
        let text = Substring(line)
        var rest = text
        func fail(_ problem: MapsParseError.Problem, _ field: Substring) -> MapsParseError {
            MapsParseError(line: number, problem: problem, field: String(field), text: String(text))
        }
        func next() throws(MapsParseError) -> Substring {
            guard let field = nextField(&rest) else { throw fail(.missingFields, "") }
            return field
        }

        let range = try next()
        let bounds = range.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let start = UInt64(hexDigits: bounds[0]), let end = UInt64(hexDigits: bounds[1]) else {
            throw fail(.badAddressRange, range)
        }
        guard start <= end else { throw fail(.endBeforeStart, range) }
        let perms = try next()
        guard let permissions = MappingPermissions(column: perms) else { throw fail(.badPermissions, perms) }
        let offsetField = try next()
        guard let offset = UInt64(hexDigits: offsetField) else { throw fail(.badOffset, offsetField) }
        // The file range offset..<offset + length must exist: later arithmetic on it relies on that.
        guard !offset.addingReportingOverflow(end - start).overflow, end - start <= UInt64(Int.max) else {
            throw fail(.offsetOverflow, offsetField)
        }
        let device = try next()
        let numbers = device.split(separator: ":", omittingEmptySubsequences: false)
        guard numbers.count == 2, UInt64(hexDigits: numbers[0]) != nil, UInt64(hexDigits: numbers[1]) != nil else {
            throw fail(.badDevice, device)
        }
        let inodeField = try next()
        guard inodeField.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let inode = UInt64(inodeField)
        else { throw fail(.badInode, inodeField) }
        let pathname = rest.drop(while: { $0 == " " || $0 == "\t" })
        return MemoryMapping(
            start: start, end: end, permissions: permissions, offset: offset,
            device: String(device), inode: inode, pathname: String(pathname))
    }

    /// Removes and returns the next run of non-blank characters of `rest`, skipping blanks before it.
    private static func nextField(_ rest: inout Substring) -> Substring? {
        let field = rest.drop(while: { $0 == " " || $0 == "\t" })
        guard !field.isEmpty else { return nil }
        let end = field.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? field.endIndex
        rest = field[end...]
        return field[..<end]
    }
}

/// A maps line that is not what the kernel prints.
public struct MapsParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the line.
    public enum Problem: Sendable, Hashable {
        /// Fewer than the five columns before the pathname.
        case missingFields
        /// The first column is not `START-END` in hex.
        case badAddressRange
        /// The range ends before it starts.
        case endBeforeStart
        /// The permission column is not four characters like `rw-s`.
        case badPermissions
        /// The offset column is not hex.
        case badOffset
        /// The offset plus the mapping's length does not fit in 64 bits.
        case offsetOverflow
        /// The device column is not `major:minor` in hex.
        case badDevice
        /// The inode column is not a decimal number.
        case badInode
    }

    /// The line number, counting from 1.
    public var line: Int
    /// How the column is wrong; `description` words it for an operator.
    public var problem: Problem
    /// The offending column (empty when columns are missing).
    public var field: String
    /// The whole line.
    public var text: String

    /// Creates the error for line `line`, whose column `field` has `problem`.
    public init(line: Int, problem: Problem, field: String, text: String) {
        self.line = line
        self.problem = problem
        self.field = field
        self.text = text
    }

    public var description: String {
        let what: String
        switch problem {
        case .missingFields: what = "missing columns (expected START-END PERMS OFFSET DEVICE INODE [PATH])"
        case .badAddressRange: what = "bad address range \"\(field)\" (expected START-END in hex)"
        case .endBeforeStart: what = "address range \"\(field)\" ends before it starts"
        case .badPermissions: what = "bad permissions \"\(field)\" (expected 4 characters like rw-s or r-xp)"
        case .badOffset: what = "bad offset \"\(field)\" (expected hex)"
        case .offsetOverflow: what = "offset \"\(field)\" plus the mapping's length overflows"
        case .badDevice: what = "bad device \"\(field)\" (expected MAJOR:MINOR in hex)"
        case .badInode: what = "bad inode \"\(field)\" (expected a decimal number)"
        }
        return "line \(line): \(what) in \"\(text)\""
    }
}

extension UInt64 {
    /// Parses plain hex digits (no sign, no `0x`); nil for anything else, including the empty string.
    init?(hexDigits text: Substring) {
        guard !text.isEmpty, text.utf8.allSatisfy(\.isHexDigit) else { return nil }
        self.init(text, radix: 16)
    }
}

extension UInt8 {
    /// True for an ASCII hex digit.
    fileprivate var isHexDigit: Bool {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }
}
