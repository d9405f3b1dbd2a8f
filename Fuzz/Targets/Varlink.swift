import Foundation
import PageoutControl
import PageoutCore

/// The control socket's input: a byte stream split into messages by `VarlinkFrameSplitter` as it arrives in
/// chunks, each message decoded as a varlink call, and the call's parameters read as every method reads them.
///
/// The first two bytes choose the message limit and the chunk sizes; the rest is the stream. The messages must be
/// exactly the stream's NUL-separated pieces, whatever the chunks, up to the first one over the limit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVarlink(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard bytes.count >= 2 else { return 0 }
    let limit = 1 + Int(bytes[0]) * 8
    let stream = Array(bytes.dropFirst(2))
    let messages = split(stream, limit: limit, chunkSeed: bytes[1])
    let expected = stream.split(separator: 0, omittingEmptySubsequences: false).dropLast().map(Array.init)
    let complete = expected.prefix { $0.count <= limit }
    invariant(messages == Array(complete), "\(messages.count) messages, \(complete.count) expected")
    for message in messages {
        guard case .success(let call) = VarlinkCall.parse(json: Data(message)) else { continue }
        readParameters(of: call, rangeSeed: bytes[0])
    }
    return 0
}

/// The messages of `stream` handed to a splitter in chunks, as a socket delivers them, until the first error.
private func split(_ stream: [UInt8], limit: Int, chunkSeed: UInt8) -> [[UInt8]] {
    var splitter = VarlinkFrameSplitter(maximumBytes: limit)
    var unread: [UInt8] = []
    var messages: [[UInt8]] = []
    var offset = 0
    var chunk = Int(chunkSeed % 32) + 1
    while offset < stream.count {
        let end = min(offset + chunk, stream.count)
        unread += stream[offset..<end]
        offset = end
        chunk = (chunk * 7 + 3) % 61 + 1
        while true {
            let step: VarlinkFrameSplitter.Step
            do {
                step = try unread.withUnsafeBytes { unread throws(VarlinkMessageTooLong) in
                    try splitter.next(in: unread)
                }
            } catch {
                invariant(unread.count > limit || unread.prefix(limit + 1).allSatisfy { $0 != 0 },
                          "refused \(unread.count) bytes with a NUL within the limit \(limit)")
                return messages
            }
            guard case .message(let length) = step else {
                invariant(!unread.contains(0), "a NUL in the unread bytes, and no message")
                break
            }
            invariant(length <= limit && unread[length] == 0, "message of \(length) bytes not ended by a NUL")
            invariant(!unread[..<length].contains(0), "message of \(length) bytes holds a NUL")
            messages.append(Array(unread[..<length]))
            unread.removeFirst(length + 1)
        }
    }
    return messages
}

/// Reads the parameters of `call` as every method of the two interfaces would, and Register's as a registration.
private func readParameters(of call: VarlinkCall, rangeSeed: UInt8) {
    let members = ControlInterface.methods.map { String($0.split(separator: ".").last ?? "") }
    let served = ["GetInfo": Set<String>(), "GetInterfaceDescription": ["interface"]]
        .merging(members.map { ($0, ControlInterface.parameterNames[$0] ?? []) }) { first, _ in first }
    let bound = Int64(rangeSeed) << 56 | Int64(rangeSeed)
    let ranges: [ClosedRange<Int64>] = [Int64.min...Int64.max, min(-bound, bound)...max(-bound, bound)]
    for (member, allowed) in served {
        guard let parameters = try? ControlParameters(call.parameters, allowed: allowed) else { continue }
        for name in allowed {
            _ = try? parameters.string(name)
            for range in ranges {
                if let value = try? parameters.optionalInteger(name, in: range) {
                    invariant(range.contains(value), "\(name) = \(value) is outside \(range)")
                }
            }
        }
        if member == "Register", let register = try? RegisterParameters(parameters) {
            if case .pid(let pid) = register.process { invariant(pid > 0, "Register accepted pid \(pid)") }
        }
    }
}
