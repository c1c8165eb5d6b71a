import ArgumentParser
import Basics
import Foundation
import Synth

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic GTZAN-shaped zip (Kaggle layout) for demos and tests.",
        discussion: """
            Each genre has its own tempo, rhythm, register and timbre, and every track varies them, so \
            a model can learn the genres from MFCCs. The same arguments give the same bytes.

            --faults adds what real downloads have: an undecodable jazz.00054.wav, a country track of \
            28.5 s, a metal track whose header promises more audio than the file holds, a reggae track \
            that repeats reggae.00000 exactly, and macOS junk (__MACOSX/, ._*, .DS_Store).

            --blend F mixes a second genre under every track, at a level drawn between 0 and F of the \
            track's own: the genres overlap, so no model reaches 100 % and comparing models means \
            something (benchmarks/accuracy.sh uses --blend 0.8).

            Example: genrekit synth --out gtzan-synth.zip --tracks-per-genre 10 --faults
            """)

    @Option(
        help: ArgumentHelp("The archive to write: a .zip, or a .tar.gz with the same layout.", valueName: "file.zip"))
    var out: String

    @Flag(help: "Replace --out if it exists.")
    var force = false

    @Option(help: "Tracks per genre (the real dataset has 100).")
    var tracksPerGenre = 10

    @Option(help: "Length of each track in seconds (GTZAN's are 30).")
    var seconds = 30.0

    @Option(help: "Random seed: the same seed gives the same bytes.")
    var seed: UInt64 = 42

    @Flag(help: "Plant the faults real downloads have (see above).")
    var faults = false

    @Option(help: "Mix a second genre under each track, at up to this fraction of its level (0 to 1; see above).")
    var blend: Float = 0

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (1...100).contains(tracksPerGenre) else {
            throw ValidationError("--tracks-per-genre must be 1 to 100, not \(tracksPerGenre)")
        }
        guard seconds > 0, seconds <= 600 else {
            throw ValidationError("--seconds must be above 0 and at most 600, not \(seconds)")
        }
        guard (0...1).contains(blend) else { throw ValidationError("--blend must be 0 to 1, not \(blend)") }
        guard SyntheticGTZAN.format(for: out) != nil else {
            throw ValidationError("--out must end in .zip, .tar.gz or .tgz (the archive format), not '\(out)'")
        }
    }

    func run() throws {
        var options = SyntheticGTZAN.Options()
        options.tracksPerGenre = tracksPerGenre
        options.seconds = seconds
        options.seed = seed
        options.faults = faults
        options.blend = blend
        let progress = ProgressLine(label: "synth", quiet: output.quiet)
        try perform("synth", progress: progress) {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: out, isDirectory: &isFolder) {
                if isFolder.boolValue {
                    throw FileError.wrongInput(path: out, message: "a folder; --out names the archive to write")
                }
                if !force { throw FileError.destinationExists(path: out) }
            }
            StaleWork.sweep(beside: URL(fileURLWithPath: out)).forEach {
                progress.note("removed \($0.name), left by an earlier run that was killed (process \($0.pid) is gone)")
            }
            try SyntheticGTZAN(options: options).write(to: out) { done, all in
                progress.update("\(done) of \(all) tracks")
            }
        }
        progress.finish()
        print("wrote \(out): \(tracksPerGenre * 10) synthetic tracks\(faults ? " with planted faults" : "")")
    }
}
