import Archive
import Audio
import Basics
import Dataset
import Dispatch
import Foundation
import Zlib

/// Writes a GTZAN-shaped zip in the Kaggle layout from synthesised audio: the built-in stand-in
/// for the real download, for the demo, the tests and the benchmarks.
///
/// Tracks: with n tracks per genre, the ids `floor(i * 100 / n)` for i below n, spread over the
/// GTZAN index so that a small set has GTZAN's mix of artists; excerpts that share an artist in
/// Sturm's index share an `ArtistSignature`, so the artist leak exists here as it does in GTZAN.
///
/// Layout: `Data/genres_original/<genre>/<genre>.000NN.wav` (22050 Hz mono 16-bit),
/// `Data/images_original/<genre>/<genre>000NN.png`, `Data/features_30_sec.csv` and
/// `Data/features_3_sec.csv`. The same options give the same bytes.
public struct SyntheticGTZAN: Sendable {
    public struct Options: Sendable, Equatable {
        public var tracksPerGenre: Int = 10
        public var seconds: Double = 30
        public var seed: UInt64 = 42
        /// Add the faults real downloads have (see `Fault`).
        public var faults = false
        /// Up to how loud a second genre plays under each track (0 to 1, relative to the
        /// track's own level; each track draws its amount uniformly from 0 to this). 0 keeps the
        /// genres apart; higher values make them overlap, so a model cannot tell all tracks apart.
        public var blend: Float = 0
        public var sampleRate = 22050
        public init() {}
    }

    /// The faults `--faults` adds, each at a fixed id.
    public enum Fault: String, CaseIterable, Sendable {
        /// `jazz.00054.wav` holds bytes no decoder reads, as in the Kaggle copy.
        case undecodable
        /// The last country track is 28.5 s long: 9 of its 10 segments survive.
        case short
        /// The last metal track is cut after 60 % of its bytes; its header promises all of them.
        case truncated
        /// The last reggae track repeats reggae.00000 exactly (GTZAN has exact repeats).
        case duplicate
        /// `__MACOSX/`, `._*` and `.DS_Store` entries, as a zip made by macOS's Finder has.
        case macJunk

        /// The id of the track the fault is planted in (`nil` for junk): the last of its genre.
        public func trackID(tracksPerGenre n: Int) -> String? {
            let last = SyntheticGTZAN.indices(tracksPerGenre: n).last!
            return switch self {
            case .undecodable: "jazz.00054"
            case .short: DatasetManifest.trackID(genre: "country", index: last)
            case .truncated: DatasetManifest.trackID(genre: "metal", index: last)
            case .duplicate: n >= 2 ? DatasetManifest.trackID(genre: "reggae", index: last) : nil
            case .macJunk: nil
            }
        }
    }

    public let options: Options
    public let genres: [String]

    /// The id numbers of each genre's tracks: `floor(i * 100 / n)` for i below n.
    public static func indices(tracksPerGenre n: Int) -> [Int] { (0..<n).map { $0 * 100 / n } }

    public init(options: Options, genres: [String] = DatasetManifest.gtzan.genres) {
        self.options = options
        self.genres = genres
    }

    /// The archive format a file name asks for: `.zip`, or `.tar.gz` / `.tgz` (the same layout
    /// in a gzip-compressed tar); nil for any other name.
    public static func format(for path: String) -> ArchiveWriter.Format? {
        let lower = path.lowercased()
        if lower.hasSuffix(".zip") { return .zip(level: 6) }
        if lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") { return .tarGzip }
        return nil
    }

