import Logging
import PageoutControl
import PageoutCore
import PageoutLinux

/// What the control socket asks of the supervisor: regions registered at run time (persisted in the state
/// directory), pageout on demand.
extension Supervisor {
    /// The configured regions, then the registered ones whose names the configuration does not use.
    var regionConfigs: [RegionConfig] {
        let configured = Set(configuration.regions.map(\.name))
        let registered = registrations.filter { !configured.contains($0.name) }
        return configuration.regions + registered.map { $0.regionConfig(policy: configuration.policy) }
    }

    /// Registers a region: checks its parameters, that its VMM runs and has the mapping, then scans it from the
    /// next round on and persists it.
    ///
    /// - Returns: the region's status (pending until its first scan).
    public func register(_ request: Registration) async throws(ControlError) -> RegionStatus {
        let config = request.regionConfig(policy: configuration.policy)
        if let issue = config.validationIssues(at: .root).first {
            throw .invalidParameter(issue.key.description, issue.problem)
        }
        guard !regionConfigs.contains(where: { $0.name == request.name }) else { throw .regionExists(request.name) }
        var registration = request
        registration.identity = try identity(of: config)
        registrations.removeAll { $0.name == request.name }  // a shadowed one the configuration took over
        registrations.append(registration)
        goneRegistrations.remove(request.name)
        persistRegistrations()
        await scanWorker.configure(regionConfigs, now: now)
        logger.notice("region registered", metadata: ["region": "\(request.name)", "process": "\(request.process)",
                                                      "memory": "\(request.memory)"])
        let statuses = await republish()
        return statuses.first { $0.name == request.name } ?? RegionStatus(name: request.name)
    }

    /// Forgets a region registered over the socket (regions of the configuration file stay).
    public func unregister(_ name: String) async throws(ControlError) {
        guard registrations.contains(where: { $0.name == name }) else {
            if configuration.regions.contains(where: { $0.name == name }) {
                throw .invalidParameter("name", "\(name) is a region of the configuration file: remove it there")
            }
            throw .regionNotFound(name)
        }
        registrations.removeAll { $0.name == name }
        goneRegistrations.remove(name)
        persistRegistrations()
        await scanWorker.configure(regionConfigs, now: now)
        logger.notice("region unregistered", metadata: ["region": "\(name)"])
        await republish()
    }

    /// Scans region `name` now and pages out what the policy finds cold, within `bytes` and the rate limits.
    ///
    /// - Returns: the bytes the kernel was asked to page out (0 when nothing is cold or the limits are spent).
    public func pageoutNow(_ name: String, bytes: UInt64?) async throws(ControlError) -> UInt64 {
        guard await scanWorker.regionNames.contains(name) else { throw .regionNotFound(name) }
        let swap: SwapStatus
        do { swap = try procfs.swapStatus() } catch { throw .noSwap("swap figures unreadable: \(error)") }
        if let reason = swap.unusableReason { throw .noSwap(reason) }
        bucket.refill(at: now)
        let budget = min(bytes ?? bucket.available, bucket.available)
        let outcome = await scanWorker.scan(name, now: now, globalBudget: budget, swap: swap,
                                            pressure: try? procfs.memoryPressure(), swapProblem: nil)
        guard let region = outcome.region, !outcome.ranges.isEmpty else {
            await republish()
            return 0
        }
        do {
            let advised = try await pageoutWorker.pageOut(outcome)
            bucket.take(outcome.bytes)
            await scanWorker.recordPageout(outcome, at: now)
            await republish()
            logger.info("paged out on request", metadata: ["region": "\(name)", "bytes": "\(advised)"])
            return advised
        } catch {
            await scanWorker.pageoutFailed(name, error: error)
            await republish()
            if error is ProcessExited { throw .processNotFound(Int(region.process.pid)) }
            if error is MappingChanged { throw .mappingNotFound(name, source: "\(outcome.source.map { "\($0)" } ?? "")") }
            throw .invalidParameter("name", "pageout failed: \(error)")
        }
    }

    // MARK: - Internals

