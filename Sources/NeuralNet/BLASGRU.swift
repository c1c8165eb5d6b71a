import Basics

/// The `.blas` engine for `GRU`: GenreKit's own time loop, written as the equations in `GRU`
/// read. The input projection of every step is one OpenBLAS product, and so are the weight
/// gradients after the backward loop; the per-step recurrent products run on `PanelMatrix`
/// and the gates eight units at a time (`VectorGates`), as in `BLASLSTM`.
final class BLASGRU: RecurrentComputation {
    typealias V = SIMD8<Float>
    let inputSize: Int
    let hiddenSize: Int
    private var batch = 0
    private var steps = 0
    /// Input, time-major `[steps * batch, inputSize]`.
    private let x = StepBuffer()
    /// Per step: `x kernel + bias[0]` `[steps * batch, 3H]`, then the gates z, r and the
    /// candidate c in place of the first three blocks' pre-activations.
    private let gates = StepBuffer()
    /// Per step: `h_{t-1} recurrentKernel + bias[1]`, candidate block only `[steps * batch, H]`.
    private let recurrentCandidate = StepBuffer()
    /// Hidden states `[(steps + 1) * batch, H]`; row block 0 is the zero initial state.
    private let hidden = StepBuffer()
    /// Backward's gradients of the input-side and recurrent-side pre-activations `[steps * batch, 3H]`.
    private let inputGradients = StepBuffer()
    private let recurrentGradients = StepBuffer()
    private let recurrent = PanelMatrix()
    private let recurrentTransposed = PanelMatrix()

