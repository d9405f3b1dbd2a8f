import Logging
import NIOCore
import NIOPosix
import PageoutControl
import PageoutCore
import PageoutLinux
import Synchronization
import SystemPackage

/// The control socket, bound and listening: `bind` before the daemon says READY, `serve` while it runs.
public final class ControlListener: Sendable {
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let limits: ControlLimits
    /// Who may call what, when the configuration says (a control group); nil keeps the methods' own.
    private let authorization: ControlAuthorization?
    /// Every connection's channel while it is open, to close them all at shutdown.
    private let openChannels: OpenChannels
    /// The socket file the daemon bound itself (removed at exit), nil when systemd passed the socket.
    private let boundPath: String?
    /// Where the socket is, for logs: the path, or that systemd passed it.
    public let endpoint: String

    /// One event loop thread serves every connection: the traffic is a few small messages per client.
    private static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private init(server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, limits: ControlLimits,
                 authorization: ControlAuthorization?, boundPath: String?, endpoint: String,
                 openChannels: OpenChannels) {
        self.openChannels = openChannels
        self.authorization = authorization
        self.server = server
        self.limits = limits
        self.boundPath = boundPath
        self.endpoint = endpoint
    }

    /// Listens as `[daemon]` says: on the socket systemd passed, or binds `settings.socket` with `socket_mode`
    /// and `socket_group`; serves at most `max_clients`, closes them after `client_idle_timeout`, and lets the
    /// members of `socket_group` call the mutating methods.
    ///
    /// - Throws: `ControlSocketError`, also when `socket_group` names no group.
    public static func bind(settings: DaemonSettings) async throws(ControlSocketError) -> ControlListener {
        let group = try ControlGroup.resolve(settings.socketGroup)
        var limits = ControlLimits()
        limits.maximumConnections = settings.maxClients
        limits.idleTimeout = settings.clientIdleTimeout
        limits.maximumConnectionsPerUser = settings.maxClientsPerUid
        limits.reservedConnections = settings.reservedClients
        limits.maximumSubscribersPerUser = settings.maxSubscribersPerUid
        return try await bind(path: settings.socket, mode: UInt32(settings.socketMode.bits), group: group,
                              limits: limits)
    }

