import Audio
import Basics
import Dataset
import Features
import Foundation

/// `SHARD/shard.json`: what one `prepare --shard I/N` computed, and what `merge` checks shards
/// against each other with. The features are in `SHARD/features.f32`: each track's segments as
/// little-endian float32 `[segments, frames, width]`, tracks in listing order, no header.
struct ShardManifest: Codable {
    static let file = "shard.json"
    static let featuresFile = "features.f32"
    /// Largest shard.json read (a million tracks' probes take about 600 MB).
    static let maxBytes = 1 << 30

    struct Track: Codable {
        /// Its number in the folder's listing (`FolderListing`: sorted paths).
        var index: Int
        var listed: FolderListing.Track
        /// What probing found, when the shard validated the folder (it had no validation.json).
        var probe: AudioProbe?
        var failure: AudioError?
        /// Where its features start in features.f32, in floats; nil when it gave none.
        var offset: Int?
        var segments = 0
        var synthetic = false
        var conversions: [String] = []
    }

    var formatVersion = 1
    var generator: String
    var shard: ShardSpec
    /// The dataset manifest's name (`GTZAN`).
    var dataset: String
    /// The whole dataset manifest, unless it is a built-in one (GTZAN's, or labelled folders
    /// that take their labels from the listing): FMA's from tracks.csv, or a `--manifest` file.
    var manifest: DatasetManifest?
    /// The dataset folder as the command named it: dataset.json's source path.
    var source: String
    var options: Preparer.Options
    /// The whole folder's `FolderListing.fingerprint` and track count.
    var listing: String
    var listedTracks: Int
    /// The files that are not tracks (every shard lists them all).
    var skipped: [SkippedFile]
    /// The SHA-256 of the folder's validation.json, which `merge` then uses as the report; nil
    /// when the shards validated the tracks themselves (each probe is in `tracks`).
    var validationSHA256: String?
    var featuresBytes = 0
    var featuresSHA256 = ""
    var tracks: [Track] = []

    /// Whether `other` is a shard of the same work: the same folder, listing, settings, GenreKit
    /// and shard count. Returns what differs, or nil.
    func difference(from other: ShardManifest) -> String? {
        if generator != other.generator { return "made by \(generator), not \(other.generator)" }
        if dataset != other.dataset || source != other.source { return "prepares \(source), not \(other.source)" }
        if shard.count != other.shard.count { return "is one of \(shard.count) shards, not \(other.shard.count)" }
        if listing != other.listing || listedTracks != other.listedTracks {
            return
                "saw a different folder (\(listedTracks) tracks, listing \(listing.prefix(12))), not \(other.listedTracks) tracks, listing \(other.listing.prefix(12)); the folder changed between shards"
        }
        if validationSHA256 != other.validationSHA256 { return "used a different validation.json" }
        if manifest != other.manifest { return "was made with another dataset manifest" }
        let ours = try? JSONEncoder.sorted.encode(options)
        if ours == nil || ours != (try? JSONEncoder.sorted.encode(other.options)) {
            return "was prepared with other settings (flags of prepare)"
        }
        return nil
    }

    /// Reads and checks `FOLDER/shard.json` and the size and digest of its features file: every
    /// count, index and offset is within what the file and the settings allow.
    static func load(folder: String) throws(ShardError) -> ShardManifest {
        let path = folder + "/" + file
        let display = folder + "/" + file
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw .unreadable(
                path: folder, message: "not a shard folder (no \(file)); make it with genrekit prepare --shard I/N")
        }
        guard Int(st.st_size) <= maxBytes else {
            throw .unreadable(path: display, message: "larger than \(maxBytes) bytes")
        }
        let manifest: ShardManifest
        do {
            manifest = try JSONDecoder().decode(ShardManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadable(path: display, message: "not a shard manifest (\(JSONProblem.describe(error)))")
        }
        try manifest.check(display: display)
        try manifest.checkFeatures(folder: folder)
        return manifest
    }

    func check(display: String) throws(ShardError) {
        func bad(_ message: String) -> ShardError { .unreadable(path: display, message: message) }
        guard formatVersion == 1 else { throw bad("format version \(formatVersion); this GenreKit reads 1") }
        guard ShardSpec(index: shard.index, count: shard.count) != nil else {
            throw bad("shard \(shard) is out of range")
        }
        do { try options.parameters.check() } catch { throw bad("settings: \(error)") }
        guard (1...Segmenter.maxCount).contains(options.segments) else {
            throw bad("settings: segments \(options.segments), not 1 to \(Segmenter.maxCount)")
        }
        guard (0...10_000_000).contains(listedTracks), tracks.count <= listedTracks else {
            throw bad("\(tracks.count) tracks of \(listedTracks) listed")
        }
        guard let dataset = dataset(labels: []) else {
            throw bad("dataset \(dataset): this GenreKit knows gtzan and folders")
        }
        let perSegment = Preparer(manifest: dataset, options: options).perSegment
        var end = 0
        for track in tracks {
            guard (0..<listedTracks).contains(track.index) else {
                throw bad("track number \(track.index) is out of range")
            }
            guard (0...options.segments).contains(track.segments) else {
                throw bad("\(track.listed.path): \(track.segments) segments, more than \(options.segments)")
            }
            guard validationSHA256 != nil || (track.probe == nil) != (track.failure == nil) else {
                throw bad("\(track.listed.path): no probe and no failure")
            }
            if let offset = track.offset {
                guard offset == end, track.segments > 0 else {
                    throw bad("\(track.listed.path): features out of order")
                }
                end += track.segments * perSegment
            } else if track.segments != 0 {
                throw bad("\(track.listed.path): segments without features")
            }
        }
        guard end * MemoryLayout<Float>.size == featuresBytes else {
            throw bad("the tracks' features take \(end * 4) bytes, but featuresBytes says \(featuresBytes)")
        }
    }

    /// The dataset manifest the shard was made with (a `folders` one with `labels`), nil for
    /// one this GenreKit does not know.
    func dataset(labels: [String]) -> DatasetManifest? {
        if let manifest { return manifest.name == dataset ? manifest.labelled(by: labels) : nil }
        switch dataset {
        case DatasetManifest.gtzan.name: return .gtzan
        case DatasetManifest.folders(labels: []).name: return .folders(labels: labels)
        default: return nil
        }
    }

    /// features.f32 has the size and SHA-256 shard.json says: the shard was not cut short.
    func checkFeatures(folder: String) throws(ShardError) {
        let path = folder + "/" + Self.featuresFile
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, message: "missing: the shard is incomplete; run its prepare --shard again")
        }
        defer { try? handle.close() }
        var hasher = StreamingSHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { hasher.update($0) }
            if hasher.count > featuresBytes { break }
        }
        guard hasher.count == featuresBytes, hasher.hex() == featuresSHA256 else {
            throw .unreadable(
                path: path, message: "does not match shard.json (size or SHA-256): run its prepare --shard again")
        }
    }

}
