import Basics
import Foundation
import NeuralNet
import Testing

/// An independent double-precision LSTM or GRU + dense + softmax cross-entropy, written
/// plainly, for finite differences.
struct DoubleModel {
    let cell: ReferenceCell
    var kernel: [Double]  // [d, gates * h]
    var recurrent: [Double]  // [h, gates * h]
    var bias: [Double]  // LSTM [4h]; GRU [2, 3h]
    var dense: [Double]  // [h, c]
    var denseBias: [Double]  // [c]
    let d: Int, h: Int, c: Int

    func loss(_ x: [Double], batch: Int, steps: Int, labels: [Int]) -> Double {
        var total = 0.0
        for r in 0..<batch {
            var hs = [Double](repeating: 0, count: h)
            var cs = [Double](repeating: 0, count: h)
            for t in 0..<steps where cell == .gru {
                let g = 3 * h
                var input = Array(bias[0..<g])
                var rec = Array(bias[g...])
                for j in 0..<g {
                    for i in 0..<d { input[j] += x[(r * steps + t) * d + i] * kernel[i * g + j] }
                    for i in 0..<h { rec[j] += hs[i] * recurrent[i * g + j] }
                }
                for j in 0..<h {
                    let z = 1 / (1 + exp(-(input[j] + rec[j])))
                    let reset = 1 / (1 + exp(-(input[h + j] + rec[h + j])))
                    let c = tanh(input[2 * h + j] + reset * rec[2 * h + j])
                    hs[j] = z * hs[j] + (1 - z) * c
                }
            }
            for t in 0..<steps where cell == .lstm {
                var z = bias
                for j in 0..<(4 * h) {
                    for i in 0..<d { z[j] += x[(r * steps + t) * d + i] * kernel[i * 4 * h + j] }
                    for i in 0..<h { z[j] += hs[i] * recurrent[i * 4 * h + j] }
                }
                for j in 0..<h {
                    let ig = 1 / (1 + exp(-z[j]))
                    let fg = 1 / (1 + exp(-z[h + j]))
                    let gg = tanh(z[2 * h + j])
                    let og = 1 / (1 + exp(-z[3 * h + j]))
                    cs[j] = fg * cs[j] + ig * gg
                    hs[j] = og * tanh(cs[j])
                }
            }
            var logits = denseBias
            for k in 0..<c { for i in 0..<h { logits[k] += hs[i] * dense[i * c + k] } }
            let peak = logits.max()!
            let sum = logits.map { exp($0 - peak) }.reduce(0, +)
            total -= logits[labels[r]] - peak - log(sum)
        }
        return total / Double(batch)
    }
}

