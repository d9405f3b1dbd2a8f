/// Runs `body` `runs` times and returns the median duration in milliseconds.
func medianMilliseconds(runs: Int, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    var samples: [Double] = []
    for _ in 0..<runs {
        samples.append(milliseconds(try clock.measure(body)))
    }
    samples.sort()
    return samples[samples.count / 2]
}

/// `duration` in milliseconds, fractions included.
func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

/// Milliseconds with three decimals, e.g. `12.345`.
func formatted(_ milliseconds: Double) -> String {
    let thousandths = Int((milliseconds * 1000).rounded())
    let fraction = String(thousandths % 1000)
    return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

/// Parses a size such as `1GiB`, `256MiB`, `4096`.
func parseSize(_ text: String) -> Int? {
    let units: [(String, Int)] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1)]
    for (suffix, factor) in units where text.hasSuffix(suffix) {
        return Int(text.dropLast(suffix.count)).map { $0 * factor }
    }
    return Int(text)
}
