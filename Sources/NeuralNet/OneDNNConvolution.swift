import Basics
internal import CDNNL

/// oneDNN's convolution primitives (forward, backward data, backward weights) for one `Conv2D`
/// layer: a k x k kernel, stride 1, "same" zero padding of k / 2 on each side.
///
/// Layouts need no conversion: activations are `nhwc` (`[batch, height, width, channels]`, Keras's
/// channels-last tensor), read and written where the layers' arrays hold them, and the kernel is
/// `hwio`, Keras's `[k, k, in, out]`. Primitives are made once per (batch, height, width) and
/// kept, a few shapes at a time; each has its own scratchpad, so replicas can run at once.
final class OneDNNConvolution {
    let inputChannels: Int
    let filters: Int
    let kernelSize: Int
    let useBias: Bool
    private var plans: [Key: Plan] = [:]
    /// The last training pass's plan and input.
    private var trained: (plan: Plan, input: [Float])?

    init(inputChannels: Int, filters: Int, kernelSize: Int, useBias: Bool) {
        self.inputChannels = inputChannels
        self.filters = filters
        self.kernelSize = kernelSize
        self.useBias = useBias
    }

    /// `[batch, height, width, filters]` from `x` (`[batch, height, width, inputChannels]`).
    func forward(_ x: [Float], batch: Int, height: Int, width: Int, kernel: [Float], bias: [Float]?, training: Bool)
        -> [Float]
    {
        let plan = plan(Key(batch: batch, height: height, width: width, training: training))
        if let bias, let memory = plan.bias { memory.write(bias) }
        let count = batch * height * width * filters
        let y = [Float](unsafeUninitializedCapacity: count) { y, initialized in
            x.withUnsafeBufferPointer { x in
                kernel.withUnsafeBufferPointer { kernel in
                    plan.weights.stage(kernel.baseAddress!, on: plan.stream)
                    plan.src.stage(x.baseAddress!, on: plan.stream)
                    plan.dst.receive(into: y.baseAddress!)
                    plan.forward.execute(handles: plan.forwardArgs, on: plan.stream)
                    plan.dst.unstage(on: plan.stream)
                }
            }
            initialized = count
        }
        // The backward pass reads the input again: kept (not copied) until the next training pass.
        if training { trained = (plan, x) }
        return y
    }

