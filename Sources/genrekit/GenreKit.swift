import ArgumentParser
import Dataset
import Foundation
import ModelZoo

@main
struct GenreKit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genrekit",
        abstract: "Take the GTZAN genre dataset from its download to validated tracks, features and models.",
        discussion: """
            Start with `genrekit synth --faults --out gtzan.zip` for a small synthetic stand-in, or use \
            the real Kaggle zip or Marsyas tarball, then `genrekit unpack`, `validate`, `prepare`, `train`, `package`, `inspect` and `predict`. \
            Every command has --help.
            """,
        version: GenreKitVersion.string,
        subcommands: [
            Synth.self, Unpack.self, Validate.self, PrepareFeatures.self, Train.self, PackageModel.self, Inspect.self,
            Predict.self, Zoo.self,
        ]
    )
}

/// Flags every long-running command shares.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print no progress line (it only appears on a terminal anyway).")
    var quiet = false
}

/// Exit statuses, the same for every command (see README.md).
enum Exit {
    /// The input cannot be read, was refused as unsafe, or the output cannot be written.
    static let failure = ExitCode(1)
    /// The input was read, but the dataset is not usable (or, with --strict, not clean).
    static let findings = ExitCode(2)
}

/// Prints `genrekit <command>: <message>` on standard error and returns the exit status: 1, or
/// 128 + the signal for an interrupted job (then `afterInterrupt` says what was kept).
func fail(_ command: String, _ error: any Error, afterInterrupt: String = "nothing was left behind") -> ExitCode {
    func say(_ message: String) { FileHandle.standardError.write(Data("genrekit \(command): \(message)\n".utf8)) }
    if case DatasetError.interrupted(let signal)? = error as? DatasetError {
        say("\(error); \(afterInterrupt)")
        return ExitCode(128 + signal)
    }
    say("\(error)")
    return Exit.failure
}
