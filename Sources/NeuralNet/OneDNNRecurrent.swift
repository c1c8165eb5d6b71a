import Basics
internal import CDNNL
import Foundation

/// oneDNN's fused RNN primitives (forward training, backward, forward inference) for one `LSTM`
/// or `GRU` layer: `lstm` and `lbr_gru` (the linear-before-reset GRU, Keras's default). The
/// only file that imports `CDNNL`.
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

    /// Runs oneDNN's parallel regions (OpenMP) on `count` threads when called from this thread.
    /// A trainer running model replicas on its own threads sets 1, so the replicas do not
    /// oversubscribe the cores.
    static func setThreadsForCallingThread(_ count: Int) {
        ompSetNumThreads?(Int32(count))
    }

    /// OpenMP's `omp_set_num_threads`, from the OpenMP runtime (libgomp) that libdnnl loaded.
    private static let ompSetNumThreads: (@convention(c) (Int32) -> Void)? = {
        _ = dnnl_version()  // make sure libdnnl, and with it libgomp, is loaded
        guard let symbol = dlsym(nil, "omp_set_num_threads") else { return nil }  // nil: RTLD_DEFAULT
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Void).self)
    }()

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
            check(
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
            let forwardPD = PrimitiveDesc(&desc, engine: engine, hint: nil)
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
            check(
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
            let backwardPD = PrimitiveDesc(&backwardDesc, engine: engine, hint: forwardPD)
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

// MARK: - Thin owners of oneDNN handles

/// A failed oneDNN call on fixed, valid shapes is a programming error (or memory exhaustion).
private func check(_ status: dnnl_status_t, _ what: String) {
    precondition(status == dnnl_success, "oneDNN: \(what) failed with status \(status.rawValue)")
}

private struct MemoryDesc {
    var desc = dnnl_memory_desc_t()
    init(_ dims: [Int], _ tag: dnnl_format_tag_t) {
        let d = dims.map(Int64.init)
        check(dnnl_memory_desc_init_by_tag(&desc, Int32(d.count), d, dnnl_f32, tag), "memory descriptor \(dims)")
    }
    init(_ desc: dnnl_memory_desc_t) { self.desc = desc }
}

private func withPointers<R>(
    _ a: MemoryDesc, _ b: MemoryDesc,
    _ body: (UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>) -> R
) -> R {
    withUnsafePointer(to: a.desc) { pa in withUnsafePointer(to: b.desc) { pb in body(pa, pb) } }
}

private func withPointers<R>(
    _ a: MemoryDesc, _ b: MemoryDesc, _ c: MemoryDesc, _ d: MemoryDesc, _ e: MemoryDesc, _ f: MemoryDesc,
    _ body: (
        UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>,
        UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>
    ) -> R
) -> R {
    withPointers(a, b) { pa, pb in
        withPointers(c, d) { pc, pd in withPointers(e, f) { pe, pf in body(pa, pb, pc, pd, pe, pf) } }
    }
}

/// The CPU engine, made once and shared (engines are thread-safe).
private final class Engine: @unchecked Sendable {
    static let cpu = Engine()
    let handle: dnnl_engine_t
    private init() {
        var e: dnnl_engine_t?
        check(dnnl_engine_create(&e, dnnl_cpu, 0), "CPU engine")
        handle = e!
    }
}

private final class Stream {
    let handle: dnnl_stream_t
    init(_ engine: Engine) {
        var s: dnnl_stream_t?
        check(dnnl_stream_create(&s, engine.handle, dnnl_stream_default_flags.rawValue), "stream")
        handle = s!
    }
    deinit { dnnl_stream_destroy(handle) }
}

/// Primitive attributes asking for a scratchpad the caller provides.
private final class UserScratchpad: @unchecked Sendable {
    static let attributes = UserScratchpad()
    let handle: dnnl_primitive_attr_t
    private init() {
        var a: dnnl_primitive_attr_t?
        check(dnnl_primitive_attr_create(&a), "attributes")
        check(dnnl_primitive_attr_set_scratchpad_mode(a, dnnl_scratchpad_mode_user), "scratchpad mode")
        handle = a!
    }
}

private final class PrimitiveDesc {
    let handle: dnnl_primitive_desc_t
    init(_ desc: UnsafeMutablePointer<dnnl_rnn_desc_t>, engine: Engine, hint: PrimitiveDesc?) {
        var pd: dnnl_primitive_desc_t?
        check(
            dnnl_primitive_desc_create(&pd, desc, UserScratchpad.attributes.handle, engine.handle, hint?.handle),
            "RNN primitive descriptor")
        handle = pd!
    }
    func query(_ what: dnnl_query_t, _ index: Int32 = 0) -> MemoryDesc {
        MemoryDesc(dnnl_primitive_desc_query_md(handle, what, index)!.pointee)
    }
    deinit { dnnl_primitive_desc_destroy(handle) }
}

private final class Primitive {
    let handle: dnnl_primitive_t
    /// This primitive's own scratchpad, if it needs one.
    let scratchpad: Memory?

    convenience init(_ pd: PrimitiveDesc) {
        self.init(pd.handle, engine: Engine.cpu)
    }

    convenience init(reorderFrom source: Memory, to destination: Memory, engine: Engine) {
        var pd: dnnl_primitive_desc_t?
        check(
            withPointers(source.md, destination.md) { s, d in
                dnnl_reorder_primitive_desc_create(
                    &pd, s, engine.handle, d, engine.handle, UserScratchpad.attributes.handle)
            }, "reorder descriptor")
        self.init(pd!, engine: engine)
        dnnl_primitive_desc_destroy(pd)
    }

    private init(_ pd: dnnl_primitive_desc_t, engine: Engine) {
        var p: dnnl_primitive_t?
        check(dnnl_primitive_create(&p, pd), "primitive")
        handle = p!
        let md = MemoryDesc(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)!.pointee)
        scratchpad = withUnsafePointer(to: md.desc) { dnnl_memory_desc_get_size($0) } > 0 ? Memory(md, engine) : nil
    }

    func execute(_ args: [(Int32, Memory)], on stream: Stream) {
        var args = args
        if let scratchpad { args.append((GK_ARG_SCRATCHPAD, scratchpad)) }
        let list = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        check(dnnl_primitive_execute(handle, stream.handle, Int32(list.count), list), "execute")
        check(dnnl_stream_wait(stream.handle), "stream wait")
    }
    deinit { dnnl_primitive_destroy(handle) }
}

/// A buffer oneDNN allocated, described by `md`.
private final class Memory {
    let handle: dnnl_memory_t
    let md: MemoryDesc
    let data: UnsafeMutablePointer<Float>
    let count: Int

    init(_ md: MemoryDesc, _ engine: Engine) {
        self.md = md
        var m: dnnl_memory_t?
        check(
            withUnsafePointer(to: md.desc) { dnnl_memory_create(&m, $0, engine.handle, gk_dnnl_allocate()) },
            "memory")
        handle = m!
        var p: UnsafeMutableRawPointer?
        check(dnnl_memory_get_data_handle(handle, &p), "data handle")
        // (A scratchpad's size need not be a whole number of floats; it is never read as floats.)
        count = withUnsafePointer(to: md.desc) { dnnl_memory_desc_get_size($0) } / MemoryLayout<Float>.size
        data = p!.bindMemory(to: Float.self, capacity: count)
    }

    func write(_ values: [Float]) {
        precondition(values.count <= count, "\(values.count) values for a buffer of \(count)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }
    func read(count n: Int) -> [Float] { Array(UnsafeBufferPointer(start: data, count: n)) }
    func zero() { data.update(repeating: 0, count: count) }
    func add(into values: inout [Float]) {
        precondition(values.count == count)
        for i in 0..<count { values[i] += data[i] }
    }
    deinit { dnnl_memory_destroy(handle) }
}
