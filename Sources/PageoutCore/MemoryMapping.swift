/// One line of /proc/PID/maps: a VMA of a process.
///
/// ```
/// 7efc3ffff000-7efc7ffff000 rw-s 00000000 00:01 1051                       /memfd:memory-backend-memfd (deleted)
/// ```
public struct MemoryMapping: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the mapping.
    public var start: UInt64
    /// One past the last address of the mapping.
    public var end: UInt64
    /// The `rwxs`/`rwxp` column.
    public var permissions: MappingPermissions
    /// The offset into the mapped file, in bytes (0 for anonymous mappings).
    public var offset: UInt64
    /// The device of the mapped file, `major:minor` in hex as maps prints it (`"fe:00"`, `"00:01"`).
    public var device: String
    /// The inode of the mapped file (0 for anonymous mappings).
    public var inode: UInt64
    /// The pathname column: a path, a pseudo-path like `[heap]` or `/memfd:NAME (deleted)`, or empty.
    ///
    /// It may contain spaces. The kernel appends `" (deleted)"` when the file was unlinked (every memfd is).
    public var pathname: String

    /// Creates a mapping from the columns of a maps line.
    public init(
        start: UInt64,
        end: UInt64,
        permissions: MappingPermissions,
        offset: UInt64 = 0,
        device: String = "00:00",
        inode: UInt64 = 0,
        pathname: String = ""
    ) {
        precondition(start <= end, "a mapping cannot end before it starts")
        self.start = start
        self.end = end
        self.permissions = permissions
        self.offset = offset
        self.device = device
        self.inode = inode
        self.pathname = pathname
    }

    /// The suffix the kernel appends to the path of an unlinked file.
    public static let deletedSuffix = " (deleted)"

    /// The prefix of the path of a memfd (`memfd_create`) mapping.
    public static let memfdPrefix = "/memfd:"

    /// The size of the mapping in bytes.
    public var byteCount: UInt64 { end - start }

    /// `start..<end` as an `AddressRange`.
    public var addresses: AddressRange { AddressRange(start: start, end: end) }

    /// True for a `MAP_SHARED` mapping (`s` in the permissions): the only kind that can be shmem guest RAM.
    public var isShared: Bool { permissions.contains(.shared) }

    /// True when the mapped file was unlinked: the pathname ends with `" (deleted)"`.
    public var isDeleted: Bool { pathname.hasSuffix(Self.deletedSuffix) }

    /// The pathname without a trailing `" (deleted)"`.
    public var pathWithoutDeletedSuffix: String {
        isDeleted ? String(pathname.dropLast(Self.deletedSuffix.count)) : pathname
    }

    /// The name given to `memfd_create` for a pathname `/memfd:NAME` or `/memfd:NAME (deleted)`, else nil.
    ///
    /// Names may contain spaces: `/memfd:guest ram (deleted)` is the memfd `guest ram`.
    public var memfdName: String? {
        let path = pathWithoutDeletedSuffix
        guard path.hasPrefix(Self.memfdPrefix) else { return nil }
        return String(path.dropFirst(Self.memfdPrefix.count))
    }

    /// The mapping as a maps line, single-spaced (the kernel pads the pathname to a column instead).
    public var description: String {
        let head = procHex(start) + "-" + procHex(end) + " \(permissions) " + procHex(offset, width: 8)
            + " \(device) \(inode)"
        return pathname.isEmpty ? head : head + " " + pathname
    }
}

/// The permission column of a maps line: `r`, `w`, `x`, and `s` (shared) or `p` (private).
public struct MappingPermissions: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// One bit per letter, in the order `r`, `w`, `x`, `s` from bit 0: pageoutd's encoding, not the kernel's VM_*.
    public var rawValue: UInt8

    /// The permissions whose bits `rawValue` holds.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// `r`: readable.
    public static let readable = MappingPermissions(rawValue: 1 << 0)
    /// `w`: writable.
    public static let writable = MappingPermissions(rawValue: 1 << 1)
    /// `x`: executable.
    public static let executable = MappingPermissions(rawValue: 1 << 2)
    /// `s`: shared (`MAP_SHARED`); without it the mapping is private (`p`, copy-on-write).
    public static let shared = MappingPermissions(rawValue: 1 << 3)

    /// Parses the four-character column (`"rw-s"`, `"r-xp"`, `"---p"`); nil if it is anything else.
    public init?<S: StringProtocol>(column: S) {
        let characters = Array(column.utf8)
        guard characters.count == 4 else { return nil }
        var permissions: MappingPermissions = []
        let flags: [(UInt8, MappingPermissions)] = [
            (UInt8(ascii: "r"), .readable), (UInt8(ascii: "w"), .writable), (UInt8(ascii: "x"), .executable),
        ]
        for (index, (letter, flag)) in flags.enumerated() {
            switch characters[index] {
            case letter: permissions.insert(flag)
            case UInt8(ascii: "-"): break
            default: return nil
            }
        }
        switch characters[3] {
        case UInt8(ascii: "s"): permissions.insert(.shared)
        case UInt8(ascii: "p"): break
        default: return nil
        }
        self = permissions
    }

    /// The column as maps prints it, e.g. `rw-s`.
    public var description: String {
        (contains(.readable) ? "r" : "-") + (contains(.writable) ? "w" : "-")
            + (contains(.executable) ? "x" : "-") + (contains(.shared) ? "s" : "p")
    }
}

/// Lower-case hex, zero-padded to `width` digits.
func procHex(_ value: UInt64, width: Int = 0) -> String {
    let digits = String(value, radix: 16)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
