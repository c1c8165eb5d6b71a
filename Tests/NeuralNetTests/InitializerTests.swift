import NeuralNet
import Testing

@Suite struct InitializerTests {
    func model() -> Sequential {
        Sequential([LSTM(inputSize: 13, hiddenSize: 128, name: "lstm"), Dense(128, 10, name: "dense0")])
    }

    @Test func kerasDefaults() {
        let m = model()
        KerasInitializer.initialize(m, seed: 42)
        let lstm = m.layers[0] as! LSTM
        let dense = m.layers[1] as! Dense
        // Glorot uniform: within the limit, variance near limit^2 / 3.
        for (p, fans) in [(lstm.kernel, 13 + 512), (dense.kernel, 128 + 10)] {
            let limit = (6 / Float(fans)).squareRoot()
            #expect(p.value.allSatisfy { abs($0) <= limit })
            let variance = p.value.map { $0 * $0 }.reduce(0, +) / Float(p.count)
            #expect(abs(variance / (limit * limit / 3) - 1) < 0.1, "\(p.name) variance \(variance)")
        }
        // Orthogonal [128, 512]: rows orthonormal.
        let u = lstm.recurrentKernel.value
        var worst: Float = 0
        for a in 0..<128 {
            for b in a..<128 {
                var dot: Float = 0
                for k in 0..<512 { dot += u[a * 512 + k] * u[b * 512 + k] }
                worst = max(worst, abs(dot - (a == b ? 1 : 0)))
            }
        }
        #expect(worst < 1e-5)
        // Biases: zero, the forget gate's at 1.
        #expect(lstm.bias.value[0..<128].allSatisfy { $0 == 0 })
        #expect(lstm.bias.value[128..<256].allSatisfy { $0 == 1 })
        #expect(lstm.bias.value[256...].allSatisfy { $0 == 0 })
        #expect(dense.bias.value.allSatisfy { $0 == 0 })
    }

    @Test func sameSeedSameWeights() {
        let (a, b, c) = (model(), model(), model())
        KerasInitializer.initialize(a, seed: 7)
        KerasInitializer.initialize(b, seed: 7)
        KerasInitializer.initialize(c, seed: 8)
        #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
        #expect(a.parameters[0].value != c.parameters[0].value)
    }
}
