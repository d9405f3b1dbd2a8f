import Foundation
import NIOCore
import PageoutControl

/// One reply as it goes on the wire: `{"parameters": {...}, "continues": true, "error": "..."}` and a NUL.
struct ReplyEnvelope: Encodable {
    var parameters: (any Encodable & Sendable)?
    var continues: Bool?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case parameters, continues, error
    }

    /// A reply with `parameters`.
    init(parameters: any Encodable & Sendable, continues: Bool? = nil) {
        self.parameters = parameters
        self.continues = continues
    }

    /// An error reply.
    init(_ error: ControlError) {
        self.parameters = error.parameters
        self.error = error.name
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let parameters { try container.encode(parameters, forKey: .parameters) }
        try container.encodeIfPresent(continues, forKey: .continues)
        try container.encodeIfPresent(error, forKey: .error)
    }

    /// The message: JSON and the NUL that ends it.
    func message(allocator: ByteBufferAllocator) -> ByteBuffer {
        // Every parameter type is a plain struct of strings, numbers and arrays: encoding cannot fail.
        var bytes = (try? VarlinkFraming.encode(self))
            ?? Array(#"{"error":"org.varlink.service.InvalidParameter"}"#.utf8) + [0]
        if bytes.count > VarlinkFraming.maximumMessageBytes + 1 {
            bytes = (try? VarlinkFraming.encode(ReplyEnvelope(.invalidParameter("reply", "longer than 1 MiB")))) ?? [0]
        }
        return allocator.buffer(bytes: bytes)
    }
}

extension VarlinkCall {
    /// The call in `message` (JSON without its NUL), or the reason it is not one.
    static func parse(_ message: ByteBuffer) -> Result<VarlinkCall, ControlError> {
        parse(json: Data(message.readableBytesView))
    }
}
