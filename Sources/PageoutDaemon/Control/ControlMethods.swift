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

    /// The methods of `io.pageoutd`.
    private func handlePageoutd(_ member: String, call: VarlinkCall, peer: PeerCredentials?)
        async throws(ControlError) -> ControlOutcome {
        let parameterNames: [String: Set<String>] = [
            "GetRegion": ["name"], "Register": ["name", "pid", "pidfile", "memfd", "path"], "Unregister": ["name"],
            "Pause": ["name"], "Resume": ["name"], "PageoutNow": ["name", "bytes"], "BeginScan": ["name"],
            "EndScan": ["token"],
        ]
        let parameters = try ControlParameters(call.parameters, allowed: parameterNames[member] ?? [])
        switch member {
        case "GetStatus":
            if call.more == true { return .statusUpdates }
            return .reply(StatusReply(status: WireStatus(await supervisor.statusBoard.current())))
        case "ListRegions":
            return .reply(RegionsReply(regions: await supervisor.statusBoard.current().regions.map(WireRegion.init)))
        case "GetRegion":
            let name = try parameters.string("name")
            guard let region = await supervisor.statusBoard.current().regions.first(where: { $0.name == name }) else {
                throw .regionNotFound(name)
            }
            return .reply(RegionReply(region: WireRegion(region)))
        case "GetMetrics":
            return .reply(MetricsReply(text: await supervisor.statusBoard.metricsText()))
        case "Register":
            return try await register(parameters, peer: peer)
        case "Unregister":
            let name = try parameters.string("name")
            try await answering { () async throws(DaemonError) in try await supervisor.unregister(name) }
            return .reply(EmptyReply())
        case "Pause", "Resume":
            let name = try parameters.optionalString("name")
            let names = await supervisor.setPaused(member == "Pause", region: name)
            if let name, names.isEmpty { throw .regionNotFound(name) }
            return .reply(["names": names])
        case "PageoutNow":
            let name = try parameters.string("name")
            let bytes = try parameters.optionalInteger("bytes", in: 0...(1 << 53)).map(UInt64.init)
            let paged = try await answering { () async throws(DaemonError) in try await supervisor.pageoutNow(name, bytes: bytes) }
            return .reply(["bytes": paged])
        case "BeginScan":
            let name = try parameters.string("name")
            let window = try await answering { () async throws(DaemonError) in try await supervisor.beginScan(name) }
            return .reply(BeginScanReply(token: window.token, cold_pages: window.coldPages))
        case "EndScan":
            let token = try parameters.string("token")
            let result = try await answering { () async throws(DaemonError) in try await supervisor.endScan(token) }
            return .reply(EndScanReply(paged_out: result.mappedPagedOut, repaired: result.residentRepaired,
                                       cold_pages: result.coldPages, swapped_after: result.stillSwapped))
        case "Reload":
            if let problem = await reload() { throw .invalidParameter("configuration", problem) }
            return .reply(EmptyReply())
        default:
            // `implemented` lists exactly the cases above.
            throw .methodNotFound(call.method)
        }
    }

    /// Register: the registration checked and handed to the supervisor. Only root may name a pid file: the
    /// daemon opens it with its own privileges, on behalf of a caller who may not be able to.
    private func register(_ parameters: ControlParameters, peer: PeerCredentials?)
        async throws(ControlError) -> ControlOutcome {
        let registration = try Self.registration(parameters)
        if case .pidfile = registration.process, peer?.uid != 0 {
            throw .invalidParameter("pidfile", "only root may register a region by pid file; give the pid")
        }
        let status = try await answering { () async throws(DaemonError) in try await supervisor.register(registration) }
        return .reply(RegionReply(region: WireRegion(status)))
    }

    /// A registration from Register's parameters: exactly one of pid and pidfile, one of memfd and path.
    static func registration(_ parameters: ControlParameters) throws(ControlError) -> Registration {
        let name = try parameters.string("name")
        let pid = try parameters.optionalInteger("pid", in: 1...Int64(Int32.max))
        let pidfile = try parameters.optionalString("pidfile")
        let memfd = try parameters.optionalString("memfd")
        let path = try parameters.optionalString("path")
        let process: RegionConfig.ProcessSource
        switch (pid, pidfile) {
        case (let pid?, nil): process = .pid(Int32(pid))
        case (nil, let pidfile?): process = .pidfile(pidfile)
        case (nil, nil): throw .invalidParameter("pid", "one of pid and pidfile is required")
        case (_?, _?): throw .invalidParameter("pidfile", "give pid or pidfile, not both")
        }
        let memory: RegionConfig.MemorySource
        switch (memfd, path) {
        case (let memfd?, nil): memory = .memfd(memfd)
        case (nil, let path?): memory = .shmFile(path)
        case (nil, nil): throw .invalidParameter("memfd", "one of memfd and path is required")
        case (_?, _?): throw .invalidParameter("path", "give memfd or path, not both")
        }
        return Registration(name: name, process: process, memory: memory)
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
