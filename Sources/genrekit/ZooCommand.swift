import ArgumentParser
import ModelZoo

struct Zoo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Work with a zoo folder of model bundles.",
        subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a zoo's bundles: name, version, creation time and accuracy.",
            discussion: "Reads ZOO/index.json, which genrekit package keeps.\n\nExample: genrekit zoo list zoo")

        @Argument(help: "The zoo folder.")
        var zoo: String

        @Flag(help: "Print index.json's entries as JSON.")
        var json = false

        func run() throws {
            do {
                let index = try ZooIndex.load(zoo)
                if json {
                    print(String(decoding: try index.json(), as: UTF8.self), terminator: "")
                } else if index.bundles.isEmpty {
                    print("\(zoo): no bundles (genrekit package adds them)")
                } else {
                    print(index.table)
                }
            } catch {
                throw fail("zoo list", error)
            }
        }
    }
}
