import ArgumentParser
import Dataset

/// `--layout`: how `validate`, `unpack` and `prepare` find the tracks.
struct LayoutOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "How tracks are laid out: gtzan (genres/<genre>/<genre>.NNNNN.<ext>, checked against GTZAN's ids and format) or folders (<label>/<any name>.<ext>: labels are the folder names, any format, rate and length).",
            valueName: "layout"))
    var layout = DatasetLayout.Kind.gtzan

    /// The dataset manifest to check against: GTZAN's, or labelled folders (their labels are
    /// the folders found).
    var manifest: DatasetManifest { layout == .gtzan ? .gtzan : .folders(labels: []) }
}

extension DatasetLayout.Kind: ExpressibleByArgument {}
