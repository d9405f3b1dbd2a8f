import Glibc
import Logging
import PageoutCore
import PageoutLinux

/// Registrations restored at start, and forgotten once their VMM is gone.
extension Supervisor {
    /// Reads the saved registrations at start. An entry that cannot be restored (unreadable, its process no longer
    /// the one registered, its memory not shmem, its registrant no longer allowed the VMM, past a limit) is
    /// dropped with one log line naming it and why, never retried; the file is then rewritten without it.
    func restoreRegistrations() {
        let saved: [SavedRegistration]
        do {
            saved = try registrationStore.load()
        } catch {
            logger.error("registrations not restored, ignoring", metadata: ["error": "\(error)"])
            return
        }
        var kept: [Registration] = []
        for (index, entry) in saved.enumerated() {
            switch entry {
            case .unusable(let name, let problem):
                dropSaved(name ?? "entry \(index + 1)", because: "not a registration: \(problem)")
            case .usable(let registration):
                if let reason = staleness(of: registration, keeping: kept) {
                    dropSaved(registration.name, because: reason)
                } else {
                    kept.append(registration)
                }
            }
        }
        regions.restore(kept)
        if kept.count != saved.count { persistRegistrations() }
        if !kept.isEmpty {
            logger.info("registrations restored", metadata: ["regions": "\(kept.map(\.name).joined(separator: ", "))"])
        }
    }

    /// Drops registrations of exited VMMs from the persisted state (they stay in status as gone for
    /// `gone_region_grace`, then are forgotten).
    func forgetGoneRegistrations() {
        let gone = regions.markGoneRegistrations(now: now)
        let grace = configuration.daemon.goneRegionGrace.wholeNanoseconds / 1_000_000
        let forgotten = regions.forgetGone(after: grace, now: now)
        if !gone.isEmpty {
            persistRegistrations()
            logger.notice("registrations of exited VMMs dropped from the state directory",
                          metadata: ["regions": "\(gone.joined(separator: ", "))"])
        }
        if !forgotten.isEmpty {
            regions.configure(configuration.regions, policy: configuration.policy, now: now)
            logger.notice("gone regions forgotten", metadata: [
                "regions": "\(forgotten.joined(separator: ", "))",
                "gone_region_grace": "\(configuration.daemon.goneRegionGrace.configText)"])
        }
    }

    /// Logs one saved registration dropped at start.
    private func dropSaved(_ name: String, because reason: String) {
        logger.warning("saved registration dropped", metadata: ["region": "\(name)", "reason": "\(reason)"])
    }

    /// Why `registration` cannot be restored, or nil when its process is still the one registered and may still
    /// be registered by its registrant.
    private func staleness(of registration: Registration, keeping kept: [Registration]) -> String? {
        if let problem = RegionConfig.nameProblem(registration.name) { return problem }
        if configuration.regions.contains(where: { $0.name == registration.name })
            || kept.contains(where: { $0.name == registration.name }) {
            return "the name is taken"
        }
        let quota = configuration.daemon.regionQuota
        let registrants = kept.map(\.registrant)
        if let exceeded = quota.exceeded(byAnotherFrom: registration.registrant ?? 0, registrants: registrants) {
            return "past the limit of \(exceeded)"
        }
        // A pid file may name a restarted VMM: such a registration (root's only) stays, and is resolved every scan.
        guard case .pid(let pid) = registration.process else { return nil }
        guard let identity = registration.identity, identity.pid == pid else { return "no process identity saved" }
        let handle: ProcessHandle
        do {
            handle = try ProcessHandle(pid: pid, procfs: procfs)
        } catch is ProcessExited {
            return "pid \(pid) exited"
        } catch {
            // EMFILE, ENOMEM: the daemon's trouble, not the registration's; the rounds retry it.
            return nil
        }
        guard handle.startTime == identity.startTime else { return "pid \(pid) is another process now" }
        // The registrant (root for a file written before registrants were saved) must still be allowed the VMM:
        // vmm_users may have changed since.
        guard let candidate = try? handle.accessCandidate() else { return "pid \(pid) exited" }
        if let reason = VMMAccess.refusal(of: candidate, callerUID: registration.registrant ?? 0, daemonPID: getpid(),
                                          vmmUsers: vmmUserIDs) {
            return reason
        }
        return refusal(of: registration, process: handle)
    }

    /// Why the region of `registration` is refused outright (not shmem), or nil: a registration saved before
    /// the check existed must not come back. Other failures to open are left to the rounds, which retry them.
    private func refusal(of registration: Registration, process: ProcessHandle) -> String? {
        do {
            _ = try ShmemRegion(process: process, source: registration.memory.regionSource)
            return nil
        } catch let error as NotShmem {
            return "\(error)"
        } catch {
            return nil
        }
    }
}
