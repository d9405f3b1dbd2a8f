@testable import PageoutDaemon
import Testing

/// The pause after a window's repair step: as long as the step, unless the guest's threads did not queue for a CPU
/// during it.
@Suite struct RepairPacingTests {
    @Test func aStepPausesUnlessTheGuestWaitedForACPUAtMostATenthOfIt() {
        let step = Duration.milliseconds(40)
        #expect(Supervisor.stepLeftTheGuestItsCPU(took: step, guestWaited: 0))
        #expect(Supervisor.stepLeftTheGuestItsCPU(took: step, guestWaited: 4_000_000))
        #expect(!Supervisor.stepLeftTheGuestItsCPU(took: step, guestWaited: 4_001_000))
        #expect(!Supervisor.stepLeftTheGuestItsCPU(took: .zero, guestWaited: 0), "a step too short to tell")
    }

    @Test func theGuestsWaitIsSummedOverTheThreadsBothReadingsFound() {
        let before = GuestCPUWait(waits: [10: 1_000, 11: 5_000, 12: 7_000])
        let after = GuestCPUWait(waits: [10: 3_500, 11: 5_000, 13: 900_000])
        // Thread 12 ended and 13 started between the readings: neither has a wait over the step.
        #expect(after.nanoseconds(since: before) == 2_500)
        #expect(before.nanoseconds(since: after) == 0, "a counter never runs backwards; a lower one counts nothing")
    }
}
