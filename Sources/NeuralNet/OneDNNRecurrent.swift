import Basics
internal import CDNNL
import Foundation

/// oneDNN's fused RNN primitives (forward training, backward, forward inference) for one `LSTM`
/// or `GRU` layer: `lstm` and `lbr_gru` (the linear-before-reset GRU, Keras's default). The
/// handles it uses are in `OneDNN.swift`.
///
/// Layouts need little conversion: the input is `ntc` (`[batch, steps, inputSize]`, GenreKit's
/// tensor), the weights are `ldigo` with one layer and one direction, which is Keras's
/// `[inputSize, gates * H]` with the gates in Keras's order (oneDNN's LSTM order is Keras's;
/// its GRU order u, r, o is Keras's z, r, h). The LSTM bias is `ldgo`, Keras's `[4H]`. The GRU
/// bias is `ldgo` with four rows (u, r, o, and the candidate's recurrent bias): Keras's
/// `[2, 3H]` folds into it as `b_z + b'_z`, `b_r + b'_r`, `b_h`, `b'_h`, and its gradient
/// unfolds back (see `GRUBias`). Only the backward pass wants the weights in a layout of its
/// own choosing; a reorder primitive makes that copy once per batch.
///
/// Primitives and buffers are made once per (batch, steps) and kept (a few shapes at a time). Every buffer is oneDNN's
/// own; values are copied in and out, which costs about 1 % of a training step. Each primitive
/// has a scratchpad of its own ("user" scratchpad mode): the library's default shares one
/// scratchpad among all primitives, which corrupts memory when model replicas run at once.
final class OneDNNRecurrent: RecurrentComputation {
    let cell: RecurrentCell
    let inputSize: Int
    let hiddenSize: Int
    private var plans: [Key: Plan] = [:]
    /// The plan the last training forward pass used (its workspace feeds `backward`).
    private var trained: Plan?

