import Foundation

/// How one synthetic genre sounds: tempo, groove, register, harmony and timbre. Every track of
/// a genre draws its own tempo, key, brightness and levels from these ranges.
struct GenreStyle {
    enum Bass { case none, root, rootFifth, walking, octaves, sub }
    enum Chords { case none, sustained, strum, stab, offbeat, comp, power }

    var tempo: ClosedRange<Float>
    /// Delay of every second 16th note, as a fraction of a 16th (0.33 is a shuffle).
    var swing: Float = 0
    /// MIDI note of the key's root.
    var root: ClosedRange<Int>
    var minor: Bool
    var scale: [Int]
    /// Chord root per bar, in semitones above the key.
    var progression: [Int]
    /// 16-step patterns: `x` hits, `.` rests.
    var kick = ""
    var snare = ""
    var hat = ""
    var hatDecay: Float = 0.03
    var drumLevel: Float = 0.6
    var bass: Bass
    var bassHarmonics = 3
    var chords: Chords
    var chordHarmonics = 5
    var chordTilt: Float = 1.2
    var seventh = false
    /// Chance that a lead note starts on each 8th note.
    var leadDensity: Float
    var leadOctave = 1
    var leadHarmonics = 6
    var leadTilt: Float = 1.0
    var vibrato: Float = 0
    var pluckedLead = false
    var drive: Float = 0
    var peak: Float = 0.8

    static let major = [0, 2, 4, 5, 7, 9, 11]
    static let minorScale = [0, 2, 3, 5, 7, 8, 10]
    static let blues = [0, 3, 5, 6, 7, 10]
    static let pentatonic = [0, 2, 4, 7, 9]

