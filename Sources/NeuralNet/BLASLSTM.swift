import Basics

/// The `.blas` engine: GenreKit's own time loop. The input projection of every step is one
/// OpenBLAS product, and so are the weight gradients after the backward loop; the per-step
/// recurrent products, which have only a batch of rows, run on `PanelMatrix` (the recurrent
/// kernel packed once a batch), and the gates eight units at a time (`VectorGates`). Buffers
/// are sized once per shape.
final class BLASLSTM: RecurrentComputation {
    typealias V = SIMD8<Float>
    let inputSize: Int
    let hiddenSize: Int
    private var batch = 0
    private var steps = 0
    /// Input, time-major `[steps * batch, inputSize]`.
    private var x: [Float] = []
    /// Gate activations, time-major `[steps * batch, 4H]` (i, f, g, o).
    private var gates: [Float] = []
    /// Backward's gradients of the gates' pre-activations, laid out as `gates`.
    private var gateGradients: [Float] = []
    /// Cell and hidden states `[(steps + 1) * batch, H]`; row block 0 is the zero initial state.
    private var cells: [Float] = []
    private var hidden: [Float] = []
    /// tanh of each step's cell state `[steps * batch, H]`, kept for backward.
    private var cellTanh: [Float] = []
    private let recurrent = PanelMatrix()
    private let recurrentTransposed = PanelMatrix()

