import Basics
import Foundation

/// A layer of a `Sequential` model: forward, then backward with the gradient of the loss with
/// respect to its output, accumulating its parameters' gradients and returning the input's.
public protocol Layer: AnyObject {
    var name: String { get }
    var parameters: [Parameter] { get }
    func forward(_ x: Tensor, training: Bool) -> Tensor
    func backward(_ gradient: Tensor) -> Tensor
}

/// `y = x W + b` with W `[inputSize, outputSize]` (Keras's `Dense`), then an optional ReLU.
public final class Dense: Layer {
    public let name: String
    public let kernel: Parameter
    public let bias: Parameter
    public let relu: Bool
    private var input = Tensor(zeros: [0])
    private var output = Tensor(zeros: [0])

    public init(_ inputSize: Int, _ outputSize: Int, relu: Bool = false, name: String) {
        self.name = name
        self.relu = relu
        kernel = Parameter("\(name).kernel", shape: [inputSize, outputSize])
        bias = Parameter("\(name).bias", shape: [outputSize])
    }

    public var parameters: [Parameter] { [kernel, bias] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (batch, n, k) = (x.shape[0], kernel.shape[1], kernel.shape[0])
        var y = [Float](repeating: 0, count: batch * n)
        for r in 0..<batch { for j in 0..<n { y[r * n + j] = bias.value[j] } }
        BLAS.gemm(m: batch, n: n, k: k, x.values, lda: k, kernel.value, ldb: n, beta: 1, &y, ldc: n)
        if relu { for i in y.indices where y[i] < 0 { y[i] = 0 } }
        input = x
        output = Tensor(shape: [batch, n], values: y)
        return output
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        let (batch, n, k) = (input.shape[0], kernel.shape[1], kernel.shape[0])
        var dy = gradient.values
        if relu { for i in dy.indices where output.values[i] <= 0 { dy[i] = 0 } }
        // dW += x^T dy, db += sum over the batch of dy, dx = dy W^T
        BLAS.gemm(
            transA: true, m: k, n: n, k: batch, input.values, lda: k, dy, ldb: n, beta: 1, &kernel.gradient, ldc: n)
        for r in 0..<batch { for j in 0..<n { bias.gradient[j] += dy[r * n + j] } }
        var dx = [Float](repeating: 0, count: batch * k)
        BLAS.gemm(transB: true, m: batch, n: k, k: n, dy, lda: n, kernel.value, ldb: n, &dx, ldc: k)
        return Tensor(shape: input.shape, values: dx)
    }
}

/// Inverted dropout: in training, zeroes each value with probability `rate` and scales the rest
/// by `1 / (1 - rate)`; the identity otherwise. Masks come from a seeded generator.
public final class Dropout: Layer {
    public let name: String
    public let rate: Float
    private var mask: [Float] = []
    private var random: UInt64

    public init(_ rate: Float, seed: UInt64, name: String) {
        self.name = name
        self.rate = rate
        random = seed
    }

    public var parameters: [Parameter] { [] }

    /// Restarts the mask generator (the trainer reseeds per batch, so a resumed run draws the
    /// same masks as an uninterrupted one).
    public func reseed(_ seed: UInt64) { random = seed }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else {
            mask = []
            return x
        }
        let keep = 1 / (1 - rate)
        mask = x.values.indices.map { _ in nextUnit() < rate ? 0 : keep }
        return Tensor(shape: x.shape, values: zip(x.values, mask).map { $0 * $1 })
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        guard !mask.isEmpty else { return gradient }
        return Tensor(shape: gradient.shape, values: zip(gradient.values, mask).map { $0 * $1 })
    }

    /// SplitMix64, uniform in [0, 1).
    private func nextUnit() -> Float {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24)
    }
}

