import Basics

/// Keras's `Conv2D(filters, kernelSize, padding="same", strides=1)`, channels last, on oneDNN's
/// convolution primitives (`OneDNNConvolution`).
///
/// Weights as Keras lays them out: `kernel` `[k, k, inputChannels, filters]` (height, width, in,
/// out), `bias` `[filters]` when `useBias`. Input `[batch, height, width, inputChannels]` (a
/// `[batch, height, width]` input is one channel: a log-mel spectrogram as `prepare` writes it),
/// output `[batch, height, width, filters]`.
public final class Conv2D: Layer {
    public let name: String
    public let inputChannels: Int
    public let filters: Int
    public let kernelSize: Int
    public let kernel: Parameter
    public let bias: Parameter?
    private let computation: OneDNNConvolution
    private var inputShape: [Int] = []

    public init(inputChannels: Int, filters: Int, kernelSize: Int = 3, useBias: Bool = true, name: String) {
        precondition(kernelSize % 2 == 1, "same padding needs an odd kernel")
        self.name = name
        self.inputChannels = inputChannels
        self.filters = filters
        self.kernelSize = kernelSize
        kernel = Parameter("\(name).kernel", shape: [kernelSize, kernelSize, inputChannels, filters])
        bias = useBias ? Parameter("\(name).bias", shape: [filters]) : nil
        computation = OneDNNConvolution(
            inputChannels: inputChannels, filters: filters, kernelSize: kernelSize, useBias: useBias)
    }

    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (batch, height, width) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(x.shape.count == 3 ? inputChannels == 1 : x.shape[3] == inputChannels, "\(name): input \(x.shape)")
        inputShape = x.shape
        let y = computation.forward(
            x.values, batch: batch, height: height, width: width, kernel: kernel.value, bias: bias?.value,
            training: training)
        return Tensor(shape: [batch, height, width, filters], values: y)
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        var unused: [Float] = []
        let dx: [Float]?
        if let bias {
            dx = computation.backward(
                gradient.values, kernel: kernel.value, kernelGradient: &kernel.gradient, biasGradient: &bias.gradient,
                needsInputGradient: needsInputGradient)
        } else {
            dx = computation.backward(
                gradient.values, kernel: kernel.value, kernelGradient: &kernel.gradient, biasGradient: &unused,
                needsInputGradient: needsInputGradient)
        }
        return dx.map { Tensor(shape: inputShape, values: $0) }
    }
}
