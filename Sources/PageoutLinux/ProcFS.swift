import PageoutCore
import SystemPackage

/// The /proc files pageoutd reads, under an injected root so tests can hand it a fake tree.
///
/// Each method reads one file to its end (see `ProcFile.read`) and hands the text to the pure parser in
/// PageoutCore. Per-process reads turn "no such file" into `ProcessExited`: once a process is reaped its
/// /proc directory is gone (ENOENT), and some files fail with ESRCH while it is being torn down.
public struct ProcFS: Sendable, Hashable {
    /// The directory procfs is mounted on.
    public let root: FilePath

    /// A reader of the procfs mounted at `root`.
    public init(root: FilePath = "/proc") {
        self.root = root
    }

    /// The path of `name` (e.g. `"maps"`, `"map_files/7f00-7f40"`) in the directory of process `pid`.
    public func path(pid: Int32, _ name: String) -> FilePath {
        root.appending("\(pid)").appending(name)
    }

    /// The mappings of process `pid`, in address order: /proc/PID/maps.
    ///
    /// - Throws: `ProcessExited`, `SystemCallError` (EACCES without the privileges to read another user's
    ///   maps), or `ProcFileParseError`.
    public func mappings(pid: Int32) throws -> [MemoryMapping] {
        try mappings(pid: pid, text: try mapsText(pid: pid))
    }

    /// The text of /proc/PID/maps, unparsed.
    ///
    /// - Throws: `ProcessExited` or `SystemCallError`.
    public func mapsText(pid: Int32) throws -> String {
        try readProcessFile(path(pid: pid, "maps"), pid: pid)
    }

    /// The mappings `text`, read from /proc/`pid`/maps, describes, in address order.
    ///
    /// - Throws: `ProcFileParseError`, or `ProcessExited` when `text` is empty because the process exited.
    public func mappings(pid: Int32, text: String) throws -> [MemoryMapping] {
        let path = path(pid: pid, "maps")
        let mappings = try parse(path, text: text, with: MapsParser.parse)
        // The maps of a process that exited after the open are empty (its mm is gone): say so, rather than
        // letting the caller look for a region in nothing. Its mm goes before it is a zombie, so an exiting task
        // with empty maps has exited too. Kernel threads also have empty maps, and are alive.
        if mappings.isEmpty, case let stat = try stat(pid: pid), stat.hasExited || stat.isExiting {
            throw ProcessExited(pid: pid, during: "reading \(path)")
        }
        return mappings
    }

    /// The state and identity figures of process `pid`: /proc/PID/stat.
    ///
    /// - Throws: `ProcessExited`, `SystemCallError` or `ProcFileParseError`.
    public func stat(pid: Int32) throws -> ProcessStat {
        let path = path(pid: pid, "stat")
        return try parse(path, text: try readProcessFile(path, pid: pid), with: ProcessStat.parse)
    }

    /// When process `pid` started, in clock ticks after boot (field 22 of /proc/PID/stat).
    public func startTime(pid: Int32) throws -> UInt64 {
        try stat(pid: pid).startTime
    }

    /// The active swap devices: /proc/swaps (empty when swap is off).
    ///
    /// - Throws: `SystemCallError` or `ProcFileParseError`.
    public func swaps() throws -> [SwapDevice] {
        let path = root.appending("swaps")
        return try parse(path, text: try ProcFile.read(path), with: SwapDevice.parseSwaps)
    }

    /// Memory and swap totals: /proc/meminfo.
    ///
    /// - Throws: `SystemCallError` or `ProcFileParseError`.
    public func memInfo() throws -> MemInfo {
        let path = root.appending("meminfo")
        return try parse(path, text: try ProcFile.read(path), with: MemInfo.parse)
    }

    /// Memory pressure stall figures: /proc/pressure/memory.
    ///
    /// - Throws: `SystemCallError` (ENOENT on a kernel without PSI, EOPNOTSUPP when booted with `psi=0`) or
    ///   `ProcFileParseError`.
    public func memoryPressure() throws -> MemoryPressure {
        let path = root.appending("pressure/memory")
        return try parse(path, text: try ProcFile.read(path), with: MemoryPressure.parse)
    }

    /// Whether swap can take pages: /proc/swaps for the devices, /proc/meminfo for SwapTotal and SwapFree.
    public func swapStatus() throws -> SwapStatus {
        SwapStatus(devices: try swaps(), memInfo: try memInfo())
    }

    /// The `Swap:` bytes of this process's own mappings that start at `starts`, from /proc/self/smaps.
    public func ownSwapBytes(mappingsStartingAt starts: Set<UInt64>) throws -> [UInt64: UInt64] {
        let path = root.appending("self/smaps")
        return try parse(path, text: try ProcFile.read(path)) { text throws(ProcTextParseError) in
            try SmapsSwap.swapBytes(in: text, mappingsStartingAt: starts)
        }
    }

    /// Reads a file of process `pid`'s directory, turning ENOENT and ESRCH into `ProcessExited`.
    func readProcessFile(_ path: FilePath, pid: Int32) throws -> String {
        // A `catch where` on the typed error crashes the Swift 6.3 compiler (SILGen ownership): match a Result.
        switch Result(catching: { () throws(SystemCallError) -> String in try ProcFile.read(path) }) {
        case .success(let text):
            return text
        case .failure(let error) where error.errno == .noSuchFileOrDirectory || error.errno == .noSuchProcess:
            throw ProcessExited(pid: pid, during: "reading \(path)")
        case .failure(let error):
            throw error
        }
    }

    /// Runs `parser` over `text`, attaching `path` to its error.
    func parse<Value, Failure: Error & Sendable>(
        _ path: FilePath, text: String, with parser: (String) throws(Failure) -> Value
    ) throws(ProcFileParseError) -> Value {
        do {
            return try parser(text)
        } catch {
            throw ProcFileParseError(path: path, underlying: error)
        }
    }
}

/// A /proc file whose text the parser rejected: the path and the parser's error (which names line and problem).
public struct ProcFileParseError: Error, Sendable, CustomStringConvertible {
    /// The /proc file whose text was rejected.
    public var path: FilePath
    /// The parser's error: `MapsParseError` or `ProcTextParseError`.
    public var underlying: any Error & Sendable

    /// The error of the parser for the text read from `path`; `underlying` keeps the line and problem.
    public init(path: FilePath, underlying: any Error & Sendable) {
        self.path = path
        self.underlying = underlying
    }

    public var description: String { "\(path): \(underlying)" }
}
