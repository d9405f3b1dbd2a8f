import CPageoutSys
import PageoutCore

/// One run of pages with the same categories, as PAGEMAP_SCAN reports it.
public struct PageRun: Sendable, Hashable {
    /// The run's addresses.
    public var addresses: AddressRange
    /// The categories of every page in the run, restricted to the ones asked for.
    public var categories: PageCategories

    /// A run of `addresses`, every page of which has `categories` (tests build the kernel's answers with it).
    public init(addresses: AddressRange, categories: PageCategories) {
        self.addresses = addresses
        self.categories = categories
    }
}

/// PAGEMAP_SCAN is not there (Linux < 6.7 answers ENOTTY): use the pread path.
public struct PagemapScanUnsupported: Error, Sendable, CustomStringConvertible {
    /// The errno the ioctl was refused with.
    public var errno: Int32
    public var description: String { "PAGEMAP_SCAN is not supported by this kernel (errno \(errno))" }
}

extension PagemapFile {
    /// Calls `body` with the runs of pages in `range` that have every category of `required` and at least one of
    /// `anyOf` (when not empty), reporting the categories in `reported` (the PAGEMAP_SCAN ioctl, Linux 6.7).
    ///
    /// Pages with none of the categories asked for are skipped by the kernel, so runs of present pages come back
    /// as a handful of ranges instead of 8 bytes per page. `buffer` is scratch space for the kernel's answers; a
    /// range with more runs than it holds is walked in several calls.
    ///
    /// - Throws: `PagemapScanUnsupported` on kernels without the ioctl, `ProcessExited`, `SystemCallError`.
    public func scan(
        _ range: AddressRange,
        required: PageCategories,
        anyOf: PageCategories = [],
        reported: PageCategories,
        buffer: UnsafeMutableBufferPointer<pageout_page_region>,
        _ body: (PageRun) throws -> Void
    ) throws {
        precondition(buffer.count > 0, "PAGEMAP_SCAN needs room for at least one run")
        var cursor = range.start
        while cursor < range.end {
            var argument = pageout_pm_scan_arg()
            argument.size = UInt64(MemoryLayout<pageout_pm_scan_arg>.size)
            argument.start = cursor
            argument.end = range.end
            argument.vec = UInt64(UInt(bitPattern: buffer.baseAddress))
            argument.vec_len = UInt64(buffer.count)
            argument.category_mask = required.rawValue
            argument.category_anyof_mask = anyOf.rawValue
            argument.return_mask = reported.rawValue
            let found: Int
            do {
                found = try Syscalls.scanPagemap(descriptor, &argument, target: "pid \(process.pid), \(range)")
            } catch {
                switch error.errno {
                case .inappropriateIOCTLForDevice, .noFunction:
                    throw PagemapScanUnsupported(errno: error.errno.rawValue)
                case .noSuchProcess: throw ProcessExited(pid: process.pid, during: "scanning pagemap")
                default: throw error
                }
            }
            // The kernel fills at most vec_len runs, each within the range; checked all the same, as a bad run
            // would trap in AddressRange.
            for index in 0..<min(found, buffer.count) {
                let run = buffer[index]
                guard run.start <= run.end, run.start >= cursor, run.end <= range.end else { break }
                try body(PageRun(addresses: AddressRange(start: run.start, end: run.end),
                                 categories: PageCategories(rawValue: run.categories)))
            }
            // walk_end says how far the kernel got; it stops early only when the buffer is full.
            guard argument.walk_end > cursor else { break }
            cursor = argument.walk_end
        }
    }

    /// True if this kernel answers PAGEMAP_SCAN (probed with an empty range at `address`).
    public func supportsScan(at address: UInt64) -> Bool {
        let buffer = UnsafeMutableBufferPointer<pageout_page_region>.allocate(capacity: 1)
        defer { buffer.deallocate() }
        do {
            try scan(AddressRange(start: address, end: address + UInt64(pageSize)),
                     required: .present, reported: .present, buffer: buffer) { _ in }
            return true
        } catch {
            return false
        }
    }
}
