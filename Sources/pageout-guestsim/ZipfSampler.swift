import Glibc

/// Ranks 1...count drawn with Zipf popularity: rank k comes up with probability proportional to 1 / k^exponent
/// (exponent 0: uniform).
///
/// Rejection-inversion (Hörmann and Derflinger, "Rejection-inversion to generate variates from monotone discrete
/// distributions", 1996), as in Apache Commons RNG's `RejectionInversionZipfSampler`: it inverts the integral H of
/// the continuous density h(x) = x^-exponent and rejects the few draws that fall outside the discrete histogram.
/// No table and constant time: a draw costs one uniform number, a log1p and an exp, and rarely a second try.
struct ZipfSampler: Sendable {
    /// The largest rank.
    let count: Int
    /// The exponent s of 1 / k^s.
    let exponent: Double
    private let integralX1: Double
    private let integralCount: Double
    private let squeeze: Double

    init(count: Int, exponent: Double) {
        precondition(count >= 1 && exponent >= 0 && exponent.isFinite)
        self.count = count
        self.exponent = exponent
        integralX1 = Self.integral(1.5, exponent) - 1
        integralCount = Self.integral(Double(count) + 0.5, exponent)
        squeeze = 2 - Self.integralInverse(Self.integral(2.5, exponent) - Self.density(2, exponent), exponent)
    }

    /// One rank in 1...count.
    @inline(__always)
    func sample(using random: inout SplitMix64) -> Int {
        while true {
            let u = integralCount + random.nextUnit() * (integralX1 - integralCount)
            let x = Self.integralInverse(u, exponent)
            let k = min(max(Int(x + 0.5), 1), count)
            if Double(k) - x <= squeeze
                || u >= Self.integral(Double(k) + 0.5, exponent) - Self.density(Double(k), exponent) {
                return k
            }
        }
    }

    /// h(x) = x^-s.
    private static func density(_ x: Double, _ s: Double) -> Double {
        exp(-s * log(x))
    }

    /// H(x) = (x^(1-s) - 1) / (1 - s), which is log x at s = 1; written so it stays exact near s = 1.
    private static func integral(_ x: Double, _ s: Double) -> Double {
        let logX = log(x)
        return expm1OverX((1 - s) * logX) * logX
    }

    /// The inverse of H.
    private static func integralInverse(_ x: Double, _ s: Double) -> Double {
        // Rounding may push t just below -1, where log1p is undefined.
        let t = max(x * (1 - s), -1)
        return exp(log1pOverX(t) * x)
    }

    /// log1p(x) / x, continued by its Taylor series at 0.
    private static func log1pOverX(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x))
    }

    /// expm1(x) / x, continued by its Taylor series at 0.
    private static func expm1OverX(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x))
    }
}
