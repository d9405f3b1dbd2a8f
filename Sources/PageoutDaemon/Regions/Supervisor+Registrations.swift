import Logging
import PageoutCore
import PageoutLinux

/// Regions registered at run time (persisted in the state directory), and pageout on demand.
extension Supervisor {
    /// Registers a region: checks its parameters, that its VMM runs and has the mapping, then scans it from the
    /// next round on and persists it.
    ///
    /// - Returns: the region's status (pending until its first scan).
    public func register(_ request: Registration) async throws(DaemonError) -> RegionStatus {
        let config = request.regionConfig(policy: configuration.policy)
        if let issue = config.validationIssues(at: .root).first {
            throw .invalidParameter(issue.key.description, issue.problem)
        }
        guard regions[request.name] == nil else { throw .regionExists(request.name) }
        var registration = request
        registration.identity = try identity(of: config)
        regions.add(registration)  // replaces a shadowed one the configuration took over
        persistRegistrations()
        regions.configure(configuration.regions, policy: configuration.policy, now: now)
        logger.notice("region registered", metadata: ["region": "\(request.name)", "process": "\(request.process)",
                                                      "memory": "\(request.memory)"])
        let statuses = await publishRegions()
        return statuses.first { $0.name == request.name } ?? RegionStatus(name: request.name)
    }

    /// Forgets a region registered over the socket (regions of the configuration file stay).
    public func unregister(_ name: String) async throws(DaemonError) {
        guard regions.isRegistered(name) else {
            if configuration.regions.contains(where: { $0.name == name }) {
                throw .invalidParameter("name", "\(name) is a region of the configuration file: remove it there")
            }
            throw .regionNotFound(name)
        }
        regions.remove(name)
        persistRegistrations()
        regions.configure(configuration.regions, policy: configuration.policy, now: now)
        logger.notice("region unregistered", metadata: ["region": "\(name)"])
        await publishRegions()
    }

    /// Scans region `name` now and carries out its job (what the policy finds cold, and what it would repair),
    /// within `bytes` and the rate limits.
    ///
    /// - Returns: the bytes handed to MADV_PAGEOUT (0 when nothing is cold or the limits are spent).
    public func pageoutNow(_ name: String, bytes: UInt64?) async throws(DaemonError) -> UInt64 {
        guard let entry = regions[name] else { throw .regionNotFound(name) }
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
        regions.restore(kept)
        if !dropped.isEmpty {
            logger.notice("stale registrations dropped", metadata: ["regions": "\(dropped.joined(separator: ", "))"])
            persistRegistrations()
        }
        if !kept.isEmpty {
            logger.info("registrations restored", metadata: ["regions": "\(kept.map(\.name).joined(separator: ", "))"])
        }
    }

    /// Drops registered regions whose VMM exited from the persisted state (they stay in status as gone).
    func forgetGoneRegistrations() {
        let gone = regions.markGoneRegistrations()
        guard !gone.isEmpty else { return }
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
        let startTime: UInt64
        do {
            startTime = try procfs.startTime(pid: pid)
        } catch is ProcessExited {
            return "pid \(pid) exited"
        } catch {
            // EMFILE, ENOMEM: the daemon's trouble, not the registration's; the rounds retry it.
            return nil
        }
        guard startTime == identity.startTime else { return "pid \(pid) is another process now" }
        return refusal(of: registration)
    }

    /// Why the region of `registration` is refused outright (not shmem), or nil: a registration saved before
    /// the check existed must not come back. Other failures to open are left to the rounds, which retry them.
    private func refusal(of registration: Registration) -> String? {
        do {
            _ = try resolver.open(registration.regionConfig(policy: configuration.policy))
            return nil
        } catch let error as NotShmem {
            return "\(error)"
        } catch {
            return nil
        }
    }

    /// The VMM's identity now, after checking it has the region's mapping.
    private func identity(of config: RegionConfig) throws(DaemonError) -> Registration.ProcessIdentity {
        let pid: Int32
        do {
            pid = try resolver.pid(of: config.process)
        } catch {
            throw .invalidParameter("pidfile", "\(error)")
        }
        let startTime: UInt64
        do {
            startTime = try procfs.startTime(pid: pid)
        } catch is ProcessExited {
            throw .processNotFound(pid)
        } catch {
            // Out of descriptors (EMFILE) or memory is said as such, not as a process that is not there.
            throw .invalidParameter(config.process.parameterName, "cannot read process \(pid): \(error)")
        }
        do {
            _ = try resolver.open(config)
        } catch is ProcessExited {
            throw .processNotFound(pid)
        } catch is RegionSourceError {
            throw .mappingNotFound(region: config.name, source: config.memory.description)
        } catch let error as NotShmem {
            throw .invalidParameter(config.memory.parameterName, "\(error)")
        } catch {
            throw .invalidParameter(config.process.parameterName, "\(error)")
        }
        return Registration.ProcessIdentity(pid: pid, startTime: startTime)
    }

    /// Saves the registrations of running VMMs; a failure is logged and the registrations stay in force.
    private func persistRegistrations() {
        do {
            try registrationStore.save(regions.persistent)
        } catch {
            logger.error("registrations not saved, ignoring", metadata: ["error": "\(error)"])
        }
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
