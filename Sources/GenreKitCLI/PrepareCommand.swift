import ArgumentParser
import Basics
import Features
import Formats
import Foundation
import Prepare

struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract:
            "Turn an unpacked GTZAN folder into MFCC or log-mel tensors (.npz) with a stratified split or folds.",
        discussion: """
            Decodes every usable track with libsndfile (tracks validation.json marks corrupt are \
            skipped and listed; other sample rates and stereo are converted to 22050 Hz mono as \
            predict converts them, and dataset.json says so), cuts the reference pipeline's 10 segments of 3 s, computes MFCCs as \
            librosa 0.11 does (FFTW), splits by artist and genre (no artist in two splits, by Sturm's \
            index; datasets without an artist index split by track), and writes FEATURES/train.npz, \
            val.npz, test.npz (arrays mfcc float32 [segments, 130, 13], label int64, track int32, \
            segment int32) and FEATURES/dataset.json. Same inputs and seed, same bytes.

            --features mel writes the log-mel spectrogram instead, as librosa's \
            power_to_db(melspectrogram(y, n_fft=2048, hop_length=512, n_mels=128), ref=1.0, \
            amin=1e-10, top_db=80) per segment: array mel float32 [segments, 130, 128] (frames, \
            bands), for the CNN recipes. dataset.json says which.

            With --folds K it deals the tracks into K stratified folds instead (each track, and each \
            artist with --split-by artist, in exactly one) and writes FEATURES/folds.npz with a fold \
            int32 array beside the others; train --fold k or genrekit cv train on them.

            --layout folders prepares any labelled dataset, DIR/<label>/<any name>.<ext> in any format \
            libsndfile reads (WAV, FLAC, Ogg, MP3, ...): labels are the folder names in sorted order, \
            track ids <label>/<file stem>, and every full 3 s segment from the start is taken \
            (--segments N caps it). The split is by track. --dataset fma prepares a Free Music \
            Archive subset (fma_small/000/000002.mp3 ...), labelled by its tracks.csv, with FMA's \
            official split (--split-list official) or by artist; --manifest FILE takes any dataset \
            described in a manifest (docs/DATASET-MANIFEST.md).

            Only the first of identical tracks is used, so a repeated song cannot sit in train and \
            test at once (--keep-duplicates keeps all).

            On a cluster, --shard I/N computes only the I-th of N shards of the tracks (dealt by \
            file size, the same on every machine) into a shard folder; genrekit merge then joins \
            the N shard folders into the features folder this command would have written, byte \
            for byte. Give every shard the same folder path and flags. A shard folder that is \
            already complete is kept, so a retried job redoes only the shards that failed.

            Examples: genrekit prepare data --out features
                      genrekit prepare data --out features --split 70/15/15 --seed 7
                      genrekit prepare data --out features --split-by track
                      genrekit prepare data --out features --split-list fault-filtered
                      genrekit prepare data --out folds --folds 10
                      genrekit prepare data --out mel-features --features mel
                      genrekit prepare my-genres --layout folders --out my-features
                      genrekit prepare fma_small --dataset fma --split-list official --out fma
                      genrekit prepare data --out shards/3 --shard 3/8   (then genrekit merge shards/* --out features)
            Then in Python: d = numpy.load("features/train.npz"); d["mfcc"].shape
            """)

    @Argument(help: "The unpacked dataset folder (genrekit unpack's DIR).")
    var directory: String

    @Option(help: ArgumentHelp("The features folder to create.", valueName: "features"))
    var out: String

    @Option(
        help: ArgumentHelp(
            "What each segment becomes: mfcc (MFCCs, [frames, n-mfcc]) or mel (the log-mel spectrogram in dB, [frames, n-mels]).",
            valueName: "kind"))
    var features = FeatureKind.mfcc
    @Option(
        help: ArgumentHelp(
            "How the .npz files hold the arrays: store (as numpy.savez; fastest) or deflate (as numpy.savez_compressed; about 8 % smaller for MFCCs).",
            valueName: "kind"))
    var compression = NPZCompression.store
    @OptionGroup var dataset: LayoutOptions

    @Option(
        help:
            "GTZAN: segments per 30 s track (default 10, of 3 s). Labelled folders: the most 3 s segments taken from a track (default every full one, up to 10000)."
    )
    var segments: Int?
    @Option(help: "MFCC coefficients per frame.")
    var nMfcc = 13
    @Option(help: "FFT size in samples.")
    var nFft = 2048
    @Option(help: "Hop between frames in samples.")
    var hopLength = 512
    @Option(help: "Mel bands.")
    var nMels = 128

    @Option(help: "Train/validation/test ratios, like 60/20/20.", transform: Self.ratios)
    var split = Ratios(train: 0.6, val: 0.2, test: 0.2)
    @Option(
        help: ArgumentHelp(
            "Split unit: artist (no artist in two splits, by the dataset's artist index; the default, track where there is none), track (no song in two splits) or segment (the reference notebook's leaky split).",
            valueName: "unit"))
    var splitBy: Preparer.Unit?
    @Option(help: "Deal the tracks into K stratified folds (folds.npz) instead of train/validation/test.")
    var folds: Int?
    @Option(
        help: "Use a published split: a name from the dataset manifest (fault-filtered) or a JSON file of id lists.")
    var splitList: String?
    @Option(help: "Seed of the split.")
    var seed: UInt64 = 42

    @Option(
        help: ArgumentHelp(
            "Compute only shard I of N (from 1) into OUT, a shard folder for genrekit merge.", valueName: "I/N"))
    var shard: String?

    @Option(help: "Worker threads (default: all cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Also write the reference notebook's extracted_data.json (mapping, labels, mfcc or mel).")
    var alsoJson = false
    @Flag(help: "Use every copy of identical tracks (they can then leak across splits).")
    var keepDuplicates = false
    @Flag(help: "Replace FEATURES if it exists.")
    var force = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let segments {
            let most = dataset.layout == .gtzan && dataset.manifest == nil ? 100 : Segmenter.maxCount
            guard (1...most).contains(segments) else {
                throw ValidationError("--segments must be 1 to \(most), not \(segments)")
            }
        }
        do { try parameters.check() } catch {
            let flag = ["nMFCC": "--n-mfcc", "nFFT": "--n-fft", "hopLength": "--hop-length", "nMels": "--n-mels"]
            throw ValidationError("\(flag[error.parameter] ?? error.parameter) \(error.message)")
        }
        if splitList != nil, let splitBy, splitBy != .track {
            throw ValidationError("--split-list splits by track; drop --split-by")
        }
        if let folds {
            guard (3...100).contains(folds) else { throw ValidationError("--folds must be 3 to 100, not \(folds)") }
            if splitBy == .segment { throw ValidationError("--folds splits by track or artist, not by segment") }
            if splitList != nil { throw ValidationError("--folds and --split-list exclude each other: give one") }
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
        if let shard, ShardSpec(shard) == nil {
            throw ValidationError(
                "--shard \(shard): give I/N with N from 1 to \(ShardSpec.maxCount) and I from 1 to N, like 3/8")
        }
    }

    /// Train, validation and test shares, scaled to sum to 1.
    struct Ratios {
        var train: Double
        var val: Double
        var test: Double
    }

    /// `--split`: three non-negative numbers like 60/20/20 (or 0.7/0.15/0.15).
    static func ratios(_ text: String) throws -> Ratios {
        guard let (train, val, test) = StratifiedSplit.ratios(text) else {
            throw ValidationError("give three numbers like 60/20/20")
        }
        return Ratios(train: train, val: val, test: test)
    }

    /// The feature parameters the flags give (the defaults are librosa's and the reference
    /// notebook's).
    var parameters: MFCCParameters {
        var p = MFCCParameters()
        p.nMFCC = nMfcc
        p.nFFT = nFft
        p.hopLength = hopLength
        p.nMels = nMels
        return p
    }

    func run() throws {
        var options = Preparer.Options()
        options.parameters = parameters
        options.features = features
        let manifest = try perform("prepare") { try dataset.manifest(for: directory) }
        // A dataset of fixed length: its segments per track (GTZAN's 10); otherwise every one.
        options.segments = segments ?? manifest.audio?.segments ?? Segmenter.maxCount
        options.split = StratifiedSplit(train: split.train, val: split.val, test: split.test, seed: seed)
        // By artist where the dataset has an artist index, by track otherwise.
        options.unit = splitBy ?? (splitList != nil || manifest.artists == nil ? .track : .artist)
        options.folds = folds
        options.splitList = splitList
        options.jobs = jobs
        options.alsoJSON = alsoJson
        options.keepDuplicates = keepDuplicates
        options.compression = compression
        options.force = force
        let progress = ProgressLine(label: "prepare", quiet: output.quiet)
        let preparer = Preparer(manifest: manifest, options: options, progress: progress)
        if let shard = shard.flatMap(ShardSpec.init) {
            let outcome = try perform("prepare", progress: progress) {
                try preparer.prepare(directory: directory, shard: shard, out: out)
            }
            switch outcome {
            case .made(let tracks, let withFeatures):
                print(
                    "shard \(shard): \(tracks) tracks, \(withFeatures) with features, in \(out); join the shards with genrekit merge"
                )
            case .alreadyComplete:
                print(
                    "shard \(shard) in \(out) is already complete (same folder and flags); kept it (--force makes it again)"
                )
            }
            return
        }
        let description = try perform("prepare", progress: progress) {
            try preparer.prepare(directory: directory, out: out)
        }
        report(description, of: preparer, out: out)
    }
}

/// What `prepare` and `merge` print once the features folder is written.
func report(_ description: DatasetDescription, of preparer: Preparer, out: String) {
    let counts = preparer.bins.map {
        "\($0) \(description.splits[$0]!.segments) (\(description.splits[$0]!.tracks.count) tracks)"
    }
    print(
        "prepared \(description.tracks.count) tracks, \(description.split.summary()): segments \(counts.joined(separator: ", "))"
    )
    if let achieved = description.split.achieved { print(preparer.gapLine(achieved)) }
    if !description.skipped.isEmpty || !description.droppedSegments.isEmpty {
        print(
            "skipped \(description.skipped.count) tracks and \(description.droppedSegments.count) segments; reasons in \(out)/dataset.json"
        )
    }
    if preparer.options.folds != nil {
        print("tensors: \(out)/folds.npz (array fold); train with genrekit cv \(out) or genrekit train \(out) --fold k")
    } else {
        print("tensors: \(out)/train.npz, \(out)/val.npz, \(out)/test.npz; open with numpy.load(\"\(out)/train.npz\")")
    }
}

extension Preparer.Unit: ExpressibleByArgument {}

extension FeatureKind: ExpressibleByArgument {}
extension NPZCompression: ExpressibleByArgument {}
