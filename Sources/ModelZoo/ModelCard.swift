import Basics
import Foundation
import Training

/// A manifest described for people: the bundle's `README.md` (Markdown) and what `genrekit
/// inspect` prints (plain text). Both come from the same lines.
public enum ModelCard {
    /// The bundle's `README.md`.
    public static func markdown(_ m: BundleManifest) -> String {
        var s = frontMatter(m) + "# \(m.name) \(m.version)\n\n"
        s +=
            "A music-genre classifier (\(m.recipe.name) on \(m.features.kind == .mel ? "log-mel spectrograms" : "MFCCs")) "
        s += "made by \(m.generator) on \(m.created) (manifest schema \(m.schemaVersion)); license "
        s += "\(m.license ?? BundleManifest.defaultLicense).\n\n"
        s += intendedUse(m)
        s += "## Use\n\n```sh\ngenrekit inspect \(m.name)-\(m.version).tar.gz\n"
        s += "genrekit predict \(m.name)-\(m.version).tar.gz song.wav\n```\n\n"
        s += loading(m) + limitations(m)
        for (heading, lines) in sections(m) {
            s += "## \(heading)\n\n" + lines.map { "- \($0)" }.joined(separator: "\n") + "\n\n"
        }
        s +=
            "## Per genre (test split, segments)\n\n| genre | precision | recall | F1 | support |\n|---|---|---|---|---|\n"
        for g in m.metrics.test.perGenre {
            s += "| \(g.genre) | \(p(g.precision)) | \(p(g.recall)) | \(p(g.f1)) | \(g.support) |\n"
        }
        s += "\n`curves.svg` (and `.png`) shows accuracy and loss per epoch, with the epoch whose weights were kept; "
        s += "`confusion.svg` (and `.png`) the test confusion matrices of segments and tracks, as counts and as "
        s += "shares of each true genre.\n\n"
        return s + citations(m)
    }

    /// What `genrekit inspect` prints.
    public static func text(_ m: BundleManifest, bundle: String) -> String {
        var s =
            "\(m.name) \(m.version)  (\(bundle): the manifest's \(m.files.count) files verified, SHA-256 and size)\n"
            + "license: \(m.license ?? "not stated (made before GenreKit 0.4)")\n"
        for (heading, lines) in sections(m) {
            s += "\n\(heading.lowercased()):\n" + lines.map { "  \($0)" }.joined(separator: "\n") + "\n"
        }
        s += "\nper genre (test split, segments):\n"
        var rows = [["genre", "precision", "recall", "F1", "support"]]
        for g in m.metrics.test.perGenre {
            rows.append([g.genre, p(g.precision), p(g.recall), p(g.f1), String(g.support)])
        }
        s +=
            TextTable.render(rows, rightAligned: [1, 2, 3, 4]).split(separator: "\n").map { "  " + $0 }.joined(
                separator: "\n") + "\n"
        return s
    }

