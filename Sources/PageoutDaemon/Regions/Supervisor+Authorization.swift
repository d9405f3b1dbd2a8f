import Glibc
import Logging
import PageoutCore
import PageoutLinux

/// Who asks the supervisor for something: the uid of the control socket's peer (SO_PEERCRED).
public struct Caller: Sendable, Hashable, CustomStringConvertible {
    /// The caller's effective uid.
    public var uid: UInt32

    /// The caller of uid `uid`.
    public init(uid: UInt32) {
        self.uid = uid
    }

    /// Root, and the daemon's own requests.
    public static let root = Caller(uid: 0)

    /// True for uid 0.
    public var isRoot: Bool { uid == 0 }

    public var description: String { "uid \(uid)" }
}

/// The authorisation model: who may register which VMM, and who may act on which region (README, "Control
/// socket and pageoutctl").
extension Supervisor {
    /// Checks that `caller` may register the process of `handle`, logging a refusal.
    ///
    /// - Throws: `DaemonError.notYourVMM`, or `processNotFound` when the process exited while it was read.
    func authorize(_ caller: Caller, toRegister handle: ProcessHandle, region name: String) throws(DaemonError) {
        let candidate: VMMAccess.Candidate
        do {
            candidate = try handle.accessCandidate()
        } catch is ProcessExited {
            throw .processNotFound(handle.pid)
        } catch {
            throw .invalidParameter("pid", "process \(handle.pid) cannot be examined: \(error)")
        }
        guard let reason = VMMAccess.refusal(of: candidate, callerUID: caller.uid, daemonPID: getpid(),
                                             vmmUsers: vmmUserIDs) else { return }
        let uid = candidate.uids.all.first { $0 != caller.uid && !vmmUserIDs.contains($0) } ?? candidate.uids.real
        logger.notice("registration refused", metadata: [
            "region": "\(name)", "vmm_pid": "\(handle.pid)", "vmm_uid": "\(uid)", "caller_uid": "\(caller.uid)",
            "reason": "\(reason)"])
        throw .notYourVMM(pid: handle.pid, uid: uid, reason: reason)
    }

    /// Checks that `caller` may call `method` on region `name`: root may act on every region, a member only on
    /// the regions it registered. Logs a refusal.
    ///
    /// - Throws: `DaemonError.notYourRegion`.
    func authorize(_ caller: Caller, _ method: String, on name: String) throws(DaemonError) {
        guard !caller.isRoot else { return }
        let registrant = regions.registration(named: name)?.registrant
        guard registrant != caller.uid else { return }
        let reason = switch registrant {
        case nil where regions.registration(named: name) == nil:
            "\(name) is a region of the configuration file: only root may \(method) it"
        case nil, 0?: "\(name) was registered by root: only root may \(method) it"
        case let owner?: "\(name) was registered by uid \(owner): only that user and root may \(method) it"
        }
        logger.notice("request refused", metadata: [
            "region": "\(name)", "method": "\(method)", "caller_uid": "\(caller.uid)", "reason": "\(reason)"])
        throw .notYourRegion(name: name, reason: reason)
    }

    /// Checks that one more registration by `caller` fits the limits on regions; logs a refusal.
    ///
    /// - Throws: `DaemonError.tooManyRegions`.
    func checkQuota(for caller: Caller, region name: String) throws(DaemonError) {
        let quota = configuration.daemon.regionQuota
        guard let exceeded = quota.exceeded(byAnotherFrom: caller.uid, registrants: regions.liveRegistrants) else {
            return
        }
        logger.notice("registration refused", metadata: [
            "region": "\(name)", "caller_uid": "\(caller.uid)", "limit": "\(exceeded.limit)",
            "key": "\(exceeded.key)"])
        throw .tooManyRegions(exceeded)
    }

    /// The uids of `[daemon] vmm_users`; a name the user database does not know is left out with a warning
    /// (start-up refuses it before: `VMMUsers.resolve`).
    func resolveVMMUsers() -> Set<UInt32> {
        var uids: Set<UInt32> = []
        for name in configuration.daemon.vmmUsers {
            do throws(VMMUsersError) {
                uids.insert(try VMMUsers.resolve(name))
            } catch {
                logger.warning("vmm_users entry left out, ignoring", metadata: ["error": "\(error)"])
            }
        }
        return uids
    }
}

/// `[daemon] vmm_users`, resolved to uids like `socket_group` is to a gid.
public enum VMMUsers {
    /// The uid `text` names: a numeric uid as is, a name through the user database.
    ///
    /// - Throws: `VMMUsersError` naming the key and the user when no user has that name or the lookup failed.
    public static func resolve(_ text: String) throws(VMMUsersError) -> UInt32 {
        if let uid = UInt32(text) { return uid }
        let found: UInt32?
        do {
            found = try UserDatabase.userID(named: text)
        } catch {
            throw VMMUsersError(message: "[daemon] vmm_users: cannot look up user \"\(text)\": \(error.errno)")
        }
        guard let found else { throw VMMUsersError(message: "[daemon] vmm_users: no user named \"\(text)\"") }
        return found
    }

    /// Resolves every entry, failing at the first that names no user.
    public static func resolveAll(_ names: [String]) throws(VMMUsersError) -> Set<UInt32> {
        var uids: Set<UInt32> = []
        for name in names { uids.insert(try resolve(name)) }
        return uids
    }
}

/// A `vmm_users` entry that names no user.
public struct VMMUsersError: Error, Sendable, CustomStringConvertible {
    /// The sentence, naming the key and the user.
    public var message: String
    public var description: String { message }
}
