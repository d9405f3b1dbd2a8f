import PageoutCore
import Testing

/// The authorisation of Register and the limits on regions, as pure functions.
@Suite struct VMMAccessTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var pid: Int32 = 4242
        var uids: [UInt32] = [1000, 1000, 1000, 1000]
        var kernelThread = false
        var caller: UInt32 = 1000
        var allowed: Bool
        var testDescription: String { "pid \(pid) uids \(uids) caller \(caller)" }
    }

    @Test(arguments: [
        Case(allowed: true),
        Case(uids: [1001, 1001, 1001, 1001], allowed: false),
        Case(uids: [1000, 0, 0, 0], allowed: false),
        Case(uids: [107, 107, 107, 107], allowed: true),
        Case(uids: [1001, 1001, 1001, 1001], caller: 0, allowed: true),
        Case(pid: 1, uids: [0, 0, 0, 0], caller: 0, allowed: false),
        Case(pid: 777, caller: 0, allowed: false),
        Case(pid: 2, uids: [0, 0, 0, 0], kernelThread: true, caller: 0, allowed: false),
    ])
    func register(_ example: Case) {
        let candidate = VMMAccess.Candidate(pid: example.pid, uids: ProcessUIDs(example.uids),
                                            isKernelThread: example.kernelThread)
        let refusal = VMMAccess.refusal(of: candidate, callerUID: example.caller, daemonPID: 777, vmmUsers: [107])
        #expect((refusal == nil) == example.allowed, "\(refusal ?? "allowed")")
    }

    @Test func limits() {
        let quota = RegionQuota(total: 3, perUser: 2)
        #expect(quota.exceeded(byAnotherFrom: 5, registrants: [5, nil]) == nil)
        #expect(quota.exceeded(byAnotherFrom: 5, registrants: [5, 5])?.key == "max_regions_per_user")
        #expect(quota.exceeded(byAnotherFrom: 0, registrants: [0, 0]) == nil, "root counts against the total only")
        #expect(quota.exceeded(byAnotherFrom: 0, registrants: [0, 0, 5])?.key == "max_regions")
    }

    @Test func uidsAndKernelThreadFlag() throws {
        let uids = try ProcessUIDs.parse(status: "Name:\tqemu\nUid:\t107\t107\t0\t107\nGid:\t1\t1\t1\t1\n")
        #expect(uids.all == [107, 107, 0, 107])
        #expect(throws: ProcTextParseError.self) { try ProcessUIDs.parse(status: "Uid:\t1\t2\n") }
        #expect(throws: ProcTextParseError.self) { try ProcessUIDs.parse(status: "Name:\tx\n") }
        let kthreadd = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 2 0 0 0 0 0 0 0 0 0 0 0 0"
        #expect(try ProcessStat.parse(kthreadd).isKernelThread)
    }
}
