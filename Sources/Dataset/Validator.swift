import Archive
import Audio
import Basics
import Foundation

/// Probes every track of a GTZAN download, from an archive or an unpacked folder, without
/// writing anything, and reports what it found.
public struct Validator {
    public var manifest: DatasetManifest
    public var policy: ValidationPolicy
    public var limits: ArchiveLimits
    public var progress: ProgressLine?

    public init(
        manifest: DatasetManifest = .gtzan, policy: ValidationPolicy = ValidationPolicy(),
        limits: ArchiveLimits = ArchiveLimits(), progress: ProgressLine? = nil
    ) {
        self.manifest = manifest
        self.policy = policy
        self.limits = limits
        self.progress = progress
    }

    /// Validates an archive or a folder, whichever `path` is.
    /// - Throws: `FileError` or `ArchiveError` when the input cannot be read at all.
    public func validate(path: String) throws -> ValidationReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileError.notFound(path: path)
        }
        return isDirectory.boolValue ? try validate(directory: path) : try validate(archive: path)
    }

    /// Validates the tracks inside an archive, streaming it once.
    public func validate(archive: String) throws -> ValidationReport {
        let scan = try ArchiveScan(
            archive: archive, manifest: manifest, policy: policy, limits: limits, progress: progress)
        return try scan.run(place: { entry, _ in entry.path })
    }

    /// Validates the tracks below a folder (an unpacked `genres/` tree or a hand-extracted
    /// Kaggle `Data/genres_original/` tree).
    public func validate(directory: String) throws -> ValidationReport {
        try validate(directory: directory) { _, path in .probing(path: path) }
    }

    /// Validates the tracks below a folder with `probe` measuring each track (track number, full
    /// path), on a few threads at once: `prepare` computes a track's features in the same
    /// decoding pass.
    public func validate(
        directory: String, probe: @escaping @Sendable (Int, String) -> Result<AudioProbe, AudioError>
    ) throws -> ValidationReport {
        let listing = try list(directory: directory)
        guard !listing.tracks.isEmpty else { throw DatasetError.noTracks(source: directory, layout: manifest.layout) }
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        let pool = ProbePool()
        for (index, track) in listing.tracks.enumerated() {
            let full = root + "/" + track.path
            pool.submit(index) { probe(index, full) }
            progress?.update("\(index + 1) of \(listing.tracks.count) tracks")
        }
        let results = pool.finish()
        progress?.finish()
        return report(listing, source: directory, probes: results)
    }

    /// What a folder holds, without opening a track: its tracks in sorted path order (the order
    /// they are numbered and probed in) and the files that are not tracks.
    /// - Throws: `FileError` when the folder cannot be listed.
    public func list(directory: String) throws(FileError) -> FolderListing {
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw .io(path: directory, message: "cannot list the folder")
        }
        var files: [(path: String, bytes: Int)] = []
        var listing = FolderListing(tracks: [], skipped: [])
        while let relative = walker.nextObject() as? String {
            switch Self.fileKind(root + "/" + relative) {
            case .regular(let bytes): files.append((relative, bytes))
            case .folder: break
            case .other(let kind):
                listing.skipped.append(SkippedFile(path: relative, reason: "not a regular file (\(kind))"))
            }
        }
        files.sort { $0.path < $1.path }
        for (relative, bytes) in files where relative != "validation.json" {
            switch manifest.classify(relative) {
            case .skipped(let reason): listing.skipped.append(SkippedFile(path: relative, reason: reason))
            case .track(let genre, let id, _, let expectedName):
                listing.tracks.append(
                    .init(genre: genre, id: id, path: relative, expectedName: expectedName, bytes: bytes))
            }
        }
        return listing
    }

    /// The report on a listed folder, given each track's probe (`probes[i]` for track i).
    public func report(
        _ listing: FolderListing, source: String, probes: [Int: Result<AudioProbe, AudioError>]
    ) -> ValidationReport {
        let manifest = self.manifest.labelled(by: listing.labels)
        var builder = ReportBuilder(manifest: manifest, policy: policy, source: source, sourceKind: "directory")
        for file in listing.skipped { builder.skip(path: file.path, reason: file.reason) }
        builder.add(
            listing.tracks.map {
                PendingTrack(genre: $0.genre, id: $0.id, path: $0.path, expectedName: $0.expectedName)
            },
            probes: probes)
        return builder.finish()
    }
}

extension Validator {
    enum FileKind: Equatable {
        /// A regular file and its size.
        case regular(Int)
        case folder
        case other(String)
    }

