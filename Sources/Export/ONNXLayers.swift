import Basics
import ModelZoo
import ONNXProto

/// The running value of the graph as the bundle's layers are translated: its name, rank and
/// whether its channels are last (Keras's layout, and the bundle's) or first (what ONNX's Conv,
/// BatchNormalization and pooling work on). Conversions are inserted only where a layer needs
/// the other layout, so a run of convolutional blocks stays channels-first throughout.
struct ONNXValue {
    enum Layout { case channelsLast, channelsFirst }
    var name: String
    var rank: Int
    var layout: Layout
}

/// Translates the bundle's layers into ONNX nodes, one function per layer family.
struct ONNXLayerTranslator {
    var graph: ONNXGraph
    let weights: [String: Tensor]

    /// The output of `layer` applied to `x`.
    mutating func append(_ layer: BundleManifest.Layer, to x: ONNXValue) throws(ExportError) -> ONNXValue {
        switch layer.type {
        case .lstm: return try lstm(layer, channelsLast(x))
        case .gru: return try gru(layer, channelsLast(x))
        case .dense: return try dense(layer, channelsLast(x))
        case .dropout: return x  // the identity at inference
        case .relu:
            return ONNXValue(name: graph.node("Relu", [x.name], name: layer.name)[0], rank: x.rank, layout: x.layout)
        case .conv2d: return try conv(layer, image(x, for: layer))
        case .batchnorm: return try batchNormalization(layer, x)
        case .maxpool2d:
            let input = try image(x, for: layer)
            let out = graph.node(
                "MaxPool", [input.name], name: layer.name,
                attributes: [Attribute.ints("kernel_shape", [2, 2]), Attribute.ints("strides", [2, 2])])
            return ONNXValue(name: out[0], rank: 4, layout: .channelsFirst)
        case .globalavgpool2d:
            let input = try image(x, for: layer)
            let pooled = graph.node("GlobalAveragePool", [input.name], name: layer.name)[0]
            let flat = graph.node(
                "Flatten", [pooled], name: layer.name + "_flatten", attributes: [Attribute.int("axis", 1)])
            return ONNXValue(name: flat[0], rank: 2, layout: .channelsLast)
        case .reshape:
            guard let shape = layer.outputShape else { throw ExportError("layer \(layer.name): no outputShape") }
            let input = channelsLast(x)
            let target = graph.int64Constant(layer.name + ".shape", [0] + shape)  // 0 keeps the batch
            let out = graph.node("Reshape", [input.name, target], name: layer.name)
            return ONNXValue(name: out[0], rank: 1 + shape.count, layout: .channelsLast)
        }
    }

    // MARK: layouts

    /// `x` with its channels last (transposed back from channels-first if needed).
    private mutating func channelsLast(_ x: ONNXValue) -> ONNXValue {
        guard x.layout == .channelsFirst else { return x }
        let out = graph.node(
            "Transpose", [x.name], name: "to_channels_last", attributes: [Attribute.ints("perm", [0, 2, 3, 1])])
        return ONNXValue(name: out[0], rank: 4, layout: .channelsLast)
    }

    /// `x` as an NCHW image: a `[batch, frames, bands]` input is one channel, a channels-last
    /// image is transposed.
    private mutating func image(_ x: ONNXValue, for layer: BundleManifest.Layer) throws(ExportError) -> ONNXValue {
        switch (x.layout, x.rank) {
        case (.channelsFirst, 4): return x
        case (.channelsLast, 4):
            let out = graph.node(
                "Transpose", [x.name], name: "to_channels_first", attributes: [Attribute.ints("perm", [0, 3, 1, 2])])
            return ONNXValue(name: out[0], rank: 4, layout: .channelsFirst)
        case (.channelsLast, 3):
            let axes = graph.int64Constant("one_channel.axes", [1])
            let out = graph.node("Unsqueeze", [x.name, axes], name: "one_channel")
            return ONNXValue(name: out[0], rank: 4, layout: .channelsFirst)
        default:
            throw ExportError(
                "layer \(layer.name) (\(layer.type.rawValue)) needs an image, but its input has \(x.rank - 1) axes")
        }
    }

    // MARK: weights

