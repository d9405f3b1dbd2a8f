import PageoutCore

/// The daemon's latest status and metrics, answered without waiting for the supervisor (whose thread may be in
/// the middle of a pageout).
///
/// The supervisor publishes after every round and every change; readers (the control socket, the demo, tests) get
/// the last published status at once, or a stream of every new one.
public actor StatusBoard {
    private var status = DaemonStatus()
    private var metrics = ""
    private var lastScans: [String: RegionScan] = [:]
    private var subscribers: [Int: AsyncStream<DaemonStatus>.Continuation] = [:]
    private var nextSubscriber = 0

    /// A board that answers `DaemonStatus()` and no metrics until the supervisor's first publish.
    public init() {}

    /// The last published status.
    public func current() -> DaemonStatus { status }

    /// The metrics of the last round in the Prometheus text exposition format (empty before the first round).
    public func metricsText() -> String { metrics }

    /// The published status of region `name` and what the policy knew of it after its last scan (nil before its
    /// first scan, or while it cannot be scanned), from the same publish; nil for a region the daemon does not have.
    func region(named name: String) -> (status: RegionStatus, lastScan: RegionScan?)? {
        guard let region = status.regions.first(where: { $0.name == name }) else { return nil }
        return (region, lastScans[name])
    }

    /// Every status published from now on (the current one first), until the stream is dropped.
    public func updates() -> AsyncStream<DaemonStatus> {
        let (stream, continuation) = AsyncStream.makeStream(of: DaemonStatus.self, bufferingPolicy: .bufferingNewest(1))
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = continuation
        continuation.yield(status)
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    /// Publishes `status` to readers, with the regions' last scans, and a round's `metrics` text when given.
    func publish(_ status: DaemonStatus, scans: [String: RegionScan], metrics: String? = nil) {
        self.status = status
        lastScans = scans
        if let metrics { self.metrics = metrics }
        for continuation in subscribers.values { continuation.yield(status) }
    }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
    }
}
