import Logging
import NIOCore
import PageoutControl
import PageoutCore
import Synchronization

/// One client connection: calls are read in order and answered in order.
///
/// A message that is not a varlink call, or is longer than the limit, is answered with
/// `io.pageoutd.InvalidParameter` (parameter "message") and the connection closed. A connection with no call in
/// progress for the idle timeout, or whose client has not read a reply for that long, is closed.
struct ControlConnection {
    let connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let methods: ControlMethods
    let limits: ControlLimits
    /// The client, as the kernel recorded it at connect time (nil when it could not tell).
    let peer: PeerCredentials?
    /// The places this connection holds, for its status streams.
    let slots: ClientSlots
    let holder: ClientSlots.Holder
    let logger: Logger

    /// Serves the connection until the client closes it, a limit closes it, or the task is cancelled.
    func run() async {
        let channel = connection.channel
        let activity = ConnectionActivity()
        do {
            try await connection.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await Self.closeWhenIdle(channel, activity: activity, timeout: limits.idleTimeout) }
                    defer { group.cancelAll() }
                    try await withTaskCancellationHandler {
                        try await serve(inbound, outbound, peer: peer, activity: activity)
                    } onCancel: {
                        channel.close(promise: nil)
                    }
                }
            }
        } catch {
            logger.debug("control connection ended", metadata: ["peer": "\(peer.map { "\($0)" } ?? "unknown")",
                                                                 "error": "\(error)"])
        }
    }

    /// Reads calls and answers them.
    private func serve(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
                       _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
                       peer: PeerCredentials?, activity: ConnectionActivity) async throws {
        let allocator = connection.channel.allocator
        do {
            for try await message in inbound {
                activity.set(.handling)
                let call: VarlinkCall
                switch VarlinkCall.parse(message) {
                case .success(let parsed): call = parsed
                case .failure(let error):
                    try await send(ReplyEnvelope(error), outbound, activity, allocator)
                    await closeAfterClientRead()
                    return
                }
                let outcome: ControlOutcome
                do {
                    outcome = try await methods.handle(call, peer: peer)
                } catch {
                    if call.oneway != true { try await send(ReplyEnvelope(error), outbound, activity, allocator) }
                    activity.set(.idle(since: .now))
                    continue
                }
                if call.oneway == true {
                    activity.set(.idle(since: .now))
                    continue
                }
                switch outcome {
                case .reply(let parameters):
                    try await send(ReplyEnvelope(parameters: parameters, continues: call.more == true ? false : nil),
                                   outbound, activity, allocator)
                case .statusUpdates:
                    guard slots.subscribe(holder) else {
                        let error = ControlError.invalidParameter(
                            "more", "uid \(holder.uid ?? 0) holds \(limits.maximumSubscribersPerUser) status streams "
                                + "already ([daemon] max_subscribers_per_uid)")
                        try await send(ReplyEnvelope(error), outbound, activity, allocator)
                        activity.set(.idle(since: .now))
                        continue
                    }
                    defer { slots.unsubscribe(holder) }
                    // Until the client goes away: nothing after this call is answered.
                    try await streamStatus(outbound, activity: activity, allocator: allocator)
                    return
                }
                activity.set(.idle(since: .now))
            }
        } catch is VarlinkMessageTooLong {
            let error = ControlError.invalidParameter("message", "longer than \(limits.maximumMessageBytes) bytes")
            try await send(ReplyEnvelope(error), outbound, activity, allocator)
            await closeAfterClientRead()
        }
    }

    /// Ends the connection after an error reply so that the client can read it: a socket closed with unread
    /// input makes the kernel reset the connection, and the client loses the reply. So the output is shut down
    /// first, and what the client still sends is read and dropped until it closes (for at most 2 s).
    private func closeAfterClientRead() async {
        let channel = connection.channel
        try? await channel.close(mode: .output)
        try? await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await channel.closeFuture.get() }
            group.addTask { try await Task.sleep(for: .seconds(2)) }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Writes one reply; a client that does not read it within the idle timeout is closed by the watchdog.
    private func send(_ reply: ReplyEnvelope, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
                      _ activity: ConnectionActivity, _ allocator: ByteBufferAllocator) async throws {
        activity.set(.writing(since: .now))
        try await outbound.write(reply.message(allocator: allocator))
        activity.set(.handling)
    }

    /// GetStatus with `more`: the status now, then after every round, each with `continues`, until the client
    /// closes the connection.
    private func streamStatus(_ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, activity: ConnectionActivity,
                              allocator: ByteBufferAllocator) async throws {
        let updates = await methods.supervisor.statusBoard.updates()
        let closed = connection.channel.closeFuture
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await closed.get() }
            group.addTask {
                for await status in updates {
                    let reply = ReplyEnvelope(parameters: StatusReply(status: WireStatus(status)), continues: true)
                    activity.set(.writing(since: .now))
                    try await outbound.write(reply.message(allocator: allocator))
                    activity.set(.handling)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Closes `channel` once `activity` has been idle, or stuck writing, for `timeout`.
    private static func closeWhenIdle(_ channel: any Channel, activity: ConnectionActivity, timeout: Duration) async {
        while !Task.isCancelled {
            let wait: Duration
            switch activity.state {
            case .handling: wait = timeout
            case .idle(let since), .writing(let since):
                let left = timeout - since.duration(to: .now)
                if left <= .zero {
                    channel.close(promise: nil)
                    return
                }
                wait = left
            }
            try? await Task.sleep(for: wait)
        }
    }
}

/// What a connection is doing, for its idle watchdog.
final class ConnectionActivity: Sendable {
    /// The states that count towards the idle timeout carry their start.
    enum State: Sendable {
        /// Waiting for a call.
        case idle(since: ContinuousClock.Instant)
        /// Carrying out a call, or waiting for the next status of a stream.
        case handling
        /// Waiting for the client to take a reply.
        case writing(since: ContinuousClock.Instant)
    }

    private let current = Mutex(State.idle(since: .now))

    /// The state now.
    var state: State { current.withLock { $0 } }

    /// Sets the state.
    func set(_ state: State) {
        current.withLock { $0 = state }
    }
}

/// The limits the control socket enforces on what clients control.
public struct ControlLimits: Sendable, Hashable {
    /// The longest message read, in bytes.
    public var maximumMessageBytes = VarlinkFraming.maximumMessageBytes
    /// Connections served at once; more are closed at once.
    public var maximumConnections = 64
    /// How long a connection may wait with no call in progress, or with a reply its client does not read.
    public var idleTimeout: Duration = .seconds(60)
    /// Connections one uid other than root may hold.
    public var maximumConnectionsPerUser = 8
    /// Connections of `maximumConnections` only root and the control group may take.
    public var reservedConnections = 8
    /// Status streams one uid other than root may hold.
    public var maximumSubscribersPerUser = 2

    /// The limits a control socket has unless `[daemon]` max_clients, client_idle_timeout,
    /// max_clients_per_uid, reserved_clients and max_subscribers_per_uid say otherwise.
    public init() {}
}