    /// What is at `path`, following a symbolic link: only regular files are probed (opening a
    /// FIFO would wait forever for a writer).
    static func fileKind(_ path: String) -> FileKind {
        var st = stat()
        guard stat(path, &st) == 0 else {
            return .other(lstat(path, &st) == 0 ? "a broken symbolic link" : "unreadable")
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular(Int(st.st_size))
        case S_IFDIR: return .folder
        case S_IFIFO: return .other("a FIFO")
        case S_IFSOCK: return .other("a socket")
        case S_IFCHR, S_IFBLK: return .other("a device")
        default: return .other("an unknown kind of file")
        }
    }
}

/// One streaming pass over an archive: classifies each entry, hands each track's bytes to
/// `store` (which returns the path the report gives it), probes the tracks on the side, and
/// builds the report.
struct ArchiveScan {
    let reader: SafeArchiveReader
    let manifest: DatasetManifest
    let policy: ValidationPolicy
    let progress: ProgressLine?

    init(
        archive: String, manifest: DatasetManifest, policy: ValidationPolicy, limits: ArchiveLimits,
        progress: ProgressLine?
    ) throws(ArchiveError) {
        reader = try SafeArchiveReader(path: archive, limits: limits)
        self.manifest = manifest
        self.policy = policy
        self.progress = progress
    }

    /// - Parameters:
    ///   - place: on the reading thread, given the entry and the track's unpacked path: makes
    ///     room for the track if it will be saved, and returns the path to report.
    ///   - save: on a probe thread, before the probe: writes the track's bytes to the path
    ///     `place` returned. Writing beside the probes leaves the reading thread only inflating
    ///     (unpack's longest chain). The first error it throws ends the scan.
    func run(
        place: (ArchiveEntry, String) throws -> String,
        save: (@Sendable (String, [UInt8]) throws -> Void)? = nil
    ) throws -> ValidationReport {
        var skipped: [SkippedFile] = []
        var pending: [PendingTrack] = []
        var outputs: [String: String] = [:]
        let archiveSize = (try? FileManager.default.attributesOfItem(atPath: reader.archivePath)[.size] as? Int) ?? 0
        let pool = ProbePool()
        // Every exit waits for the writes in flight, so a caller removing a failed run's
        // folder does not race them.
        defer { _ = pool.finish() }
        while let entry = try reader.next() {
            try pool.rethrowFirstError()
            guard entry.kind == .file else { continue }
            switch manifest.classify(entry.path, inArchive: true) {
            case .skipped(let reason):
                skipped.append(SkippedFile(path: entry.path, reason: reason))
            case .track(let genre, let id, let ext, let expectedName):
                let unpacked = manifest.unpackedPath(genre: genre, id: id, ext: ext)
                if let other = outputs[unpacked.lowercased()] {
                    throw ArchiveError.unsafe(
                        archive: reader.archivePath, entry: entry.path, reason: .nameCollision(with: other))
                }
                outputs[unpacked.lowercased()] = entry.path
                let bytes = try reader.readAll()
                let path = try place(entry, unpacked)
                let index = pending.count
                pending.append(PendingTrack(genre: genre, id: id, path: path, expectedName: expectedName))
                pool.submit(index) { [pool] in
                    if let save { pool.recordingError { try save(path, bytes) } }
                    return .probing(bytes: bytes, name: entry.path)
                }
                progress?.update(
                    "\(archiveSize > 0 ? Int(100 * reader.bytesConsumed) / archiveSize : 0)% (\(index + 1) tracks)")
            }
        }
        let results = pool.finish()
        try pool.rethrowFirstError()
        progress?.finish()
        guard !pending.isEmpty else { throw DatasetError.noTracks(source: reader.archivePath, layout: manifest.layout) }
        // A folders dataset's labels are the folders found, known once the archive is read.
        let manifest = self.manifest.labelled(by: pending.map(\.genre))
        var builder = ReportBuilder(
            manifest: manifest, policy: policy, source: reader.archivePath, sourceKind: "archive")
        for file in skipped { builder.skip(path: file.path, reason: file.reason) }
        builder.add(pending, probes: results)
        return builder.finish()
    }
}

/// A track found while scanning, waiting for its probe.
struct PendingTrack {
    var genre: String
    var id: String
    var path: String
    var expectedName: Bool
}

extension ReportBuilder {
    /// Adds the scanned tracks in scan order with their probes (`probes[i]` for `pending[i]`).
    mutating func add(_ pending: [PendingTrack], probes: [Int: Result<AudioProbe, AudioError>]) {
        for (i, track) in pending.enumerated() {
            add(genre: track.genre, id: track.id, path: track.path, expectedName: track.expectedName, probe: probes[i]!)
        }
    }
}