    private func weight(_ layer: BundleManifest.Layer, _ suffix: String) throws(ExportError) -> Tensor {
        guard let t = weights["\(layer.name).\(suffix)"] else {
            throw ExportError("layer \(layer.name): the weights file has no \(layer.name).\(suffix)")
        }
        return t
    }

    /// `matrix` `[rows, columns]` with gate block `order[g]` of its columns (blocks of `units`)
    /// as block g, transposed: `[columns, rows]`, as ONNX's W and R are laid out per direction.
    private static func gatesTransposed(_ matrix: Tensor, units: Int, order: [Int]) -> [Float] {
        let (rows, columns) = (matrix.shape[0], matrix.shape[1])
        var out = [Float](repeating: 0, count: rows * columns)
        for (g, source) in order.enumerated() {
            for j in 0..<units {
                let from = source * units + j
                let to = (g * units + j) * rows
                for r in 0..<rows { out[to + r] = matrix.values[r * columns + from] }
            }
        }
        return out
    }

    // MARK: layers

    /// Keras's LSTM (gates i, f, c, o) as ONNX's LSTM (gates i, o, f, c; W and R per gate row,
    /// one bias for the input side and a zero one for the recurrent side); the last hidden state.
    private mutating func lstm(_ layer: BundleManifest.Layer, _ x: ONNXValue) throws(ExportError) -> ONNXValue {
        let order = [0, 3, 1, 2]  // ONNX's i, o, f, c among Keras's i, f, c, o
        return try recurrent(layer, x, op: "LSTM", gates: 4, order: order, attributes: []) { bias, units in
            order.flatMap { bias.values[$0 * units..<($0 + 1) * units] } + [Float](repeating: 0, count: 4 * units)
        }
    }

    /// Keras's GRU with `reset_after=True` is ONNX's GRU with `linear_before_reset=1`; both order
    /// the gates z, r, h, and Keras's two bias rows are ONNX's Wb and Rb.
    private mutating func gru(_ layer: BundleManifest.Layer, _ x: ONNXValue) throws(ExportError) -> ONNXValue {
        try recurrent(
            layer, x, op: "GRU", gates: 3, order: [0, 1, 2], attributes: [Attribute.int("linear_before_reset", 1)]
        ) { bias, _ in bias.values }
    }

    private mutating func recurrent(
        _ layer: BundleManifest.Layer, _ x: ONNXValue, op: String, gates: Int, order: [Int],
        attributes: [Onnx_AttributeProto], bias onnxBias: (Tensor, Int) -> [Float]
    ) throws(ExportError) -> ONNXValue {
        guard x.rank == 3, let units = layer.units, let inputSize = layer.inputSize else {
            throw ExportError("layer \(layer.name): a recurrent layer needs [batch, steps, features]")
        }
        let kernel = try weight(layer, "kernel")
        let recurrentKernel = try weight(layer, "recurrent_kernel")
        let bias = try weight(layer, "bias")
        let w = graph.constant(
            layer.name + ".W", shape: [1, gates * units, inputSize],
            Self.gatesTransposed(kernel, units: units, order: order))
        let r = graph.constant(
            layer.name + ".R", shape: [1, gates * units, units],
            Self.gatesTransposed(recurrentKernel, units: units, order: order))
        let b = graph.constant(layer.name + ".B", shape: [1, 2 * gates * units], onnxBias(bias, units))
        // ONNX's recurrent operators take [steps, batch, features] (layout 0, which every runtime has).
        let steps = graph.node(
            "Transpose", [x.name], name: layer.name + "_steps_first", attributes: [Attribute.ints("perm", [1, 0, 2])])
        let outputs = graph.node(
            op, [steps[0], w, r, b], name: layer.name, attributes: [Attribute.int("hidden_size", units)] + attributes,
            outputs: 2, skipOutputs: [0])
        let axes = graph.int64Constant(layer.name + ".axes", [0])
        // Y_h, the last hidden state: [1, batch, H] -> [batch, H].
        let last = graph.node("Squeeze", [outputs[1], axes], name: layer.name + "_last_state")
        return ONNXValue(name: last[0], rank: 2, layout: .channelsLast)
    }

