import Glibc
import PageoutCore
import PageoutLinux
import SystemPackage

/// The `metrics_textfile` of `[daemon]`: the Prometheus metrics, rewritten after every scan round for
/// node_exporter's textfile collector.
///
/// A write goes to a temporary file in the same directory, is fsynced and renamed over the old file, so the
/// collector reads either the previous round's metrics or this round's, never a part. The temporary name ends in
/// `.tmp`, which the collector (it reads `*.prom`) skips.
public struct MetricsTextfile: Sendable {
    /// The file.
    public let path: String

    /// The textfile at `path`, an absolute path.
    public init(path: String) {
        self.path = path
    }

    /// The temporary file a write goes through.
    public var temporaryPath: String { path + ".tmp" }

    /// Replaces the file with `metrics` (Prometheus text), world-readable (0644) so the collector may read it.
    ///
    /// - Throws: `SystemCallError` naming the call and path that failed.
    public func write(_ metrics: String) throws {
        let bytes = Array(metrics.utf8)
        let temporary = temporaryPath
        let file = try RegistrationStore.call("open", temporary) {
            open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        }
        try FileDescriptor(rawValue: file).closeAfter {
            // open's mode is masked by the umask; the collector may run as another user.
            _ = try RegistrationStore.call("fchmod", temporary) { fchmod(file, 0o644) }
            var written = 0
            while written < bytes.count {
                written += try RegistrationStore.call("write", temporary) {
                    bytes.withUnsafeBytes { Glibc.write(file, $0.baseAddress! + written, $0.count - written) }
                }
            }
            _ = try RegistrationStore.call("fsync", temporary) { fsync(file) }
        }
        _ = try RegistrationStore.call("rename", "\(temporary) to \(path)") { rename(temporary, path) }
    }
}
