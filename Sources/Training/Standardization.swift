/// Per-coefficient standardisation: mean and deviation of each feature over the train split.
public struct Standardization: Sendable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Fitted to `x`, rows of `features` values; a deviation below 1e-6 counts as 1e-6.
    public static func fit(_ x: [Float], features: Int) -> Standardization {
        var sum = [Double](repeating: 0, count: features)
        var squares = [Double](repeating: 0, count: features)
        for (i, v) in x.enumerated() {
            sum[i % features] += Double(v)
            squares[i % features] += Double(v) * Double(v)
        }
        let n = Double(x.count / features)
        let mean = sum.map { $0 / n }
        let std = zip(squares, mean).map { max(($0 / n - $1 * $1), 0).squareRoot() }
        return Standardization(mean: mean.map { Float($0) }, std: std.map { Float(max($0, 1e-6)) })
    }

    public func apply(_ x: inout [Float]) {
        let features = mean.count
        for i in x.indices { x[i] = (x[i] - mean[i % features]) / std[i % features] }
    }
}