    /// Keras's Dense on the last axis: MatMul then Add, then the activation.
    private mutating func dense(_ layer: BundleManifest.Layer, _ x: ONNXValue) throws(ExportError) -> ONNXValue {
        let kernel = try weight(layer, "kernel")
        let bias = try weight(layer, "bias")
        let k = graph.constant(layer.name + ".kernel", shape: kernel.shape, kernel.values)
        let b = graph.constant(layer.name + ".bias", shape: bias.shape, bias.values)
        var out = graph.node("MatMul", [x.name, k], name: layer.name)[0]
        out = graph.node("Add", [out, b], name: layer.name + "_bias")[0]
        switch layer.activation {
        case .relu?: out = graph.node("Relu", [out], name: layer.name + "_relu")[0]
        case .softmax?:
            out =
                graph.node("Softmax", [out], name: layer.name + "_softmax", attributes: [Attribute.int("axis", -1)])[0]
        case .linear?, nil: break
        }
        return ONNXValue(name: out, rank: x.rank, layout: .channelsLast)
    }

    /// Keras's Conv2D (stride 1, "same": odd kernels, k / 2 zeros each side) with its kernel
    /// `[k, k, in, out]` as ONNX's `[out, in, k, k]`.
    private mutating func conv(_ layer: BundleManifest.Layer, _ x: ONNXValue) throws(ExportError) -> ONNXValue {
        let kernel = try weight(layer, "kernel")
        let (k, inputs, filters) = (kernel.shape[0], kernel.shape[2], kernel.shape[3])
        var oihw = [Float](repeating: 0, count: kernel.values.count)
        for h in 0..<k {
            for w in 0..<k {
                for i in 0..<inputs {
                    for o in 0..<filters {
                        oihw[((o * inputs + i) * k + h) * k + w] =
                            kernel.values[((h * k + w) * inputs + i) * filters + o]
                    }
                }
            }
        }
        var operands = [x.name, graph.constant(layer.name + ".kernel", shape: [filters, inputs, k, k], oihw)]
        if let bias = weights[layer.name + ".bias"] {
            operands.append(graph.constant(layer.name + ".bias", shape: bias.shape, bias.values))
        }
        let out = graph.node(
            "Conv", operands, name: layer.name,
            attributes: [
                Attribute.ints("kernel_shape", [k, k]), Attribute.ints("pads", [k / 2, k / 2, k / 2, k / 2]),
                Attribute.ints("strides", [1, 1]),
            ])
        return ONNXValue(name: out[0], rank: 4, layout: .channelsFirst)
    }

    /// Inference-mode batch normalisation over the channels (Keras: the last axis), with the
    /// moving statistics the run left in the weights.
    private mutating func batchNormalization(_ layer: BundleManifest.Layer, _ x: ONNXValue) throws(ExportError)
        -> ONNXValue
    {
        // ONNX normalises axis 1: a [batch, C] vector, an image's channels once channels-first,
        // or a sequence's features once they are moved there.
        var input = x
        var sequence = false
        switch (x.layout, x.rank) {
        case (_, 2), (.channelsFirst, 4): break
        case (.channelsLast, 4): input = try image(x, for: layer)
        case (.channelsLast, 3):
            sequence = true
            input.name =
                graph.node(
                    "Transpose", [x.name], name: layer.name + "_features_first",
                    attributes: [Attribute.ints("perm", [0, 2, 1])])[0]
        default:
            throw ExportError("layer \(layer.name): batch normalisation of a \(x.rank - 1)-axis value is not exported")
        }
        let names = try ["gamma", "beta", "moving_mean", "moving_variance"].map { (s: String) throws(ExportError) in
            let t = try weight(layer, s)
            return graph.constant("\(layer.name).\(s)", shape: t.shape, t.values)
        }
        let out = graph.node(
            "BatchNormalization", [input.name] + names, name: layer.name,
            attributes: [Attribute.float("epsilon", layer.epsilon ?? 1e-3)])
        guard sequence else { return ONNXValue(name: out[0], rank: input.rank, layout: input.layout) }
        let back = graph.node(
            "Transpose", [out[0]], name: layer.name + "_features_last", attributes: [Attribute.ints("perm", [0, 2, 1])])
        return ONNXValue(name: back[0], rank: 3, layout: .channelsLast)
    }
}
