import Basics
import Foundation

/// Keras's `LSTM(hiddenSize)` returning the last hidden state, with zero initial state.
///
/// Weights as Keras lays them out: `kernel` `[inputSize, 4H]`, `recurrentKernel` `[H, 4H]`,
/// `bias` `[4H]`; the four column blocks are the gates in the order input, forget, cell
/// candidate, output. `i, f, o = sigmoid(z)`, `g = tanh(z)`, `c = f c + i g`, `h = o tanh(c)`,
/// where `z = x_t kernel + h_{t-1} recurrentKernel + bias`.
///
/// Input `[batch, steps, inputSize]`, output `[batch, H]`. The input projection of every step is
/// one matrix product; each step adds one recurrent product; backward through time likewise, with
/// the weight gradients as one product each after the loop. Buffers are sized once per shape.
/// That is the `.blas` engine; `.onednn` (the default) runs the same network through oneDNN's
/// fused LSTM primitive, several times faster (see `LSTMEngine`).
public final class LSTM: Layer {
    public let name: String
    public let inputSize: Int
    public let hiddenSize: Int
    public let kernel: Parameter
    public let recurrentKernel: Parameter
    public let bias: Parameter
    public let engine: LSTMEngine
    private lazy var computation: any LSTMComputation =
        switch engine {
        case .onednn: OneDNNLSTM(inputSize: inputSize, hiddenSize: hiddenSize)
        case .blas: BLASLSTM(inputSize: inputSize, hiddenSize: hiddenSize)
        }

    public init(inputSize: Int, hiddenSize: Int, name: String = "lstm", engine: LSTMEngine = .default) {
        self.name = name
        self.engine = engine
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        kernel = Parameter("\(name).kernel", shape: [inputSize, 4 * hiddenSize])
        recurrentKernel = Parameter("\(name).recurrent_kernel", shape: [hiddenSize, 4 * hiddenSize])
        bias = Parameter("\(name).bias", shape: [4 * hiddenSize])
    }

    public var parameters: [Parameter] { [kernel, recurrentKernel, bias] }

    var weights: LSTMWeights { LSTMWeights(kernel: kernel, recurrentKernel: recurrentKernel, bias: bias) }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        computation.forward(input, weights: weights, training: training)
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        computation.backward(gradient, weights: weights, needsInputGradient: needsInputGradient)
    }
}

/// An LSTM layer's three weights, in Keras's layout (see `LSTM`).
struct LSTMWeights {
    let kernel: Parameter
    let recurrentKernel: Parameter
    let bias: Parameter
}

/// What an engine computes for one `LSTM` layer; it keeps what `backward` needs from the last
/// training `forward`. `BLASLSTM` and `OneDNNLSTM` are the two.
protocol LSTMComputation: AnyObject {
    /// The last hidden state `[batch, H]` of `x` (`[batch, steps, inputSize]`).
    func forward(_ x: Tensor, weights: LSTMWeights, training: Bool) -> Tensor
    /// Backward through time from `dh` (`[batch, H]`, the loss gradient of the last hidden
    /// state) after a training `forward`: adds the weights' gradients, and returns the input's
    /// (`[batch, steps, inputSize]`) when `needsInputGradient`.
    func backward(_ dh: Tensor, weights: LSTMWeights, needsInputGradient: Bool) -> Tensor?
}

/// How an `LSTM` layer computes. Both give the same network to within float rounding (the
/// parity tests hold both to Keras's numbers); each is bit-for-bit reproducible on its own.
public enum LSTMEngine: String, Sendable, CaseIterable, Codable {
    /// oneDNN's fused LSTM primitive (JIT kernels for the CPU it runs on).
    case onednn
    /// GenreKit's own time loop on OpenBLAS `sgemm`, with scalar gate functions.
    case blas

    public static let `default` = LSTMEngine.onednn

    /// The engine and its library version, for run records ("oneDNN 2.6.3 LSTM primitive").
    public var summary: String {
        switch self {
        case .onednn: "\(OneDNNLSTM.version) LSTM primitive"
        case .blas: "\(BLAS.version) sgemm"
        }
    }

    /// Makes oneDNN's parallel regions started from the calling thread use `count` threads.
    public static func setThreadsForCallingThread(_ count: Int) {
        OneDNNLSTM.setThreadsForCallingThread(count)
    }
}