@Suite struct GradientCheck {
    /// Our float32 backward against central differences of the double model, on a small LSTM
    /// or GRU.
    @Test(arguments: KerasReference.cases) func recurrentBackwardMatchesFiniteDifferences(
        engine: RecurrentEngine, cell: ReferenceCell
    ) throws {
        let (batch, steps, d, h, c) = (3, 5, 4, 6, 3)
        let g = cell == .lstm ? 4 * h : 3 * h
        let biasShape = cell == .lstm ? [4 * h] : [2, 3 * h]
        var state: UInt64 = 12345
        func random() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: state) >> 11) / Double(1 << 52)  // in [-1, 1)
        }
        var model = DoubleModel(
            cell: cell,
            kernel: (0..<(d * g)).map { _ in random() * 0.5 },
            recurrent: (0..<(h * g)).map { _ in random() * 0.5 },
            bias: (0..<biasShape.reduce(1, *)).map { _ in random() * 0.1 }, dense: (0..<(h * c)).map { _ in random() },
            denseBias: (0..<c).map { _ in random() * 0.1 }, d: d, h: h, c: c)
        let x = (0..<(batch * steps * d)).map { _ in random() }
        let labels = [0, 2, 1]

        let recurrentLayer: any Layer =
            cell == .lstm
            ? LSTM(inputSize: d, hiddenSize: h, name: "rnn", engine: engine)
            : GRU(inputSize: d, hiddenSize: h, name: "rnn", engine: engine)
        let ours = Sequential([recurrentLayer, Dense(h, c, name: "out")])
        try ours.load([
            "rnn.kernel": Tensor(shape: [d, g], values: model.kernel.map { Float($0) }),
            "rnn.recurrent_kernel": Tensor(shape: [h, g], values: model.recurrent.map { Float($0) }),
            "rnn.bias": Tensor(shape: biasShape, values: model.bias.map { Float($0) }),
            "out.kernel": Tensor(shape: [h, c], values: model.dense.map { Float($0) }),
            "out.bias": Tensor(shape: [c], values: model.denseBias.map { Float($0) }),
        ])
        ours.zeroGradients()
        let input = Tensor(shape: [batch, steps, d], values: x.map { Float($0) })
        let (_, _, gradient) = SoftmaxCrossEntropy.evaluate(logits: ours.forward(input, training: true), labels: labels)
        let inputGradient = ours.backward(gradient)
        let analytic = Dictionary(uniqueKeysWithValues: ours.parameters.map { ($0.name, $0.gradient) })

        let eps = 1e-6
        func check(_ name: String, _ values: WritableKeyPath<DoubleModel, [Double]>) {
            var worst = 0.0
            let scale = analytic[name]!.map { Double(abs($0)) }.max()!
            for i in model[keyPath: values].indices {
                let saved = model[keyPath: values][i]
                model[keyPath: values][i] = saved + eps
                let up = model.loss(x, batch: batch, steps: steps, labels: labels)
                model[keyPath: values][i] = saved - eps
                let down = model.loss(x, batch: batch, steps: steps, labels: labels)
                model[keyPath: values][i] = saved
                worst = max(worst, abs((up - down) / (2 * eps) - Double(analytic[name]![i])))
            }
            print("\(engine) \(cell) \(name): finite-difference error \(worst / scale) of the largest gradient")
            #expect(worst / scale < 1e-4, "\(name)")
        }
        check("rnn.kernel", \.kernel)
        check("rnn.recurrent_kernel", \.recurrent)
        check("rnn.bias", \.bias)
        check("out.kernel", \.dense)
        check("out.bias", \.denseBias)

        // And with respect to the input.
        var worst = 0.0
        var xs = x
        for i in xs.indices {
            let saved = xs[i]
            xs[i] = saved + eps
            let up = model.loss(xs, batch: batch, steps: steps, labels: labels)
            xs[i] = saved - eps
            let down = model.loss(xs, batch: batch, steps: steps, labels: labels)
            xs[i] = saved
            worst = max(worst, abs((up - down) / (2 * eps) - Double(inputGradient.values[i])))
        }
        let scale = inputGradient.values.map { Double(abs($0)) }.max()!
        #expect(worst / scale < 1e-4, "input: \(worst / scale)")
    }
}

@Suite struct ConvGradientCheck {
    /// Conv2D -> BatchNormalization (batch statistics) -> ReLU -> MaxPooling2D -> Conv2D (with
    /// bias) -> GlobalAveragePooling2D -> Dense against central differences of the same float
    /// model's loss (eps 1e-3: float32 rounding limits agreement to about 1e-3 of the largest
    /// gradient, far below what a wrong formula gives).
    @Test func convolutionalBackwardMatchesFiniteDifferences() throws {
        var state: UInt64 = 99
        func random() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Double(Int64(bitPattern: state) >> 11) / Double(1 << 52))
        }
        let model = Sequential([
            Conv2D(inputChannels: 1, filters: 3, useBias: false, name: "c0"),
            BatchNormalization(channels: 3, name: "bn"),
            ReLU(), MaxPooling2D(name: "pool"), Conv2D(inputChannels: 3, filters: 4, useBias: true, name: "c1"),
            GlobalAveragePooling2D(name: "gap"), Dense(4, 3, name: "out"),
        ])
        for p in model.parameters where p.trainable { p.value = p.value.indices.map { _ in random() * 0.8 } }
        let x = Tensor(shape: [3, 6, 4], values: (0..<72).map { _ in random() })
        let labels = [2, 0, 1]
        func loss() -> Double {
            let (_, l, _) = SoftmaxCrossEntropy.evaluate(logits: model.forward(x, training: true), labels: labels)
            return Double(l)
        }
        model.zeroGradients()
        let (_, _, gradient) = SoftmaxCrossEntropy.evaluate(logits: model.forward(x, training: true), labels: labels)
        model.backward(gradient)
        let eps: Float = 1e-3
        for p in model.parameters where p.trainable {
            let analytic = p.gradient
            var worst: Float = 0
            for i in p.value.indices {
                let saved = p.value[i]
                p.value[i] = saved + eps
                let up = loss()
                p.value[i] = saved - eps
                let down = loss()
                p.value[i] = saved
                worst = max(worst, abs(Float((up - down) / Double(2 * eps)) - analytic[i]))
            }
            let scale = analytic.map(abs).max()!
            print("\(p.name): finite-difference error \(worst / scale) of the largest gradient \(scale)")
            #expect(scale > 1e-4 && worst / scale < 2e-2, "\(p.name)")
        }
    }
}
