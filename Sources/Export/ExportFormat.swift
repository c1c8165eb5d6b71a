import Basics

/// The formats `genrekit export` writes.
public enum ExportFormat: String, ClosedChoice {
    /// An ONNX model (opset 17): features in, genre probabilities out.
    case onnx
    /// A Keras 3 `.keras` file: `keras.models.load_model` opens it.
    case keras

    public static let noun = "export format"
}
