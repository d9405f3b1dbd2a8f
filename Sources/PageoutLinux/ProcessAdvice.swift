import Glibc
import PageoutCore

extension ProcessHandle {
    /// The most iovecs one process_madvise call takes (IOV_MAX; the kernel refuses more with EINVAL).
    public static let maximumAdviceVectors = 1024

    /// Pages out `ranges` of the process with process_madvise(pidfd, MADV_PAGEOUT), at most 1024 ranges a call.
    ///
    /// The kernel may advise only part of a batch (it stops at the first range it cannot advise, and caps one
    /// call at MAX_RW_COUNT bytes); the rest is issued again from where it stopped. MADV_PAGEOUT on shmem
    /// succeeds even when nothing can be reclaimed (no swap, a page shared with another process, a file the
    /// caller may not write): callers verify the effect with pagemap and mincore, never with this return value.
    ///
    /// - Returns: the number of bytes the kernel advised.
    /// - Throws: `ProcessExited` once the process is gone (never reaching a process that reused the pid),
    ///   `SystemCallError` naming the range the kernel refused.
    @discardableResult
    public func pageOut(_ ranges: [AddressRange]) throws -> UInt64 {
        try advise(ranges, advice: MADV_PAGEOUT, name: "MADV_PAGEOUT")
    }

    /// Issues `advice` for `ranges` through the pidfd; see `pageOut(_:)`.
    func advise(_ ranges: [AddressRange], advice: Int32, name: String) throws -> UInt64 {
        var vectors = ranges.filter { $0.byteCount > 0 }.map {
            iovec(iov_base: UnsafeMutableRawPointer(bitPattern: UInt($0.start)), iov_len: Int($0.byteCount))
        }
        var advised: UInt64 = 0
        var next = 0
        while next < vectors.count {
            let batch = next..<min(next + Self.maximumAdviceVectors, vectors.count)
            let done: Int
            do {
                done = try vectors.withUnsafeBufferPointer { all throws(SystemCallError) in
                    try Syscalls.adviseProcess(descriptor, UnsafeBufferPointer(rebasing: all[batch]), advice: advice,
                                               adviceName: name,
                                               target: "pid \(pid), \(describe(vectors[batch.lowerBound]))")
                }
            } catch {
                if error.errno == .noSuchProcess { throw ProcessExited(pid: pid, during: "process_madvise \(name)") }
                throw error
            }
            guard done > 0 else {
                throw SystemCallError(call: "process_madvise \(name)",
                                      target: "pid \(pid), \(describe(vectors[batch.lowerBound]))",
                                      errno: .resourceTemporarilyUnavailable)
            }
            advised += UInt64(done)
            // Skip what was advised: whole vectors, then the advised prefix of a partly done one.
            var remaining = done
            while remaining > 0 {
                let length = vectors[next].iov_len
                if remaining >= length {
                    remaining -= length
                    next += 1
                } else {
                    vectors[next].iov_base! += remaining
                    vectors[next].iov_len -= remaining
                    remaining = 0
                }
            }
        }
        return advised
    }

    private func describe(_ vector: iovec) -> String {
        let start = UInt64(UInt(bitPattern: vector.iov_base))
        return hexRange(start, start + UInt64(vector.iov_len))
    }
}
