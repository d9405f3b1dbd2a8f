import PageoutCore
import PageoutLinux
import SystemPackage

/// The `metrics_textfile` of `[daemon]`: the Prometheus metrics, rewritten after every scan round for
/// node_exporter's textfile collector.
///
/// Each write replaces the file whole (`AtomicFile`), so the collector reads either the previous round's metrics
/// or this round's, never a part. The temporary file's name starts with a dot and ends in `.tmp`, which the
/// collector (it reads `*.prom`) skips.
public struct MetricsTextfile: Sendable {
    /// Where the metrics go: a `*.prom` file in node_exporter's textfile directory (`[daemon] metrics_textfile`).
    public let path: String

    /// The textfile at `path`, an absolute path.
    public init(path: String) {
        self.path = path
    }

    /// Replaces the file with `metrics` (Prometheus text), world-readable (0644) so the collector may read it.
    ///
    /// - Throws: `SystemCallError` naming the call and path that failed.
    public func write(_ metrics: String) throws {
        // The collector may run as another user: the file is 0644 whatever the daemon's umask.
        try AtomicFile(path: path).write(Array(metrics.utf8),
                                         permissions: [.ownerReadWrite, .groupRead, .otherRead])
    }
}
