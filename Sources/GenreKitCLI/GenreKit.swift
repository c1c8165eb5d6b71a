import ArgumentParser
import Basics
import Foundation
import ModelZoo
import Prepare

@main
struct GenreKit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genrekit",
        abstract: "Take the GTZAN genre dataset from its download to validated tracks, features and models.",
        discussion: """
            Start with `genrekit synth --faults --out gtzan.zip` for a small synthetic stand-in, or use \
            the real Kaggle zip or Marsyas tarball, then `genrekit unpack`, `validate`, `prepare`, `train` (or `cv`), `package`, `inspect` and `predict`. \
            Every command has --help; genrekit --version prints the version.
            """,
        subcommands: [
            SynthCommand.self, UnpackCommand.self, ValidateCommand.self, PrepareCommand.self, MergeCommand.self,
            TrainCommand.self,
            CVCommand.self, PackageCommand.self, InspectCommand.self, PredictCommand.self, ExportCommand.self,
            ZooCommand.self,
        ]
    )

    /// `genrekit --version`, answered here: the parser's version flag (and a root flag) would
    /// also answer `--version` after any subcommand, so `package --version 1.0.0` printed the
    /// tool's version and packaged nothing.
    static func main() {
        TunedCPU.exitUnlessSupported()
        if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
            print(GenreKitVersion.string)
            return
        }
        main(nil)
    }
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

/// Runs a command's work, the plumbing every command shares: on failure the progress line is
/// cleared and the error becomes one line on standard error and the exit status `fail` gives.
func perform<T>(
    _ command: String, progress: ProgressLine? = nil, afterInterrupt: String = "nothing was left behind",
    _ body: () throws -> T
) throws -> T {
    do { return try body() } catch {
        progress?.finish()
        throw fail(command, error, afterInterrupt: afterInterrupt)
    }
}

/// Prints `genrekit <command>: <message>` on standard error and returns the exit status: 1; 2
/// when the dataset was read but nothing usable is left (`prepare`); or 128 + the signal for an
/// interrupted job (then `afterInterrupt` says what was kept).
func fail(_ command: String, _ error: any Error, afterInterrupt: String = "nothing was left behind") -> ExitCode {
    if case FileError.interrupted(let signal)? = error as? FileError {
        say(command, "\(error); \(afterInterrupt)")
        return ExitCode(128 + signal)
    }
    say(command, "\(error)")
    if let prepare = error as? PrepareError {
        switch prepare {
        case .badSplitList, .unsupported: return Exit.failure
        case .noUsableTrack, .emptyPartitions: return Exit.findings
        }
    }
    return Exit.failure
}

/// One line on standard error: `genrekit <command>: <message>`, control characters escaped.
func say(_ command: String, _ message: String) {
    let line = message.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ")
    FileHandle.standardError.write(Data("genrekit \(command): \(line)\n".utf8))
}
