import PageoutControl
import PageoutCore

/// What a call produced: parameters for one reply, or a stream of status replies.
enum ControlOutcome: Sendable {
    /// One reply with these parameters.
    case reply(any Encodable & Sendable)
    /// A reply after every scan round until the client goes away (GetStatus with `more`).
    case statusUpdates
}

/// The methods of `org.varlink.service` and `io.pageoutd`: parameters checked, permission checked, the
/// supervisor asked.
public struct ControlMethods: Sendable {
    /// The daemon.
    let supervisor: Supervisor
    /// Reloads the configuration file as SIGHUP does; returns why it was refused, or nil.
    let reload: @Sendable () async -> String?
    /// Who may call what.
    var authorization: ControlAuthorization

    /// Methods over `supervisor`, reloading with `reload`.
    public init(supervisor: Supervisor, authorization: ControlAuthorization = ControlAuthorization(),
                reload: @escaping @Sendable () async -> String?) {
        self.supervisor = supervisor
        self.authorization = authorization
        self.reload = reload
    }

    /// Every method implemented, fully qualified.
    static let implemented = Set(VarlinkServiceInterface.methods + ControlInterface.methods)

    /// Carries out `call` for `peer`.
    func handle(_ call: VarlinkCall, peer: PeerCredentials?) async throws(ControlError) -> ControlOutcome {
        let method = call.method
        guard let dot = method.lastIndex(of: "."), dot != method.startIndex else {
            throw .interfaceNotFound(method)
        }
        let interface = String(method[..<dot])
        guard VarlinkServiceInterface.description(of: interface) != nil else { throw .interfaceNotFound(interface) }
        guard Self.implemented.contains(method) else { throw .methodNotFound(method) }
        guard authorization.permits(method, peer: peer) else { throw .permissionDenied(method) }
        let member = method[method.index(after: dot)...]
        switch (interface, member) {
        case (VarlinkServiceInterface.name, "GetInfo"):
            _ = try ControlParameters(call.parameters, allowed: [])
            return .reply(VarlinkServiceInterface.Info())
        case (VarlinkServiceInterface.name, _):
            let parameters = try ControlParameters(call.parameters, allowed: ["interface"])
            let name = try parameters.string("interface")
            guard let description = VarlinkServiceInterface.description(of: name) else {
                throw .interfaceNotFound(name)
            }
            return .reply(["description": description])
        default:
            return try await handlePageoutd(String(member), call: call, peer: peer)
        }
    }

    /// The methods of `io.pageoutd`: a query or an action, after its parameters are checked.
    private func handlePageoutd(_ member: String, call: VarlinkCall,
                                peer: PeerCredentials?) async throws(ControlError) -> ControlOutcome {
        let parameters = try ControlParameters(call.parameters, allowed: ControlInterface.parameterNames[member] ?? [])
        if let outcome = try await query(member, parameters, more: call.more == true) { return outcome }
        if let reply = try await action(member, parameters, peer: peer) { return .reply(reply) }
        // `implemented` lists exactly the methods of the two.
        throw .methodNotFound(call.method)
    }

    /// The methods that only read, answered from the status board without waiting for a round; nil for the others.
    private func query(_ member: String, _ parameters: ControlParameters,
                       more: Bool) async throws(ControlError) -> ControlOutcome? {
        let board = supervisor.statusBoard
        switch member {
        case "GetStatus":
            if more { return .statusUpdates }
            return .reply(StatusReply(status: WireStatus(await board.current())))
        case "ListRegions":
            return .reply(RegionsReply(regions: await board.current().regions.map(WireRegion.init)))
        case "GetRegion":
            let name = try parameters.string("name")
            guard let region = await board.current().regions.first(where: { $0.name == name }) else {
                throw .regionNotFound(name)
            }
            return .reply(RegionReply(region: WireRegion(region)))
        case "GetHeatmap":
            return .reply(try await heatmap(parameters))
        case "GetMetrics":
            return .reply(MetricsReply(text: await board.metricsText()))
        default:
            return nil
        }
    }

    /// GetHeatmap: the region's last scan, drawn into the cells asked for by the supervisor, which holds the
    /// policy state (`Supervisor.heatmap(of:cells:)`).
    private func heatmap(_ parameters: ControlParameters) async throws(ControlError) -> HeatmapReply {
        let name = try parameters.string("name")
        let cells = try parameters.optionalInteger("cells", in: 1...Int64(WireHeatmap.maximumCells))
            .map(Int.init) ?? WireHeatmap.defaultCells
        let region = try await answering { () async throws(DaemonError) in
            try await supervisor.heatmap(of: name, cells: cells)
        }
        guard let heatmap = region.heatmap else {
            throw .invalidParameter("name", "region \(name) has no scan to draw yet "
                                    + "(state: \(region.status.phase.rawValue))")
        }
        return HeatmapReply(heatmap: WireHeatmap(name: name, heatmap: heatmap, scans: region.status.scans))
    }

