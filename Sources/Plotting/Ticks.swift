import Foundation

/// Round tick values: steps of 1, 2, 2.5 or 5 times a power of ten.
public struct Ticks: Sendable, Equatable {
    public let values: [Double]
    public let step: Double

    /// Ticks covering `lower...upper` with about `count` intervals; the first and last tick
    /// enclose the range.
    public static func covering(_ lower: Double, _ upper: Double, count: Int = 5) -> Ticks {
        let upper = upper > lower ? upper : lower + 1
        let rough = (upper - lower) / Double(max(count, 1))
        let exponent = floor(log10(rough))
        let mantissa = [1, 2, 2.5, 5, 10].first { $0 * pow(10, exponent) >= rough * (1 - 1e-9) } ?? 10
        // index * mantissa / 10^-exponent, not index * step: 17 * 0.2 is 3.4000000000000004.
        func value(_ index: Double) -> Double {
            exponent < 0 ? index * mantissa / pow(10, -exponent) : index * mantissa * pow(10, exponent)
        }
        let step = value(1)
        let first = (lower / step * (1 + 1e-12)).rounded(.down)
        let last = (upper / step * (1 - 1e-12)).rounded(.up)
        return Ticks(values: stride(from: first, through: last, by: 1).map(value), step: step)
    }

    /// Whole-number ticks from 1 to `n` (epochs): 1, then the multiples of a round step.
    public static func counting(to n: Int, count: Int = 6) -> Ticks {
        let n = max(n, 1)
        let rough = Double(n) / Double(max(count, 1))
        let magnitude = max(1, pow(10, floor(log10(max(rough, 1)))))
        let step = [1, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let multiples = stride(from: step, through: Double(n), by: step).filter { $0 > 1 }
        return Ticks(values: [1] + multiples, step: step)
    }

    /// The values as labels with as many decimals as the step needs (0.25 -> 2, 0.5 -> 1, 5 -> 0).
    public var labels: [String] {
        var decimals = 0
        while decimals < 6, abs((step * pow(10, Double(decimals))).rounded() - step * pow(10, Double(decimals))) > 1e-6
        {
            decimals += 1
        }
        return values.map { String(format: "%.\(decimals)f", $0) }
    }
}
