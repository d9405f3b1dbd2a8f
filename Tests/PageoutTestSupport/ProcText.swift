import Foundation

/// Text files of /proc, read whole.
///
/// `String(contentsOfFile:)` trusts the size stat gives, 0 for a /proc file, and returns only the first read's
/// worth (about 4 KiB): enough for /proc/PID/status, a fraction of /proc/PID/smaps. Read to EOF instead.
public enum ProcText {
    /// The whole text of `path`.
    public static func read(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw TestFailure("cannot open \(path)") }
        defer { try? handle.close() }
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }

    /// A `Field:   N kB` figure of /proc/PID/status in KiB; throws when the file or the field cannot be read, so
    /// a test never compares a made-up 0.
    public static func statusKiB(pid: Int32, field: String) throws -> Int {
        let line = try read("/proc/\(pid)/status").split(separator: "\n").first { $0.hasPrefix(field + ":") }
        let words = line?.split { $0 == " " || $0 == "\t" }
        guard let value = words?.dropFirst().first.flatMap({ Int($0) }) else {
            throw TestFailure("no \(field) in /proc/\(pid)/status")
        }
        return value
    }

    /// The mappings of /proc/PID/smaps: each VMA's header line and its `Field: N kB` values (kB).
    public static func smaps(pid: Int32) throws -> [(header: Substring, fields: [Substring: Int])] {
        var mappings: [(header: Substring, fields: [Substring: Int])] = []
        for line in try read("/proc/\(pid)/smaps").split(separator: "\n") {
            let name = line.prefix { $0 != " " }
            if name.hasSuffix(":") {
                guard !mappings.isEmpty else { continue }
                let value = line.dropFirst(name.count).split(separator: " ").first.flatMap { Int($0) } ?? 0
                mappings[mappings.count - 1].fields[name.dropLast()] = value
            } else {
                mappings.append((line, [:]))  // a VMA's header: START-END PERMS OFFSET DEV INODE [PATH]
            }
        }
        return mappings
    }
}
