/// The limits on regions registered over the control socket (`[daemon] max_regions`, `max_regions_per_user`),
/// as a pure check.
public struct RegionQuota: Sendable, Hashable {
    /// Registrations in force, all callers together.
    public var total: Int
    /// Registrations in force per non-root registrant.
    public var perUser: Int

    /// Limits of `total` registrations, `perUser` of them per non-root uid.
    public init(total: Int, perUser: Int) {
        self.total = total
        self.perUser = perUser
    }

    /// A limit a registration would pass: its value and the key that sets it.
    public struct Exceeded: Sendable, Hashable, CustomStringConvertible {
        /// The limit's value.
        public var limit: Int
        /// The `[daemon]` key that sets it.
        public var key: String

        public var description: String { "\(limit) regions ([daemon] \(key))" }
    }

    /// The limit one more registration by `callerUID` would pass, given the registrants of the registrations
    /// in force (nil: made by root or the configuration), or nil when it fits. Root counts against the total only.
    public func exceeded(byAnotherFrom callerUID: UInt32, registrants: [UInt32?]) -> Exceeded? {
        if registrants.count >= total { return Exceeded(limit: total, key: "max_regions") }
        guard callerUID != 0 else { return nil }
        if registrants.count(where: { $0 == callerUID }) >= perUser {
            return Exceeded(limit: perUser, key: "max_regions_per_user")
        }
        return nil
    }
}
