/// What every fuzz target shares: the input as the daemon would see it, and a check that stops the run.
///
/// A fuzz target is one `LLVMFuzzerTestOneInput` function: libFuzzer calls it with each input and reports a crash
/// (a Swift trap included: overflow, index out of range, force unwrap), a leak, or an input that runs over
/// `-timeout`. A parser that throws has done its job; a parser that traps or breaks an invariant has not.

/// The input bytes.
func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// The input as text, decoded as the /proc readers decode a file: invalid UTF-8 becomes U+FFFD.
func fuzzText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
    String(decoding: fuzzBytes(data, size), as: UTF8.self)
}

/// Stops the run when an invariant does not hold: libFuzzer saves the input as a crash.
func invariant(_ holds: Bool, _ message: @autoclosure () -> String, line: UInt = #line) {
    if !holds { fatalError("invariant broken: \(message())", line: line) }
}