    init(cell: RecurrentCell, inputSize: Int, hiddenSize: Int) {
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    /// The version of the oneDNN library in use, as "oneDNN 2.6.3".
    static var version: String {
        let v = dnnl_version()!.pointee
        return "oneDNN \(v.major).\(v.minor).\(v.patch)"
    }

    /// Whether oneDNN runs JIT (brgemm) RNN kernels on this CPU. oneDNN 2.6 has them for
    /// AVX-512 (`avx512_core`) only; below that it runs its reference RNN, which the `.blas`
    /// engine beats (1.2x for lstm-seed, 1.1x for gru-mfcc on an AVX2 Zen: benchmarks/RESULTS.md).
    static var hasJITKernels: Bool {
        let avx512 = dnnl_cpu_isa_avx512_core.rawValue
        return dnnl_get_effective_cpu_isa().rawValue & avx512 == avx512
    }

    func forward(_ x: Tensor, weights: RecurrentWeights, training: Bool) -> Tensor {
        let (batch, steps) = (x.shape[0], x.shape[1])
        let plan = plan(batch: batch, steps: steps, training: training)
        plan.src.write(x.values)
        plan.weightsLayer.write(weights.kernel.value)
        plan.weightsIter.write(weights.recurrentKernel.value)
        switch cell {
        case .lstm: plan.bias.write(weights.bias.value)
        case .gru: plan.bias.write(GRUBias.folded(weights.bias.value, hidden: hiddenSize))
        }
        plan.forward.execute(plan.forwardArgs, on: plan.stream)
        if training { trained = plan }
        return Tensor(shape: [batch, hiddenSize], values: plan.dstIter.read(count: batch * hiddenSize))
    }

    /// The weights were written at `forward`; `weights` takes the gradients.
    func backward(_ dh: Tensor, weights: RecurrentWeights, needsInputGradient: Bool) -> Tensor? {
        guard let plan = trained, let backward = plan.backward else {
            preconditionFailure("\(cell) backward without a training forward pass")
        }
        backward.diffDstIter.write(dh.values)
        for memory in [backward.diffWeightsLayer, backward.diffWeightsIter, backward.diffBias] { memory.zero() }
        backward.reorderLayer.execute(
            [(GK_ARG_FROM, plan.weightsLayer), (GK_ARG_TO, backward.weightsLayer)], on: plan.stream)
        backward.reorderIter.execute(
            [(GK_ARG_FROM, plan.weightsIter), (GK_ARG_TO, backward.weightsIter)], on: plan.stream)
        backward.primitive.execute(backward.args, on: plan.stream)
        backward.diffWeightsLayer.add(into: &weights.kernel.gradient)
        backward.diffWeightsIter.add(into: &weights.recurrentKernel.gradient)
        switch cell {
        case .lstm: backward.diffBias.add(into: &weights.bias.gradient)
        case .gru: GRUBias.unfold(backward.diffBias.read(count: 4 * hiddenSize), into: &weights.bias.gradient)
        }
        guard needsInputGradient else { return nil }
        return Tensor(
            shape: [plan.batch, plan.steps, inputSize],
            values: backward.diffSrc.read(count: plan.batch * plan.steps * inputSize))
    }

    // MARK: - Plans

    private struct Key: Hashable {
        var batch: Int
        var steps: Int
        var training: Bool
    }

    /// Shapes kept at once. Training uses two or three (the batch parts, the last batch's, the
    /// validation batches'); `predict` sees one per file length, so older ones are let go.
    private static let planLimit = 8

    private func plan(batch: Int, steps: Int, training: Bool) -> Plan {
        let key = Key(batch: batch, steps: steps, training: training)
        if let plan = plans[key] { return plan }
        if plans.count >= Self.planLimit { plans = plans.filter { $0.value === trained } }
        let plan = Plan(
            cell: cell, batch: batch, steps: steps, input: inputSize, hidden: hiddenSize, training: training)
        plans[key] = plan
        return plan
    }

    private final class Plan {
        let batch: Int
        let steps: Int
        let stream: Stream
        let forward: Primitive
        let src, weightsLayer, weightsIter, bias, dst, dstIter: Memory
        let forwardArgs: [(Int32, Memory)]
        let backward: Backward?

        struct Backward {
            let primitive: Primitive
            let args: [(Int32, Memory)]
            let reorderLayer, reorderIter: Primitive
            let weightsLayer, weightsIter, diffDstIter, diffSrc, diffWeightsLayer, diffWeightsIter, diffBias: Memory
        }

        init(cell: RecurrentCell, batch: Int, steps: Int, input: Int, hidden: Int, training: Bool) {
            self.batch = batch
            self.steps = steps
            let engine = Engine.cpu
            stream = Stream(engine)
            let gates = cell.gates
            // Dimensions are given in oneDNN's logical order (t, n, c); the tag says the layout.
            let srcMD = MemoryDesc([steps, batch, input], dnnl_ntc)
            let dstMD = MemoryDesc([steps, batch, hidden], dnnl_ntc)
            let layerMD = MemoryDesc([1, 1, input, gates, hidden], dnnl_ldigo)
            let iterMD = MemoryDesc([1, 1, hidden, gates, hidden], dnnl_ldigo)
            let biasMD = MemoryDesc([1, 1, 4, hidden], dnnl_ldgo)  // the GRU's: three gates and b'_h
            let stateMD = MemoryDesc([1, 1, batch, hidden], dnnl_ldnc)
            var desc = dnnl_rnn_desc_t()
            checkDNNL(
                withPointers(srcMD, layerMD, iterMD, biasMD, dstMD, stateMD) { s, l, i, b, d, st in
                    let kind = training ? dnnl_forward_training : dnnl_forward_inference
                    return switch cell {
                    case .lstm:
                        dnnl_lstm_forward_desc_init(
                            &desc, kind, dnnl_unidirectional_left2right, s, nil, nil, l, i, b, d, st, st, 0)
                    case .gru:
                        dnnl_lbr_gru_forward_desc_init(
                            &desc, kind, dnnl_unidirectional_left2right, s, nil, l, i, b, d, st, 0)
                    }
                }, "\(cell) forward descriptor")
            let forwardPD = PrimitiveDesc(&desc, engine: engine, hint: nil, what: "\(cell)")
            forward = Primitive(forwardPD)
            src = Memory(srcMD, engine)
            weightsLayer = Memory(layerMD, engine)
            weightsIter = Memory(iterMD, engine)
            bias = Memory(biasMD, engine)
            dst = Memory(dstMD, engine)
            dstIter = Memory(stateMD, engine)
            // The LSTM's last cell state: written by the forward pass, read by the backward one.
            let dstIterC: Memory? = cell == .lstm ? Memory(stateMD, engine) : nil
            var args: [(Int32, Memory)] = [
                (GK_ARG_SRC_LAYER, src), (GK_ARG_WEIGHTS_LAYER, weightsLayer), (GK_ARG_WEIGHTS_ITER, weightsIter),
                (GK_ARG_BIAS, bias), (GK_ARG_DST_LAYER, dst), (GK_ARG_DST_ITER, dstIter),
            ]
            if let dstIterC { args.append((GK_ARG_DST_ITER_C, dstIterC)) }
            guard training else {
                forwardArgs = args
                backward = nil
                return
            }
            let workspace = Memory(forwardPD.query(dnnl_query_workspace_md), engine)
            args.append((GK_ARG_WORKSPACE, workspace))
            forwardArgs = args

            // Backward: weights in the layout oneDNN picks ("any"), gradients in Keras's.
            let anyLayer = MemoryDesc([1, 1, input, gates, hidden], dnnl_format_tag_any)
            let anyIter = MemoryDesc([1, 1, hidden, gates, hidden], dnnl_format_tag_any)
            var backwardDesc = dnnl_rnn_desc_t()
            checkDNNL(
                withPointers(srcMD, anyLayer, anyIter, biasMD, dstMD, stateMD) { s, l, i, b, d, st in
                    withPointers(layerMD, iterMD) { dl, di in
                        switch cell {
                        case .lstm:
                            dnnl_lstm_backward_desc_init(
                                &backwardDesc, dnnl_backward, dnnl_unidirectional_left2right, s, nil, nil, l, i, b, d,
                                st, st, s, nil, nil, dl, di, b, d, st, st, 0)
                        case .gru:
                            dnnl_lbr_gru_backward_desc_init(
                                &backwardDesc, dnnl_backward, dnnl_unidirectional_left2right, s, nil, l, i, b, d, st, s,
                                nil, dl, di, b, d, st, 0)
                        }
                    }
                }, "\(cell) backward descriptor")
            let backwardPD = PrimitiveDesc(&backwardDesc, engine: engine, hint: forwardPD, what: "\(cell) backward")
            let bWeightsLayer = Memory(backwardPD.query(dnnl_query_weights_md, 0), engine)
            let bWeightsIter = Memory(backwardPD.query(dnnl_query_weights_md, 1), engine)
            let diffSrc = Memory(srcMD, engine)
            let diffDstIter = Memory(stateMD, engine)
            let diffDst = Memory(dstMD, engine)
            diffDst.zero()  // the loss reads the last hidden state only: it arrives through dst_iter
            let diffWeightsLayer = Memory(layerMD, engine)
            let diffWeightsIter = Memory(iterMD, engine)
            let diffBias = Memory(biasMD, engine)
            var backwardArgs: [(Int32, Memory)] = [
                (GK_ARG_SRC_LAYER, src), (GK_ARG_WEIGHTS_LAYER, bWeightsLayer), (GK_ARG_WEIGHTS_ITER, bWeightsIter),
                (GK_ARG_BIAS, bias), (GK_ARG_DST_LAYER, dst), (GK_ARG_DST_ITER, dstIter),
                (GK_ARG_WORKSPACE, workspace), (GK_ARG_DIFF_SRC_LAYER, diffSrc),
                (GK_ARG_DIFF_WEIGHTS_LAYER, diffWeightsLayer), (GK_ARG_DIFF_WEIGHTS_ITER, diffWeightsIter),
                (GK_ARG_DIFF_BIAS, diffBias), (GK_ARG_DIFF_DST_LAYER, diffDst), (GK_ARG_DIFF_DST_ITER, diffDstIter),
            ]
            if let dstIterC {
                let diffDstIterC = Memory(stateMD, engine)
                diffDstIterC.zero()  // nothing reads the last cell state
                backwardArgs += [(GK_ARG_DST_ITER_C, dstIterC), (GK_ARG_DIFF_DST_ITER_C, diffDstIterC)]
            }
            backward = Backward(
                primitive: Primitive(backwardPD), args: backwardArgs,
                reorderLayer: Primitive(reorderFrom: weightsLayer, to: bWeightsLayer, engine: engine),
                reorderIter: Primitive(reorderFrom: weightsIter, to: bWeightsIter, engine: engine),
                weightsLayer: bWeightsLayer, weightsIter: bWeightsIter, diffDstIter: diffDstIter, diffSrc: diffSrc,
                diffWeightsLayer: diffWeightsLayer, diffWeightsIter: diffWeightsIter, diffBias: diffBias)
        }
    }
}

/// Keras's GRU bias `[2, 3H]` and oneDNN's `lbr_gru` bias `[4, H]`.
enum GRUBias {
    /// `[b_z + b'_z, b_r + b'_r, b_h, b'_h]` from Keras's rows `b` (input side) and `b'`.
    static func folded(_ keras: [Float], hidden h: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 4 * h)
        for j in 0..<(2 * h) { out[j] = keras[j] + keras[3 * h + j] }
        for j in 0..<h {
            out[2 * h + j] = keras[2 * h + j]
            out[3 * h + j] = keras[5 * h + j]
        }
        return out
    }

    /// Adds oneDNN's bias gradient to Keras's: the folded z and r rows feed both Keras rows.
    static func unfold(_ diff: [Float], into keras: inout [Float]) {
        let h = diff.count / 4
        for j in 0..<(2 * h) {
            keras[j] += diff[j]
            keras[3 * h + j] += diff[j]
        }
        for j in 0..<h {
            keras[2 * h + j] += diff[2 * h + j]
            keras[5 * h + j] += diff[3 * h + j]
        }
    }
}
