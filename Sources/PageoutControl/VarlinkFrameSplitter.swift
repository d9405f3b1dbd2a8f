/// Finds the messages in a varlink byte stream: every message is one JSON object ended by a NUL byte.
///
/// A message longer than `maximumBytes` is refused as soon as that many bytes arrived without a NUL, so a client
/// cannot make a reader buffer more than that. The splitter only finds the boundaries; the reader owns the bytes
/// and consumes each message it is told of, with its NUL.
public struct VarlinkFrameSplitter: Sendable {
    /// What the unread bytes hold.
    public enum Step: Sendable, Equatable {
        /// A whole message: its first `length` bytes, then the NUL that ends it.
        case message(length: Int)
        /// No NUL yet: wait for more bytes.
        case needMoreData
    }

    /// The longest message accepted, in bytes (without its NUL).
    public let maximumBytes: Int
    /// How far the unread bytes were searched for a NUL already, so a slow sender costs no rescans.
    private var searched = 0

    /// A splitter refusing messages longer than `maximumBytes`.
    public init(maximumBytes: Int = VarlinkFraming.maximumMessageBytes) {
        self.maximumBytes = maximumBytes
    }

    /// The next message in `unread`: the bytes not consumed yet, which are those of the previous call (unless it
    /// found a message) followed by any that arrived since.
    ///
    /// - Throws: `VarlinkMessageTooLong` when more than `maximumBytes` come before a NUL.
    public mutating func next(in unread: UnsafeRawBufferPointer) throws(VarlinkMessageTooLong) -> Step {
        let start = min(searched, unread.count)
        guard let end = unread[start...].firstIndex(of: 0) else {
            searched = unread.count
            if unread.count > maximumBytes { throw VarlinkMessageTooLong(limit: maximumBytes) }
            return .needMoreData
        }
        searched = 0
        if end > maximumBytes { throw VarlinkMessageTooLong(limit: maximumBytes) }
        return .message(length: end)
    }
}

/// A client sent more than the message limit without a NUL.
public struct VarlinkMessageTooLong: Error, Sendable, CustomStringConvertible {
    /// The limit in bytes.
    public var limit: Int

    /// The error for a message over `limit` bytes.
    public init(limit: Int) {
        self.limit = limit
    }

    public var description: String { "message longer than \(limit) bytes" }
}
