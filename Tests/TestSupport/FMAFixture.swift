import Audio
import Dataset
import Foundation

/// A small FMA-shaped dataset the tests write: `fma_metadata/tracks.csv` with FMA's two header
/// rows and its `track_id` row, and `fma_small/<3 digits>/<6 digits>.mp3` through libsndfile.
public enum FMAFixture {
    public struct Row: Sendable {
        public var id: Int
        public var genre: String
        public var split: String
        var subset = "small"
        var artist: Int
        var duration = 6
        var audio = true
    }

    public static let rows: [Row] =
        ["Folk", "Hip-Hop", "Rock"].enumerated().flatMap { g, genre in
            ["training", "training", "training", "validation", "test"].enumerated().map { i, split in
                Row(id: 2 + 10 * g + i, genre: genre, split: split, artist: 100 + g * 3 + i / 2)
            }
        } + [
            Row(id: 99, genre: "Rock", split: "training", artist: 1, audio: false),  // listed, no audio
            Row(id: 140, genre: "Rock", split: "test", subset: "medium", artist: 2),  // medium only
            Row(id: 150, genre: "", split: "training", artist: 3),  // no top genre
            Row(id: 160, genre: "Folk", split: "training", artist: 4),  // an empty file
            Row(id: 170, genre: "Hip-Hop", split: "training", artist: 5, duration: 200),  // a 30 s clip, cut short
        ]

    /// Writes `dir/fma_metadata/tracks.csv` and `dir/fma_small/...`; returns the audio folder.
    public static func write(in dir: TemporaryDirectory) throws -> String {
        try FileManager.default.createDirectory(atPath: dir.file("fma_metadata"), withIntermediateDirectories: true)
        var csv = ",album,artist,set,set,track,track,track\n"
        csv += ",title,id,split,subset,duration,genre_top,title\n"
        csv += "track_id,,,,,,,\n"
        for r in rows {
            csv +=
                "\(r.id),\"An album, \"\"live\"\"\nsecond line\",\(r.artist),\(r.split),\(r.subset),\(r.duration),\(r.genre),Song \(r.id)\r\n"
        }
        try csv.write(toFile: dir.file("fma_metadata/tracks.csv"), atomically: true, encoding: .utf8)
        let root = dir.file("fma_small")
        for r in rows where r.audio {
            let id = FMAMetadata.id(r.id)
            let folder = root + "/" + id.prefix(3)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let bytes: [UInt8] =
                r.id == 160
                ? []
                : try Sndfile.encode(
                    samples: Fixtures.tone(
                        seconds: 6.5, rate: 44100, frequency: 100 + 13 * Double(r.id), seed: UInt64(r.id)),
                    sampleRate: 44100, container: .mp3)
            _ = FileManager.default.createFile(atPath: "\(folder)/\(id).mp3", contents: Data(bytes))
        }
        _ = FileManager.default.createFile(
            atPath: root + "/000/000777.mp3", contents: Data(Fixtures.bytes(root + "/000/000002.mp3")))
        _ = FileManager.default.createFile(atPath: root + "/checksums", contents: Data("x".utf8))
        return root
    }
}
