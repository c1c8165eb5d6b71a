import ArgumentParser
import ModelZoo

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Verify a model bundle and describe it: genres, features, architecture, recipe, data, accuracy.",
        discussion: """
            Every file is checked against the SHA-256 and size the manifest records, and the weights \
            against the architecture, before anything is printed. A missing, extra or altered file, a \
            manifest of an unknown schema version, or weights whose names or shapes do not match: one \
            line naming the file, exit status 1.

            Examples: genrekit inspect zoo/lstm-norm-1.0.0.tar.gz
                      genrekit inspect zoo/lstm-norm-1.0.0.tar.gz --json > manifest.json
            """)

    @Argument(help: "A bundle (.tar.gz) genrekit package wrote.")
    var bundle: String

    @Flag(help: "Print the verified manifest.json as it is stored.")
    var json = false

    func run() throws {
        let b = try perform("inspect") { try ModelBundle.open(bundle) }
        if json {
            print(String(decoding: b.manifestBytes, as: UTF8.self), terminator: "")
        } else {
            print(ModelCard.text(b.manifest, bundle: bundle), terminator: "")
        }
    }
}
