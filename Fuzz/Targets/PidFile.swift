import PageoutCore

/// A pid file's contents: `PidFile.parse` accepts only a positive pid, and its error never quotes the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPidFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = fuzzText(data, size)
    switch PidFile.parse(text) {
    case .success(let pid):
        invariant(pid > 0, "pid \(pid) accepted")
    case .failure(let error):
        let quoted = text.count > 3 && error.description.contains(text)
        invariant(!quoted, "the error \"\(error)\" quotes the file")
    }
    return 0
}
