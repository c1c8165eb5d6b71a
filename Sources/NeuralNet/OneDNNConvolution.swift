import Basics
internal import CDNNL

/// oneDNN's convolution primitives (forward, backward data, backward weights) for one `Conv2D`
/// layer: a k x k kernel, stride 1, "same" zero padding of k / 2 on each side.
///
/// Layouts need no conversion: activations are `nhwc` (`[batch, height, width, channels]`, Keras's
/// channels-last tensor) and the kernel is `hwio`, Keras's `[k, k, in, out]`. Primitives and
/// buffers are made once per (batch, height, width) and kept, a few shapes at a time; each has
/// its own scratchpad, so replicas can run at once.
final class OneDNNConvolution {
    let inputChannels: Int
    let filters: Int
    let kernelSize: Int
    let useBias: Bool
    private var plans: [Key: Plan] = [:]
    private var trained: Plan?

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
        plan.src.write(x)
        plan.weights.write(kernel)
        if let bias, let memory = plan.bias { memory.write(bias) }
        plan.forward.execute(plan.forwardArgs, on: plan.stream)
        if training { trained = plan }
        return plan.dst.read(count: batch * height * width * filters)
    }

    /// Adds the kernel's (and bias's) gradient from `dy` after a training `forward`; returns the
    /// input's gradient when asked for.
    func backward(_ dy: [Float], kernelGradient: inout [Float], biasGradient: inout [Float], needsInputGradient: Bool)
        -> [Float]?
    {
        guard let plan = trained, let backward = plan.backward else {
            preconditionFailure("Conv2D backward without a training forward pass")
        }
        backward.diffDst.write(dy)
        backward.weightsPrimitive.execute(backward.weightsArgs, on: plan.stream)
        backward.diffWeights.add(into: &kernelGradient)
        if let diffBias = backward.diffBias { diffBias.add(into: &biasGradient) }
        guard needsInputGradient else { return nil }
        backward.dataPrimitive.execute(backward.dataArgs, on: plan.stream)
        return backward.diffSrc.read(count: plan.key.batch * plan.key.height * plan.key.width * inputChannels)
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
        if plans.count >= Self.planLimit { plans = plans.filter { $0.value === trained } }
        let plan = Plan(key: key, input: inputChannels, filters: filters, kernelSize: kernelSize, useBias: useBias)
        plans[key] = plan
        return plan
    }

    private final class Plan {
        let key: Key
        let stream: Stream
        let forward: Primitive
        let src, weights, dst: Memory
        let bias: Memory?
        let forwardArgs: [(Int32, Memory)]
        let backward: Backward?

        struct Backward {
            let dataPrimitive, weightsPrimitive: Primitive
            let dataArgs, weightsArgs: [(Int32, Memory)]
            let diffDst, diffSrc, diffWeights: Memory
            let diffBias: Memory?
        }

        init(key: Key, input: Int, filters: Int, kernelSize k: Int, useBias: Bool) {
            self.key = key
            let engine = Engine.cpu
            stream = Stream(engine)
            // Logical dimensions are oneDNN's (n, c, h, w) and (o, i, h, w); the tags give Keras's layouts.
            let srcMD = MemoryDesc([key.batch, input, key.height, key.width], dnnl_nhwc)
            let dstMD = MemoryDesc([key.batch, filters, key.height, key.width], dnnl_nhwc)
            let weightsMD = MemoryDesc([filters, input, k, k], dnnl_hwio)
            let biasMD = MemoryDesc([filters], dnnl_a)
            let strides: [Int64] = [1, 1]
            let padding: [Int64] = [Int64(k / 2), Int64(k / 2)]
            var desc = dnnl_convolution_desc_t()
            checkDNNL(
                withPointers(srcMD, weightsMD, biasMD, dstMD) { s, w, b, d in
                    dnnl_convolution_forward_desc_init(
                        &desc, key.training ? dnnl_forward_training : dnnl_forward_inference,
                        dnnl_convolution_direct, s, w, useBias ? b : nil, d, strides, padding, padding)
                }, "convolution forward descriptor")
            let forwardPD = PrimitiveDesc(&desc, engine: engine, hint: nil, what: "convolution")
            forward = Primitive(forwardPD)
            src = Memory(srcMD, engine)
            weights = Memory(weightsMD, engine)
            dst = Memory(dstMD, engine)
            bias = useBias ? Memory(biasMD, engine) : nil
            var args: [(Int32, Memory)] = [(GK_ARG_SRC, src), (GK_ARG_WEIGHTS, weights), (GK_ARG_DST, dst)]
            if let bias { args.append((GK_ARG_BIAS, bias)) }
            forwardArgs = args
            guard key.training else {
                backward = nil
                return
            }
            var dataDesc = dnnl_convolution_desc_t()
            checkDNNL(
                withPointers(srcMD, weightsMD, dstMD) { s, w, d in
                    dnnl_convolution_backward_data_desc_init(
                        &dataDesc, dnnl_convolution_direct, s, w, d, strides, padding, padding)
                }, "convolution backward-data descriptor")
            var weightsDesc = dnnl_convolution_desc_t()
            checkDNNL(
                withPointers(srcMD, weightsMD, biasMD, dstMD) { s, w, b, d in
                    dnnl_convolution_backward_weights_desc_init(
                        &weightsDesc, dnnl_convolution_direct, s, w, useBias ? b : nil, d, strides, padding, padding)
                }, "convolution backward-weights descriptor")
            let dataPD = PrimitiveDesc(&dataDesc, engine: engine, hint: forwardPD, what: "convolution backward data")
            let weightsPD = PrimitiveDesc(
                &weightsDesc, engine: engine, hint: forwardPD, what: "convolution backward weights")
            let diffDst = Memory(dstMD, engine)
            let diffSrc = Memory(srcMD, engine)
            let diffWeights = Memory(weightsMD, engine)
            let diffBias = useBias ? Memory(biasMD, engine) : nil
            var weightsArgs: [(Int32, Memory)] = [
                (GK_ARG_SRC, src), (GK_ARG_DIFF_DST, diffDst), (GK_ARG_DIFF_WEIGHTS, diffWeights),
            ]
            if let diffBias { weightsArgs.append((GK_ARG_DIFF_BIAS, diffBias)) }
            backward = Backward(
                dataPrimitive: Primitive(dataPD), weightsPrimitive: Primitive(weightsPD),
                dataArgs: [(GK_ARG_DIFF_DST, diffDst), (GK_ARG_WEIGHTS, weights), (GK_ARG_DIFF_SRC, diffSrc)],
                weightsArgs: weightsArgs, diffDst: diffDst, diffSrc: diffSrc, diffWeights: diffWeights,
                diffBias: diffBias)
        }
    }
}
