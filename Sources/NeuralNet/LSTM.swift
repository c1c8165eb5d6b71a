import Basics
import Foundation

/// Keras's `LSTM(hiddenSize)` returning the last hidden state, with zero initial state.
///
/// Weights as Keras lays them out: `kernel` `[inputSize, 4H]`, `recurrentKernel` `[H, 4H]`,
/// `bias` `[4H]`; the four column blocks are the gates in the order input, forget, cell
/// candidate, output. `i, f, o = sigmoid(z)`, `g = tanh(z)`, `c = f c + i g`, `h = o tanh(c)`,
/// where `z = x_t kernel + h_{t-1} recurrentKernel + bias`.
///
/// Input `[batch, steps, inputSize]`, output `[batch, H]`. The `.blas` engine (`BLASLSTM`)
/// computes each step as one product of `[x_t | h_{t-1}]` with both kernels stacked, and
/// backward through time likewise, with the weight gradients one product after the loop;
/// `.onednn` runs the same network through oneDNN's fused LSTM primitive.
/// `RecurrentEngine.default` picks the faster for the CPU.
public final class LSTM: RecurrentLayer {
    public let name: String
    public let inputSize: Int
    public let hiddenSize: Int
    public let kernel: Parameter
    public let recurrentKernel: Parameter
    public let bias: Parameter
    public let engine: RecurrentEngine
    private lazy var computation: any RecurrentComputation =
        switch engine {
        case .onednn: OneDNNRecurrent(cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize)
        case .blas: BLASLSTM(inputSize: inputSize, hiddenSize: hiddenSize)
        }

    public init(inputSize: Int, hiddenSize: Int, name: String = "lstm", engine: RecurrentEngine = .default) {
        self.name = name
        self.engine = engine
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        kernel = Parameter("\(name).kernel", shape: [inputSize, 4 * hiddenSize])
        recurrentKernel = Parameter("\(name).recurrent_kernel", shape: [hiddenSize, 4 * hiddenSize])
        bias = Parameter("\(name).bias", shape: [4 * hiddenSize])
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