    static func sections(_ m: BundleManifest) -> [(String, [String])] {
        let f = m.features
        let t = m.metrics.test
        let v = m.metrics.validation
        let r = m.recipe
        let o = r.optimizer
        var architecture = [
            "input: one segment, [\(m.architecture.input.map(String.init).joined(separator: ", "))] (frames, "
                + (m.features.kind == .mel ? "mel bands)" : "MFCC coefficients)")
        ]
        for layer in m.architecture.layers {
            var line = "\(layer.name): \(layer.type)"
            if let i = layer.inputSize, let u = layer.units { line += " \(i) -> \(u)" }
            if let a = layer.activation { line += ", \(a)" }
            if let rate = layer.rate { line += " \(rate) (training only)" }
            if let gates = layer.gateOrder { line += ", gates \(gates.joined(separator: "/"))" }
            if let f = layer.filters, let k = layer.kernelSize { line += " \(k)x\(k), \(f) filters" }
            if let momentum = layer.momentum, let epsilon = layer.epsilon {
                line += " (momentum \(momentum), epsilon \(epsilon))"
            }
            if let shape = layer.outputShape { line += " -> \(shape)" }
            if !layer.weights.isEmpty {
                line += "; " + layer.weights.map { "\($0.name) \($0.shape)" }.joined(separator: ", ")
                line += "; \(grouped(layer.parameters)) parameters"
            }
            architecture.append(line)
        }
        architecture.append("total: \(grouped(m.architecture.parameters)) parameters; output: \(m.architecture.output)")
        var recipe = [
            "\(r.name): \(r.description)",
            "optimizer: \(o.type), learning rate \(o.learningRate), beta1 \(o.beta1), beta2 \(o.beta2), epsilon \(o.epsilon)",
            "batch \(r.batchSize), epochs \(r.epochs) (ran \(m.training.epochs)"
                + (m.training.bestEpoch > 0 ? ", weights of epoch \(m.training.bestEpoch))" : ")")
                + ", shuffle \(r.shuffle ? "each epoch" : "off"), seed \(r.seed), \(m.training.threads) thread(s)"
                + (m.training.engine.map { ", \($0)" } ?? ""),
            "initialisation: \(r.initialization); loss: \(r.loss)",
        ]
        if let e = r.earlyStopping {
            recipe.append(
                "early stopping on \(e.monitor), patience \(e.patience)\(e.restoreBestWeights ? ", best weights restored" : "")"
            )
        }
        var data = [
            "dataset: \(m.data.dataset ?? "not recorded")"
                + (m.data.synthetic
                    ? " (synthetic: \(m.data.syntheticTracks ?? 0) tracks from genrekit synth, not music)" : ""),
            "features: \(m.data.fingerprint)",
            "audio: \(m.data.sourceFingerprint)",
            "split: \(m.data.splitSummary)",
        ]
        data.append(
            ["train", "val", "test"].compactMap { name in
                m.data.counts[name].map { "\(name) \($0.tracks) tracks / \($0.segments) segments" }
            }.joined(separator: "; ") + (m.data.skippedTracks > 0 ? "; \(m.data.skippedTracks) tracks skipped" : ""))
        return [
            ("Genres", [m.genres.enumerated().map { "\($0) \($1)" }.joined(separator: ", ")]),
            (
                "Features",
                [
                    (f.kind == .mel ? "\(f.nMels)-band log-mel spectrogram (dB)" : "\(f.nMFCC) MFCCs")
                        + " x \(f.framesPerSegment) frames per segment of \(f.samplesPerSegment) samples "
                        + "(\(f.seconds / max(f.segmentsPerTrack, 1)) s) at \(f.sampleRate) Hz",
                    "n_fft \(f.nFFT), hop \(f.hopLength), \(f.nMels) mels (\(f.melScale)), \(f.window), "
                        + "center \(f.center)" + (f.kind == .mel ? "" : ", DCT \(f.dct)") + "; matches \(f.matches)",
                    "normalisation: "
                        + (m.normalization.kind == .none
                            ? "none" : "\(m.normalization.kind.rawValue): \(m.normalization.formula ?? "")"),
                ]
            ),
            ("Architecture", architecture),
            ("Recipe", recipe),
            ("Data", data),
            (
                "Accuracy",
                [
                    "on the \(m.data.splitSummary)",
                    "test: segments \(p(t.segmentAccuracy)) (\(t.segments)), tracks \(p(t.trackAccuracy)) (\(t.tracks)), loss \(String(format: "%.4f", t.loss))",
                    "validation: segments \(p(v.segmentAccuracy)) (\(v.segments)), tracks \(p(v.trackAccuracy)) (\(v.tracks)), loss \(String(format: "%.4f", v.loss))",
                ]
            ),
        ]
    }

    static func p(_ v: Double) -> String { String(format: "%.4f", v) }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        return String(
            digits.enumerated().flatMap { i, d in (i > 0 && (digits.count - i) % 3 == 0) ? [",", d] : [d] })
    }
}
