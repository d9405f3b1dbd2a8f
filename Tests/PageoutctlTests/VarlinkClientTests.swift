import Foundation
import Glibc
import PageoutControl
import PageoutCore
import Testing

@Suite("VarlinkClient")
struct VarlinkClientTests {
    @Test("a call sends the method and parameters and returns the reply's parameters")
    func call() throws {
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object([
                "names": .array([.string("vm1")]), "one": .number(1), "zero": .number(0),
            ])),
        ]))
        let connection = try VarlinkConnection(path: server.path)
        let reply = try connection.call(method: "io.pageoutd.Pause", parameters: ["name": .string("vm1")])
        #expect(reply == .object(["names": .array([.string("vm1")]), "one": .number(1), "zero": .number(0)]))
        let call = try #require(server.call())
        #expect(call.method == "io.pageoutd.Pause")
        #expect(call.parameters == .object(["name": .string("vm1")]))
        #expect(call.more == nil)
    }

    @Test("a reply decodes as the IDL's types")
    func decoded() throws {
        let status = Fixtures.status
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["status": try Fixtures.json(status)])),
        ]))
        let connection = try VarlinkConnection(path: server.path)
        let reply = try connection.call(method: "io.pageoutd.GetStatus")
        #expect(try reply.field("status")?.decoded(as: WireStatus.self) == status)
        #expect(server.call()?.parameters == .object([:]))
    }

    @Test("an error reply throws a ControlError with its parameters")
    func errorReply() throws {
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["name": .string("vm9")]), error: "io.pageoutd.RegionNotFound"),
        ]))
        let connection = try VarlinkConnection(path: server.path)
        #expect(throws: ControlError.regionNotFound("vm9")) {
            try connection.call(method: "io.pageoutd.GetRegion", parameters: ["name": .string("vm9")])
        }
    }

    @Test("a more call yields every reply until continues is false, from one read")
    func stream() throws {
        let server = try FakeVarlinkServer(answer: .replies([
            VarlinkReply(parameters: .object(["n": .number(1)]), continues: true),
            VarlinkReply(parameters: .object(["n": .number(2)]), continues: true),
            VarlinkReply(parameters: .object(["n": .number(3)]), continues: false),
        ]))
        let connection = try VarlinkConnection(path: server.path)
        var replies = try connection.stream(method: "io.pageoutd.GetStatus")
        var seen: [JSONValue] = []
        while let reply = try replies.next() { seen.append(reply) }
        #expect(seen == [1, 2, 3].map { JSONValue.object(["n": .number($0)]) })
        #expect(server.call()?.more == true)
    }

    @Test("connecting to a missing socket names the path and the reason")
    func missingSocket() {
        let path = NSTemporaryDirectory() + "pctl-missing-\(UUID().uuidString.prefix(8)).sock"
        do {
            _ = try VarlinkConnection(path: path)
            Issue.record("connected to \(path)")
        } catch {
            #expect(error.code == .connect)
            #expect(error.errno == ENOENT)
            #expect(error.message.contains(path))
        }
    }

    @Test("no reply within the timeout throws .timeout")
    func timeout() throws {
        let server = try FakeVarlinkServer(answer: .silence)
        let connection = try VarlinkConnection(path: server.path, timeout: .milliseconds(200))
        let start = ContinuousClock.now
        do {
            _ = try connection.call(method: "io.pageoutd.GetStatus")
            Issue.record("a silent server answered")
        } catch let error as VarlinkClientError {
            #expect(error.code == .timeout)
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("a reply over 1 MiB is refused")
    func tooLarge() throws {
        let huge = [UInt8](repeating: UInt8(ascii: " "), count: VarlinkFraming.maximumMessageBytes + 100_000)
        let server = try FakeVarlinkServer(answer: .raw(huge))
        let connection = try VarlinkConnection(path: server.path)
        do {
            _ = try connection.call(method: "io.pageoutd.GetStatus")
            Issue.record("an oversized reply was accepted")
        } catch let error as VarlinkClientError {
            #expect(error.code == .tooLarge)
        }
    }

    @Test("a closed connection and a garbage reply are told apart")
    func closedAndGarbage() throws {
        let closing = try FakeVarlinkServer(answer: .raw([]))
        do {
            _ = try VarlinkConnection(path: closing.path).call(method: "io.pageoutd.GetStatus")
            Issue.record("a closed connection answered")
        } catch let error as VarlinkClientError {
            #expect(error.code == .receive)
        }
        let garbage = try FakeVarlinkServer(answer: .raw(Array("not json".utf8) + [0]))
        do {
            _ = try VarlinkConnection(path: garbage.path).call(method: "io.pageoutd.GetStatus")
            Issue.record("garbage was accepted")
        } catch let error as VarlinkClientError {
            #expect(error.code == .invalidReply)
        }
    }
}