/// Keras's `LSTM(hiddenSize)` returning the last hidden state, with zero initial state.
///
/// Weights as Keras lays them out: `kernel` `[inputSize, 4H]`, `recurrentKernel` `[H, 4H]`,
/// `bias` `[4H]`; the four column blocks are the gates in the order input, forget, cell
/// candidate, output. `i, f, o = sigmoid(z)`, `g = tanh(z)`, `c = f c + i g`, `h = o tanh(c)`,
/// where `z = x_t kernel + h_{t-1} recurrentKernel + bias`.
///
/// Input `[batch, steps, inputSize]`, output `[batch, H]`. The input projection of every step is
/// one matrix product; each step adds one recurrent product; backward through time likewise, with
/// the weight gradients as one product each after the loop. Buffers are sized once per shape.
/// That is the `.blas` engine; `.onednn` (the default) runs the same network through oneDNN's
/// fused LSTM primitive, several times faster (see `LSTMEngine`).
public final class LSTM: Layer {
    public let name: String
    public let inputSize: Int
    public let hiddenSize: Int
    public let kernel: Parameter
    public let recurrentKernel: Parameter
    public let bias: Parameter
    public let engine: LSTMEngine
    private lazy var onednn = OneDNNLSTM(inputSize: inputSize, hiddenSize: hiddenSize)

    private var batch = 0
    private var steps = 0
    /// Input, time-major `[steps * batch, inputSize]`.
    private var x: [Float] = []
    /// Gate activations, time-major `[steps * batch, 4H]` (i, f, g, o).
    private var gates: [Float] = []
    /// Cell and hidden states `[(steps + 1) * batch, H]`; row block 0 is the zero initial state.
    private var cells: [Float] = []
    private var hidden: [Float] = []

    public init(inputSize: Int, hiddenSize: Int, name: String = "lstm", engine: LSTMEngine = .default) {
        self.name = name
        self.engine = engine
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        kernel = Parameter("\(name).kernel", shape: [inputSize, 4 * hiddenSize])
        recurrentKernel = Parameter("\(name).recurrent_kernel", shape: [hiddenSize, 4 * hiddenSize])
        bias = Parameter("\(name).bias", shape: [4 * hiddenSize])
    }

    public var parameters: [Parameter] { [kernel, recurrentKernel, bias] }

