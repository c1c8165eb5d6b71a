import ArgumentParser
import Basics
import Foundation
import Prepare

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shard folders of prepare --shard I/N into one features folder.",
        discussion: """
            Checks that the shards belong together (the same dataset folder as listed, the same \
            flags and GenreKit version, each of shards 1 to N given once, every track in exactly \
            one, no shard cut short) and writes FEATURES exactly as genrekit prepare of the whole \
            folder would have: the same validation report, split, order and dataset.json, byte for \
            byte. It reads the shards' features, not the audio; the split list file (--split-list), \
            if any, is read again here.

            Examples: genrekit prepare data --out shards/1 --shard 1/2
                      genrekit prepare data --out shards/2 --shard 2/2
                      genrekit merge shards/1 shards/2 --out features
            On Slurm, scripts/slurm/prepare-array.sbatch runs the shards as a job array and \
            scripts/slurm/merge.sbatch the merge (README.md, 'Preparing on a Slurm cluster').
            """)

    @Argument(help: "Every shard folder of the run (prepare --shard's OUT), in any order.")
    var shards: [String]

    @Option(help: ArgumentHelp("The features folder to create.", valueName: "features"))
    var out: String

    @Option(help: "Worker threads (default: all cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Replace FEATURES if it exists.")
    var force = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give the shard folders to merge") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
    }

    func run() throws {
        let progress = ProgressLine(label: "merge", quiet: output.quiet)
        let merge = ShardMerge(jobs: jobs, force: force, progress: progress)
        let (preparer, description) = try perform("merge", progress: progress) {
            try merge.merge(shards: shards, out: out)
        }
        report(description, of: preparer, out: out)
    }
}
