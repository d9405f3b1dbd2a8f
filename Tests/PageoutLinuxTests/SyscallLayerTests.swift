import Foundation
import Glibc
import PageoutCore
@testable import PageoutLinux
import Synchronization
import SystemPackage
import Testing

/// How many times the test's signal handler ran.
private let interruptions = Atomic<Int>(0)

/// The syscall layer against the real kernel: errno mapping, EINTR, and the typed helpers built on it.
@Suite("Syscall layer")
struct SyscallLayerTests {
    @Test("a failed call throws the call's name, what it was applied to and the errno, read at once")
    func errnoMapping() throws {
        let error = try #require(throws: SystemCallError.self) {
            try Syscalls.open("/nonexistent/pageoutd", O_RDONLY | O_CLOEXEC)
        }
        #expect(error == SystemCallError(call: "open", target: "/nonexistent/pageoutd", errno: .noSuchFileOrDirectory))
        #expect(error.description == "open(/nonexistent/pageoutd): ENOENT (No such file or directory)")
        let closed = try #require(throws: SystemCallError.self) {
            try Syscalls.status(FileDescriptor(rawValue: -1), target: "fd -1")
        }
        #expect(closed.description == "fstat(fd -1): EBADF (Bad file descriptor)")
    }

    @Test("a pid no process has is reported as an exited process, not as a failed pidfd_open")
    func pidfdOfNoProcess() throws {
        // Above pid_max (at most 2^22): pidfd_open fails with ESRCH.
        #expect(throws: ProcessExited.self) { try ProcessHandle(pid: 1 << 30) }
        let error = try #require(throws: SystemCallError.self) { try Syscalls.openProcess(-1) }
        #expect(error.call == "pidfd_open" && error.target == "pid -1" && error.errno == .invalidArgument)
    }

    @Test("a call interrupted by a signal (EINTR) is retried, and the caller never sees it")
    func retriesInterruptedCalls() throws {
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        let (readEnd, writeEnd) = (FileDescriptor(rawValue: pipeEnds[0]), FileDescriptor(rawValue: pipeEnds[1]))
        defer { Syscalls.close(readEnd); Syscalls.close(writeEnd) }
        // A handler without SA_RESTART: a blocked read returns EINTR when the signal arrives.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interruptions.add(1, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        #expect(sigaction(SIGURG, &action, &previous) == 0)
        defer { sigaction(SIGURG, &previous, nil) }

        let reader = BlockedReader(readEnd)
        let before = interruptions.load(ordering: .relaxed)
        for _ in 0..<5 {
            usleep(30_000)
            reader.interrupt()
        }
        usleep(30_000)
        #expect(try [UInt8(ascii: "x")].withUnsafeBytes { try Syscalls.write(writeEnd, $0, target: "pipe") } == 1)
        let result = reader.wait()
        #expect(interruptions.load(ordering: .relaxed) - before >= 5)
        #expect(try result.get() == 1)
    }

    @Test("lseek SEEK_DATA past the data names the call, the file and the offset")
    func seekErrors() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/empty"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let file = try Syscalls.open(path, O_RDONLY | O_CLOEXEC)
        defer { Syscalls.close(file) }
        let error = try #require(throws: SystemCallError.self) {
            try Syscalls.seek(file, to: 0, whence: 3, whenceName: "SEEK_DATA", target: "\(path) offset 0")
        }
        #expect(error.description == "lseek SEEK_DATA(\(path) offset 0): ENXIO (No such device or address)")
    }
}

/// A thread blocked in `Syscalls.read` on a pipe, to be interrupted by signals.
private final class BlockedReader: Sendable {
    private let thread = Mutex<pthread_t?>(nil)
    private let result = Mutex<Result<Int, SystemCallError>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ descriptor: FileDescriptor) {
        let started = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            // The thread inherits the test runner's signal mask, which may block SIGURG.
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGURG)
            pthread_sigmask(SIG_UNBLOCK, &signals, nil)
            thread.withLock { $0 = pthread_self() }
            started.signal()
            var byte: UInt8 = 0
            let outcome = withUnsafeMutableBytes(of: &byte) { buffer in
                Result { () throws(SystemCallError) in try Syscalls.read(descriptor, into: buffer, target: "pipe") }
            }
            result.withLock { $0 = outcome }
            done.signal()
        }
        started.wait()
    }

    /// Sends SIGURG to the reading thread.
    func interrupt() {
        if let thread = thread.withLock({ $0 }) { pthread_kill(thread, SIGURG) }
    }

    /// The read's outcome, once it returned.
    func wait() -> Result<Int, SystemCallError> {
        done.wait()
        return result.withLock { $0! }
    }
}
