import ArgumentParser
import Dataset
import Foundation

/// `--layout` (or `--dataset`): how `validate`, `unpack` and `prepare` find and label the tracks.
struct LayoutOptions: ParsableArguments {
    @Option(
        name: [.customLong("layout"), .customLong("dataset")],
        help: ArgumentHelp(
            "gtzan (genres/<genre>/<genre>.NNNNN.<ext>, checked against GTZAN's ids and format), folders (<label>/<any name>.<ext>: labels are the folder names, any format, rate and length) or fma (the Free Music Archive: <3 digits>/<6 digits>.mp3, labelled by tracks.csv).",
            valueName: "layout"))
    var layout = DatasetLayout.Kind.gtzan

    @Option(
        help: ArgumentHelp(
            "fma: FMA's tracks.csv (default: fma_metadata/tracks.csv inside or beside the audio folder).",
            valueName: "csv"))
    var metadata: String?

    @Option(
        help: ArgumentHelp(
            "fma: the subset, small, medium, large or full (default: from the folder's name, fma_small ...).",
            valueName: "subset"))
    var subset: FMASubset?

    @Option(
        help: ArgumentHelp(
            "A dataset manifest (JSON, docs/DATASET-MANIFEST.md): labels, layout, expected ids and lengths, known faults, published splits.",
            valueName: "file"))
    var manifest: String?

    func validate() throws {
        if layout != .fma, metadata != nil || subset != nil {
            throw ValidationError("--metadata and --subset are for --dataset fma")
        }
        if manifest != nil, layout == .fma {
            throw ValidationError("--manifest describes the dataset itself: drop --dataset fma")
        }
    }

    /// The dataset manifest for `input` (a folder or an archive): the --manifest file, GTZAN's,
    /// labelled folders (their labels are the folders found), or FMA's from its tracks.csv.
    func manifest(for input: String) throws -> DatasetManifest {
        if let manifest { return try DatasetManifest.load(path: manifest) }
        switch layout {
        case .gtzan: return .gtzan
        case .folders: return .folders(labels: [])
        case .fma: return try .fma(csv: try csv(for: input), subset: try fmaSubset(for: input))
        }
    }

    func fmaSubset(for input: String) throws -> FMASubset {
        if let subset { return subset }
        let name = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
        guard name.hasPrefix("fma_"), let subset = FMASubset(rawValue: String(name.dropFirst(4))) else {
            throw ValidationError("\(input): name the FMA subset with --subset small|medium|large|full")
        }
        return subset
    }

    func csv(for input: String) throws -> String {
        if let metadata { return metadata }
        let url = URL(fileURLWithPath: input)
        let candidates = [url, url.deletingLastPathComponent()].map {
            $0.appendingPathComponent("fma_metadata/tracks.csv").path
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ValidationError(
                "\(input): no fma_metadata/tracks.csv inside or beside it; give --metadata path/to/tracks.csv")
        }
        return found
    }
}

extension DatasetLayout.Kind: ExpressibleByArgument {}
extension FMASubset: ExpressibleByArgument {}