    /// The methods that change the daemon (`ControlInterface.mutatingMethods`), carried out by the supervisor;
    /// the reply's parameters, nil for the other methods.
    private func action(_ member: String, _ parameters: ControlParameters,
                        peer: PeerCredentials?) async throws(ControlError) -> (any Encodable & Sendable)? {
        // `permits` lets no call without credentials this far; such a caller would be nobody, never root.
        let caller = Caller(uid: peer?.uid ?? UInt32.max)
        switch member {
        case "Register":
            return try await register(parameters, caller: caller)
        case "Unregister":
            let name = try parameters.string("name")
            try await answering { () async throws(DaemonError) in try await supervisor.unregister(name, by: caller) }
            await supervisor.flushRegistrations()  // the reply says the file no longer holds it
            return EmptyReply()
        case "Pause", "Resume":
            let name = try parameters.optionalString("name")
            let names = try await answering { () async throws(DaemonError) in
                try await supervisor.setPaused(member == "Pause", region: name, by: caller)
            }
            if let name, names.isEmpty { throw .regionNotFound(name) }
            return ["names": names]
        case "PageoutNow":
            let name = try parameters.string("name")
            let bytes = try parameters.optionalInteger("bytes", in: 0...(1 << 53)).map(UInt64.init)
            let paged = try await answering { () async throws(DaemonError) in
                try await supervisor.pageoutNow(name, bytes: bytes, by: caller)
            }
            return ["bytes": paged]
        case "BeginScan":
            let name = try parameters.string("name")
            let window = try await answering { () async throws(DaemonError) in
                try await supervisor.beginScan(name, by: caller)
            }
            return BeginScanReply(token: window.token, cold_pages: window.coldPages)
        case "EndScan":
            let token = try parameters.string("token")
            let result = try await answering { () async throws(DaemonError) in
                try await supervisor.endScan(token, by: caller)
            }
            return EndScanReply(paged_out: result.mappedPagedOut, repaired: result.residentRepaired,
                                cold_pages: result.coldPages, swapped_after: result.stillSwapped)
        case "Reload":
            if let problem = await reload() { throw .invalidParameter("configuration", problem) }
            return EmptyReply()
        default:
            return nil
        }
    }

    /// Register: the registration checked and handed to the supervisor. Only root may name a pid file: the
    /// daemon opens it with its own privileges, on behalf of a caller who may not be able to.
    private func register(_ parameters: ControlParameters, caller: Caller) async throws(ControlError) -> RegionReply {
        let registration = try Self.registration(parameters)
        if case .pidfile = registration.process, !caller.isRoot {
            throw .invalidParameter("pidfile", "only root may register a region by pid file; give the pid")
        }
        let status = try await answering { () async throws(DaemonError) in
            try await supervisor.register(registration, by: caller)
        }
        await supervisor.flushRegistrations()  // the reply says the registration survives a restart
        return RegionReply(region: WireRegion(status))
    }

    /// A registration from Register's parameters: exactly one of pid and pidfile, one of memfd and path.
    static func registration(_ parameters: ControlParameters) throws(ControlError) -> Registration {
        let register = try RegisterParameters(parameters)
        return Registration(name: register.name, process: register.process, memory: register.memory)
    }
}

/// GetStatus's reply parameters.
struct StatusReply: Encodable, Sendable {
    var status: WireStatus
}

/// ListRegions's reply parameters.
struct RegionsReply: Encodable, Sendable {
    var regions: [WireRegion]
}

/// GetRegion's and Register's reply parameters.
struct RegionReply: Encodable, Sendable {
    var region: WireRegion
}

/// GetHeatmap's reply parameters.
struct HeatmapReply: Encodable, Sendable {
    var heatmap: WireHeatmap
}

/// GetMetrics's reply parameters: the metrics text.
struct MetricsReply: Encodable, Sendable {
    var text: String
}

/// BeginScan's reply parameters.
struct BeginScanReply: Encodable, Sendable {
    var token: String
    var cold_pages: Int
}

/// EndScan's reply parameters, in pages.
struct EndScanReply: Encodable, Sendable {
    var paged_out: Int
    var repaired: Int
    var cold_pages: Int
    var swapped_after: Int
}

/// The reply parameters of a method that returns nothing: `{}`.
struct EmptyReply: Encodable, Sendable {}