    init(inputSize: Int, hiddenSize: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    func forward(_ input: Tensor, weights: RecurrentWeights, training: Bool) -> Tensor {
        let (b, t, d, h) = (input.shape[0], input.shape[1], inputSize, hiddenSize)
        let g4 = 4 * h
        if b != batch || t != steps {
            batch = b
            steps = t
            x = [Float](repeating: 0, count: t * b * d)
            gates = [Float](repeating: 0, count: t * b * g4)
            gateGradients = []
            cells = [Float](repeating: 0, count: (t + 1) * b * h)
            hidden = [Float](repeating: 0, count: (t + 1) * b * h)
            cellTanh = [Float](repeating: 0, count: t * b * h)
        }
        RecurrentRows.copyTimeMajor(input.values, batch: b, steps: t, features: d, into: &x)
        // z = x kernel + bias for every step at once.
        RecurrentRows.fill(&gates, rows: t * b, with: weights.bias.value, from: 0, count: g4)
        BLAS.gemm(m: t * b, n: g4, k: d, x, lda: d, weights.kernel.value, ldb: g4, beta: 1, &gates, ldc: g4)
        weights.recurrentKernel.value.withUnsafeBufferPointer {
            recurrent.pack($0.baseAddress!, rows: h, columns: g4, ldb: g4)
        }
        gates.withUnsafeMutableBufferPointer { z in
            cells.withUnsafeMutableBufferPointer { c in
                hidden.withUnsafeMutableBufferPointer { hs in
                    cellTanh.withUnsafeMutableBufferPointer { tc in
                        for s in 0..<t {
                            let zs = z.baseAddress! + s * b * g4
                            // z += h_{t-1} recurrentKernel (h_{-1} is zero).
                            if s > 0 {
                                recurrent.accumulate(hs.baseAddress! + s * b * h, rows: b, lda: h, into: zs, ldc: g4)
                            }
                            for r in 0..<b {
                                let state = (s * b + r) * h
                                Self.activate(
                                    zs + r * g4, hidden: h, cellBefore: c.baseAddress! + state,
                                    cell: c.baseAddress! + b * h + state, cellTanh: tc.baseAddress! + state,
                                    output: hs.baseAddress! + b * h + state)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [b, h], values: Array(hidden[(t * b * h)...]))
    }

    /// One row's gates from their pre-activations `z` (`[4H]`, replaced by the activations),
    /// then the cell state, its tanh and the hidden state.
    @inline(__always)
    private static func activate(
        _ z: UnsafeMutablePointer<Float>, hidden h: Int, cellBefore: UnsafePointer<Float>,
        cell: UnsafeMutablePointer<Float>, cellTanh: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        for j in stride(from: 0, to: h, by: 8) {
            let n = min(8, h - j)
            let i = VectorGates.sigmoid(RecurrentRows.load(z + j, n))
            let f = VectorGates.sigmoid(RecurrentRows.load(z + h + j, n))
            let g = VectorGates.tanh(RecurrentRows.load(z + 2 * h + j, n))
            let o = VectorGates.sigmoid(RecurrentRows.load(z + 3 * h + j, n))
            RecurrentRows.store(i, z + j, n)
            RecurrentRows.store(f, z + h + j, n)
            RecurrentRows.store(g, z + 2 * h + j, n)
            RecurrentRows.store(o, z + 3 * h + j, n)
            let c = f * RecurrentRows.load(cellBefore + j, n) + i * g
            let tc = VectorGates.tanh(c)
            RecurrentRows.store(c, cell + j, n)
            RecurrentRows.store(tc, cellTanh + j, n)
            RecurrentRows.store(o * tc, output + j, n)
        }
    }

    func backward(_ gradient: Tensor, weights: RecurrentWeights, needsInputGradient: Bool) -> Tensor? {
        let (b, t, d, h) = (batch, steps, inputSize, hiddenSize)
        let g4 = 4 * h
        if gateGradients.count != gates.count { gateGradients = [Float](repeating: 0, count: gates.count) }
        var dh = gradient.values
        var dc = [Float](repeating: 0, count: b * h)
        weights.recurrentKernel.value.withUnsafeBufferPointer {
            recurrentTransposed.pack($0.baseAddress!, rows: g4, columns: h, ldb: g4, transposed: true)
        }
        gateGradients.withUnsafeMutableBufferPointer { dz in
            gates.withUnsafeBufferPointer { a in
                cells.withUnsafeBufferPointer { c in
                    cellTanh.withUnsafeBufferPointer { tc in
                        dh.withUnsafeMutableBufferPointer { dh in
                            dc.withUnsafeMutableBufferPointer { dc in
                                for s in stride(from: t - 1, through: 0, by: -1) {
                                    for r in 0..<b {
                                        let row = (s * b + r) * g4
                                        let state = (s * b + r) * h
                                        Self.gradientsOfGates(
                                            a.baseAddress! + row, hidden: h, cellBefore: c.baseAddress! + state,
                                            cellTanh: tc.baseAddress! + state, dh: dh.baseAddress! + r * h,
                                            dc: dc.baseAddress! + r * h, into: dz.baseAddress! + row)
                                    }
                                    // dh_{t-1} = dz_t recurrentKernel^T
                                    guard s > 0 else { break }
                                    dh.update(repeating: 0)
                                    recurrentTransposed.accumulate(
                                        dz.baseAddress! + s * b * g4, rows: b, lda: g4, into: dh.baseAddress!, ldc: h)
                                }
                            }
                        }
                    }
                }
            }
        }
        let dz = gateGradients
        // Weight gradients, each one product over all steps.
        BLAS.gemm(
            transA: true, m: d, n: g4, k: t * b, x, lda: d, dz, ldb: g4, beta: 1, &weights.kernel.gradient, ldc: g4)
        BLAS.gemm(
            transA: true, m: h, n: g4, k: t * b, hidden, lda: h, dz, ldb: g4, beta: 1,
            &weights.recurrentKernel.gradient,
            ldc: g4)
        RecurrentRows.addColumnSums(dz, rows: t * b, columns: g4, to: &weights.bias.gradient)
        guard needsInputGradient else { return nil }
        return RecurrentRows.inputGradient(dz, kernel: weights.kernel.value, batch: b, steps: t, features: d, gates: g4)
    }

    /// One row's pre-activation gradients `dz` (`[4H]`, gates i, f, g, o) from the loss
    /// gradients of its hidden state `dh` and of its cell state `dc` from the step after,
    /// which becomes the gradient for the step before.
    @inline(__always)
    private static func gradientsOfGates(
        _ a: UnsafePointer<Float>, hidden h: Int, cellBefore: UnsafePointer<Float>, cellTanh: UnsafePointer<Float>,
        dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, into dz: UnsafeMutablePointer<Float>
    ) {
        let one = V(repeating: 1)
        for j in stride(from: 0, to: h, by: 8) {
            let n = min(8, h - j)
            let i = RecurrentRows.load(a + j, n)
            let f = RecurrentRows.load(a + h + j, n)
            let g = RecurrentRows.load(a + 2 * h + j, n)
            let o = RecurrentRows.load(a + 3 * h + j, n)
            let tc = RecurrentRows.load(cellTanh + j, n)
            let dhv = RecurrentRows.load(dh + j, n)
            let dcv = RecurrentRows.load(dc + j, n) + dhv * o * (one - tc * tc)
            RecurrentRows.store(dcv * g * i * (one - i), dz + j, n)
            RecurrentRows.store(dcv * RecurrentRows.load(cellBefore + j, n) * f * (one - f), dz + h + j, n)
            RecurrentRows.store(dcv * i * (one - g * g), dz + 2 * h + j, n)
            RecurrentRows.store(dhv * tc * o * (one - o), dz + 3 * h + j, n)
            RecurrentRows.store(dcv * f, dc + j, n)
        }
    }
}
