import CPageoutSys
import Glibc
import SystemPackage

/// The calls on memory and processes: mappings, residency, advice, pidfds and the pagemap ioctl.
extension Syscalls {
    /// The page size in bytes (sysconf(_SC_PAGESIZE), which cannot fail).
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// mmap(2) of `length` bytes of `descriptor` from `offset`, with `protection` and `flags`.
    static func map(
        _ descriptor: FileDescriptor, offset: UInt64, length: Int, protection: Int32, flags: Int32,
        target: @autoclosure () -> String
    ) throws(SystemCallError) -> UnsafeMutableRawPointer {
        let address = try systemCall("mmap", on: target(), failed: { $0 == nil || $0 == MAP_FAILED }) {
            mmap(nil, length, protection, flags, descriptor.rawValue, off_t(clamping: offset))
        }
        return address!
    }

    /// munmap(2). It fails only for an address and length no mapping was made with: a programmer error.
    static func unmap(_ base: UnsafeMutableRawPointer, length: Int) {
        do {
            _ = try systemCall("munmap", on: "\(base) length \(length)") { munmap(base, length) }
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// mincore(2): bit 0 of `residency[i]` tells whether page i from `start` is in the page cache.
    static func residency(
        of start: UnsafeMutableRawPointer, length: Int, into residency: UnsafeMutablePointer<UInt8>,
        target: @autoclosure () -> String
    ) throws(SystemCallError) {
        _ = try systemCall("mincore", on: target()) { mincore(start, length, residency) }
    }

    /// madvise(2) with `advice` (`adviceName` says which, for messages).
    static func advise(
        _ start: UnsafeMutableRawPointer, length: Int, advice: Int32, adviceName: String,
        target: @autoclosure () -> String
    ) throws(SystemCallError) {
        _ = try systemCall("madvise \(adviceName)", on: target()) { madvise(start, length, advice) }
    }

    /// pidfd_open(2) (Linux 5.3); the descriptor is close-on-exec.
    static func openProcess(_ pid: Int32) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try systemCall("pidfd_open", on: "pid \(pid)") { pageout_pidfd_open(pid, 0) })
    }

    /// poll(2) of one descriptor for `events`, returning at once; true when it is ready.
    static func isReady(
        _ descriptor: FileDescriptor, for events: Int16, target: @autoclosure () -> String
    ) throws(SystemCallError) -> Bool {
        var entry = pollfd(fd: descriptor.rawValue, events: events, revents: 0)
        return try systemCall("poll", on: target()) { poll(&entry, 1, 0) } > 0
    }

    /// process_madvise(2) (Linux 5.10) of `vectors` through `pidfd`; returns the bytes advised.
    static func adviseProcess(
        _ pidfd: FileDescriptor, _ vectors: UnsafeBufferPointer<iovec>, advice: Int32, adviceName: String,
        target: @autoclosure () -> String
    ) throws(SystemCallError) -> Int {
        try systemCall("process_madvise \(adviceName)", on: target()) {
            pageout_process_madvise(pidfd.rawValue, vectors.baseAddress, vectors.count, advice, 0)
        }
    }

    /// cachestat(2) (Linux 6.5) of `length` bytes from `offset`.
    static func cacheStatus(
        _ descriptor: FileDescriptor, offset: UInt64, length: UInt64, target: @autoclosure () -> String
    ) throws(SystemCallError) -> pageout_cachestat {
        var range = pageout_cachestat_range(off: offset, len: length)
        var status = pageout_cachestat()
        _ = try systemCall("cachestat", on: target()) { pageout_cachestat(descriptor.rawValue, &range, &status, 0) }
        return status
    }

    /// The PAGEMAP_SCAN ioctl (Linux 6.7) on an open pagemap; returns the number of runs written to the buffer
    /// `argument.vec` points at.
    static func scanPagemap(
        _ descriptor: FileDescriptor, _ argument: inout pageout_pm_scan_arg, target: @autoclosure () -> String
    ) throws(SystemCallError) -> Int {
        Int(try systemCall("ioctl PAGEMAP_SCAN", on: target()) { pageout_pagemap_scan(descriptor.rawValue, &argument) })
    }
}
