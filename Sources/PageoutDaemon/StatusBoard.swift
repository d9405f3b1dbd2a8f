import PageoutCore

/// The daemon's latest status, answered without waiting for the scanner.
///
/// The scan loop publishes after every round; readers (the control socket, the demo, tests) get the last
/// published status at once, or a stream of every new one.
public actor StatusBoard {
    private var status = DaemonStatus()
    private var subscribers: [Int: AsyncStream<DaemonStatus>.Continuation] = [:]
    private var nextSubscriber = 0

    /// An empty board.
    public init() {}

    /// The last published status.
    public func current() -> DaemonStatus { status }

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

    /// Publishes `status` to readers.
    func publish(_ status: DaemonStatus) {
        self.status = status
        for continuation in subscribers.values { continuation.yield(status) }
    }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
    }
}
