import CoreMetrics
import PageoutCore
import Prometheus

/// The daemon's metrics: each round's status recorded through swift-metrics instruments into a Prometheus
/// registry of the daemon's own, and that registry's text for GetMetrics and the node_exporter textfile.
///
/// The registry is the supervisor's, not the process-wide `MetricsSystem`, so that several daemons in one
/// process (the tests) never share series. Gauges record the status's figures; counters are advanced by what the
/// status's since-registration totals grew by, and a total that went down (the region was registered anew) starts
/// its counter again from zero. A region that leaves the status loses its series at once.
struct MetricsPublisher {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private var daemon: InstrumentSet<DaemonStatus>
    private var regions: [String: InstrumentSet<RegionStatus>] = [:]

    /// A publisher with an empty registry.
    init() {
        factory = PrometheusMetricsFactory(registry: registry)
        daemon = InstrumentSet(families: MetricFamilies.daemon, dimensions: [], factory: factory)
    }

    /// Records `status`: the daemon's figures and every region's, and drops regions no longer in it.
    mutating func publish(_ status: DaemonStatus) {
        daemon.record(status)
        var seen = Set<String>()
        let factory = factory
        for region in status.regions where seen.insert(region.name).inserted {
            regions[region.name, default: InstrumentSet(families: MetricFamilies.region,
                                                        dimensions: [(MetricFamilies.regionLabel, region.name)],
                                                        factory: factory)]
                .record(region)
        }
        for (name, instruments) in regions where !seen.contains(name) {
            instruments.destroy()
            regions[name] = nil
        }
    }

    /// The metrics in the Prometheus text exposition format, every family documented.
    var text: String { renderer.text() }

    /// What renders the registry's text, for a reader on another thread.
    var renderer: MetricsRenderer { MetricsRenderer(registry: registry) }
}

/// Renders a publisher's registry as text when someone asks for it, on the asker's thread.
///
/// Rendering every family of every region costs more than recording them (about 20% of the daemon's CPU with 64
/// regions at a 1 s interval when done every round), and most rounds nobody reads it. The registry locks each
/// metric on its own, so a text rendered while the supervisor records a round may mix that round's figures with
/// the last one's, as any scrape between two updates may.
struct MetricsRenderer: Sendable {
    let registry: PrometheusCollectorRegistry

    /// The metrics in the Prometheus text exposition format, every family documented.
    func text() -> String { MetricFamilies.documented(registry.emitToString()) }
}

/// The swift-metrics instruments of one subject (the daemon, or one region), one per family.
private struct InstrumentSet<Subject> {
    /// A family's instrument; a counter with the total it has been advanced to.
    private enum Instrument {
        case gauge(CoreMetrics.Gauge)
        case counter(CoreMetrics.Counter, total: UInt64)
    }

    private let families: [MetricFamilies.Family<Subject>]
    private let dimensions: [(String, String)]
    private let factory: any MetricsFactory
    private var instruments: [Instrument]

    init(families: [MetricFamilies.Family<Subject>], dimensions: [(String, String)], factory: any MetricsFactory) {
        self.families = families
        self.dimensions = dimensions
        self.factory = factory
        instruments = families.map { family in
            switch family.kind {
            case .gauge: .gauge(CoreMetrics.Gauge(label: family.name, dimensions: dimensions, factory: factory))
            case .counter: .counter(CoreMetrics.Counter(label: family.name, dimensions: dimensions, factory: factory),
                                    total: 0)
            }
        }
    }

    /// Records the subject's figures.
    mutating func record(_ subject: Subject) {
        for (index, family) in families.enumerated() {
            let value = family.value(subject)
            switch instruments[index] {
            case .gauge(let gauge):
                gauge.record(Int64(clamping: value))
            case .counter(var counter, let total):
                if value < total {  // registered anew: a new series from zero, which Prometheus reads as a reset
                    counter.destroy()
                    counter = CoreMetrics.Counter(label: family.name, dimensions: dimensions, factory: factory)
                    counter.increment(by: Int64(clamping: value))
                } else if value > total {
                    counter.increment(by: Int64(clamping: value - total))
                }
                instruments[index] = .counter(counter, total: value)
            }
        }
    }

    /// Removes the subject's series from the registry.
    func destroy() {
        for instrument in instruments {
            switch instrument {
            case .gauge(let gauge): gauge.destroy()
            case .counter(let counter, _): counter.destroy()
            }
        }
    }
}
