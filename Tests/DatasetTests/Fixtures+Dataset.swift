import Archive
import Audio
import Dataset
import Foundation
import TestSupport

/// A small GTZAN-shaped dataset with one track for every problem code, and what the report
/// must say about each.
enum ProblemDataset {
    struct Track {
        var genre: String
        var id: String
        var ext: String = "wav"
        var bytes: [UInt8]
        var status: TrackStatus
        var codes: [Problem.Code]
    }

    static func wav(_ samples: [Int16], rate: Int = 22050, channels: Int = 1, encoding: Sndfile.Encoding = .pcm16)
        -> [UInt8]
    {
        try! Sndfile.encode(samples: samples, sampleRate: rate, channels: channels, encoding: encoding)
    }

    static func tone(_ frequency: Double, seconds: Double = 30, rate: Int = 22050) -> [Int16] {
        Fixtures.tone(seconds: seconds, rate: rate, frequency: frequency, seed: UInt64(frequency))
    }

    /// Every problem code, each on its own track (frequencies differ so no two are duplicates by accident).
    static let tracks: [Track] = {
        let full = wav(tone(300))
        let shared = wav(tone(700))
        let clipped = tone(800).map { $0 > 6000 ? Int16.max : $0 < -6000 ? Int16.min : $0 }
        return [
            Track(genre: "blues", id: "blues.00000", bytes: wav(tone(220)), status: .ok, codes: []),
            Track(
                genre: "blues", id: "blues.00001", bytes: (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 131) },
                status: .corrupt, codes: [.undecodable]),
            Track(
                genre: "blues", id: "blues.00002", bytes: Array(full.prefix(full.count * 6 / 10)), status: .corrupt,
                codes: [.truncated, .short]),
            Track(
                genre: "classical", id: "classical.00000", bytes: wav(tone(330, seconds: 20)), status: .warning,
                codes: [.short, .sameSong]),
            Track(
                genre: "classical", id: "classical.00001", bytes: wav(tone(340, rate: 44100), rate: 44100),
                status: .warning,
                codes: [.sampleRate, .sameSong]),
            Track(
                genre: "country", id: "country.00000", bytes: wav(tone(350).flatMap { [$0, $0] }, channels: 2),
                status: .warning, codes: [.channels]),
            Track(
                genre: "country", id: "country.00001", bytes: wav(tone(360), encoding: .pcm24), status: .warning,
                codes: [.sampleFormat]),
            Track(
                genre: "disco", id: "disco.00000", bytes: wav([Int16](repeating: 0, count: 661_500)), status: .warning,
                codes: [.silent]),
            Track(genre: "disco", id: "disco.00001", bytes: wav(clipped), status: .warning, codes: [.clipped]),
            Track(genre: "hiphop", id: "hiphop.00000", bytes: shared, status: .warning, codes: [.duplicate]),
            Track(genre: "hiphop", id: "hiphop.00001", bytes: shared, status: .warning, codes: [.duplicate]),
            Track(genre: "jazz", id: "jazz.0005", bytes: wav(tone(400)), status: .warning, codes: [.unexpectedName]),
            Track(genre: "polka", id: "polka.00000", bytes: wav(tone(410)), status: .warning, codes: [.unexpectedName]),
        ]
    }()

    /// Files that are not tracks, as the Kaggle zip and macOS add them.
    static let extras: [(String, String)] = [
        ("__MACOSX/Data/genres_original/blues/._blues.00000.wav", "macOS resource fork (__MACOSX, ._*)"),
        ("Data/.DS_Store", "macOS folder metadata (.DS_Store)"),
        ("Data/images_original/blues/blues00000.png", "spectrogram image (not used)"),
        ("Data/features_30_sec.csv", "feature table (not used)"),
    ]

    /// Writes the Kaggle layout as a zip, or the Marsyas layout (`genres/...`, AU where the
    /// track is WAV) as a tar.gz.
    static func write(_ path: String, format: ArchiveWriter.Format, tracks: [Track] = tracks) throws {
        let writer = try ArchiveWriter(path: path, format: format)
        let root = format == .tarGzip ? "genres" : "Data/genres_original"
        for t in tracks { try writer.addFile("\(root)/\(t.genre)/\(t.id).\(t.ext)", bytes: t.bytes) }
        for (name, _) in extras { try writer.addFile(name, bytes: Array("x".utf8)) }
        try writer.finish()
    }

    /// The ids the report must list as missing: every GTZAN id but the well-named tracks.
    static var missing: [String] {
        let present = Set(tracks.map(\.id))
        return DatasetManifest.gtzan.expectedIDs.filter { !present.contains($0) }
    }
}