    /// Adds the kernel's (and bias's) gradient from `dy` after a training `forward` with `kernel`;
    /// returns the input's gradient when asked for.
    func backward(
        _ dy: [Float], kernel: [Float], kernelGradient: inout [Float], biasGradient: inout [Float],
        needsInputGradient: Bool
    ) -> [Float]? {
        guard let (plan, input) = trained, let backward = plan.backward else {
            preconditionFailure("Conv2D backward without a training forward pass")
        }
        var kernelStep = [Float](repeating: 0, count: kernelGradient.count)
        dy.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                kernelStep.withUnsafeMutableBufferPointer { step in
                    let source: dnnl_memory_t
                    if let staging = backward.weightsSource {
                        staging.stage(x.baseAddress!, on: plan.stream)
                        source = staging.handle
                    } else {
                        // The forward pass's staged input, in the layout this primitive wants too.
                        if plan.src.buffer == nil { plan.src.user.lend(x.baseAddress!) }
                        source = plan.src.handle
                    }
                    backward.weightsDiffDst.stage(dy.baseAddress!, on: plan.stream)
                    backward.diffWeights.receive(into: step.baseAddress!)
                    var args = [
                        (GK_ARG_SRC, source), (GK_ARG_DIFF_DST, backward.weightsDiffDst.handle),
                        (GK_ARG_DIFF_WEIGHTS, backward.diffWeights.handle),
                    ]
                    if let diffBias = backward.diffBias { args.append((GK_ARG_DIFF_BIAS, diffBias.handle)) }
                    backward.weightsPrimitive.execute(handles: args, on: plan.stream)
                    backward.diffWeights.unstage(on: plan.stream)
                }
            }
        }
        for i in kernelGradient.indices { kernelGradient[i] += kernelStep[i] }
        if let diffBias = backward.diffBias { diffBias.add(into: &biasGradient) }
        guard needsInputGradient else { return nil }
        let count = plan.key.batch * plan.key.height * plan.key.width * inputChannels
        return [Float](unsafeUninitializedCapacity: count) { dx, initialized in
            dy.withUnsafeBufferPointer { dy in
                kernel.withUnsafeBufferPointer { kernel in
                    let diffDst: Staging
                    if let staging = backward.dataDiffDst {
                        staging.stage(dy.baseAddress!, on: plan.stream)
                        diffDst = staging
                    } else {
                        diffDst = backward.weightsDiffDst
                    }
                    backward.dataWeights.stage(kernel.baseAddress!, on: plan.stream)
                    backward.diffSrc.receive(into: dx.baseAddress!)
                    backward.dataPrimitive.execute(
                        handles: [
                            (GK_ARG_DIFF_DST, diffDst.handle), (GK_ARG_WEIGHTS, backward.dataWeights.handle),
                            (GK_ARG_DIFF_SRC, backward.diffSrc.handle),
                        ], on: plan.stream)
                    backward.diffSrc.unstage(on: plan.stream)
                }
            }
            initialized = count
        }
    }

    struct Key: Hashable {
        var batch: Int
        var height: Int
        var width: Int
        var training: Bool
    }

    private static let planLimit = 8

    private func plan(_ key: Key) -> Plan {
        if let plan = plans[key] { return plan }
        if plans.count >= Self.planLimit { plans = plans.filter { $0.value === trained?.plan } }
        let plan = Plan(key: key, input: inputChannels, filters: filters, kernelSize: kernelSize, useBias: useBias)
        plans[key] = plan
        return plan
    }

    /// One shape's primitives. oneDNN picks each primitive's layouts (`dnnl_format_tag_any`: blocked
    /// layouts its direct kernels run on, several times faster here than the im2col and GEMM it
    /// falls back to on `nhwc`); `Staging` reorders the layers' arrays into them and back.
    private final class Plan {
        let key: Key
        let stream: Stream
        let forward: Primitive
        let src, weights, dst: Staging
        let bias: Memory?
        let forwardArgs: [(Int32, dnnl_memory_t)]
        let backward: Backward?

        struct Backward {
            let dataPrimitive, weightsPrimitive: Primitive
            /// The input in the backward-weights layout; nil when it is the forward pass's.
            let weightsSource: Staging?
            let weightsDiffDst: Staging
            /// `dy` in the backward-data layout; nil when it is the backward-weights one.
            let dataDiffDst: Staging?
            let dataWeights, diffWeights, diffSrc: Staging
            let diffBias: Memory?
        }

        init(key: Key, input: Int, filters: Int, kernelSize k: Int, useBias: Bool) {
            self.key = key
            let engine = Engine.cpu
            stream = Stream(engine)
            // Logical dimensions are oneDNN's (n, c, h, w) and (o, i, h, w); the tags give Keras's layouts.
            let srcDims = [key.batch, input, key.height, key.width]
            let dstDims = [key.batch, filters, key.height, key.width]
            let weightsDims = [filters, input, k, k]
            let (srcMD, dstMD, weightsMD) = (
                MemoryDesc(srcDims, dnnl_nhwc), MemoryDesc(dstDims, dnnl_nhwc), MemoryDesc(weightsDims, dnnl_hwio)
            )
            let (srcAny, dstAny, weightsAny) = (
                MemoryDesc(srcDims, dnnl_format_tag_any), MemoryDesc(dstDims, dnnl_format_tag_any),
                MemoryDesc(weightsDims, dnnl_format_tag_any)
            )
            let biasMD = MemoryDesc([filters], dnnl_a)
            let strides: [Int64] = [1, 1]
            let padding: [Int64] = [Int64(k / 2), Int64(k / 2)]
            var desc = dnnl_convolution_desc_t()
            checkDNNL(
                withPointers(srcAny, weightsAny, biasMD, dstAny) { s, w, b, d in
                    dnnl_convolution_forward_desc_init(
                        &desc, key.training ? dnnl_forward_training : dnnl_forward_inference,
                        dnnl_convolution_direct, s, w, useBias ? b : nil, d, strides, padding, padding)
                }, "convolution forward descriptor")
            let forwardPD = PrimitiveDesc(&desc, engine: engine, hint: nil, what: "convolution")
            forward = Primitive(forwardPD)
            let chosenSrc = forwardPD.query(dnnl_query_src_md)
            src = Staging(user: srcMD, chosen: chosenSrc, engine: engine)
            weights = Staging(user: weightsMD, chosen: forwardPD.query(dnnl_query_weights_md), engine: engine)
            dst = Staging(user: dstMD, chosen: forwardPD.query(dnnl_query_dst_md), engine: engine)
            bias = useBias ? Memory(biasMD, engine) : nil
            var args: [(Int32, dnnl_memory_t)] = [
                (GK_ARG_SRC, src.handle), (GK_ARG_WEIGHTS, weights.handle), (GK_ARG_DST, dst.handle),
            ]
            if let bias { args.append((GK_ARG_BIAS, bias.handle)) }
            forwardArgs = args
            guard key.training else {
                backward = nil
                return
            }
            var dataDesc = dnnl_convolution_desc_t()
            checkDNNL(
                withPointers(srcAny, weightsAny, dstAny) { s, w, d in
                    dnnl_convolution_backward_data_desc_init(
                        &dataDesc, dnnl_convolution_direct, s, w, d, strides, padding, padding)
                }, "convolution backward-data descriptor")
            var weightsDesc = dnnl_convolution_desc_t()
            checkDNNL(
                withPointers(srcAny, weightsAny, biasMD, dstAny) { s, w, b, d in
                    dnnl_convolution_backward_weights_desc_init(
                        &weightsDesc, dnnl_convolution_direct, s, w, useBias ? b : nil, d, strides, padding, padding)
                }, "convolution backward-weights descriptor")
            let dataPD = PrimitiveDesc(&dataDesc, engine: engine, hint: forwardPD, what: "convolution backward data")
            let weightsPD = PrimitiveDesc(
                &weightsDesc, engine: engine, hint: forwardPD, what: "convolution backward weights")
            let weightsSrc = weightsPD.query(dnnl_query_src_md)
            let weightsDiffDst = weightsPD.query(dnnl_query_diff_dst_md)
            let dataDiffDst = dataPD.query(dnnl_query_diff_dst_md)
            backward = Backward(
                dataPrimitive: Primitive(dataPD), weightsPrimitive: Primitive(weightsPD),
                weightsSource: weightsSrc.sameLayout(as: chosenSrc)
                    ? nil : Staging(user: srcMD, chosen: weightsSrc, engine: engine),
                weightsDiffDst: Staging(user: dstMD, chosen: weightsDiffDst, engine: engine),
                dataDiffDst: dataDiffDst.sameLayout(as: weightsDiffDst)
                    ? nil : Staging(user: dstMD, chosen: dataDiffDst, engine: engine),
                dataWeights: Staging(user: weightsMD, chosen: dataPD.query(dnnl_query_weights_md), engine: engine),
                diffWeights: Staging(
                    user: weightsMD, chosen: weightsPD.query(dnnl_query_diff_weights_md), engine: engine),
                diffSrc: Staging(user: srcMD, chosen: dataPD.query(dnnl_query_diff_src_md), engine: engine),
                diffBias: useBias ? Memory(biasMD, engine) : nil)
        }
    }
}
