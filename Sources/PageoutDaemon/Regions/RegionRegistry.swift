import PageoutCore

/// Every region the daemon knows, by name: those of the configuration file and those registered over the control
/// socket, with their registration, identity, opened memory and learned state.
///
/// A registration whose name the configuration file takes over is kept (it is persisted) but not watched: the
/// file's region wins. A registered region whose VMM exited stays listed, gone, and is no longer persisted; after
/// `gone_region_grace` it is forgotten. A gone region counts against no limit.
struct RegionRegistry {
    /// The regions watched, configured ones first, in the order they were configured or registered.
    private(set) var entries: [RegionEntry] = []
    private var byName: [String: RegionEntry] = [:]
    /// Every registration in force, in the order they were made (some may be shadowed by the configuration).
    private(set) var registrations: [Registration] = []
    /// Registered regions whose VMM exited, and when they were found gone (ms): listed as gone, not persisted.
    private var gone: [String: Int64] = [:]

    /// The region named `name`, if it is watched.
    subscript(name: String) -> RegionEntry? { byName[name] }

    /// The names of the regions watched, in order.
    var names: [String] { entries.map(\.name) }

    /// Every region's status, in order.
    var statuses: [RegionStatus] { entries.map(\.status) }

    /// The registrations to persist: those whose VMM has not exited.
    var persistent: [Registration] { registrations.filter { gone[$0.name] == nil } }

    /// The registrants of the registrations whose VMM has not exited (nil: unknown, counted as root's).
    var liveRegistrants: [UInt32?] { persistent.map(\.registrant) }

    /// The registration `name`, if there is one.
    func registration(named name: String) -> Registration? { registrations.first { $0.name == name } }

    /// True if `name` is a registration (watched or shadowed by the configuration).
    func isRegistered(_ name: String) -> Bool { registrations.contains { $0.name == name } }

    /// Watches exactly the regions of `configured` and the registrations whose names it does not use, under the
    /// global `policy`. Entries of unchanged names keep what they learned; new ones start at `now`.
    mutating func configure(_ configured: [RegionConfig], policy: PolicySettings, now: Int64) {
        let taken = Set(configured.map(\.name))
        let registered = registrations.filter { !taken.contains($0.name) }
        let wanted = configured.map { ($0, Registration?.none) }
            + registered.map { ($0.regionConfig(policy: policy), Optional($0)) }
        var next: [RegionEntry] = []
        for (config, registration) in wanted {
            if let existing = byName[config.name] {
                existing.reconfigure(config)
                existing.registration = registration
                next.append(existing)
            } else {
                next.append(RegionEntry(config: config, registration: registration, now: now))
            }
        }
        entries = next
        byName = Dictionary(uniqueKeysWithValues: next.map { ($0.name, $0) })
    }

    /// Sets the registrations in force (restored at start), replacing any.
    mutating func restore(_ saved: [Registration]) {
        registrations = saved
        gone = [:]
    }

    /// Adds `registration`, replacing a shadowed one of the same name.
    mutating func add(_ registration: Registration) {
        registrations.removeAll { $0.name == registration.name }
        registrations.append(registration)
        gone[registration.name] = nil
    }

    /// Removes the registration `name`.
    mutating func remove(_ name: String) {
        registrations.removeAll { $0.name == name }
        gone[name] = nil
    }

    /// Marks the registered regions whose VMM exited as gone at `now`, so they are no longer persisted; returns
    /// the names newly marked.
    mutating func markGoneRegistrations(now: Int64) -> [String] {
        let newlyGone = entries.filter { $0.isGone && $0.registration != nil && gone[$0.name] == nil }.map(\.name)
        for name in newlyGone { gone[name] = now }
        return newlyGone
    }

    /// Removes the registrations gone for `grace` ms or longer at `now`; returns their names.
    mutating func forgetGone(after grace: Int64, now: Int64) -> [String] {
        let expired = gone.filter { now - $0.value >= grace }.map(\.key).sorted()
        for name in expired { remove(name) }
        return expired
    }
}
