import Audio
import Foundation

/// Thresholds for the findings that are judgement calls.
public struct ValidationPolicy: Sendable, Equatable {
    /// A track whose RMS level is below this is `silent` (dB relative to full scale).
    public var silentBelowDBFS: Double = -60
    /// A track with at least this fraction of its samples at full scale is `clipped`.
    public var clippedFraction: Double = 0.001

    public init() {}
}

/// Collects tracks and skipped files as they are found, then judges the whole set: duplicates,
/// missing ids and the summary.
public struct ReportBuilder {
    public let manifest: DatasetManifest
    public let policy: ValidationPolicy
    private let source: String
    private let sourceKind: String
    private var tracks: [TrackReport] = []
    private var fingerprints: [AudioFingerprint?] = []
    private var skipped: [SkippedFile] = []

    public init(
        manifest: DatasetManifest, policy: ValidationPolicy = ValidationPolicy(), source: String, sourceKind: String
    ) {
        self.manifest = manifest
        self.policy = policy
        self.source = source
        self.sourceKind = sourceKind
    }

    /// Records a file that is not a track.
    public mutating func skip(path: String, reason: String) {
        skipped.append(SkippedFile(path: path, reason: reason))
    }

    /// Records a track and what probing it found.
    public mutating func add(
        genre: String, id: String, path: String, expectedName: Bool, probe: Result<AudioProbe, AudioError>
    ) {
        var problems: [Problem] = []
        var audio: TrackAudio?
        if !expectedName {
            problems.append(
                Problem(
                    code: .unexpectedName,
                    message:
                        "'\(id)' in folder '\(genre)' is not named <genre>.<5 digits> for one of the \(manifest.genres.count) \(manifest.name) genres"
                ))
        }
        switch probe {
        case .failure(let error):
            let message = if case .undecodable(_, let m) = error { m } else { error.description }
            problems.append(Problem(code: .undecodable, message: "libsndfile cannot decode it: \(message)"))
            fingerprints.append(nil)
        case .success(let p):
            problems += judge(p)
            if let stated = manifest.metadata?[id]?.seconds, p.seconds < stated - 1 {
                problems.append(
                    Problem(
                        code: .short,
                        message:
                            "\(Self.seconds(p.decodedFrames, p.sampleRate)) of the \(Self.format(stated)) s the metadata states"
                    ))
            }
            audio = TrackAudio(
                container: p.container, encoding: p.encoding, sampleRate: p.sampleRate, channels: p.channels,
                frames: p.decodedFrames, seconds: Self.round(p.seconds, 3), segments: segments(p),
                peakDBFS: Self.decibels(p.peak), rmsDBFS: Self.decibels(p.rms),
                fingerprint: p.fingerprint.description)
            fingerprints.append(p.fingerprint)
        }
        tracks.append(TrackReport(id: id, genre: genre, path: path, status: .ok, problems: problems, audio: audio))
    }

    /// Full segments the track fills, at most the dataset's segment count.
    func segments(_ p: AudioProbe) -> Int {
        let length = manifest.samplesPerSegment(sampleRate: p.sampleRate)
        guard length > 0 else { return 0 }
        return min(manifest.audio?.segments ?? Int.max, p.decodedFrames / length)
    }

    /// The findings about any track (damage, silence, clipping), then those about the
    /// dataset's expected format, if it has one.
    func judge(_ p: AudioProbe) -> [Problem] {
        var problems = judgeDamage(p)
        if let format = manifest.audio { problems += judge(p, against: format) }
        problems += judgeLevels(p)
        return problems
    }

    func judgeDamage(_ p: AudioProbe) -> [Problem] {
        var problems: [Problem] = []
        if let declared = p.declaredFrames, declared > p.decodedFrames {
            problems.append(
                Problem(
                    code: .truncated,
                    message:
                        "the header declares \(declared) frames (\(Self.seconds(declared, p.sampleRate))) but the file holds \(p.decodedFrames) (\(Self.seconds(p.decodedFrames, p.sampleRate)))"
                ))
        } else if let frames = p.frames, p.decodedFrames < frames {
            problems.append(
                Problem(
                    code: .truncated,
                    message: "decoding stopped after \(p.decodedFrames) of the \(frames) frames the header declares"))
        }
        if p.nonFiniteSamples > 0 {
            problems.append(
                Problem(
                    code: .nonFinite,
                    message:
                        "\(p.nonFiniteSamples) samples are NaN, infinite or absurdly large (over 60 dB above full scale)"
                ))
        }
        return problems
    }

    /// GTZAN's expectations: one rate, channel count and encoding, 30 s.
    func judge(_ p: AudioProbe, against format: DatasetManifest.AudioFormat) -> [Problem] {
        var problems: [Problem] = []
        if p.sampleRate != format.sampleRate {
            problems.append(
                Problem(code: .sampleRate, message: "\(p.sampleRate) Hz, expected \(format.sampleRate) Hz"))
        }
        if p.channels != format.channels {
            problems.append(Problem(code: .channels, message: "\(p.channels) channels, expected \(format.channels)"))
        }
        if p.encoding != format.encoding {
            problems.append(
                Problem(code: .sampleFormat, message: "\(p.container) \(p.encoding), expected \(format.encoding)"))
        }
        let expectedFrames = format.seconds * p.sampleRate
        if p.decodedFrames < expectedFrames {
            let survive = segments(p)
            problems.append(
                Problem(
                    code: .short,
                    message:
                        "\(Self.seconds(p.decodedFrames, p.sampleRate)) of \(format.seconds) s: \(survive) of \(format.segments) segments survive"
                ))
        }
        return problems
    }

