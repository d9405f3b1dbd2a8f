import NIOCore
import PageoutControl

/// Splits a varlink byte stream into messages: every message is one JSON object ended by a NUL byte.
///
/// A message longer than `VarlinkFraming.maximumMessageBytes` is refused as soon as that many bytes arrived
/// without a NUL, so a client cannot make the daemon buffer more than that per connection.
struct VarlinkFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// The longest message accepted, in bytes (without its NUL).
    let maximumBytes: Int
    /// How far the current buffer was searched for a NUL already, so a slow sender costs no rescans.
    private var searched = 0

    init(maximumBytes: Int = VarlinkFraming.maximumMessageBytes) {
        self.maximumBytes = maximumBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let end = view.dropFirst(searched).firstIndex(of: 0) else {
            searched = view.count
            if view.count > maximumBytes { throw VarlinkMessageTooLong(limit: maximumBytes) }
            return .needMoreData
        }
        let length = end - view.startIndex
        searched = 0
        if length > maximumBytes { throw VarlinkMessageTooLong(limit: maximumBytes) }
        // `length` readable bytes exist before the NUL: both reads succeed.
        let message = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(Self.wrapInboundOut(message))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer,
                             seenEOF: Bool) throws -> DecodingState {
        // What is left without a NUL at the end of the stream is a truncated message: nothing to answer.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        return .needMoreData
    }
}

/// A client sent more than the message limit without a NUL.
struct VarlinkMessageTooLong: Error, CustomStringConvertible {
    /// The limit in bytes.
    var limit: Int

    var description: String { "message longer than \(limit) bytes" }
}