    @inline(__always) static func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let (b, t, d, h) = (input.shape[0], input.shape[1], inputSize, hiddenSize)
        if engine == .onednn {
            let last = onednn.forward(
                input.values, batch: b, steps: t, kernel: kernel.value, recurrentKernel: recurrentKernel.value,
                bias: bias.value, training: training)
            return Tensor(shape: [b, h], values: last)
        }
        let g4 = 4 * h
        if b != batch || t != steps {
            batch = b
            steps = t
            x = [Float](repeating: 0, count: t * b * d)
            gates = [Float](repeating: 0, count: t * b * g4)
            cells = [Float](repeating: 0, count: (t + 1) * b * h)
            hidden = [Float](repeating: 0, count: (t + 1) * b * h)
        }
        // Time-major copy of the input, so each step's rows are contiguous.
        for s in 0..<t {
            for r in 0..<b { for j in 0..<d { x[(s * b + r) * d + j] = input.values[(r * t + s) * d + j] } }
        }
        // z = x kernel + bias for every step at once.
        for row in 0..<(t * b) { for j in 0..<g4 { gates[row * g4 + j] = bias.value[j] } }
        BLAS.gemm(m: t * b, n: g4, k: d, x, lda: d, kernel.value, ldb: g4, beta: 1, &gates, ldc: g4)
        for i in 0..<(b * h) {
            cells[i] = 0
            hidden[i] = 0
        }
        gates.withUnsafeMutableBufferPointer { z in
            cells.withUnsafeMutableBufferPointer { c in
                hidden.withUnsafeMutableBufferPointer { hs in
                    recurrentKernel.value.withUnsafeBufferPointer { u in
                        for s in 0..<t {
                            let zs = z.baseAddress! + s * b * g4
                            // z += h_{t-1} recurrentKernel
                            BLAS.gemm(
                                m: b, n: g4, k: h, hs.baseAddress! + s * b * h, lda: h, u.baseAddress!, ldb: g4,
                                beta: 1,
                                zs, ldc: g4)
                            let cPrev = c.baseAddress! + s * b * h
                            let cNext = c.baseAddress! + (s + 1) * b * h
                            let hNext = hs.baseAddress! + (s + 1) * b * h
                            for r in 0..<b {
                                let row = zs + r * g4
                                for j in 0..<h {
                                    let i = Self.sigmoid(row[j])
                                    let f = Self.sigmoid(row[h + j])
                                    let g = tanh(row[2 * h + j])
                                    let o = Self.sigmoid(row[3 * h + j])
                                    row[j] = i
                                    row[h + j] = f
                                    row[2 * h + j] = g
                                    row[3 * h + j] = o
                                    let cell = f * cPrev[r * h + j] + i * g
                                    cNext[r * h + j] = cell
                                    hNext[r * h + j] = o * tanh(cell)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [b, h], values: Array(hidden[(t * b * h)...]))
    }

    public func backward(_ gradient: Tensor) -> Tensor {
        if engine == .onednn {
            return onednn.backward(
                gradient.values, kernelGradient: &kernel.gradient, recurrentGradient: &recurrentKernel.gradient,
                biasGradient: &bias.gradient)
        }
        let (b, t, d, h) = (batch, steps, inputSize, hiddenSize)
        let g4 = 4 * h
        var dz = [Float](repeating: 0, count: t * b * g4)
        var dh = gradient.values
        var dc = [Float](repeating: 0, count: b * h)
        dz.withUnsafeMutableBufferPointer { dz in
            for s in stride(from: t - 1, through: 0, by: -1) {
                let rowBase = s * b
                for r in 0..<b {
                    let a = (rowBase + r) * g4
                    for j in 0..<h {
                        let i = gates[a + j]
                        let f = gates[a + h + j]
                        let g = gates[a + 2 * h + j]
                        let o = gates[a + 3 * h + j]
                        let cell = cells[((s + 1) * b + r) * h + j]
                        let cPrev = cells[(s * b + r) * h + j]
                        let tc = tanh(cell)
                        let dhv = dh[r * h + j]
                        let dcv = dc[r * h + j] + dhv * o * (1 - tc * tc)
                        dz[a + j] = dcv * g * i * (1 - i)
                        dz[a + h + j] = dcv * cPrev * f * (1 - f)
                        dz[a + 2 * h + j] = dcv * i * (1 - g * g)
                        dz[a + 3 * h + j] = dhv * tc * o * (1 - o)
                        dc[r * h + j] = dcv * f
                    }
                }
                // dh_{t-1} = dz_t recurrentKernel^T
                BLAS.gemm(
                    transB: true, m: b, n: h, k: g4, dz.baseAddress! + rowBase * g4, lda: g4, recurrentKernel.value,
                    ldb: g4, &dh, ldc: h)
            }
        }
        // Weight gradients, each one product over all steps.
        BLAS.gemm(transA: true, m: d, n: g4, k: t * b, x, lda: d, dz, ldb: g4, beta: 1, &kernel.gradient, ldc: g4)
        BLAS.gemm(
            transA: true, m: h, n: g4, k: t * b, hidden, lda: h, dz, ldb: g4, beta: 1, &recurrentKernel.gradient,
            ldc: g4)
        for row in 0..<(t * b) { for j in 0..<g4 { bias.gradient[j] += dz[row * g4 + j] } }
        // dx = dz kernel^T, back to batch-major.
        var dxTime = [Float](repeating: 0, count: t * b * d)
        BLAS.gemm(transB: true, m: t * b, n: d, k: g4, dz, lda: g4, kernel.value, ldb: g4, &dxTime, ldc: d)
        var dx = [Float](repeating: 0, count: b * t * d)
        for s in 0..<t { for r in 0..<b { for j in 0..<d { dx[(r * t + s) * d + j] = dxTime[(s * b + r) * d + j] } } }
        return Tensor(shape: [b, t, d], values: dx)
    }
}

/// How an `LSTM` layer computes. Both give the same network to within float rounding (the
/// parity tests hold both to Keras's numbers); each is bit-for-bit reproducible on its own.
public enum LSTMEngine: String, Sendable, CaseIterable, Codable {
    /// oneDNN's fused LSTM primitive (JIT kernels for the CPU it runs on).
    case onednn
    /// GenreKit's own time loop on OpenBLAS `sgemm`, with scalar gate functions.
    case blas

    public static let `default` = LSTMEngine.onednn

    /// The engine and its library version, for run records ("oneDNN 2.6.3 LSTM primitive").
    public var summary: String {
        switch self {
        case .onednn: "\(OneDNNLSTM.version) LSTM primitive"
        case .blas: "\(BLAS.version) sgemm"
        }
    }

    /// Makes oneDNN's parallel regions started from the calling thread use `count` threads.
    public static func setThreadsForCallingThread(_ count: Int) {
        OneDNNLSTM.setThreadsForCallingThread(count)
    }
}
