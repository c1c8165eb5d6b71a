import Basics

/// Keras's `GRU(hiddenSize)` as Keras builds it by default (`reset_after=True`), returning the
/// last hidden state, with zero initial state.
///
/// Weights as Keras lays them out: `kernel` `[inputSize, 3H]`, `recurrentKernel` `[H, 3H]`,
/// `bias` `[2, 3H]` (row 0 added to the input projection, row 1 to the recurrent one); the
/// three column blocks are the gates in the order update (z), reset (r), candidate (h):
///
///     x̂ = x_t kernel + bias[0],  ĥ = h_{t-1} recurrentKernel + bias[1]
///     z = sigmoid(x̂_z + ĥ_z),  r = sigmoid(x̂_r + ĥ_r),  c = tanh(x̂_h + r * ĥ_h)
///     h_t = z * h_{t-1} + (1 - z) * c
///
/// The reset gate multiplies the recurrent product after it is taken ("linear before reset"),
/// which is oneDNN's `lbr_gru`: the `.onednn` engine runs that primitive, `.blas` GenreKit's own
/// loop. Input `[batch, steps, inputSize]`, output `[batch, H]`.
public final class GRU: RecurrentLayer {
    public let name: String
    public let inputSize: Int
    public let hiddenSize: Int
    public let kernel: Parameter
    public let recurrentKernel: Parameter
    public let bias: Parameter
    public let engine: RecurrentEngine
    private lazy var computation: any RecurrentComputation =
        switch engine {
        case .onednn: OneDNNRecurrent(cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize)
        case .blas: BLASGRU(inputSize: inputSize, hiddenSize: hiddenSize)
        }

    public init(inputSize: Int, hiddenSize: Int, name: String = "gru", engine: RecurrentEngine = .default) {
        self.name = name
        self.engine = engine
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        kernel = Parameter("\(name).kernel", shape: [inputSize, 3 * hiddenSize])
        recurrentKernel = Parameter("\(name).recurrent_kernel", shape: [hiddenSize, 3 * hiddenSize])
        bias = Parameter("\(name).bias", shape: [2, 3 * hiddenSize])
    }

    public var parameters: [Parameter] { [kernel, recurrentKernel, bias] }

    var weights: RecurrentWeights { RecurrentWeights(kernel: kernel, recurrentKernel: recurrentKernel, bias: bias) }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        computation.forward(input, weights: weights, training: training)
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        computation.backward(gradient, weights: weights, needsInputGradient: needsInputGradient)
    }
}
