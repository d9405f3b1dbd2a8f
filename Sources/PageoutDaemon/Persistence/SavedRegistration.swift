import Foundation

/// One entry of `registrations.json` as read at start: a registration, or why the entry is unusable (and its
/// name, when it has one), so that one bad entry is dropped and the others restored.
enum SavedRegistration: Decodable, Sendable {
    /// A usable entry.
    case usable(Registration)
    /// An entry that is not a registration: its `name` if it is a string, and the decoder's complaint.
    case unusable(name: String?, problem: String)

    init(from decoder: any Decoder) throws {
        do {
            self = .usable(try Registration(from: decoder))
        } catch {
            let name = try? decoder.container(keyedBy: Registration.CodingKeys.self)
                .decodeIfPresent(String.self, forKey: .name)
            self = .unusable(name: name ?? nil, problem: Self.problem(error))
        }
    }

    /// A decoding error in a sentence: the key and what was wrong.
    private static func problem(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "no \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            "\(context.codingPath.last?.stringValue ?? "entry"): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}

/// `registrations.json` as read at start: its entries one by one.
struct SavedRegistrationFile: Decodable, Sendable {
    /// The format's version.
    var version: Int
    /// Every entry, in the order saved.
    var registrations: [SavedRegistration]
}
