import Basics

/// The layer families a recipe stacks.
public enum LayerKind: String, ClosedChoice {
    case lstm, gru, dense, dropout, conv2d, batchnorm, relu, maxpool2d, globalavgpool2d, reshape
    public static let noun = "layer type"

    /// A recurrent layer: it reads the whole sequence and returns its last hidden state.
    public var isRecurrent: Bool { self == .lstm || self == .gru }
}

/// A dense layer's activation (`linear` when a recipe names none).
public enum Activation: String, ClosedChoice {
    case relu, softmax, linear
    public static let noun = "activation"
}

/// The optimizers the trainer has.
public enum OptimizerKind: String, ClosedChoice {
    case adam
    public static let noun = "optimizer"
}

/// How the input is standardised before the first layer.
public enum InputNormalization: String, ClosedChoice {
    case none
    /// Each MFCC coefficient's mean and deviation over the train split, stored with the model.
    case perCoefficient = "per-coefficient"
    public static let noun = "normalization"
}