    /// Reads the saved registrations at start; those whose process is no longer the one registered are dropped
    /// (one log line for all of them) and the file rewritten without them.
    func restoreRegistrations() {
        let saved: [Registration]
        do {
            saved = try registrationStore.load()
        } catch {
            logger.error("registrations not restored, ignoring", metadata: ["error": "\(error)"])
            return
        }
        var kept: [Registration] = []
        var dropped: [String] = []
        for registration in saved {
            if let reason = staleness(of: registration, keeping: kept) {
                dropped.append("\(registration.name) (\(reason))")
            } else {
                kept.append(registration)
            }
        }
        registrations = kept
        if !dropped.isEmpty {
            logger.notice("stale registrations dropped", metadata: ["regions": "\(dropped.joined(separator: ", "))"])
            persistRegistrations()
        }
        if !kept.isEmpty {
            logger.info("registrations restored", metadata: ["regions": "\(kept.map(\.name).joined(separator: ", "))"])
        }
    }

    /// Drops registered regions whose VMM exited from the persisted state (they stay in status as gone).
    func forgetGoneRegistrations(_ statuses: [RegionStatus]) {
        let registered = Set(registrations.map(\.name))
        let gone = statuses.filter { $0.phase == .gone && registered.contains($0.name)
            && !goneRegistrations.contains($0.name) }.map(\.name)
        guard !gone.isEmpty else { return }
        goneRegistrations.formUnion(gone)
        persistRegistrations()
        logger.notice("registrations of exited VMMs dropped from the state directory",
                      metadata: ["regions": "\(gone.joined(separator: ", "))"])
    }

    /// Why `registration` cannot be restored, or nil when its process is still the one registered.
    private func staleness(of registration: Registration, keeping kept: [Registration]) -> String? {
        if let problem = RegionConfig.nameProblem(registration.name) { return problem }
        if configuration.regions.contains(where: { $0.name == registration.name })
            || kept.contains(where: { $0.name == registration.name }) {
            return "the name is taken"
        }
        // A pid file may name a restarted VMM: such a registration stays, and is resolved every scan.
        guard case .pid(let pid) = registration.process else { return nil }
        guard let identity = registration.identity, identity.pid == pid else { return "no process identity saved" }
        guard let startTime = try? procfs.startTime(pid: pid) else { return "pid \(pid) exited" }
        return startTime == identity.startTime ? nil : "pid \(pid) is another process now"
    }

    /// The VMM's identity now, after checking it has the region's mapping.
    private func identity(of config: RegionConfig) throws(ControlError) -> Registration.ProcessIdentity {
        let resolver = RegionResolver(procfs: procfs)
        let pid: Int32
        do {
            pid = try resolver.pid(of: config.process)
        } catch {
            throw .invalidParameter("pidfile", "\(error)")
        }
        let startTime: UInt64
        do {
            startTime = try procfs.startTime(pid: pid)
        } catch {
            throw .processNotFound(Int(pid))
        }
        do {
            _ = try resolver.open(config)
        } catch is ProcessExited {
            throw .processNotFound(Int(pid))
        } catch is RegionSourceError {
            throw .mappingNotFound(config.name, source: config.memory.description)
        } catch {
            throw .invalidParameter(config.process.parameterName, "\(error)")
        }
        return Registration.ProcessIdentity(pid: pid, startTime: startTime)
    }

    /// Saves the registrations of running VMMs; a failure is logged and the registrations stay in force.
    private func persistRegistrations() {
        do {
            try registrationStore.save(registrations.filter { !goneRegistrations.contains($0.name) })
        } catch {
            logger.error("registrations not saved, ignoring", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes the current region list at once (a registration shows before the next round).
    @discardableResult
    private func republish() async -> [RegionStatus] {
        var status = await statusBoard.current()
        status.regions = await scanWorker.statuses()
        await statusBoard.publish(status)
        return status.regions
    }
}

extension RegionConfig.ProcessSource {
    /// The Register parameter that gave this source.
    var parameterName: String {
        switch self {
        case .pid: "pid"
        case .pidfile: "pidfile"
        }
    }
}
