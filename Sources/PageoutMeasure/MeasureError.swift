/// A measurement that could not be taken: a guest that said something unexpected, a file that does not parse, a
/// process that is gone. The sentence names what failed.
public struct MeasureError: Error, Sendable, CustomStringConvertible {
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
