import Synchronization

/// The control connections and status streams being served, against the limits of `[daemon]`: `max_clients` in
/// all, of which `reserved_clients` only for root and the control group; `max_clients_per_uid` connections and
/// `max_subscribers_per_uid` streams per uid other than root.
///
/// Anyone who can connect to the socket may read, so without the reserve and the per-uid limits one plain user
/// holding every connection (status streams never end by themselves) locks out root and the operators.
final class ClientSlots: Sendable {
    /// Who holds a place: its uid (nil when the kernel could not tell) and whether it is root or in the group.
    struct Holder: Sendable, Hashable {
        var uid: UInt32?
        var privileged: Bool
    }

    private struct State {
        var connections = 0
        var connectionsByUid: [UInt32: Int] = [:]
        var subscribersByUid: [UInt32: Int] = [:]
        var refusedSinceAdmitted = false
    }

    private let limits: ControlLimits
    private let state = Mutex(State())

    init(limits: ControlLimits) {
        self.limits = limits
    }

    /// Connections only root and the control group may take: `reserved_clients`, but never every one.
    private var reserved: Int { min(limits.reservedConnections, limits.maximumConnections - 1) }

    /// Takes a connection place for `holder` if one is free to it; the reason it is refused otherwise.
    func admit(_ holder: Holder) -> String? {
        state.withLock { state in
            let limit = holder.privileged ? limits.maximumConnections : limits.maximumConnections - reserved
            guard state.connections < limit else {
                return holder.privileged ? "too many clients" : "too many clients (the rest are reserved)"
            }
            if let uid = holder.uid, uid != 0 {
                guard state.connectionsByUid[uid, default: 0] < limits.maximumConnectionsPerUser else {
                    return "too many clients of uid \(uid)"
                }
                state.connectionsByUid[uid, default: 0] += 1
            }
            state.connections += 1
            state.refusedSinceAdmitted = false
            return nil
        }
    }

    /// Gives back a place `admit` gave `holder`.
    func release(_ holder: Holder) {
        state.withLock { state in
            state.connections -= 1
            if let uid = holder.uid, uid != 0 { Self.decrement(&state.connectionsByUid, uid) }
        }
    }

    /// Takes a status stream place for `holder`: false when its uid holds `max_subscribers_per_uid` already.
    func subscribe(_ holder: Holder) -> Bool {
        guard let uid = holder.uid, uid != 0 else { return true }
        return state.withLock { state in
            guard state.subscribersByUid[uid, default: 0] < limits.maximumSubscribersPerUser else { return false }
            state.subscribersByUid[uid, default: 0] += 1
            return true
        }
    }

    /// Gives back a stream place `subscribe` gave `holder`.
    func unsubscribe(_ holder: Holder) {
        guard let uid = holder.uid, uid != 0 else { return }
        state.withLock { Self.decrement(&$0.subscribersByUid, uid) }
    }

    /// True for the first refusal after an admission: a flood of refused clients logs one line.
    func shouldReportRefusal() -> Bool {
        state.withLock { state in
            defer { state.refusedSinceAdmitted = true }
            return !state.refusedSinceAdmitted
        }
    }

    private static func decrement(_ counts: inout [UInt32: Int], _ uid: UInt32) {
        let left = counts[uid, default: 1] - 1
        counts[uid] = left > 0 ? left : nil
    }
}
