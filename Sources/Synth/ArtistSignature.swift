import Basics

/// What makes an artist's excerpts alike in the synthetic GTZAN, as they are in the real one
/// (Bob Marley is 35 of the 100 reggae excerpts): a tempo centre and key within the genre's
/// ranges, brightness, drum level and lead density, the lead's and chords' timbre, the drive, and
/// the mix (which genre plays under the tracks when `blend` is on, and how loud). Each excerpt
/// of the artist draws its own values and lands most of the way to the artist's, so a model can
/// learn the artist, and a split that puts the artist on both sides leaks.
struct ArtistSignature: Sendable, Equatable {
    /// Positions in the genre's tempo and key ranges (0 to 1).
    var tempo: Float
    var key: Float
    var bright: Float
    var drums: Float
    var density: Float
    var leadHarmonics: Int
    var chordTilt: Float
    var drive: Float
    /// The genre under the tracks (an offset from the track's genre, 1 to genres - 1) and its level
    /// (0 to 1 of `blend`).
    var underlay: Int
    var underlayLevel: Float

    /// How far each excerpt lands from the artist's values: 0 is the artist's, 1 its own draw.
    static let spread: Float = 0.15

    /// The signature of `artist`, the same for every run with the same seed.
    init(artist: String, seed: UInt64, genres: Int) {
        var r = SplitMix64(seed: seed ^ FNV1a.hash64("artist " + artist))
        tempo = r.nextUnit()
        key = r.nextUnit()
        bright = 0.85 + 0.3 * r.nextUnit()
        drums = 0.8 + 0.4 * r.nextUnit()
        density = 0.7 + 0.6 * r.nextUnit()
        leadHarmonics = Int(r.next() % 5) - 2
        chordTilt = 0.75 + 0.5 * r.nextUnit()
        drive = 0.5 + r.nextUnit()
        underlay = 1 + Int(r.next() % UInt64(max(genres - 1, 1)))
        underlayLevel = r.nextUnit()
    }

    /// `own` pulled most of the way to `artist`'s value.
    static func pull(_ own: Float, to artist: Float) -> Float { artist + spread * (own - artist) }
}

extension GenreStyle {
    /// The style with the artist's instrumentation: lead harmonics, chord timbre and drive.
    func playedBy(_ s: ArtistSignature) -> GenreStyle {
        var style = self
        style.leadHarmonics = max(1, leadHarmonics + s.leadHarmonics)
        style.chordTilt = chordTilt * s.chordTilt
        style.drive = drive * s.drive
        return style
    }
}
