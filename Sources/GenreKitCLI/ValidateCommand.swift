import ArgumentParser
import Basics
import Dataset

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract:
            "Probe every track of a GTZAN (or labelled-folders) archive or folder and report what is wrong with each.",
        discussion: """
            Writes nothing. Each track gets a status (ok, warning, corrupt) and problems with stable \
            codes: undecodable, truncated, short, sample-rate, channels, sample-format, silent, clipped, \
            duplicate, unexpected-name; ids the dataset expects but that are absent are listed as missing.

            --layout folders takes any labelled dataset, ROOT/<label>/<file> (in an archive, possibly \
            under one top folder): only the checks that apply to any audio are made (undecodable, \
            truncated, non-finite, silent, clipped, duplicate); GTZAN's ids, format and 30 s are not \
            expected.

            Exit status: 0 when the dataset is usable (findings are findings, not failures); 2 when no \
            track is usable, or with --strict when any track is not ok; 1 when the input cannot be read.

            Examples: genrekit validate gtzan.zip
                      genrekit validate data --json > report.json
                      genrekit validate my-genres --layout folders
            """)

    @Argument(
        help:
            "An archive (zip, tar, tar.gz) or a folder holding genres/<genre>/<id>.<ext> (or <label>/<file> with --layout folders)."
    )
    var input: String

    @OptionGroup var dataset: LayoutOptions

    @Flag(help: "Print the report as JSON (the structure unpack writes to validation.json).")
    var json = false

    @Flag(help: "Exit with status 2 if any track is not ok.")
    var strict = false

    @OptionGroup var limits: ArchiveOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let progress = ProgressLine(label: "validate", quiet: output.quiet)
        let report = try perform("validate", progress: progress) {
            let report = try Validator(
                manifest: try dataset.manifest(for: input), limits: limits.limits, progress: progress
            ).validate(
                path: input)
            print(json ? try ReportFormatter.json(report) : ReportFormatter.text(report), terminator: "")
            return report
        }
        if !report.isUsable || (strict && !report.isClean) { throw Exit.findings }
    }
}
