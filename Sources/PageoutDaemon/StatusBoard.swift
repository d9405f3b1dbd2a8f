import PageoutCore

/// The daemon's latest status and metrics, answered without waiting for the supervisor (whose thread may be in
/// the middle of a pageout).
///
/// The supervisor publishes after every round and every change; readers (the control socket, the demo, tests) get
/// the last published status at once, or a stream of every new one.
public actor StatusBoard {
    private var status = DaemonStatus()
    private var metrics: MetricsRenderer?
    /// The metrics' text as first asked for since the last round; nil until someone asks.
    private var renderedMetrics: String?
    private var subscribers: [Int: AsyncStream<DaemonStatus>.Continuation] = [:]
    private var nextSubscriber = 0

    /// A board that answers `DaemonStatus()` and no metrics until the supervisor's first publish.
    public init() {}

    /// The last published status.
    public func current() -> DaemonStatus { status }

    /// The metrics of the last round in the Prometheus text exposition format (empty before the first round),
    /// rendered at the first request after each round.
    public func metricsText() -> String {
        if let renderedMetrics { return renderedMetrics }
        guard let metrics else { return "" }
        let text = metrics.text()
        renderedMetrics = text
        return text
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

    /// Publishes `status` to readers; `metrics`, when given, holds a round's figures, rendered when asked for.
    func publish(_ status: DaemonStatus, metrics: MetricsRenderer? = nil) {
        self.status = status
        if let metrics {
            self.metrics = metrics
            renderedMetrics = nil
        }
        for continuation in subscribers.values { continuation.yield(status) }
    }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
    }
}
