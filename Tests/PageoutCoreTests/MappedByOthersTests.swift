import Testing
@testable import PageoutCore

/// A model guest whose memory a second process (a vhost-user backend) also maps in part: the kernel skips those
/// pages at every pageout, so they stay mapped in the VMM, with pagemap's PM_MMAP_EXCLUSIVE bit clear.
struct SharedModelGuest {
    var guest: ModelGuest
    /// The pages the backend maps.
    var shared: PageBitmap

    /// One scan at `now`, with the mapcount look the daemon takes, the plan carried out (the kernel skipping the
    /// shared pages), then the guest's accesses.
    mutating func scan(_ state: inout RegionPolicyState, at now: Int64) -> PolicyDecision {
        let snapshot = guest.snapshot
        let candidates = PolicyEngine.sharingCandidates(state, snapshot: snapshot)
        let sharing = PageSharing(looked: candidates, shared: candidates.intersection(shared))
        let decision = PolicyEngine.evaluate(state, snapshot: snapshot, now: now, limits: PolicyEngineTests.limits,
                                             pageBudget: .max, sharing: sharing)
        state = decision.state
        state.recordPageout(decision.plan, at: now)
        var plan = decision.plan
        var planned = PageBitmap(count: guest.pageCount)
        plan.runs.forEach { planned.set($0) }
        planned.subtract(shared)
        plan.runs = planned.runs()
        guest.pageOut(plan)
        guest.touch()
        return decision
    }
}

@Suite struct MappedByOthersTests {
    /// Every 4th page of the cold part (pages 32 on) mapped by a backend.
    static let backendPages = Array(stride(from: 33, to: 128, by: 4))

    static func sharedGuest() -> SharedModelGuest {
        var shared = PageBitmap(count: 128)
        backendPages.forEach { shared[$0] = true }
        return SharedModelGuest(guest: ModelGuest(pageCount: 128, workingSet: PageLearningTests.scattered.filter {
            $0 < 32
        }), shared: shared)
    }

    @Test func pagesABackendMapsAreHeldNotRefaultsAndTheRestGoesOut() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        var model = Self.sharedGuest()
        var last: PolicyDecision?
        for second in 0..<25 { last = model.scan(&state, at: Int64(second) * 1_000) }
        var cold = model.guest.workingSet.subtractingAll(count: 128)
        cold.subtract(model.shared)
        #expect(model.guest.swapped == cold, "every cold page no backend maps is in swap, and no other")
        #expect(state.mappedByOthers == model.shared, "the backend's pages are held, and only they")
        #expect(state.totals.refaultPages == model.guest.faults, "no refault counted for a page the kernel skipped")
        #expect(last?.counts.mappedByOthers == Self.backendPages.count)
        #expect(last?.counts.warm == model.guest.workingSet.setCount, "the backend's pages are not warm")
        #expect(last?.counts.total == 128)
    }

    @Test func whenTheBackendUnmapsItsPagesGoOutAtTheNextScans() {
        var state = RegionPolicyState(layout: PolicyEngineTests.layout, limits: PolicyEngineTests.limits, now: 0)
        var model = Self.sharedGuest()
        for second in 0..<25 { _ = model.scan(&state, at: Int64(second) * 1_000) }
        let backend = model.shared
        model.shared = PageBitmap(count: 128)
        for second in 25..<27 { _ = model.scan(&state, at: Int64(second) * 1_000) }
        #expect(state.mappedByOthers.isEmpty, "nothing is held once the backend is gone")
        #expect(model.guest.swapped.intersection(backend) == backend, "its pages are in swap two scans later")
        #expect(model.guest.faults <= model.guest.workingSet.setCount)
    }
}