    /// Writes the archive atomically (a temporary name, renamed at the end).
    /// - Parameters:
    ///   - path: the archive to write: a zip, or a tar.gz for names ending `.tar.gz` or `.tgz`.
    ///   - progress: called with (tracks done, tracks in all).
    public func write(to path: String, progress: (Int, Int) -> Void = { _, _ in }) throws {
        let writer = try ArchiveWriter(path: path, format: Self.format(for: path) ?? .zip(level: 6))
        let n = options.tracksPerGenre
        let indices = Self.indices(tracksPerGenre: n)
        let jobs = genres.enumerated().flatMap { g, genre in indices.map { (g, genre, $0) } }
        var rows30: [String] = ["filename,length,rms_mean,zero_crossing_rate_mean,tempo,label"]
        var rows3: [String] = ["filename,length,rms_mean,zero_crossing_rate_mean,tempo,label"]
        var images: [(String, [UInt8])] = []
        try writer.addDirectory("Data")
        try writer.addDirectory("Data/genres_original")
        var lastGenre = -1
        let batch = 2 * max(1, ProcessInfo.processInfo.activeProcessorCount)
        for start in stride(from: 0, to: jobs.count, by: batch) {
            let slice = Array(jobs[start..<min(start + batch, jobs.count)])
            let rendered = try renderAll(slice)
            for ((g, genre, index), track) in zip(slice, rendered) {
                if g != lastGenre {
                    try writer.addDirectory("Data/genres_original/\(genre)")
                    lastGenre = g
                }
                let id = DatasetManifest.trackID(genre: genre, index: index)
                try writer.addFile("Data/genres_original/\(genre)/\(id).wav", bytes: track.file)
                rows30.append(Self.csvRow("\(id).wav", track.samples, tempo: track.tempo, label: genre))
                let segment = options.sampleRate * 3
                for d in 0..<(track.samples.count / segment) {
                    let part = Array(track.samples[d * segment..<(d + 1) * segment])
                    rows3.append(Self.csvRow("\(id).\(d).wav", part, tempo: track.tempo, label: genre))
                }
                images.append(("Data/images_original/\(genre)/\(genre)\(id.suffix(5)).png", Self.png(track.samples)))
            }
            progress(min(start + batch, jobs.count), jobs.count)
        }
        if options.faults {
            if !indices.contains(54) {
                try writer.addFile(
                    "Data/genres_original/jazz/jazz.00054.wav", bytes: Self.undecodableBytes(seed: options.seed))
            }
            try writer.addFile("Data/.DS_Store", bytes: Array("Bud1".utf8) + [UInt8](repeating: 0, count: 60))
            try writer.addFile(
                "Data/genres_original/.DS_Store", bytes: Array("Bud1".utf8) + [UInt8](repeating: 0, count: 60))
            try writer.addFile(
                "__MACOSX/Data/genres_original/blues/._blues.00000.wav",
                bytes: [0, 5, 22, 7, 0, 2, 0, 0] + [UInt8](repeating: 0, count: 74))
        }
        try writer.addDirectory("Data/images_original")
        for (name, bytes) in images { try writer.addFile(name, bytes: bytes) }
        try writer.addFile("Data/features_30_sec.csv", bytes: Array((rows30.joined(separator: "\n") + "\n").utf8))
        try writer.addFile("Data/features_3_sec.csv", bytes: Array((rows3.joined(separator: "\n") + "\n").utf8))
        try writer.finish()
    }

    struct Track: Sendable {
        var samples: [Int16]
        var file: [UInt8]
        var tempo: Float
    }

    /// Renders a batch of tracks on all cores; the result is in `jobs` order.
    func renderAll(_ jobs: [(Int, String, Int)]) throws -> [Track] {
        try ConcurrentMap.map(count: jobs.count) { i in
            let (g, genre, index) = jobs[i]
            return try renderTrack(genreIndex: g, genre: genre, index: index)
        }
    }

    /// One track's samples and file bytes, with its planted fault if any.
    func renderTrack(genreIndex: Int, genre: String, index: Int) throws -> Track {
        let n = options.tracksPerGenre
        // reggae's duplicate repeats reggae.00000: render that one's audio.
        let isDuplicate = options.faults && genre == "reggae" && n >= 2 && index == Self.indices(tracksPerGenre: n).last
        let sourceIndex = isDuplicate ? 0 : index
        let seed = Self.trackSeed(options.seed, genreIndex, sourceIndex)
        let artist = DatasetManifest.gtzan.artists?.artist(
            of: DatasetManifest.trackID(genre: genre, index: sourceIndex)
        ).map { ArtistSignature(artist: $0, seed: options.seed, genres: genres.count) }
        var (samples, tempo) = GenreStyle.named(genre).render(
            sampleRate: options.sampleRate, seconds: options.seconds, seed: seed, artist: artist)
        if options.blend > 0, genres.count > 1 {
            samples = blended(samples, genreIndex: genreIndex, seed: seed, artist: artist)
        }
        let id = DatasetManifest.trackID(genre: genre, index: index)
        if options.faults, id == Fault.short.trackID(tracksPerGenre: n) {
            samples = Array(samples.prefix(Int(28.5 * Double(options.sampleRate))))
        }
        var file = try Sndfile.encode(
            samples: samples, sampleRate: options.sampleRate, software: SyntheticMarker.software)
        if options.faults, id == Fault.truncated.trackID(tracksPerGenre: n) {
            file = Array(file.prefix(file.count * 6 / 10))
        }
        if options.faults, id == Fault.undecodable.trackID(tracksPerGenre: n) {
            file = Self.undecodableBytes(seed: options.seed)
        }
        return Track(samples: samples, file: file, tempo: tempo)
    }

