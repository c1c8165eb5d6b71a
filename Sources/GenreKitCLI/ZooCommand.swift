import ArgumentParser
import Basics
import ModelZoo

struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Work with a zoo folder of model bundles.",
        subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a zoo's bundles as a leaderboard: best test track accuracy first.",
            discussion: """
                Each row: rank, name and version, test track and segment accuracy, validation \
                segment accuracy, the split they are on (compare models on the same split only), \
                the recipe, the input features, trainable parameters, and the median seconds per \
                training epoch on the machine that trained it.

                Reads ZOO/index.json, which genrekit package keeps, and checks it against the bundles in \
                the folder: a bundle the index lacks (a package run that was interrupted) is listed, \
                and an entry whose file is gone is left out, each with a note.

                Example: genrekit zoo list zoo
                """)

        @Argument(help: "The zoo folder.")
        var zoo: String

        @Flag(help: "Print index.json's entries as JSON.")
        var json = false

        func run() throws {
            try perform("zoo list") {
                try InputPath.requireFolder(zoo, purpose: .zoo)
                let (index, repairs) = try ZooIndex.load(zoo).reconciled(with: zoo)
                for note in ZooIndex.notes(repairs) { say("zoo list", note) }
                if json {
                    print(String(decoding: try index.json(), as: UTF8.self), terminator: "")
                } else if index.bundles.isEmpty {
                    print("\(zoo): no bundles (genrekit package adds them)")
                } else {
                    print(index.table)
                }
            }
        }
    }
}