    /// The ten GTZAN genres, in the manifest's order.
    static func named(_ genre: String) -> GenreStyle {
        switch genre {
        case "blues":
            GenreStyle(
                tempo: 66...92, swing: 0.33, root: 40...47, minor: false, scale: blues,
                progression: [0, 0, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7], kick: "x.......x.......",
                snare: "....x.......x...", hat: "x...x...x...x...", drumLevel: 0.4, bass: .walking,
                chords: .strum, chordHarmonics: 6, seventh: true, leadDensity: 0.45, leadOctave: 2, leadHarmonics: 7,
                leadTilt: 0.9, vibrato: 0.01, drive: 0.8, peak: 0.75)
        case "classical":
            GenreStyle(
                tempo: 56...88, root: 48...60, minor: false, scale: major, progression: [0, 5, 7, 0, 9, 2, 7, 0],
                bass: .root, bassHarmonics: 4, chords: .sustained, chordHarmonics: 5, chordTilt: 1.8,
                leadDensity: 0.5, leadOctave: 2, leadHarmonics: 5, leadTilt: 1.6, vibrato: 0.005, peak: 0.45)
        case "country":
            GenreStyle(
                tempo: 100...132, root: 43...52, minor: false, scale: pentatonic, progression: [0, 5, 0, 7],
                kick: "x.......x.......", snare: "....x.......x...", hat: "..x...x...x...x.", drumLevel: 0.45,
                bass: .rootFifth, chords: .strum, chordHarmonics: 6, leadDensity: 0.4, leadOctave: 2,
                leadHarmonics: 6, vibrato: 0.006, pluckedLead: true, peak: 0.7)
        case "disco":
            GenreStyle(
                tempo: 112...128, root: 41...50, minor: true, scale: minorScale, progression: [0, 0, 5, 7],
                kick: "x...x...x...x...", snare: "....x.......x...", hat: "..x...x...x...x.", hatDecay: 0.08,
                drumLevel: 0.7, bass: .octaves, bassHarmonics: 4, chords: .stab, chordHarmonics: 7, chordTilt: 1.0,
                leadDensity: 0.3, leadOctave: 2, leadHarmonics: 4, leadTilt: 1.4, vibrato: 0.004, peak: 0.8)
        case "hiphop":
            GenreStyle(
                tempo: 80...98, swing: 0.15, root: 36...43, minor: true, scale: minorScale,
                progression: [0, 0, 8, 7], kick: "x......x..x.....", snare: "....x.......x...",
                hat: "x.x.x.x.x.x.x.x.", drumLevel: 0.9, bass: .sub, bassHarmonics: 1, chords: .comp,
                chordHarmonics: 3, chordTilt: 2.0, leadDensity: 0.1, leadOctave: 2, leadHarmonics: 3, peak: 0.85)
        case "jazz":
            GenreStyle(
                tempo: 100...176, swing: 0.33, root: 41...50, minor: false, scale: major,
                progression: [2, 7, 0, 0, 9, 2, 7, 0], kick: "x.......x.......", snare: "..........x.....",
                hat: "x...x.x.x...x.x.", hatDecay: 0.15, drumLevel: 0.3, bass: .walking, bassHarmonics: 2,
                chords: .comp, chordHarmonics: 6, chordTilt: 1.5, seventh: true, leadDensity: 0.55, leadOctave: 1,
                leadHarmonics: 8, leadTilt: 0.8, vibrato: 0.008, peak: 0.55)
        case "metal":
            GenreStyle(
                tempo: 140...196, root: 28...35, minor: true, scale: [0, 1, 3, 5, 7, 8, 10],
                progression: [0, 0, 1, 0, 5, 3, 1, 0], kick: "xxxxxxxxxxxxxxxx", snare: "....x.......x...",
                hat: "x.......x.......", hatDecay: 0.3, drumLevel: 0.8, bass: .octaves, bassHarmonics: 6,
                chords: .power, chordHarmonics: 10, chordTilt: 0.7, leadDensity: 0.25, leadOctave: 2,
                leadHarmonics: 9, leadTilt: 0.7, vibrato: 0.012, drive: 4, peak: 0.9)
        case "pop":
            GenreStyle(
                tempo: 98...126, root: 48...57, minor: false, scale: major, progression: [0, 7, 9, 5],
                kick: "x.......x.x.....", snare: "....x.......x...", hat: "x.x.x.x.x.x.x.x.", drumLevel: 0.6,
                bass: .root, chords: .sustained, chordHarmonics: 4, chordTilt: 1.2, leadDensity: 0.6, leadOctave: 2,
                leadHarmonics: 5, leadTilt: 0.6, vibrato: 0.003, peak: 0.8)
        case "reggae":
            GenreStyle(
                tempo: 66...86, swing: 0.1, root: 38...45, minor: true, scale: minorScale, progression: [0, 5, 0, 7],
                kick: "........x.......", snare: "........x.......", hat: "..x...x...x...x.", drumLevel: 0.55,
                bass: .sub, bassHarmonics: 2, chords: .offbeat, chordHarmonics: 6, chordTilt: 1.0,
                leadDensity: 0.15, leadOctave: 2, leadHarmonics: 4, peak: 0.7)
        default:  // rock
            GenreStyle(
                tempo: 108...142, root: 38...45, minor: false, scale: [0, 2, 4, 5, 7, 9, 10],
                progression: [0, 0, 10, 5], kick: "x.....x.x.......", snare: "....x.......x...",
                hat: "x.x.x.x.x.x.x.x.", drumLevel: 0.7, bass: .root, bassHarmonics: 4, chords: .power,
                chordHarmonics: 8, chordTilt: 0.9, leadDensity: 0.3, leadOctave: 2, leadHarmonics: 7,
                vibrato: 0.008, drive: 2, peak: 0.85)
        }
    }

    static func frequency(_ midi: Int) -> Float { 440 * pow(2, Float(midi - 69) / 12) }

