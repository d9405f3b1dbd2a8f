import NIOCore
import PageoutControl

/// Splits a varlink byte stream into messages with `VarlinkFrameSplitter`: every message is one JSON object ended
/// by a NUL byte, and one longer than the limit is refused before more than that is buffered.
struct VarlinkFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// Where the messages end.
    private var splitter: VarlinkFrameSplitter

    init(maximumBytes: Int = VarlinkFraming.maximumMessageBytes) {
        splitter = VarlinkFrameSplitter(maximumBytes: maximumBytes)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let step = try buffer.withUnsafeReadableBytes { unread throws(VarlinkMessageTooLong) in
            try splitter.next(in: unread)
        }
        guard case .message(let length) = step else { return .needMoreData }
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