    init(inputSize: Int, hiddenSize: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    func forward(_ input: Tensor, weights: RecurrentWeights, training: Bool) -> Tensor {
        let (b, t, d, h) = (input.shape[0], input.shape[1], inputSize, hiddenSize)
        let g3 = 3 * h
        if b != batch || t != steps {
            batch = b
            steps = t
            x.resize(t * b * d)
            gates.resize(t * b * g3)
            recurrentCandidate.resize(t * b * h)
            hidden.resize((t + 1) * b * h)
            inputGradients.release()
            recurrentGradients.release()
        }
        let (a, hs, rc) = (gates.pointer, hidden.pointer, recurrentCandidate.pointer)
        RecurrentRows.copyTimeMajor(input.values, batch: b, steps: t, features: d, into: x.pointer)
        RecurrentRows.fill(a, rows: t * b, with: weights.bias.value, from: 0, count: g3)
        BLAS.gemm(m: t * b, n: g3, k: d, x.pointer, lda: d, weights.kernel.value, ldb: g3, beta: 1, a, ldc: g3)
        weights.recurrentKernel.value.withUnsafeBufferPointer {
            recurrent.pack($0.baseAddress!, rows: h, columns: g3, ldb: g3)
        }
        var projected = [Float](repeating: 0, count: b * g3)
        // ĥ = h_{t-1} recurrentKernel + bias[1]
        RecurrentRows.fill(&projected, rows: b, with: weights.bias.value, from: g3, count: g3)
        let recurrentBias = projected
        projected.withUnsafeMutableBufferPointer { p in
            for s in 0..<t {
                if s > 0 {
                    _ = p.update(fromContentsOf: recurrentBias)
                    recurrent.accumulate(hs + s * b * h, rows: b, lda: h, into: p.baseAddress!, ldc: g3)
                }
                for r in 0..<b {
                    let state = (s * b + r) * h
                    Self.activate(
                        a + (s * b + r) * g3, projected: p.baseAddress! + r * g3, hidden: h, before: hs + state,
                        candidate: rc + state, output: hs + b * h + state)
                }
            }
        }
        return Tensor(shape: [b, h], values: Array(UnsafeBufferPointer(start: hs + t * b * h, count: b * h)))
    }

    /// One row's gates from the input side `a` (`[3H]`, replaced by z, r and the candidate)
    /// and the recurrent side `projected` (`[3H]`), then the new hidden state.
    @inline(__always)
    private static func activate(
        _ a: UnsafeMutablePointer<Float>, projected p: UnsafePointer<Float>, hidden h: Int,
        before: UnsafePointer<Float>, candidate: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let one = V(repeating: 1)
        for j in stride(from: 0, to: h, by: 8) {
            let n = min(8, h - j)
            let z = VectorGates.sigmoid(RecurrentRows.load(a + j, n) + RecurrentRows.load(p + j, n))
            let reset = VectorGates.sigmoid(RecurrentRows.load(a + h + j, n) + RecurrentRows.load(p + h + j, n))
            let candidateRecurrent = RecurrentRows.load(p + 2 * h + j, n)
            let c = VectorGates.tanh(RecurrentRows.load(a + 2 * h + j, n) + reset * candidateRecurrent)
            RecurrentRows.store(z, a + j, n)
            RecurrentRows.store(reset, a + h + j, n)
            RecurrentRows.store(c, a + 2 * h + j, n)
            RecurrentRows.store(candidateRecurrent, candidate + j, n)
            RecurrentRows.store(z * RecurrentRows.load(before + j, n) + (one - z) * c, output + j, n)
        }
    }

    func backward(_ gradient: Tensor, weights: RecurrentWeights, needsInputGradient: Bool) -> Tensor? {
        let (b, t, d, h) = (batch, steps, inputSize, hiddenSize)
        let g3 = 3 * h
        if inputGradients.count != gates.count {
            inputGradients.resize(gates.count)
            recurrentGradients.resize(gates.count)
        }
        let (di, dr) = (inputGradients.pointer, recurrentGradients.pointer)
        let (a, hs, rc) = (gates.pointer, hidden.pointer, recurrentCandidate.pointer)
        var dh = gradient.values
        weights.recurrentKernel.value.withUnsafeBufferPointer {
            recurrentTransposed.pack($0.baseAddress!, rows: g3, columns: h, ldb: g3, transposed: true)
        }
        dh.withUnsafeMutableBufferPointer { dh in
            for s in stride(from: t - 1, through: 0, by: -1) {
                for r in 0..<b {
                    let (row, state) = ((s * b + r) * g3, (s * b + r) * h)
                    Self.gradientsOfGates(
                        a + row, hidden: h, before: hs + state, candidate: rc + state, dh: dh.baseAddress! + r * h,
                        input: di + row, recurrent: dr + row)
                }
                guard s > 0 else { break }
                // dh_{t-1} += dĥ recurrentKernel^T
                recurrentTransposed.accumulate(dr + s * b * g3, rows: b, lda: g3, into: dh.baseAddress!, ldc: h)
            }
        }
        BLAS.gemm(
            transA: true, m: d, n: g3, k: t * b, x.pointer, lda: d, di, ldb: g3, beta: 1, &weights.kernel.gradient,
            ldc: g3)
        BLAS.gemm(
            transA: true, m: h, n: g3, k: t * b, hs, lda: h, dr, ldb: g3, beta: 1, &weights.recurrentKernel.gradient,
            ldc: g3)
        RecurrentRows.addColumnSums(di, rows: t * b, columns: g3, to: &weights.bias.gradient, at: 0)
        RecurrentRows.addColumnSums(dr, rows: t * b, columns: g3, to: &weights.bias.gradient, at: g3)
        guard needsInputGradient else { return nil }
        return RecurrentRows.inputGradient(
            di, kernel: weights.kernel.value, batch: b, steps: t, features: d, gates: g3)
    }

    /// One row's pre-activation gradients, input side (`[3H]`: z, r, candidate) and recurrent
    /// side, from its hidden state's loss gradient `dh`, which becomes `dh * z` (the direct
    /// path to the step before; the recurrent product is added after).
    @inline(__always)
    private static func gradientsOfGates(
        _ a: UnsafePointer<Float>, hidden h: Int, before: UnsafePointer<Float>, candidate: UnsafePointer<Float>,
        dh: UnsafeMutablePointer<Float>, input di: UnsafeMutablePointer<Float>,
        recurrent dr: UnsafeMutablePointer<Float>
    ) {
        let one = V(repeating: 1)
        for j in stride(from: 0, to: h, by: 8) {
            let n = min(8, h - j)
            let z = RecurrentRows.load(a + j, n)
            let reset = RecurrentRows.load(a + h + j, n)
            let c = RecurrentRows.load(a + 2 * h + j, n)
            let dhv = RecurrentRows.load(dh + j, n)
            let dc = dhv * (one - z) * (one - c * c)
            let dz = dhv * (RecurrentRows.load(before + j, n) - c) * z * (one - z)
            let dReset = dc * RecurrentRows.load(candidate + j, n) * reset * (one - reset)
            RecurrentRows.store(dz, di + j, n)
            RecurrentRows.store(dReset, di + h + j, n)
            RecurrentRows.store(dc, di + 2 * h + j, n)
            RecurrentRows.store(dz, dr + j, n)
            RecurrentRows.store(dReset, dr + h + j, n)
            RecurrentRows.store(dc * reset, dr + 2 * h + j, n)
            RecurrentRows.store(dhv * z, dh + j, n)
        }
    }
}
