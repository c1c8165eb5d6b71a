import ArgumentParser
import ModelZoo

struct PackageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package",
        abstract: "Turn a finished training run into a versioned, checksummed bundle in a zoo folder.",
        discussion: """
            Writes ZOO/NAME-VERSION.tar.gz holding manifest.json (genres, feature parameters, \
            normalisation, architecture, recipe and seed, data fingerprint and split, accuracies, and \
            every other file's SHA-256 and size), weights.safetensors, history.csv, evaluation.json, \
            curves.svg and .png (accuracy and loss per epoch), confusion.svg and .png (test segments and \
            tracks) and a README.md model card, and records it in ZOO/index.json. \
            A version already in the zoo is refused: versions are never replaced.

            The creation time is SOURCE_DATE_EPOCH when set, else the time the run wrote its weights; \
            the same run and version give the same bytes.

            Two package runs into the same zoo at once are safe (the zoo is locked while a bundle is \
            added), and a bundle whose index entry was lost (an interrupted run) is listed again.

            Example: genrekit package runs/first --model-version 1.0.0 --zoo zoo
            """)

    @Argument(help: ArgumentHelp("The run folder genrekit train wrote.", valueName: "run"))
    var runFolder: String

    @Option(help: "The bundle's semantic version, MAJOR.MINOR.PATCH (e.g. 1.0.0).")
    var modelVersion: String?

    /// What `--model-version` was called before it was renamed; refused with a pointer to it.
    @Option(name: .customLong("version"), help: .hidden)
    var oldVersionFlag: String?

    @Option(help: "The zoo folder (created if needed).")
    var zoo: String

    @Option(help: "The model's name (default: the recipe's). Lower-case letters, digits, '.', '_', '-'.")
    var name: String?

    @Option(
        help: ArgumentHelp(
            "The model's license: an SPDX identifier (CC-BY-4.0, MIT, ...), 'other' or 'unknown' (default: unknown; GTZAN's audio came with no license, so decide before publishing the weights)."
        ))
    var license: String = BundleManifest.defaultLicense

    func validate() throws {
        if let oldVersionFlag {
            throw ValidationError("--version is genrekit's own; give the bundle's as --model-version \(oldVersionFlag)")
        }
        guard let modelVersion else {
            throw ValidationError("give the bundle's version with --model-version MAJOR.MINOR.PATCH (e.g. 1.0.0)")
        }
        guard Packager.isSemanticVersion(modelVersion) else {
            throw ValidationError("--model-version must be MAJOR.MINOR.PATCH (e.g. 1.0.0), not '\(modelVersion)'")
        }
        if !BundleManifest.isValidLicense(license) {
            throw ValidationError(
                "--license must be an SPDX identifier such as CC-BY-4.0, or other, or unknown; not '\(license)'")
        }
        if let name, !Packager.isValidName(name) {
            throw ValidationError("--name must be lower-case letters, digits, '.', '_' or '-', not '\(name)'")
        }
    }

    func run() throws {
        let (path, manifest) = try perform("package") {
            var packager = Packager(run: runFolder, version: modelVersion!, name: name)
            packager.license = license
            return try packager.package(into: zoo)
        }
        let t = manifest.metrics.test
        print(
            "\(path): \(manifest.name) \(manifest.version), \(manifest.files.count + 1) files; test accuracy "
                + "\(String(format: "%.4f", t.segmentAccuracy)) (segments), \(String(format: "%.4f", t.trackAccuracy)) (tracks); "
                + manifest.data.splitSummary
        )
    }
}
