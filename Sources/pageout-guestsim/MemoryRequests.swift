/// What both workloads do to a page and on a control signal.
extension GuestMemory {
    /// Reads and writes back the header word of data page `page`, so that the kernel sees the page accessed and
    /// dirty and its pattern stays intact.
    ///
    /// The value written is the expected header computed from the index, not the value read, so the compiler
    /// cannot prove the store redundant; the comparison keeps the load. A header that reads wrong means the
    /// page lost its contents (a bug in whatever paged it out); that is reported on stderr.
    @inline(__always)
    func touch(page: Int, kind: StaticString) {
        let words = words(ofPage: page)
        let expected = PagePattern.header(page)
        let found = words[0]
        if found != expected {
            Output.warn("\(kind) page \(page) header reads \(Output.hex(UInt(found))), expected "
                + "\(Output.hex(UInt(expected))); rewriting it")
        }
        words[0] = expected
    }

    /// Carries out `request`: a scan or a verify with its reply line. Returns false for `.exit`.
    func answer(_ request: SignalWaiter.Request, layout: PageLayout, pattern: PagePattern) -> Bool {
        switch request {
        case .scan:
            if let settings = scanThread {
                ScanThread.start(settings, start: start, pageCount: pageCount, pageSize: pageSize)
            } else {
                scan()
                Output.line("SCANNED")
            }
        case .verify:
            let result = verify(layout: layout, pattern: pattern)
            Output.line("VERIFY ok=\(result.ok) bad=\(result.bad)")
        case .exit:
            return false
        }
        return true
    }
}
