import Basics
import Foundation

/// The `.blas` engine: GenreKit's own time loop on OpenBLAS `sgemm`, with scalar gate
/// functions. The input projection of every step is one matrix product; each step adds one
/// recurrent product; backward through time likewise, with the weight gradients as one product
/// each after the loop. Buffers are sized once per shape.
final class BLASLSTM: RecurrentComputation {
    let inputSize: Int
    let hiddenSize: Int
    private var batch = 0
    private var steps = 0
    /// Input, time-major `[steps * batch, inputSize]`.
    private var x: [Float] = []
    /// Gate activations, time-major `[steps * batch, 4H]` (i, f, g, o).
    private var gates: [Float] = []
    /// Cell and hidden states `[(steps + 1) * batch, H]`; row block 0 is the zero initial state.
    private var cells: [Float] = []
    private var hidden: [Float] = []

    init(inputSize: Int, hiddenSize: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    @inline(__always) static func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }

    func forward(_ input: Tensor, weights: RecurrentWeights, training: Bool) -> Tensor {
        let (b, t, d, h) = (input.shape[0], input.shape[1], inputSize, hiddenSize)
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
        for row in 0..<(t * b) { for j in 0..<g4 { gates[row * g4 + j] = weights.bias.value[j] } }
        BLAS.gemm(m: t * b, n: g4, k: d, x, lda: d, weights.kernel.value, ldb: g4, beta: 1, &gates, ldc: g4)
        for i in 0..<(b * h) {
            cells[i] = 0
            hidden[i] = 0
        }
        gates.withUnsafeMutableBufferPointer { z in
            cells.withUnsafeMutableBufferPointer { c in
                hidden.withUnsafeMutableBufferPointer { hs in
                    weights.recurrentKernel.value.withUnsafeBufferPointer { u in
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

    func backward(_ gradient: Tensor, weights: RecurrentWeights, needsInputGradient: Bool) -> Tensor? {
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
                    transB: true, m: b, n: h, k: g4, dz.baseAddress! + rowBase * g4, lda: g4,
                    weights.recurrentKernel.value,
                    ldb: g4, &dh, ldc: h)
            }
        }
        // Weight gradients, each one product over all steps.
        BLAS.gemm(
            transA: true, m: d, n: g4, k: t * b, x, lda: d, dz, ldb: g4, beta: 1, &weights.kernel.gradient, ldc: g4)
        BLAS.gemm(
            transA: true, m: h, n: g4, k: t * b, hidden, lda: h, dz, ldb: g4, beta: 1,
            &weights.recurrentKernel.gradient,
            ldc: g4)
        for row in 0..<(t * b) { for j in 0..<g4 { weights.bias.gradient[j] += dz[row * g4 + j] } }
        guard needsInputGradient else { return nil }
        // dx = dz kernel^T, back to batch-major.
        var dxTime = [Float](repeating: 0, count: t * b * d)
        BLAS.gemm(transB: true, m: t * b, n: d, k: g4, dz, lda: g4, weights.kernel.value, ldb: g4, &dxTime, ldc: d)
        var dx = [Float](repeating: 0, count: b * t * d)
        for s in 0..<t { for r in 0..<b { for j in 0..<d { dx[(r * t + s) * d + j] = dxTime[(s * b + r) * d + j] } } }
        return Tensor(shape: [b, t, d], values: dx)
    }
}
