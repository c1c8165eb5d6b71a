import Basics
import Foundation

/// The parts of the bundle's `README.md` that make it a Hugging Face style model card: YAML
/// front matter, intended use, limitations, how to load the model, and citations.
extension ModelCard {
    /// A YAML scalar: JSON's double-quoted string, which YAML reads as the same string, so no
    /// manifest value can break the front matter.
    static func yaml(_ s: String) -> String {
        let json = JSONEncoder()
        json.outputFormatting = .withoutEscapingSlashes
        return (try? json.encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    static func frontMatter(_ m: BundleManifest) -> String {
        let dataset = (m.data.dataset ?? "gtzan").lowercased()
        let policy = m.data.splitSummary
        var tags = ["audio-classification", "music-genre-classification", "genrekit", dataset, m.recipe.name]
        tags.append(m.features.kind == .mel ? "log-mel" : "mfcc")
        if m.data.synthetic { tags.append("synthetic-data") }
        var s = "---\n"
        s += "license: \(yaml(m.license ?? BundleManifest.defaultLicense))\n"
        s += "library_name: genrekit\n"
        s += "pipeline_tag: audio-classification\n"
        s += "tags:\n" + tags.map { "- \(yaml($0))\n" }.joined()
        s += "datasets:\n- \(yaml(dataset))\n"
        s += "metrics:\n- accuracy\n"
        s += "model-index:\n- name: \(yaml("\(m.name) \(m.version)"))\n  results:\n"
        s += "  - task:\n      type: audio-classification\n      name: Music genre classification\n"
        s += "    dataset:\n      type: \(yaml(dataset))\n"
        s +=
            "      name: \(yaml((m.data.synthetic ? "synthetic " : "") + dataset.uppercased() + " (" + policy + ")"))\n"
        s += "      split: test\n"
        s += "    metrics:\n"
        let t = m.metrics.test
        for (value, what) in [(t.trackAccuracy, "track"), (t.segmentAccuracy, "segment")] {
            s += "    - type: accuracy\n      value: \(p(value))\n"
            s += "      name: \(yaml("test \(what) accuracy, \(policy)"))\n"
        }
        return s + "---\n\n"
    }

    static func intendedUse(_ m: BundleManifest) -> String {
        var s = "## Intended use\n\n"
        s += "Research and teaching in music-genre classification: comparing model families and "
        s += "recipes on the same split, and checking a pipeline end to end. Input: 3 s mono segments "
        s += "at \(m.features.sampleRate) Hz (any audio file through `genrekit predict`, which converts it); output: "
        s += "a probability for each of the \(m.genres.count) genres. It is not a judgement of what a piece "
        s += "of music is, and not for decisions about people or their work.\n\n"
        if m.data.synthetic {
            s += "**Trained on synthetic audio.** \(m.data.syntheticTracks ?? 0) of its tracks were made by "
            s += "`genrekit synth` (tones and rhythms in GTZAN's layout, not music): its accuracy says the "
            s += "pipeline works, not how it would do on recordings.\n\n"
        }
        return s
    }

    static func limitations(_ m: BundleManifest) -> String {
        var s = "## Limitations\n\n"
        s += "- GTZAN is 1000 excerpts of 30 s, collected in 2000-2001 from CDs, radio and microphone "
        s += "recordings. Sturm's analysis found exact and near repetitions, mislabelings and distortions "
        s += "in it, and many excerpts by the same few artists; accuracy on it overstates accuracy on music "
        s += "at large.\n"
        s += "- The split (\(m.data.splitSummary)): "
        switch m.data.split.unit {
        case "artist":
            s += "no artist in two splits (Sturm's index), so the model is not scored on artists it was "
            s += "trained on. It does not remove repeated or mislabelled excerpts"
            s += m.data.split.list == nil ? " (the fault-filtered split does).\n" : ".\n"
        case "track":
            s += "every segment of a track in one split, but one artist's excerpts can be on both sides: "
            s += "the artist leak can add many points (`make bench-leakage`).\n"
        default:
            s += "segments of one track in training and test: the scores are inflated by that leak and "
            s += "are not comparable with published results.\n"
        }
        if m.data.split.list != nil {
            s += "- The published list \(m.data.split.list!) (fault-filtered: Kereliuk, Sturm and Larsen) "
            s += "leaves out the excerpts Sturm found faulty and keeps artists apart.\n"
        }
        s += "- Ten Western popular-music genres with overlapping, subjective boundaries; one label per "
        s += "excerpt.\n\n"
        return s
    }

    static func loading(_ m: BundleManifest) -> String {
        let file = "\(m.name)-\(m.version)"
        let array = m.features.kind.rawValue
        var s = "## How to load it\n\n"
        s += "The input is what `genrekit prepare` writes: float32 `[segments, \(m.features.framesPerSegment), "
        s += "\(m.features.width)]`, the `\(array)` array of its `.npz` files; the exports normalise inside.\n\n"
        s += "ONNX Runtime (`genrekit export \(file).tar.gz --format onnx --out \(file).onnx`):\n\n"
        s += "```python\nimport numpy as np, onnxruntime as ort\n"
        s += "session = ort.InferenceSession(\"\(file).onnx\")\n"
        s +=
            "probabilities = session.run([\"probabilities\"], {\"features\": np.load(\"test.npz\")[\"\(array)\"]})[0]\n```\n\n"
        s += "Keras (`genrekit export \(file).tar.gz --format keras --out \(file).keras`):\n\n"
        s += "```python\nimport numpy as np, keras\n"
        s += "model = keras.models.load_model(\"\(file).keras\")\n"
        s += "probabilities = model.predict(np.load(\"test.npz\")[\"\(array)\"])\n```\n\n"
        s += "PyTorch: `safetensors.torch.load_file(\"weights.safetensors\")` gives every tensor by the "
        s += "names and Keras layouts `manifest.json` lists (GenreKit's `examples/bundle_forward.py` is the "
        s += "forward pass in NumPy, layer by layer), or convert the ONNX export.\n\n"
        return s
    }

    static func citations(_ m: BundleManifest) -> String {
        var s = "## Citations\n\n"
        s += "- G. Tzanetakis and P. Cook, \"Musical genre classification of audio signals\", IEEE "
        s += "Transactions on Speech and Audio Processing 10(5), 2002 (GTZAN).\n"
        s += "- B. L. Sturm, \"The GTZAN dataset: Its contents, its faults, their effects on evaluation, "
        s += "and its future use\", arXiv:1306.1461, 2013; and \"An Analysis of the GTZAN Music Genre "
        s += "Dataset\", ACM MIRUM 2012 (the artist index behind the artist split).\n"
        if m.data.split.list != nil {
            s += "- C. Kereliuk, B. L. Sturm and J. Larsen, \"Deep Learning and Music Adversaries\", IEEE "
            s += "Transactions on Multimedia 17(11), 2015 (the fault-filtered split).\n"
        }
        return s + "\n"
    }
}
