import PageoutCore

/// Why the daemon refused or could not carry out a request (a registration, a pageout on demand, a scan window).
///
/// The control layer maps each case to its io.pageoutd varlink error; the daemon itself knows nothing of the wire.
public enum DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No region has this name.
    case regionNotFound(String)
    /// A region of this name exists already.
    case regionExists(String)
    /// A request's value is unusable: the parameter it came from and why.
    case invalidParameter(String, String)
    /// The VMM process does not exist (or exited).
    case processNotFound(Int32)
    /// The VMM has no mapping the region's memory source selects.
    case mappingNotFound(region: String, source: String)
    /// Pageout cannot save anything now: why.
    case noSwap(String)
    /// No open scan window has this token (never opened, ended, or expired).
    case windowNotFound(String)
    /// The caller may not register this process: its pid, its uid (the first one not allowed) and why.
    case notYourVMM(pid: Int32, uid: UInt32, reason: String)
    /// The caller may not act on this region: its name and why.
    case notYourRegion(name: String, reason: String)
    /// A registration would pass a limit on regions.
    case tooManyRegions(RegionQuota.Exceeded)

    public var description: String {
        switch self {
        case .regionNotFound(let name): "no region \(name)"
        case .regionExists(let name): "region \(name) exists already"
        case .invalidParameter(let parameter, let reason): "\(parameter): \(reason)"
        case .processNotFound(let pid): "no process \(pid)"
        case .mappingNotFound(let region, let source): "region \(region): no mapping of \(source)"
        case .noSwap(let reason): reason
        case .windowNotFound(let token): "no open scan window \(token.prefix(8))"
        case .notYourVMM(_, _, let reason): reason
        case .notYourRegion(_, let reason): reason
        case .tooManyRegions(let exceeded): "registered regions are limited to \(exceeded)"
        }
    }
}
