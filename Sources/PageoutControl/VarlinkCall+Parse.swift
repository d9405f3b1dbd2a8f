import Foundation

extension VarlinkCall {
    /// The call in `message` (the JSON of one message, without its NUL), or the reason it is not one.
    public static func parse(json message: Data) -> Result<VarlinkCall, ControlError> {
        do {
            return .success(try JSONDecoder().decode(VarlinkCall.self, from: message))
        } catch DecodingError.dataCorrupted {
            return .failure(.invalidParameter("message", "not JSON"))
        } catch {
            return .failure(.invalidParameter("message", "not a varlink call: an object with a string \"method\""))
        }
    }
}
