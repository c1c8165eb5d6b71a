import ArgumentParser
import Basics
import Export
import ModelZoo

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model bundle as an ONNX model or a Keras (.keras) file, for use outside GenreKit.",
        discussion: """
            The bundle is verified first, as genrekit inspect does: a tampered or unverifiable bundle \
            is refused and nothing is written.

            onnx: one ONNX model (opset 17). Its input 'features' is float32 [batch, frames, width], \
            segments as genrekit prepare writes them (the .npz file's mfcc or mel array); the \
            normalisation is inside the graph; its output 'probabilities' is float32 [batch, genres]. \
            The LSTM and GRU are ONNX's own operators; the CNN layers are Conv, BatchNormalization, \
            MaxPool and GlobalAveragePool. The genre names, feature kind and parameters, and the \
            bundle's name, version and manifest checksum are in the model's metadata properties. \
            The same bundle gives the same bytes.

            keras: a Keras 3 .keras file (config.json, metadata.json, model.weights.h5) that \
            keras.models.load_model opens: a Sequential of Keras's own layers (Normalization, LSTM, \
            GRU, Conv2D, BatchNormalization, ...) with the bundle's weights, taking the same \
            features and giving the same probabilities.

            Examples: genrekit export zoo/cnn-mel-1.0.0.tar.gz --format onnx --out cnn-mel.onnx
                      genrekit export zoo/cnn-mel-1.0.0.tar.gz --format keras --out cnn-mel.keras
            """)

    @Argument(help: "A bundle (.tar.gz) genrekit package wrote.")
    var bundle: String

    @Option(help: "The format to write: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ExportFormat = .onnx

    @Option(help: "The file to write (replaced if it exists).")
    var out: String

    func validate() throws {
        if format == .keras, !out.hasSuffix(".keras") {
            throw ValidationError(
                "--out must end in .keras for --format keras (keras.models.load_model goes by the name)")
        }
    }

    func run() throws {
        let bytes = try perform("export") {
            try InputPath.refuseOverlap(output: out, inputs: [bundle])
            let b = try ModelBundle.open(bundle)
            do {
                switch format {
                case .onnx: return try ONNXExport.write(b, to: out)
                case .keras: return try KerasExport.write(b, to: out)
                }
            } catch let error as ExportError {
                throw BundleError(bundle, "cannot export to \(format.rawValue): \(error)")
            }
        }
        print("\(out): \(format.rawValue), \(bytes) bytes, from \(bundle)")
    }
}

extension ExportFormat: ExpressibleByArgument {}
