import PageoutControl

extension ControlError {
    /// io.pageoutd.WindowNotFound: no open window has this token (never opened, ended, or expired).
    static func windowNotFound(_ token: String) -> ControlError {
        ControlError(name: "\(ControlInterface.name).WindowNotFound", parameters: ["token": .string(token)])
    }

    /// The io.pageoutd error that tells a client about `error`.
    init(_ error: DaemonError) {
        switch error {
        case .regionNotFound(let name): self = .regionNotFound(name)
        case .regionExists(let name): self = .regionExists(name)
        case .invalidParameter(let parameter, let reason): self = .invalidParameter(parameter, reason)
        case .processNotFound(let pid): self = .processNotFound(Int(pid))
        case .mappingNotFound(let region, let source): self = .mappingNotFound(region, source: source)
        case .noSwap(let reason): self = .noSwap(reason)
        case .windowNotFound(let token): self = .windowNotFound(token)
        case .notYourVMM(let pid, let uid, let reason): self = .notYourVMM(pid: Int(pid), uid: Int(uid), reason: reason)
        case .notYourRegion(let name, let reason): self = .notYourRegion(name, reason: reason)
        case .tooManyRegions(let exceeded): self = .tooManyRegions(limit: exceeded.limit, key: exceeded.key)
        }
    }
}

/// Runs a supervisor request, turning its `DaemonError` into the io.pageoutd error a client sees.
func answering<Value: Sendable>(_ request: () async throws(DaemonError) -> Value) async throws(ControlError) -> Value {
    do {
        return try await request()
    } catch {
        throw ControlError(error)
    }
}
