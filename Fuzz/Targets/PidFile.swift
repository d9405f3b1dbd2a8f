import PageoutCore

/// A pid file's contents: `PidFile.parse` accepts only a positive pid, and its error never quotes the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPidFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = fuzzText(data, size)
    switch PidFile.parse(text) {
    case .success(let pid):
        invariant(pid > 0, "pid \(pid) accepted")
    case .failure(let error):
        let allowed = ["is empty", "does not hold a pid (\(text.utf8.count) bytes)"]
        invariant(allowed.contains(error.description), "the error \"\(error)\" says more than allowed")
    }
    return 0
}
