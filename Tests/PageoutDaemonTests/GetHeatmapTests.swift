import Foundation
import PageoutControl
import PageoutCore
@testable import PageoutDaemon
import PageoutTestSupport
import Testing

/// GetHeatmap in process: answered from the status board after a round, its counts those of the region's status,
/// its parameters checked. The test process is the VMM (see `SupervisorRoundTests`); dry run touches nothing.
@Suite struct GetHeatmapTests {
    /// Calls GetHeatmap with `parameters`; the reply's heatmap, or the error's name.
    static func call(_ methods: ControlMethods, _ parameters: [String: JSONValue]) async throws
        -> Result<WireHeatmap, ControlError> {
        let call = VarlinkCall(method: "io.pageoutd.GetHeatmap", parameters: .object(parameters))
        let outcome: ControlOutcome
        do {
            outcome = try await methods.handle(call, peer: nil)
        } catch {
            return .failure(error)
        }
        guard case .reply(let reply) = outcome else { throw TestFailure("GetHeatmap answered with a stream") }
        let json = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(reply))
        let heatmap = try #require(json.field("heatmap"))
        return .success(try heatmap.decoded(as: WireHeatmap.self))
    }

    @Test func theLastScanInCellsWithTheStatusCountsAndCheckedParameters() async throws {
        try HostRequirements.requireRoot()
        let guest = try OwnGuestMemory(name: "heatmap-test", pages: 2048)
        let procfs = try FakeProcRoot(swapFreeKiB: 7_340_028)
        defer { procfs.remove() }
        let supervisor = await guest.startedSupervisor(procfs: procfs, dryRun: true)
        let methods = ControlMethods(supervisor: supervisor) { nil }
        #expect(try await Self.call(methods, ["name": .string("self")]).errorName == "io.pageoutd.InvalidParameter",
                "no scan to draw before the first round")
        #expect(try await Self.call(methods, ["name": .string("other")]).errorName == "io.pageoutd.RegionNotFound")

        let status = await supervisor.scanRound()
        let region = try #require(status.regions.first)
        let heatmap = try await Self.call(methods, ["name": .string("self"), "cells": .number(10)]).get()
        #expect(heatmap.name == "self" && heatmap.scans == region.scans && heatmap.size == region.sizeBytes)
        #expect(heatmap.pages_per_cell == 205 && heatmap.hot.count == 10, "2048 pages in at most 10 cells")
        let page = UInt64(heatmap.page_size)
        #expect(UInt64(heatmap.hot.reduce(0, +)) * page == region.hotBytes && region.hotBytes > 0)
        #expect(UInt64(heatmap.cold.reduce(0, +) + heatmap.warm.reduce(0, +)) * page
                == region.coldBytes + region.warmBytes)
        #expect(UInt64(heatmap.swapped.reduce(0, +)) * page == region.swappedBytes)
        #expect(try heatmap.regionHeatmap().pageCount == 2048)
        let byDefault = try await Self.call(methods, ["name": .string("self")]).get()
        #expect(byDefault.hole.count == WireHeatmap.defaultCells)

        let refused: [([String: JSONValue], String)] = [
            (["name": .string("other")], "io.pageoutd.RegionNotFound"),
            (["name": .string("self"), "cells": .number(0)], "io.pageoutd.InvalidParameter"),
            (["name": .string("self"), "cells": .number(Double(WireHeatmap.maximumCells + 1))],
             "io.pageoutd.InvalidParameter"),
            (["name": .string("self"), "cells": .number(1.5)], "io.pageoutd.InvalidParameter"),
            (["name": .string("self"), "rows": .number(3)], "io.pageoutd.InvalidParameter"),
            ([:], "io.pageoutd.InvalidParameter"),
        ]
        for (parameters, error) in refused {
            #expect(try await Self.call(methods, parameters).errorName == error, "\(parameters)")
        }
    }
}

extension Result<WireHeatmap, ControlError> {
    /// The error's name; nil for a reply.
    var errorName: String? {
        guard case .failure(let error) = self else { return nil }
        return error.name
    }
}
