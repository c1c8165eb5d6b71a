import Basics
import Foundation

/// The `.blas` engine for `GRU`: GenreKit's own time loop on OpenBLAS `sgemm`, written as the
/// equations in `GRU` read, so it is the plain reference the oneDNN engine is tested against.
/// The input projection of every step is one product; each step adds one recurrent product;
/// the weight gradients are one product each after the backward loop.
final class BLASGRU: RecurrentComputation {
    let inputSize: Int
    let hiddenSize: Int
    private var batch = 0
    private var steps = 0
    /// Input, time-major `[steps * batch, inputSize]`.
    private var x: [Float] = []
    /// Per step: `x kernel + bias[0]` `[steps * batch, 3H]`, then the gates z, r and the
    /// candidate c in place of the first three blocks' pre-activations.
    private var gates: [Float] = []
    /// Per step: `h_{t-1} recurrentKernel + bias[1]`, candidate block only `[steps * batch, H]`.
    private var recurrentCandidate: [Float] = []
    /// Hidden states `[(steps + 1) * batch, H]`; row block 0 is the zero initial state.
    private var hidden: [Float] = []

    init(inputSize: Int, hiddenSize: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    @inline(__always) static func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }

    func forward(_ input: Tensor, weights: RecurrentWeights, training: Bool) -> Tensor {
        let (b, t, d, h) = (input.shape[0], input.shape[1], inputSize, hiddenSize)
        let g3 = 3 * h
        if b != batch || t != steps {
            batch = b
            steps = t
            x = [Float](repeating: 0, count: t * b * d)
            gates = [Float](repeating: 0, count: t * b * g3)
            recurrentCandidate = [Float](repeating: 0, count: t * b * h)
            hidden = [Float](repeating: 0, count: (t + 1) * b * h)
        }
        for s in 0..<t {
            for r in 0..<b { for j in 0..<d { x[(s * b + r) * d + j] = input.values[(r * t + s) * d + j] } }
        }
        let bias = weights.bias.value
        for row in 0..<(t * b) { for j in 0..<g3 { gates[row * g3 + j] = bias[j] } }
        BLAS.gemm(m: t * b, n: g3, k: d, x, lda: d, weights.kernel.value, ldb: g3, beta: 1, &gates, ldc: g3)
        for i in 0..<(b * h) { hidden[i] = 0 }
        var projected = [Float](repeating: 0, count: b * g3)
        for s in 0..<t {
            // ĥ = h_{t-1} recurrentKernel + bias[1]
            for r in 0..<b { for j in 0..<g3 { projected[r * g3 + j] = bias[g3 + j] } }
            hidden.withUnsafeBufferPointer { hs in
                BLAS.gemm(
                    m: b, n: g3, k: h, hs.baseAddress! + s * b * h, lda: h, weights.recurrentKernel.value, ldb: g3,
                    beta: 1, &projected, ldc: g3)
            }
            for r in 0..<b {
                let row = (s * b + r) * g3
                for j in 0..<h {
                    let z = Self.sigmoid(gates[row + j] + projected[r * g3 + j])
                    let reset = Self.sigmoid(gates[row + h + j] + projected[r * g3 + h + j])
                    let candidateRecurrent = projected[r * g3 + 2 * h + j]
                    let c = tanh(gates[row + 2 * h + j] + reset * candidateRecurrent)
                    gates[row + j] = z
                    gates[row + h + j] = reset
                    gates[row + 2 * h + j] = c
                    recurrentCandidate[(s * b + r) * h + j] = candidateRecurrent
                    let previous = hidden[(s * b + r) * h + j]
                    hidden[((s + 1) * b + r) * h + j] = z * previous + (1 - z) * c
                }
            }
        }
        return Tensor(shape: [b, h], values: Array(hidden[(t * b * h)...]))
    }

    func backward(_ gradient: Tensor, weights: RecurrentWeights, needsInputGradient: Bool) -> Tensor? {
        let (b, t, d, h) = (batch, steps, inputSize, hiddenSize)
        let g3 = 3 * h
        // Gradients of the input-side and recurrent-side pre-activations, per step.
        var dInput = [Float](repeating: 0, count: t * b * g3)
        var dRecurrent = [Float](repeating: 0, count: t * b * g3)
        var dh = gradient.values
        for s in stride(from: t - 1, through: 0, by: -1) {
            for r in 0..<b {
                let row = (s * b + r) * g3
                for j in 0..<h {
                    let z = gates[row + j]
                    let reset = gates[row + h + j]
                    let c = gates[row + 2 * h + j]
                    let previous = hidden[(s * b + r) * h + j]
                    let dhv = dh[r * h + j]
                    let dc = dhv * (1 - z) * (1 - c * c)
                    let dz = dhv * (previous - c) * z * (1 - z)
                    let dReset = dc * recurrentCandidate[(s * b + r) * h + j] * reset * (1 - reset)
                    dInput[row + j] = dz
                    dInput[row + h + j] = dReset
                    dInput[row + 2 * h + j] = dc
                    dRecurrent[row + j] = dz
                    dRecurrent[row + h + j] = dReset
                    dRecurrent[row + 2 * h + j] = dc * reset
                    dh[r * h + j] = dhv * z
                }
            }
            // dh_{t-1} += dĥ recurrentKernel^T
            dRecurrent.withUnsafeBufferPointer { dr in
                BLAS.gemm(
                    transB: true, m: b, n: h, k: g3, dr.baseAddress! + s * b * g3, lda: g3,
                    weights.recurrentKernel.value, ldb: g3, beta: 1, &dh, ldc: h)
            }
        }
        BLAS.gemm(
            transA: true, m: d, n: g3, k: t * b, x, lda: d, dInput, ldb: g3, beta: 1, &weights.kernel.gradient,
            ldc: g3)
        BLAS.gemm(
            transA: true, m: h, n: g3, k: t * b, hidden, lda: h, dRecurrent, ldb: g3, beta: 1,
            &weights.recurrentKernel.gradient, ldc: g3)
        for row in 0..<(t * b) {
            for j in 0..<g3 {
                weights.bias.gradient[j] += dInput[row * g3 + j]
                weights.bias.gradient[g3 + j] += dRecurrent[row * g3 + j]
            }
        }
        guard needsInputGradient else { return nil }
        var dxTime = [Float](repeating: 0, count: t * b * d)
        BLAS.gemm(transB: true, m: t * b, n: d, k: g3, dInput, lda: g3, weights.kernel.value, ldb: g3, &dxTime, ldc: d)
        var dx = [Float](repeating: 0, count: b * t * d)
        for s in 0..<t { for r in 0..<b { for j in 0..<d { dx[(r * t + s) * d + j] = dxTime[(s * b + r) * d + j] } } }
        return Tensor(shape: [b, t, d], values: dx)
    }
}
