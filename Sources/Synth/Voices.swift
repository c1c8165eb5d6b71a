import Basics
import Foundation

/// A small deterministic synthesiser: additive tones, plucked strings (Karplus-Strong) and
/// drums, mixed into one float buffer. Same seed, same samples.
struct Renderer {
    let sampleRate: Float
    var buffer: [Float]
    var random: SplitMix64

    init(sampleRate: Int, frames: Int, seed: UInt64) {
        self.sampleRate = Float(sampleRate)
        buffer = [Float](repeating: 0, count: frames)
        random = SplitMix64(seed: seed)
    }

    /// Adds a note of `harmonics` partials whose amplitudes fall as k^-tilt, with an
    /// attack/exponential-decay envelope and optional vibrato.
    /// - Parameters: times in seconds, `frequency` in Hz.
    mutating func tone(
        at start: Float, duration: Float, frequency: Float, amplitude: Float, harmonics: Int, tilt: Float,
        attack: Float = 0.01, decay: Float = 1.5, vibrato: Float = 0
    ) {
        let first = Int(start * sampleRate)
        let count = min(Int(duration * sampleRate), buffer.count - first)
        guard first >= 0, count > 0 else { return }
        let nyquist = sampleRate / 2
        var partials: [(step: Float, amp: Float)] = []
        for k in 1...max(1, harmonics) {
            let f = frequency * Float(k)
            if f >= nyquist * 0.9 { break }
            partials.append((f / sampleRate * Float(SineTable.size), amplitude * pow(Float(k), -tilt)))
        }
        let attackFrames = max(1, attack * sampleRate)
        let decayPerFrame = exp(-1 / (max(decay, 0.01) * sampleRate))
        let releaseFrames = min(Float(count), 0.02 * sampleRate)
        let vibratoStep = 5.5 / sampleRate * Float(SineTable.size)
        var phases = [Float](repeating: 0, count: partials.count)
        var vibratoPhase: Float = 0
        var envelope: Float = 1
        buffer.withUnsafeMutableBufferPointer { out in
            for i in 0..<count {
                let rise = min(1, Float(i) / attackFrames)
                let fall = min(1, Float(count - i) / releaseFrames)
                let bend = vibrato == 0 ? 1 : 1 + vibrato * SineTable.value(vibratoPhase)
                vibratoPhase += vibratoStep
                var sample: Float = 0
                for p in 0..<partials.count {
                    sample += partials[p].amp * SineTable.value(phases[p])
                    phases[p] += partials[p].step * bend
                }
                out[first + i] += sample * envelope * rise * fall
                envelope *= decayPerFrame
            }
        }
    }

    /// Adds a plucked string (Karplus-Strong): a noise burst in a damped delay line.
    mutating func pluck(at start: Float, duration: Float, frequency: Float, amplitude: Float, brightness: Float) {
        let first = Int(start * sampleRate)
        let count = min(Int(duration * sampleRate), buffer.count - first)
        let period = max(2, Int(sampleRate / frequency))
        guard first >= 0, count > 0 else { return }
        var line = (0..<period).map { _ in random.nextSigned() * amplitude }
        let damping: Float = 0.996
        var index = 0
        buffer.withUnsafeMutableBufferPointer { out in
            for i in 0..<count {
                let next = (index + 1) % period
                let value = line[index]
                line[index] = damping * (brightness * value + (1 - brightness) * 0.5 * (value + line[next]))
                out[first + i] += value
                index = next
            }
        }
    }

    /// Adds a kick drum: a sine whose pitch falls from `pitch` * 3 to `pitch`.
    mutating func kick(at start: Float, amplitude: Float, pitch: Float = 55, decay: Float = 0.12) {
        let first = Int(start * sampleRate)
        let count = min(Int(decay * 5 * sampleRate), buffer.count - first)
        guard first >= 0, count > 0 else { return }
        var phase: Float = 0
        let table = Float(SineTable.size)
        buffer.withUnsafeMutableBufferPointer { out in
            for i in 0..<count {
                let t = Float(i) / sampleRate
                let f = pitch * (1 + 2 * exp(-t / 0.03))
                phase += f / sampleRate * table
                out[first + i] += amplitude * exp(-t / decay) * SineTable.value(phase)
            }
        }
    }

    /// Adds noise through a one-pole filter: `highpass` for cymbals, low-passed for snares.
    mutating func noise(at start: Float, amplitude: Float, decay: Float, highpass: Bool, tone: Float = 0) {
        let first = Int(start * sampleRate)
        let count = min(Int(decay * 5 * sampleRate), buffer.count - first)
        guard first >= 0, count > 0 else { return }
        var low: Float = 0
        var phase: Float = 0
        let step = 190 / sampleRate * Float(SineTable.size)
        for i in 0..<count {
            let t = Float(i) / sampleRate
            let white = random.nextSigned()
            low += 0.25 * (white - low)
            let shaped = highpass ? white - low : low * 2
            let body = tone * SineTable.value(phase) * exp(-t / 0.05)
            phase += step
            buffer[first + i] += amplitude * exp(-t / decay) * shaped + amplitude * body
        }
    }

    /// Soft clipping: `tanh(drive * x) / tanh(drive)`.
    mutating func distort(drive: Float) {
        guard drive > 0 else { return }
        let norm = 1 / tanh(drive)
        for i in buffer.indices { buffer[i] = tanh(drive * buffer[i]) * norm }
    }

    /// Scales to `peak` of full scale and converts to 16-bit samples.
    func pcm16(peak: Float) -> [Int16] {
        let largest = buffer.reduce(0) { max($0, abs($1)) }
        let gain = largest > 0 ? peak * 32767 / largest : 0
        return buffer.map { Int16(max(-32767, min(32767, ($0 * gain).rounded()))) }
    }
}

/// A 4096-point sine table with linear interpolation, indexed by phase in table steps.
enum SineTable {
    static let size = 4096
    static let values: [Float] = (0...size).map { Float(sin(2 * Double.pi * Double($0) / Double(size))) }

    @inline(__always)
    static func value(_ phase: Float) -> Float {
        let wrapped = phase - Float(size) * (phase / Float(size)).rounded(.down)
        let i = min(Int(wrapped), size - 1)
        let frac = wrapped - Float(i)
        return values.withUnsafeBufferPointer { $0[i] + frac * ($0[i + 1] - $0[i]) }
    }
}

extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func nextUnit() -> Float { Float(next() >> 40) / Float(1 << 24) }
    /// Uniform in [-1, 1).
    mutating func nextSigned() -> Float { nextUnit() * 2 - 1 }
    /// Uniform in `range`.
    mutating func uniform(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + nextUnit() * (range.upperBound - range.lowerBound)
    }
    /// Uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