    /// Listens on the socket systemd passed (whose mode and owner systemd set), or binds `path` with `mode`,
    /// owned by the daemon's user and by `group` (the daemon's group when nil). Members of `group` may call the
    /// mutating methods.
    ///
    /// - Throws: `ControlSocketError` with a sentence for STATUS= and an errno for ERRNO=.
    public static func bind(path: String, mode: UInt32 = 0o660, group: UInt32? = nil,
                            limits: ControlLimits = ControlLimits()) async throws(ControlSocketError)
        -> ControlListener {
        let authorization = group.map { ControlAuthorization(allowedGroups: [$0]) }
        let source = try ControlSocketSource.current(path: path)
        let bootstrap = ServerBootstrap(group: eventLoops)
            .serverChannelOption(.backlog, value: 128)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 << 10, high: 64 << 10))
        let openChannels = OpenChannels()
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = {
            channel in
            openChannels.add(channel)
            return channel.eventLoop.makeCompletedFuture {
                let decoder = VarlinkFrameDecoder(maximumBytes: limits.maximumMessageBytes)
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        switch source {
        case .passed(let descriptor):
            do {
                let server = try await bootstrap.bind(descriptor, childChannelInitializer: initializer)
                return ControlListener(server: server, limits: limits, authorization: authorization,
                                       boundPath: nil, endpoint: "fd \(descriptor) from systemd",
                                       openChannels: openChannels)
            } catch {
                throw ControlSocketError("cannot listen on the socket systemd passed: \(error)",
                                         errno: Self.errno(of: error))
            }
        case .path(let path):
            try ControlSocketSource.prepare(path)
            let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
            do {
                server = try await bootstrap.bind(unixDomainSocketPath: path, childChannelInitializer: initializer)
            } catch {
                throw ControlSocketError("cannot bind the control socket \(path): \(error)",
                                         errno: Self.errno(of: error))
            }
            do {
                try setOwnership(of: path, mode: mode, group: group)
            } catch {
                try? await server.channel.close()
                try? FileSystem.removeFile(path)
                throw error
            }
            return ControlListener(server: server, limits: limits, authorization: authorization, boundPath: path,
                                   endpoint: path, openChannels: openChannels)
        }
    }

    /// Serves clients until the task is cancelled (graceful shutdown), then closes every connection and removes
    /// the socket file it bound.
    public func serve(_ methods: ControlMethods, logger: Logger) async {
        var methods = methods
        if let authorization { methods.authorization = authorization }
        // The accept loop must not see the cancellation: a cancelled NIO stream drops the connections it has
        // accepted but not handed out yet, and a connection dropped while open traps in NIO ("Deinited
        // NIOAsyncWriter without calling finish()"). Cancellation closes the sockets instead; the loop then
        // ends by itself once every connection has closed.
        let accepting = Task { await acceptLoop(methods, logger: logger) }
        let server = server.channel
        let open = openChannels
        await withTaskCancellationHandler {
            await accepting.value
        } onCancel: {
            server.close(promise: nil)
            open.closeAll()
        }
        if let boundPath { try? FileSystem.removeFile(boundPath) }
    }

    /// Accepts connections until the server socket closes; returns when every connection has ended.
    private func acceptLoop(_ methods: ControlMethods, logger: Logger) async {
        let limits = limits
        let slots = ClientSlots(limits: limits)
        let authorization = methods.authorization
        do {
            try await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        let peer = try? await PeerCredentials.of(connection.channel)
                        let holder = ClientSlots.Holder(uid: peer?.uid,
                                                        privileged: authorization.isPrivileged(peer))
                        if let refusal = slots.admit(holder) {
                            try? await connection.executeThenClose { _, _ in }
                            if slots.shouldReportRefusal() {
                                logger.warning("control connection refused", metadata: [
                                    "reason": "\(refusal)", "peer": "\(peer.map { "\($0)" } ?? "unknown")",
                                    "limit": "\(limits.maximumConnections)"])
                            }
                            continue
                        }
                        group.addTask {
                            await ControlConnection(connection: connection, methods: methods, limits: limits,
                                                    peer: peer, slots: slots, holder: holder, logger: logger).run()
                            slots.release(holder)
                        }
                    }
                }
            }
        } catch {
            logger.error("control socket failed", metadata: ["socket": "\(endpoint)", "error": "\(error)"])
        }
    }

    /// Gives the socket file at `path` to `group` (when given) and sets its `mode`, through a descriptor of the
    /// file (`FileSystem.setSocketOwnership`): no path is followed twice.
    private static func setOwnership(of path: String, mode: UInt32, group: UInt32?) throws(ControlSocketError) {
        do {
            try FileSystem.setSocketOwnership(of: path, group: group, permissions: FilePermissions(rawValue: mode))
        } catch {
            let what = group.map { "give \(path) to group \($0) ([daemon] socket_group)" } ?? "set the mode of \(path)"
            throw ControlSocketError("cannot \(what): \(error)", errno: error.errno)
        }
    }

    /// The errno inside a NIO error, for systemd's ERRNO=.
    private static func errno(of error: any Error) -> Errno {
        (error as? IOError).map { Errno(rawValue: $0.errnoCode) } ?? .ioError
    }
}

/// The open connections' channels.
private final class OpenChannels: Sendable {
    private let channels = Mutex([ObjectIdentifier: any Channel]())

    /// Tracks `channel` until it closes.
    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in self.channels.withLock { _ = $0.removeValue(forKey: id) } }
    }

    /// Closes every open connection.
    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}
