import Basics

/// A recurrent layer's three weights, in Keras's layout (see `LSTM` and `GRU`).
struct RecurrentWeights {
    let kernel: Parameter
    let recurrentKernel: Parameter
    let bias: Parameter
}

/// The recurrent cells GenreKit builds, with what differs between them for an engine.
enum RecurrentCell: Sendable {
    /// Keras's `LSTM`: gates input, forget, candidate, output; bias `[4H]`.
    case lstm
    /// Keras's `GRU(reset_after=True)`: gates update (z), reset (r), candidate (h); bias
    /// `[2, 3H]`, the input-side row then the recurrent-side row.
    case gru

    var gates: Int { self == .lstm ? 4 : 3 }
}

/// What an engine computes for one recurrent layer; it keeps what `backward` needs from the
/// last training `forward`. `BLASLSTM`, `BLASGRU` and `OneDNNRecurrent` are the engines.
protocol RecurrentComputation: AnyObject {
    /// The last hidden state `[batch, H]` of `x` (`[batch, steps, inputSize]`).
    func forward(_ x: Tensor, weights: RecurrentWeights, training: Bool) -> Tensor
    /// Backward through time from `dh` (`[batch, H]`, the loss gradient of the last hidden
    /// state) after a training `forward`: adds the weights' gradients, and returns the input's
    /// (`[batch, steps, inputSize]`) when `needsInputGradient`.
    func backward(_ dh: Tensor, weights: RecurrentWeights, needsInputGradient: Bool) -> Tensor?
}

/// A recurrent layer that returns its last hidden state: what the initialiser, the bundle
/// manifest and the trainer need to know of `LSTM` and `GRU` alike.
public protocol RecurrentLayer: Layer {
    var inputSize: Int { get }
    var hiddenSize: Int { get }
    var kernel: Parameter { get }
    var recurrentKernel: Parameter { get }
    var bias: Parameter { get }
}

/// How a recurrent layer computes. Both give the same network to within float rounding (the
/// parity tests hold both to Keras's numbers); each is bit-for-bit reproducible on its own.
public enum RecurrentEngine: String, Sendable, CaseIterable, Codable {
    /// oneDNN's fused RNN primitives (LSTM; linear-before-reset GRU), JIT kernels for the CPU.
    case onednn
    /// GenreKit's own time loop: OpenBLAS `sgemm` for the products over all steps, its own
    /// packed kernel for the per-step recurrent products, eight-lane gate functions.
    case blas

    /// The faster engine on this CPU: oneDNN where it has JIT RNN kernels (AVX-512), the own
    /// loop elsewhere. The run records which one ran.
    public static let `default`: RecurrentEngine = OneDNNRecurrent.hasJITKernels ? .onednn : .blas

    /// The engine and its library version, for run records ("oneDNN 2.6.3 RNN primitive",
    /// "own loop, OpenBLAS 0.3.21 sgemm").
    public var summary: String {
        switch self {
        case .onednn: "\(OneDNNRecurrent.version) RNN primitive"
        case .blas: "own loop, \(BLAS.version) sgemm"
        }
    }

    /// Makes oneDNN's parallel regions started from the calling thread use `count` threads.
    public static func setThreadsForCallingThread(_ count: Int) {
        OneDNNTeam.setThreadsForCallingThread(count)
    }
}
