import Audio
import Basics
import Foundation
import TestSupport
import Testing

/// `predict --features` (a bundle scored on prepared segments) and the per-segment
/// probabilities of `predict --json`.
@Suite struct PredictFeaturesCLITests {
    let tiny = TinyModel.shared

    func manifest() throws -> [String: Any] {
        let bytes = try #require(try BundleFiles.members(of: tiny.bundle).first { $0.0 == "manifest.json" }?.1)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func scoresTheTestSplitAsTrainingDid() throws {
        let dir = TemporaryDirectory()
        let test = try #require((try manifest()["metrics"] as? [String: Any])?["test"] as? [String: Any])
        let text = try Run("predict", tiny.bundle, "--features", tiny.features, in: dir.path)
        #expect(text.status == 0, "\(text.stderr)")
        let expected = String(
            format: "segment accuracy %.4f, track accuracy %.4f", test["segmentAccuracy"] as! Double,
            test["trackAccuracy"] as! Double)
        #expect(
            text.stdout.contains("(test): \(test["segments"]!) segments") && text.stdout.contains(expected),
            "\(text.stdout)")

        let json = try Run(
            "predict", tiny.bundle, "--features", tiny.features, "--split", "val", "--json", in: dir.path)
        #expect(json.status == 0, "\(json.stderr)")
        let scored = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let segments = try #require(scored["segments"] as? [[String: Any]])
        let val = try #require((try manifest()["metrics"] as? [String: Any])?["validation"] as? [String: Any])
        #expect(segments.count == val["segments"] as? Int)
        #expect(
            (scored["scores"] as? [String: Any])?["segmentAccuracy"] as? Double == val["segmentAccuracy"] as? Double)
        for s in segments {
            let p = try #require(s["probabilities"] as? [Double])
            #expect(p.count == 10 && abs(p.reduce(0, +) - 1) < 1e-5)
            #expect((s["track"] as? String)?.hasPrefix(s["label"] as? String ?? "?") == true, "\(s)")
        }
    }

    @Test func refusesFeaturesTheBundleCannotRead() throws {
        let dir = TemporaryDirectory()
        let data = try Fixtures.toneDataset(in: dir, perGenre: 3, seconds: 6)
        let prepared = try Run(
            "prepare", data, "--out", "mel", "--features", "mel", "--split", "34/33/33", "-q", in: dir.path)
        #expect(prepared.status == 0, "\(prepared.stderr)")
        let mel = try Run("predict", tiny.bundle, "--features", "mel", in: dir.path)
        #expect(mel.status == 1)
        #expect(
            mel.stderr.hasPrefix("genrekit predict: mel: cannot classify its segments: prepared as mel"),
            "\(mel.stderr)")
        let prepareFolds = try Run("prepare", data, "--out", "folds", "--folds", "3", "-q", in: dir.path)
        #expect(prepareFolds.status == 0, "\(prepareFolds.stderr)")
        let folds = try Run("predict", tiny.bundle, "--features", "folds", in: dir.path)
        #expect(folds.status == 1 && folds.stderr.contains("holds 3 folds, not train, val and test"), "\(folds.stderr)")
        let both = try Run("predict", tiny.bundle, "a.wav", "--features", "mel", in: dir.path)
        #expect(both.status == 64 && both.stderr.contains("not both"), "\(both.stderr)")
    }

    @Test func jsonGivesEverySegmentsProbabilities() throws {
        let dir = TemporaryDirectory()
        _ = FileManager.default.createFile(
            atPath: dir.file("clip.wav"),
            contents: Data(try Sndfile.encode(samples: Fixtures.tone(seconds: 7), sampleRate: 22050)))
        let run = try Run("predict", tiny.bundle, "clip.wav", "--json", "--top", "2", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        let p = try #require(all.first?["prediction"] as? [String: Any])
        let perSegment = try #require(p["segmentProbabilities"] as? [[Double]])
        #expect(p["segments"] as? Int == 2 && perSegment.count == 2, "7 s: two full 3 s segments")
        #expect((p["genres"] as? [String])?.count == 10 && perSegment.allSatisfy { $0.count == 10 })
        // The ranking is the segments' mean.
        let genres = p["genres"] as! [String]
        let top = try #require((p["ranking"] as? [[String: Any]])?.first)
        let g = try #require(genres.firstIndex(of: top["genre"] as! String))
        #expect(abs((perSegment[0][g] + perSegment[1][g]) / 2 - (top["probability"] as! Double)) < 1e-6)
    }
}
