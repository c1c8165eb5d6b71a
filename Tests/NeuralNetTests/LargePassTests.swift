import Basics
import NeuralNet
import Testing

/// BatchNormalization, ReLU, MaxPooling2D and GlobalAveragePooling2D on inputs large enough to
/// run in chunks on every core (on oneDNN's OpenMP threads) and, for pooling, with a channel
/// count that is not a multiple of eight (so both the vector and the scalar loops run), against
/// plain one-thread loops written here.
@Suite struct LargePassTests {
    /// Values on a coarse grid, so pooling windows hold ties; negatives and zeros for ReLU.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(Int(rng.next() % 9) - 4) / 2 }
    }

    @Test func maxPoolingPicksTheFirstLargestOfEachWindow() {
        let (b, h, w, c) = (4, 65, 67, 11)
        let x = Tensor(shape: [b, h, w, c], values: Self.values(b * h * w * c, seed: 3))
        let pool = MaxPooling2D(name: "pool")
        let y = pool.forward(x, training: true)
        let (oh, ow) = (h / 2, w / 2)
        #expect(y.shape == [b, oh, ow, c])
        var expected = [Float](repeating: 0, count: b * oh * ow * c)
        var from = [Int](repeating: 0, count: expected.count)
        for n in 0..<b {
            for i in 0..<oh {
                for j in 0..<ow {
                    for k in 0..<c {
                        let out = ((n * oh + i) * ow + j) * c + k
                        var best = ((n * h + 2 * i) * w + 2 * j) * c + k
                        for (di, dj) in [(0, 1), (1, 0), (1, 1)] {
                            let at = ((n * h + 2 * i + di) * w + 2 * j + dj) * c + k
                            if x.values[at] > x.values[best] { best = at }
                        }
                        (expected[out], from[out]) = (x.values[best], best)
                    }
                }
            }
        }
        #expect(firstDifference(y.values, expected) == nil)
        let g = Tensor(shape: y.shape, values: Self.values(y.values.count, seed: 4))
        var dx = [Float](repeating: 0, count: x.values.count)
        for (i, at) in from.enumerated() { dx[at] += g.values[i] }
        #expect(firstDifference(pool.backward(g).values, dx) == nil)
    }

    @Test func globalAveragePoolingAveragesEachChannel() {
        let (b, h, w, c) = (6, 33, 67, 12)
        let x = Tensor(
            shape: [b, h, w, c],
            values: Self.values(b * h * w * c, seed: 17).enumerated().map { $1 + Float($0 % 7) / 8 })
        let pool = GlobalAveragePooling2D(name: "gap")
        let y = pool.forward(x, training: true)
        var expected = [Float](repeating: 0, count: b * c)
        for n in 0..<b {
            for k in 0..<c {
                var sum: Float = 0
                for p in 0..<(h * w) { sum += x.values[(n * h * w + p) * c + k] }
                expected[n * c + k] = sum / Float(h * w)
            }
        }
        #expect(y.shape == [b, c] && firstDifference(y.values, expected) == nil)
        let g = Tensor(shape: [b, c], values: Self.values(b * c, seed: 18))
        let dx = (0..<x.values.count).map { g.values[$0 / (h * w * c) * c + $0 % c] / Float(h * w) }
        #expect(firstDifference(pool.backward(g).values, dx) == nil)
    }

    @Test func reluPassesWhatIsPositive() {
        let x = Tensor(shape: [200_003], values: Self.values(200_003, seed: 5))
        let relu = ReLU()
        #expect(firstDifference(relu.forward(x, training: true).values, x.values.map { $0 < 0 ? 0 : $0 }) == nil)
        let g = Tensor(shape: [200_003], values: Self.values(200_003, seed: 6))
        #expect(firstDifference(relu.backward(g).values, zip(x.values, g.values).map { $0 <= 0 ? 0 : $1 }) == nil)
    }

    @Test func batchNormalizationMatchesOneThread() {
        let (rows, c) = (15_001, 12)
        var rng = SplitMix64(seed: 7)
        let x = Tensor(
            shape: [rows, c],
            values: (0..<(rows * c)).map { i in Float(Double(rng.next() % 4096) / 1024 - 1) + Float(i % c) })
        let bn = BatchNormalization(channels: c, name: "bn")
        let y = bn.forward(x, training: true)
        var mean = [Double](repeating: 0, count: c)
        var variance = [Double](repeating: 0, count: c)
        for r in 0..<rows { for j in 0..<c { mean[j] += Double(x.values[r * c + j]) / Double(rows) } }
        for r in 0..<rows {
            for j in 0..<c { variance[j] += pow2(Double(x.values[r * c + j]) - mean[j]) / Double(rows) }
        }
        var worst = 0.0
        for r in 0..<rows {
            for j in 0..<c {
                let expected = (Double(x.values[r * c + j]) - mean[j]) / (variance[j] + 1e-3).squareRoot()
                worst = max(worst, abs(Double(y.values[r * c + j]) - expected))
            }
        }
        #expect(worst < 1e-5, "largest difference \(worst)")
        for j in 0..<c {
            #expect(abs(Double(bn.movingMean.value[j]) - 0.01 * mean[j]) < 1e-6)
            #expect(abs(Double(bn.movingVariance.value[j]) - (0.99 + 0.01 * variance[j])) < 1e-6)
        }
        // The input's gradient of sum(y * g) through the batch statistics, against its formula in double.
        let g = Tensor(shape: [rows, c], values: Self.values(rows * c, seed: 8))
        let dx = bn.backward(g).values
        for j in 0..<c {
            let n = (0..<rows).map { (Double(x.values[$0 * c + j]) - mean[j]) / (variance[j] + 1e-3).squareRoot() }
            let dy = (0..<rows).map { Double(g.values[$0 * c + j]) }
            let meanDy = dy.reduce(0, +) / Double(rows)
            let meanDyX = zip(dy, n).map(*).reduce(0, +) / Double(rows)
            let scale = 1 / (variance[j] + 1e-3).squareRoot()
            let largest = (0..<rows).map { r in abs(Double(dx[r * c + j]) - scale * (dy[r] - meanDy - n[r] * meanDyX)) }
                .max()!
            #expect(largest < 1e-4, "channel \(j): largest difference \(largest)")
        }
    }

    /// In a `Sequential`, a BatchNormalization applies the ReLU after it (one pass each way):
    /// the same bits as the two layers run one after the other, in training (outputs, every
    /// gradient) and in inference, with vector and scalar channel loops.
    @Test(arguments: [16, 12])
    func batchNormalizationAppliesTheReLUAfterIt(channels c: Int) {
        let shape = [4, 33, 67, c]
        let count = shape.reduce(1, *)
        let x = Tensor(shape: shape, values: Self.values(count, seed: 9).enumerated().map { $1 + Float($0 % 5) / 8 })
        let g = Tensor(shape: shape, values: Self.values(count, seed: 10))
        func pair() -> (BatchNormalization, ReLU) {
            let bn = BatchNormalization(channels: c, name: "bn")
            bn.gamma.value = Self.values(c, seed: 11).map { $0 + 0.25 }
            bn.beta.value = Self.values(c, seed: 12)
            return (bn, ReLU())
        }
        let (bn, relu) = pair()
        let (fusedBN, fusedReLU) = pair()
        let fused = Sequential([fusedBN, fusedReLU])
        #expect(
            firstDifference(
                fused.forward(x, training: true).values,
                relu.forward(bn.forward(x, training: true), training: true).values) == nil)
        #expect(firstDifference(fused.backward(g).values, bn.backward(relu.backward(g)).values) == nil)
        #expect(fusedBN.gamma.gradient == bn.gamma.gradient && fusedBN.beta.gradient == bn.beta.gradient)
        #expect(fusedBN.movingVariance.value == bn.movingVariance.value)
        #expect(
            firstDifference(
                fused.forward(x, training: false).values,
                relu.forward(bn.forward(x, training: false), training: false).values) == nil)
    }

    /// In a `Sequential`, a BatchNormalization, its ReLU and a MaxPooling2D after them are one
    /// pass each way (the normalised values are pooled as they are computed): the same bits as
    /// the three layers run one after the other, with odd heights and widths (a dropped row and
    /// column), ties in the windows, and vector and scalar channel loops.
    @Test(arguments: [16, 12])
    func batchNormalizationPoolsAfterItsReLU(channels c: Int) {
        let shape = [4, 33, 67, c]
        let count = shape.reduce(1, *)
        let x = Tensor(shape: shape, values: Self.values(count, seed: 13).enumerated().map { $1 + Float($0 % 3) / 4 })
        func layers() -> (BatchNormalization, ReLU, MaxPooling2D) {
            let bn = BatchNormalization(channels: c, name: "bn")
            bn.gamma.value = Self.values(c, seed: 14).map { $0 + 0.25 }
            bn.beta.value = Self.values(c, seed: 15)
            return (bn, ReLU(), MaxPooling2D(name: "pool"))
        }
        let (bn, relu, pool) = layers()
        let (fusedBN, fusedReLU, fusedPool) = layers()
        let fused = Sequential([fusedBN, fusedReLU, fusedPool])
        let y = pool.forward(relu.forward(bn.forward(x, training: true), training: true), training: true)
        #expect(y.shape == [4, 16, 33, c])
        #expect(firstDifference(fused.forward(x, training: true).values, y.values) == nil)
        // Fused, the pooling layer passes values through: its work was done before it.
        #expect(fusedPool.forward(x, training: false).shape == shape)
        let g = Tensor(shape: y.shape, values: Self.values(y.values.count, seed: 16))
        #expect(firstDifference(fused.backward(g).values, bn.backward(relu.backward(pool.backward(g))).values) == nil)
        #expect(fusedBN.gamma.gradient == bn.gamma.gradient && fusedBN.beta.gradient == bn.beta.gradient)
        #expect(fusedBN.movingMean.value == bn.movingMean.value)
        #expect(fusedBN.movingVariance.value == bn.movingVariance.value)
        let inference = pool.forward(relu.forward(bn.forward(x, training: false), training: false), training: false)
        #expect(firstDifference(fused.forward(x, training: false).values, inference.values) == nil)
    }
}

private func pow2(_ x: Double) -> Double { x * x }

/// The first index where `a` and `b` differ (or their lengths do), nil when equal: a short message.
private func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
    a.count == b.count ? a.indices.first { a[$0] != b[$0] } : min(a.count, b.count)
}
