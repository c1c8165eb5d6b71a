import Basics

/// The formats `genrekit export` writes.
public enum ExportFormat: String, ClosedChoice {
    /// An ONNX model (opset 17): features in, genre probabilities out.
    case onnx

    public static let noun = "export format"
}
