import Basics

/// The `.blas` engine: GenreKit's own time loop. Each step is one product of its rows
/// `[x_t | h_{t-1}]` with the kernel stacked over the recurrent kernel, on `PanelMatrix` (packed
/// once a batch; the steps have only a batch of rows, too few for OpenBLAS), added to the bias;
/// then the gates eight units at a time (`VectorGates`). Backward runs the same way through
/// time, and both weight gradients are one OpenBLAS product over all steps after the loop.
/// Buffers are sized once per shape.
///
/// One product per step, rather than the input projection of all steps first, keeps a step's
/// pre-activations in cache from the bias to the gates (the projection's rows for a step were
/// out of cache when the step came) and drops OpenBLAS's product with an inner dimension of
/// the input's 13 features.
final class BLASLSTM: RecurrentComputation {
    typealias V = SIMD8<Float>
    let inputSize: Int
    let hiddenSize: Int
    private var batch = 0
    private var steps = 0
    /// Whether the buffers hold every step (training) or only the steps in flight (prediction).
    private var keepsEveryStep = true
    /// Each step's rows `[x_t | h_{t-1}]`, time-major `[(steps + 1) * batch, inputSize + H]`:
    /// row block 0 has the zero initial state, row block `steps` (whose `x` part is unused) the
    /// last hidden state. A prediction keeps two row blocks and alternates between them, and
    /// likewise for `cells`; `gates` and `cellTanh` then hold one step.
    private let stepInputs = StepBuffer()
    /// Gate activations, time-major `[steps * batch, 4H]` (i, f, g, o).
    private let gates = StepBuffer()
    /// Backward's gradients of the gates' pre-activations, laid out as `gates`.
    private let gateGradients = StepBuffer()
    /// Cell states `[(steps + 1) * batch, H]`; row block 0 is the zero initial state.
    private let cells = StepBuffer()
    /// tanh of each step's cell state `[steps * batch, H]`, kept for backward.
    private let cellTanh = StepBuffer()
    /// Both weight gradients of one batch, `[inputSize + H, 4H]` (kernel rows, then recurrent).
    private let weightGradients = StepBuffer()
    private let stepWeights = PanelMatrix()
    private let recurrentTransposed = PanelMatrix()

    init(inputSize: Int, hiddenSize: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    func forward(_ input: Tensor, weights: RecurrentWeights, training: Bool) -> Tensor {
        let (b, t, d, h) = (input.shape[0], input.shape[1], inputSize, hiddenSize)
        let (g4, k) = (4 * hiddenSize, inputSize + hiddenSize)
        // Backward needs every step's gates and states; a prediction keeps only the steps in
        // flight (two blocks of states, one of gates), which stay in cache.
        let kept = training ? t : 1
        if b != batch || t != steps || training != keepsEveryStep {
            (batch, steps, keepsEveryStep) = (b, t, training)
            stepInputs.resize((kept + 1) * b * k)
            gates.resize(kept * b * g4)
            cells.resize((kept + 1) * b * h)
            cellTanh.resize(kept * b * h)
            gateGradients.release()
        }
        let (xh, z, c, tc) = (stepInputs.pointer, gates.pointer, cells.pointer, cellTanh.pointer)
        if training {
            RecurrentRows.copyTimeMajor(input.values, batch: b, steps: t, features: d, into: xh, rowLength: k)
        } else {
            // The zero initial state, over the last call's states.
            for r in 0..<b { stepInputs.clear(from: r * k + d, count: h) }
            cells.clear(from: 0, count: b * h)
        }
        weights.kernel.value.withUnsafeBufferPointer { kernel in
            weights.recurrentKernel.value.withUnsafeBufferPointer { recurrent in
                stepWeights.pack(
                    stacking: kernel.baseAddress!, rows: d, over: recurrent.baseAddress!, rows: h, columns: g4, ldb: g4)
            }
        }
        input.values.withUnsafeBufferPointer { x in
            weights.bias.value.withUnsafeBufferPointer { bias in
                for s in 0..<t {
                    // Row blocks: step s's inputs and cell state, its output and new cell state,
                    // its gates.
                    let (now, next, gate) = training ? (s, s + 1, s) : (s % 2, (s + 1) % 2, 0)
                    let rows = xh + now * b * k
                    if !training {
                        for r in 0..<b { (rows + r * k).update(from: x.baseAddress! + (r * t + s) * d, count: d) }
                    }
                    let zs = z + gate * b * g4
                    // z = bias + [x_t | h_{t-1}] [kernel; recurrentKernel] (h_{-1} is zero).
                    for r in 0..<b { (zs + r * g4).update(from: bias.baseAddress!, count: g4) }
                    stepWeights.accumulate(rows, rows: b, lda: k, into: zs, ldc: g4)
                    for r in 0..<b {
                        Self.activate(
                            zs + r * g4, hidden: h, cellBefore: c + (now * b + r) * h, cell: c + (next * b + r) * h,
                            cellTanh: tc + (gate * b + r) * h, output: xh + (next * b + r) * k + d)
                    }
                }
            }
        }
        let lastBlock = training ? t : t % 2
        let last = [Float](unsafeUninitializedCapacity: b * h) { out, initialized in
            for r in 0..<b { (out.baseAddress! + r * h).initialize(from: xh + (lastBlock * b + r) * k + d, count: h) }
            initialized = b * h
        }
        return Tensor(shape: [b, h], values: last)
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
        let (g4, k) = (4 * hiddenSize, inputSize + hiddenSize)
        precondition(keepsEveryStep, "LSTM backward needs a forward pass with training: true before it")
        if gateGradients.count != gates.count { gateGradients.resize(gates.count) }
        let (dz, a, c, tc) = (gateGradients.pointer, gates.pointer, cells.pointer, cellTanh.pointer)
        var dh = gradient.values
        var dc = [Float](repeating: 0, count: b * h)
        weights.recurrentKernel.value.withUnsafeBufferPointer {
            recurrentTransposed.pack($0.baseAddress!, rows: g4, columns: h, ldb: g4, transposed: true)
        }
        dh.withUnsafeMutableBufferPointer { dh in
            dc.withUnsafeMutableBufferPointer { dc in
                for s in stride(from: t - 1, through: 0, by: -1) {
                    for r in 0..<b {
                        let (row, state) = ((s * b + r) * g4, (s * b + r) * h)
                        Self.gradientsOfGates(
                            a + row, hidden: h, cellBefore: c + state, cellTanh: tc + state,
                            dh: dh.baseAddress! + r * h, dc: dc.baseAddress! + r * h, into: dz + row)
                    }
                    // dh_{t-1} = dz_t recurrentKernel^T
                    guard s > 0 else { break }
                    dh.update(repeating: 0)
                    recurrentTransposed.accumulate(dz + s * b * g4, rows: b, lda: g4, into: dh.baseAddress!, ldc: h)
                }
            }
        }
        // Both weight gradients, one product over all steps: [x_t | h_{t-1}]^T dz_t.
        if weightGradients.count != k * g4 { weightGradients.resize(k * g4) }
        let dw = weightGradients.pointer
        BLAS.gemm(transA: true, m: k, n: g4, k: t * b, stepInputs.pointer, lda: k, dz, ldb: g4, dw, ldc: g4)
        RecurrentRows.add(dw, from: 0, count: d * g4, to: &weights.kernel.gradient)
        RecurrentRows.add(dw, from: d * g4, count: h * g4, to: &weights.recurrentKernel.gradient)
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
