import Logging
import PageoutCore
import PageoutLinux

/// Regions registered at run time (persisted in the state directory), and pageout on demand.
extension Supervisor {
    /// Registers a region for `caller`: checks its parameters, the limits on regions, that the caller may
    /// register the VMM (`authorize(_:toRegister:region:)`), that the VMM runs and has the mapping; then scans
    /// it from the next round on and persists it with the caller's uid as its registrant.
    ///
    /// - Returns: the region's status (pending until its first scan).
    public func register(_ request: Registration, by caller: Caller = .root) async throws(DaemonError)
        -> RegionStatus {
        let config = request.regionConfig(policy: configuration.policy)
        if let issue = config.validationIssues(at: .root).first {
            throw .invalidParameter(issue.key.description, issue.problem)
        }
        guard regions[request.name] == nil else { throw .regionExists(request.name) }
        try checkQuota(for: caller, region: request.name)
        var registration = request
        registration.identity = try identity(of: config, caller: caller)
        registration.registrant = caller.uid
        regions.add(registration)  // replaces a shadowed one the configuration took over
        persistRegistrations()
        regions.configure(configuration.regions, policy: configuration.policy, now: now)
        logger.notice("region registered", metadata: ["region": "\(request.name)", "process": "\(request.process)",
                                                      "memory": "\(request.memory)", "caller_uid": "\(caller.uid)"])
        let statuses = await publishRegions()
        return statuses.first { $0.name == request.name } ?? RegionStatus(name: request.name)
    }

    /// Forgets a region registered over the socket (regions of the configuration file stay), if `caller` may.
    public func unregister(_ name: String, by caller: Caller = .root) async throws(DaemonError) {
        guard regions.isRegistered(name) else {
            if configuration.regions.contains(where: { $0.name == name }) {
                try authorize(caller, "Unregister", on: name)
                throw .invalidParameter("name", "\(name) is a region of the configuration file: remove it there")
            }
            throw .regionNotFound(name)
        }
        try authorize(caller, "Unregister", on: name)
        regions.remove(name)
        persistRegistrations()
        regions.configure(configuration.regions, policy: configuration.policy, now: now)
        logger.notice("region unregistered", metadata: ["region": "\(name)"])
        await publishRegions()
    }

    /// Scans region `name` now and carries out its job (what the policy finds cold, and what it would repair),
    /// within `bytes` and the rate limits, if `caller` may act on the region.
    ///
    /// - Returns: the bytes handed to MADV_PAGEOUT (0 when nothing is cold or the limits are spent).
    public func pageoutNow(_ name: String, bytes: UInt64?, by caller: Caller = .root) async throws(DaemonError)
        -> UInt64 {
        guard let entry = regions[name] else { throw .regionNotFound(name) }
        try authorize(caller, "PageoutNow", on: name)
        if staysRefused(entry), let refused = entry.refused { throw .invalidParameter("name", refused.reason) }
        let guards = readGuards()
        if let refusal = guards.swapRefusal { throw .noSwap(refusal) }
        bucket.refill(at: now)
        let budget = min(bytes ?? bucket.available, bucket.available)
        guard let job = plannedJob(for: entry, guards: guards, budget: budget) else {
            await publishRegions()
            return 0
        }
        let receipt = carryOut(job)
        record(receipt)
        await publishRegions()
        if let failure = receipt.failure {
            if failure is ProcessExited { throw .processNotFound(job.region.process.pid) }
            if failure is MappingChanged { throw .mappingNotFound(region: name, source: "\(job.source)") }
            throw .invalidParameter("name", "pageout failed: \(failure)")
        }
        let unmapped = UInt64(receipt.finishedPages + receipt.repairedPages) * UInt64(job.region.layout.pageSize)
        logger.info("paged out on request", metadata: ["region": "\(name)", "bytes": "\(receipt.advisedBytes)",
                                                       "unmapped_bytes": "\(unmapped)"])
        return receipt.advisedBytes + unmapped
    }

    // MARK: - Internals

    /// The VMM's identity now, after checking that `caller` may register it and that it has the region's
    /// mapping. One pidfd serves the check and the opening, so both are about the same process.
    private func identity(of config: RegionConfig, caller: Caller) throws(DaemonError)
        -> Registration.ProcessIdentity {
        let pid: Int32
        do {
            pid = try resolver.pid(of: config.process)
        } catch {
            throw .invalidParameter("pidfile", "\(error)")
        }
        let handle: ProcessHandle
        do {
            handle = try ProcessHandle(pid: pid, procfs: procfs)
        } catch is ProcessExited {
            throw .processNotFound(pid)
        } catch {
            // Out of descriptors (EMFILE) or memory is said as such, not as a process that is not there.
            throw .invalidParameter(config.process.parameterName, "cannot read process \(pid): \(error)")
        }
        try authorize(caller, toRegister: handle, region: config.name)
        do {
            _ = try ShmemRegion(process: handle, source: config.memory.regionSource)
        } catch is ProcessExited {
            throw .processNotFound(pid)
        } catch is RegionSourceError {
            throw .mappingNotFound(region: config.name, source: config.memory.description)
        } catch let error as NotShmem {
            throw .invalidParameter(config.memory.parameterName, "\(error)")
        } catch {
            throw .invalidParameter(config.process.parameterName, "\(error)")
        }
        return Registration.ProcessIdentity(pid: pid, startTime: handle.startTime)
    }

    /// Saves the registrations of running VMMs, on the registration writer's thread: the state directory's disk
    /// may be slow, the supervisor must not wait for it. A failure is logged and the registrations stay in force.
    func persistRegistrations() {
        let store = registrationStore
        let registrations = regions.persistent
        registrationWriter.submit { try store.save(registrations) }
    }

    /// Returns once the registrations saved before the call are on disk (or failed to be, and said so): Register
    /// and Unregister reply after it, and the daemon stops after it.
    public nonisolated func flushRegistrations() async {
        await registrationWriter.flush()
    }
}

extension RegionConfig.MemorySource {
    /// The Register parameter that gave this source.
    var parameterName: String {
        switch self {
        case .memfd: "memfd"
        case .shmFile: "path"
        }
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
