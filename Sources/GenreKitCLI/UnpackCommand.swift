import ArgumentParser
import Basics
import Dataset

struct UnpackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpack",
        abstract: "Unpack a GTZAN zip or tarball into DIR/genres/<genre>/<id>.<ext>, validating every track.",
        discussion: """
            Reads the Kaggle zip (Data/genres_original/...) or the Marsyas tarball (genres/...) in one \
            streaming pass with libarchive. Only the audio is written; images, CSVs and macOS junk are \
            skipped and listed in DIR/validation.json, which holds the same report as `genrekit validate \
            --json`.

            Unsafe archives are refused with nothing left behind: entries with '..' or absolute paths, \
            links, devices or FIFOs, colliding names, encrypted entries, and entries past the size or \
            compression-ratio limits (measured on the bytes actually inflated). The work happens in a \
            hidden folder beside DIR that is renamed into place at the end.

            --layout folders unpacks any labelled dataset instead: entries <label>/<file> (possibly \
            under one top folder) become DIR/<label>/<file>, checked as validate --layout folders \
            checks them.

            Examples: genrekit unpack gtzan.zip --into data
                      genrekit unpack my-genres.zip --into my-data --layout folders
            """)

    @Argument(help: "The zip or tar(.gz) archive.")
    var archive: String

    @Option(help: ArgumentHelp("The folder to create.", valueName: "dir"))
    var into: String

    @Flag(help: "Replace DIR if it exists.")
    var force = false

    @OptionGroup var dataset: LayoutOptions

    @OptionGroup var limits: ArchiveOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let progress = ProgressLine(label: "unpack", quiet: output.quiet)
        let manifest = try perform("unpack") { try dataset.manifest(for: archive) }
        let validator = Validator(manifest: manifest, limits: limits.limits, progress: progress)
        let report = try perform("unpack", progress: progress) {
            try Unpacker(validator: validator).unpack(archive: archive, into: into, force: force)
        }
        let s = report.summary
        print(
            "unpacked \(s.tracks) tracks into \(dataset.layout == .gtzan ? into + "/genres" : into): \(s.ok) ok, \(s.warning) warning, \(s.corrupt) corrupt; "
                + "\(s.skippedFiles) other files skipped; report in \(into)/validation.json")
        if !report.isUsable { throw Exit.findings }
    }
}