    /// Renders one track.
    /// - Parameter artist: the artist's signature, when the track has a known artist: its tempo,
    ///   key, brightness, drums and lead density land most of the way to the artist's.
    /// - Returns: `[frames]` 16-bit samples and the tempo drawn.
    func render(sampleRate: Int, seconds: Double, seed: UInt64, artist: ArtistSignature? = nil)
        -> (samples: [Int16], tempo: Float)
    {
        if let artist {
            return playedBy(artist).render(sampleRate: sampleRate, seconds: seconds, seed: seed, own: artist)
        }
        return render(sampleRate: sampleRate, seconds: seconds, seed: seed, own: nil)
    }

    private func render(sampleRate: Int, seconds: Double, seed: UInt64, own artist: ArtistSignature?)
        -> (samples: [Int16], tempo: Float)
    {
        let frames = Int(Double(sampleRate) * seconds)
        var r = Renderer(sampleRate: sampleRate, frames: frames, seed: seed)
        var tempo = r.random.uniform(tempo)
        var key = r.random.int(root)
        var bright = r.random.uniform(0.85...1.15)
        var drums = drumLevel * r.random.uniform(0.8...1.2)
        var density = leadDensity * r.random.uniform(0.7...1.3)
        if let artist {
            let span = self.tempo.upperBound - self.tempo.lowerBound
            tempo = ArtistSignature.pull(tempo, to: self.tempo.lowerBound + artist.tempo * span)
            key = root.lowerBound + min(Int(artist.key * Float(root.count)), root.count - 1)
            bright = ArtistSignature.pull(bright, to: artist.bright)
            drums = ArtistSignature.pull(drums, to: drumLevel * artist.drums)
            density = ArtistSignature.pull(density, to: leadDensity * artist.density)
        }
        let rotate = r.random.int(0...(progression.count - 1))
        let sixteenth = 60 / tempo / 4
        let barLength = sixteenth * 16
        let third = minor ? 3 : 4
        let bars = Int((Float(seconds) / barLength).rounded(.up))
        var leadNote = key + 12 * leadOctave

        func time(_ bar: Int, _ step: Int) -> Float {
            Float(bar) * barLength + Float(step) * sixteenth + (step % 2 == 1 ? swing * sixteenth : 0)
        }
        func hits(_ pattern: String) -> [Int] {
            pattern.enumerated().compactMap { $0.element == "x" ? $0.offset : nil }
        }
        let kicks = hits(kick)
        let snares = hits(snare)
        let hats = hits(hat)

        for bar in 0..<bars {
            let chordRoot = key + progression[(bar + rotate) % progression.count]
            var chord = [chordRoot, chordRoot + third, chordRoot + 7]
            if seventh { chord.append(chordRoot + 10) }
            if chords == .power { chord = [chordRoot, chordRoot + 7, chordRoot + 12] }

            for s in kicks { r.kick(at: time(bar, s), amplitude: drums * (s % 4 == 0 ? 1 : 0.7)) }
            for s in snares {
                r.noise(at: time(bar, s), amplitude: drums * 0.6, decay: 0.06, highpass: false, tone: 0.5)
            }
            for s in hats {
                r.noise(at: time(bar, s), amplitude: drums * 0.25 * bright, decay: hatDecay, highpass: true)
            }

            let bassNote = chordRoot - 12
            switch bass {
            case .none: break
            case .root:
                for beat in 0..<4 {
                    r.tone(
                        at: time(bar, beat * 4), duration: sixteenth * 3.5, frequency: Self.frequency(bassNote),
                        amplitude: 0.5, harmonics: bassHarmonics, tilt: 1.5, decay: 0.6)
                }
            case .rootFifth:
                for beat in 0..<4 {
                    let note = beat % 2 == 0 ? bassNote : bassNote + 7
                    r.tone(
                        at: time(bar, beat * 4), duration: sixteenth * 3, frequency: Self.frequency(note),
                        amplitude: 0.5, harmonics: bassHarmonics, tilt: 1.5, decay: 0.4)
                }
            case .walking:
                for beat in 0..<4 {
                    let note = bassNote + scale[r.random.int(0...(scale.count - 1))]
                    r.tone(
                        at: time(bar, beat * 4), duration: sixteenth * 4, frequency: Self.frequency(note),
                        amplitude: 0.45, harmonics: bassHarmonics, tilt: 1.8, decay: 0.5)
                }
            case .octaves:
                for eighth in 0..<8 {
                    let note = eighth % 2 == 0 ? bassNote : bassNote + 12
                    r.tone(
                        at: time(bar, eighth * 2), duration: sixteenth * 1.8, frequency: Self.frequency(note),
                        amplitude: 0.45, harmonics: bassHarmonics, tilt: 1.2, decay: 0.2)
                }
            case .sub:
                for s in [0, 7, 10] {
                    r.tone(
                        at: time(bar, s), duration: sixteenth * 5, frequency: Self.frequency(bassNote - 12),
                        amplitude: 0.9, harmonics: bassHarmonics, tilt: 2, decay: 0.8)
                }
            }

            let tilt = chordTilt / bright
            switch chords {
            case .none: break
            case .sustained:
                for note in chord {
                    r.tone(
                        at: time(bar, 0), duration: barLength, frequency: Self.frequency(note + 12),
                        amplitude: 0.12, harmonics: chordHarmonics, tilt: tilt, attack: 0.25, decay: 6, vibrato: 0.003)
                }
            case .strum:
                for beat in [0, 6, 8, 14] {
                    for (i, note) in chord.enumerated() {
                        r.pluck(
                            at: time(bar, beat) + Float(i) * 0.012, duration: sixteenth * 6,
                            frequency: Self.frequency(note + 12), amplitude: 0.12, brightness: 0.5 * bright)
                    }
                }
            case .stab, .offbeat:
                for s in chords == .stab ? [4, 12] : [2, 6, 10, 14] {
                    for note in chord {
                        r.tone(
                            at: time(bar, s), duration: sixteenth * 1.2, frequency: Self.frequency(note + 12),
                            amplitude: 0.12, harmonics: chordHarmonics, tilt: tilt, decay: 0.1)
                    }
                }
            case .comp:
                for s in [0, 6, 11] where r.random.nextUnit() < 0.8 {
                    for note in chord {
                        r.tone(
                            at: time(bar, s), duration: sixteenth * 3, frequency: Self.frequency(note + 12),
                            amplitude: 0.1, harmonics: chordHarmonics, tilt: tilt, decay: 0.5)
                    }
                }
            case .power:
                for eighth in 0..<8 {
                    for note in chord {
                        r.tone(
                            at: time(bar, eighth * 2), duration: sixteenth * 1.9, frequency: Self.frequency(note),
                            amplitude: 0.14, harmonics: chordHarmonics, tilt: tilt, decay: 0.3)
                    }
                }
            }

            for eighth in 0..<8 where r.random.nextUnit() < density {
                let stepInScale = r.random.int(-2...2)
                let base = leadNote - key - 12 * leadOctave
                let degree = (scale.firstIndex { $0 >= ((base % 12) + 12) % 12 } ?? 0) + stepInScale
                let octave = Int((Float(degree) / Float(scale.count)).rounded(.down))
                let wrapped = ((degree % scale.count) + scale.count) % scale.count
                leadNote = max(
                    key + 12, min(key + 12 * (leadOctave + 1), key + 12 * (leadOctave + octave) + scale[wrapped]))
                let length = sixteenth * Float(2 * r.random.int(1...3))
                if pluckedLead {
                    r.pluck(
                        at: time(bar, eighth * 2), duration: length * 1.5, frequency: Self.frequency(leadNote),
                        amplitude: 0.3, brightness: 0.6 * bright)
                } else {
                    r.tone(
                        at: time(bar, eighth * 2), duration: length, frequency: Self.frequency(leadNote),
                        amplitude: 0.22, harmonics: leadHarmonics, tilt: leadTilt / bright, attack: 0.02, decay: 1.2,
                        vibrato: vibrato)
                }
            }
        }
        r.distort(drive: drive)
        return (r.pcm16(peak: peak * r.random.uniform(0.85...1.0)), tempo)
    }
}
