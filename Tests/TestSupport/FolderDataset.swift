import Audio
import Foundation

/// A labelled-folders dataset as a new user has one: labels GTZAN does not know, any format,
/// rate, channel count and length.
public enum FolderDataset {
    public struct Track: Sendable {
        public var path: String
        public var container: Sndfile.Container
        public var rate: Int
        public var channels: Int
        public var seconds: Double
    }

    /// Five tracks per label, one of them too short for a segment, one long.
    public static let tracks: [Track] = ["chill", "lofi", "vaporwave"].enumerated().flatMap { l, label in
        [
            Track(path: "\(label)/a.wav", container: .wav, rate: 22050, channels: 1, seconds: 7),
            Track(path: "\(label)/Track 2.flac", container: .flac, rate: 44100, channels: 2, seconds: 9.5),
            Track(path: "\(label)/c.ogg", container: .ogg, rate: 48000, channels: 1, seconds: 6.2),
            Track(path: "\(label)/d.mp3", container: .mp3, rate: 44100, channels: 2, seconds: 6.5 + Double(l)),
            Track(path: "\(label)/e.au", container: .au, rate: 16000, channels: 1, seconds: l == 0 ? 2 : 3.1),
            Track(path: "\(label)/long.wav", container: .wav, rate: 22050, channels: 2, seconds: l == 1 ? 125 : 4),
        ]
    }

    /// Writes the dataset below `dir/name` and returns the folder.
    public static func write(in dir: TemporaryDirectory, name: String = "mine") throws -> String {
        let root = dir.file(name)
        for (i, t) in tracks.enumerated() {
            let folder = root + "/" + t.path.split(separator: "/")[0]
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let channels = (0..<t.channels).map { c in
                Fixtures.tone(
                    seconds: t.seconds, rate: t.rate, frequency: 150 + 40 * Double(i) + 90 * Double(c), seed: UInt64(i))
            }
            let interleaved = (0..<channels[0].count).flatMap { f in channels.map { $0[f] } }
            let bytes = try Sndfile.encode(
                samples: interleaved, sampleRate: t.rate, channels: t.channels, container: t.container)
            _ = FileManager.default.createFile(atPath: root + "/" + t.path, contents: Data(bytes))
        }
        _ = FileManager.default.createFile(atPath: root + "/README.txt", contents: Data("about".utf8))
        _ = FileManager.default.createFile(atPath: root + "/chill/cover.jpg", contents: Data([1, 2, 3]))
        return root
    }
}