    func judgeLevels(_ p: AudioProbe) -> [Problem] {
        var problems: [Problem] = []
        let rms = Self.decibels(p.rms)
        if rms < policy.silentBelowDBFS {
            problems.append(
                Problem(
                    code: .silent,
                    message: "RMS level \(Self.format(rms)) dBFS, below \(Self.format(policy.silentBelowDBFS)) dBFS"))
        }
        let total = p.decodedFrames * p.channels
        if total > 0, Double(p.fullScaleSamples) / Double(total) >= policy.clippedFraction {
            let percent = 100 * Double(p.fullScaleSamples) / Double(total)
            problems.append(
                Problem(
                    code: .clipped,
                    message:
                        "\(p.fullScaleSamples) samples (\(Self.format(percent))%) at full scale, threshold \(Self.format(100 * policy.clippedFraction))%"
                ))
        }
        return problems
    }

    /// Judges duplicates and missing ids, sorts, and summarises.
    public func finish() -> ValidationReport {
        var tracks = self.tracks
        var groups: [AudioFingerprint: [Int]] = [:]
        for (i, fingerprint) in fingerprints.enumerated() {
            if let fingerprint { groups[fingerprint, default: []].append(i) }
        }
        for members in groups.values where members.count > 1 {
            let ordered = members.sorted { order(tracks[$0]) < order(tracks[$1]) }
            let ids = ordered.map { tracks[$0].id }
            for (k, i) in ordered.enumerated() {
                tracks[i].problems.append(Problem(code: .duplicate, message: Self.duplicateMessage(ids, member: k)))
            }
        }
        if let index = manifest.artists { Self.markRepeatedSongs(&tracks, index: index, order: order) }
        for i in tracks.indices {
            tracks[i].problems.sort { ($1.code.severity, $0.code.rawValue) < ($0.code.severity, $1.code.rawValue) }
            tracks[i].status = tracks[i].problems.map(\.code.severity).max() ?? .ok
        }
        tracks.sort { ($0.genre, $0.id, $0.path) < ($1.genre, $1.id, $1.path) }
        let present = Set(tracks.map(\.id))
        let missing = manifest.expectedIDs.filter { !present.contains($0) }
        var counts: [String: Int] = [:]
        for problem in tracks.flatMap(\.problems) { counts[problem.code.rawValue, default: 0] += 1 }
        let summary = ValidationReport.Summary(
            tracks: tracks.count, ok: tracks.count { $0.status == .ok },
            warning: tracks.count { $0.status == .warning }, corrupt: tracks.count { $0.status == .corrupt },
            missing: missing.count, skippedFiles: skipped.count, problems: counts)
        return ValidationReport(
            dataset: manifest.name, source: source, sourceKind: sourceKind, summary: summary, tracks: tracks,
            missing: missing, skipped: skipped.sorted { $0.path < $1.path })
    }

    /// A track's place in the order `prepare` takes tracks in: genre as the manifest lists them,
    /// then id. The first of a duplicate group is the one `prepare` keeps.
    func order(_ t: TrackReport) -> (Int, String, String) {
        (manifest.genres.firstIndex(of: t.genre) ?? Int.max, t.id, t.path)
    }

    /// `same-song` findings: each excerpt of a song that the index lists more than once names the
    /// others present (in a group of more than four, the first names three and the rest point
    /// at the first, so the report stays linear).
    static func markRepeatedSongs(
        _ tracks: inout [TrackReport], index: ArtistIndex, order: (TrackReport) -> (Int, String, String)
    ) {
        // The first track of each id, in prepare's order.
        var first: [String: Int] = [:]
        var ids: [String] = []
        for i in tracks.indices.sorted(by: { order(tracks[$0]) < order(tracks[$1]) }) where first[tracks[i].id] == nil {
            first[tracks[i].id] = i
            ids.append(tracks[i].id)
        }
        for group in index.repeatedSongs(among: ids) {
            for (k, id) in group.enumerated() {
                tracks[first[id]!].problems.append(
                    Problem(code: .sameSong, message: sameSongMessage(group, member: k, source: index.name)))
            }
        }
    }

    static func sameSongMessage(_ ids: [String], member k: Int, source: String) -> String {
        var others = ids
        others.remove(at: k)
        let named =
            if others.count <= 3 {
                others.joined(separator: ", ")
            } else if k > 0 {
                "\(ids[0]) and \(others.count - 1) other excerpts"
            } else {
                others.prefix(3).joined(separator: ", ") + " and \(others.count - 3) more"
            }
        return "the same song as \(named), per \(source)"
    }

    /// What a duplicate group's member `k` says: each points at the group's first track, and the
    /// first names a few of the others, so the report grows linearly with the group.
    static func duplicateMessage(_ ids: [String], member k: Int) -> String {
        if ids.count == 2 { return "identical decoded audio to \(ids[1 - k])" }
        guard k == 0 else { return "identical decoded audio to \(ids[0]) and \(ids.count - 2) other tracks" }
        let shown = ids.dropFirst().prefix(3).joined(separator: ", ")
        let more = ids.count - 1 > 3 ? " and \(ids.count - 4) more" : ""
        return "identical decoded audio to \(ids.count - 1) other tracks: \(shown)\(more)"
    }

    static func decibels(_ amplitude: Double) -> Double {
        amplitude > 0 ? max(-120, round(20 * log10(amplitude), 2)) : -120
    }

    static func round(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }

    static func seconds(_ frames: Int, _ rate: Int) -> String {
        rate > 0 ? String(format: "%.2f s", Double(frames) / Double(rate)) : "\(frames) frames"
    }
}
