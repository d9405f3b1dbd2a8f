import Glibc

/// The working-set file: every page's class, for tests and benchmarks that need the true working set.
///
/// A header line of counts, then the pages in address order as runs of one class, one run a line (page
/// indices count from the mapping's start):
///
///     moves=M pages=N ws_pages=N retired_pages=N never_pages=N hole_pages=N
///     never 0 16
///     ws 16 16
///     ...
extension WorkingSet {
    /// The name of each class in the file.
    static func name(of pageClass: PageClass) -> String {
        switch pageClass {
        case .never: "never"
        case .current: "ws"
        case .retired: "retired"
        case .hole: "hole"
        }
    }

    /// The file's text.
    func fileText() -> String {
        var counts = [Int](repeating: 0, count: 4)
        var runs = ""
        var first = 0
        while first < classes.count {
            let pageClass = classes[first]
            var end = first + 1
            while end < classes.count && classes[end] == pageClass {
                end += 1
            }
            counts[Int(pageClass.rawValue)] += end - first
            runs += "\(Self.name(of: pageClass)) \(first) \(end - first)\n"
            first = end
        }
        let count = { (pageClass: PageClass) in counts[Int(pageClass.rawValue)] }
        return "moves=\(moves) pages=\(classes.count) ws_pages=\(count(.current)) retired_pages=\(count(.retired)) "
            + "never_pages=\(count(.never)) hole_pages=\(count(.hole))\n" + runs
    }

    /// Replaces the file at `path` atomically: writes `path.tmp`, then renames it over `path`, so a reader sees
    /// the old file or the new one, never a part.
    func write(to path: String) throws(GuestSimError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .syscall("open(\(temporary))", errno) }
        let error = Output.write(fileText(), to: fd)
        close(fd)
        guard error == 0 else { throw .syscall("write(\(temporary))", error) }
        guard rename(temporary, path) == 0 else { throw .syscall("rename(\(temporary), \(path))", errno) }
    }
}