    /// `samples` with another genre's track mixed in at a level drawn from 0 to `blend` (the
    /// artist's genre and level, pulled as the other signature values are, when the artist is
    /// known), scaled by `1 / (1 + level)` so the mix does not clip more than its parts.
    func blended(_ samples: [Int16], genreIndex: Int, seed: UInt64, artist: ArtistSignature?) -> [Int16] {
        var random = SplitMix64(seed: seed ^ 0xB1E_4D)
        var offset = 1 + Int(random.next() % UInt64(genres.count - 1))
        var share = random.nextUnit()
        if let artist {
            offset = artist.underlay
            share = ArtistSignature.pull(share, to: artist.underlayLevel)
        }
        let other = (genreIndex + offset) % genres.count
        let level = options.blend * share
        let (second, _) = GenreStyle.named(genres[other]).render(
            sampleRate: options.sampleRate, seconds: options.seconds, seed: random.next())
        return zip(samples, second).map { a, b in
            Int16(((Float(a) + level * Float(b)) / (1 + level)).rounded())
        }
    }

    /// A per-track seed from the run's seed, the genre and the index, so a track does not
    /// depend on how many others are made.
    static func trackSeed(_ seed: UInt64, _ genre: Int, _ index: Int) -> UInt64 {
        var mix = SplitMix64(seed: seed ^ (UInt64(genre) << 32) ^ UInt64(index))
        return mix.next()
    }

    /// 64 KiB of noise with no audio header: what the Kaggle jazz.00054.wav gives a decoder.
    static func undecodableBytes(seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed ^ 0x5A5A)
        return (0..<65536).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    static func csvRow(_ name: String, _ samples: [Int16], tempo: Float, label: String) -> String {
        var squares = 0.0
        var crossings = 0
        for i in samples.indices {
            let x = Double(samples[i]) / 32768
            squares += x * x
            if i > 0, (samples[i] >= 0) != (samples[i - 1] >= 0) { crossings += 1 }
        }
        let count = max(samples.count, 1)
        let rms = (squares / Double(count)).squareRoot()
        return String(
            format: "%@,%d,%.6f,%.6f,%.3f,%@", name, samples.count, rms, Double(crossings) / Double(count),
            Double(tempo), label)
    }

    /// A small greyscale PNG of the track's loudness over time (64 x 32), standing in for the
    /// Kaggle mel spectrogram images.
    static func png(_ samples: [Int16]) -> [UInt8] {
        let width = 64
        let height = 32
        let slice = max(1, samples.count / width)
        var levels: [Int] = []
        for x in 0..<width {
            let part = samples[min(x * slice, samples.count)..<min((x + 1) * slice, samples.count)]
            let peak = part.reduce(0) { max($0, abs(Int($1))) }
            levels.append(peak * height / 32768)
        }
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width { raw.append(height - y <= levels[x] ? 255 : 0) }
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(UInt32(data.count)) + body + be32(Zlib.crc32(body))
        }
        func be32(_ v: UInt32) -> [UInt8] {
            [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)]
        }
        let header = be32(UInt32(width)) + be32(UInt32(height)) + [8, 0, 0, 0, 0]
        let compressed = (try? Zlib.deflate(raw)) ?? []
        return [137, 80, 78, 71, 13, 10, 26, 10] + chunk("IHDR", header) + chunk("IDAT", compressed) + chunk("IEND", [])
    }
}
