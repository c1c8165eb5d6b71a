import Foundation

/// What a path the user gave turns out to be, so a wrong one gets a message that says what to
/// do instead of a failure deep inside (a zip given to `prepare`, a run folder given to
/// `predict`), and the checks that keep an output from destroying an input.
public enum InputPath {
    /// What a command expects.
    public enum Expected: Sendable {
        /// An unpacked dataset folder (`prepare`, `validate`).
        case dataset
        /// A features folder (`train`).
        case features
        /// A run folder (`package`).
        case run
        /// A zoo folder (`zoo list`).
        case zoo
        /// A bundle file (`inspect`, `predict`).
        case bundle
    }

    /// What is at a path.
    public enum Kind: Sendable, Equatable {
        case missing
        case datasetFolder, featuresFolder, runFolder, zooFolder, otherFolder
        /// A zip or a tarball: a dataset download, or a bundle.
        case archive, audio, otherFile
    }

    public static func kind(_ path: String) -> Kind {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return .missing }
        func has(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }
        if isFolder.boolValue {
            if has("dataset.json") { return .featuresFolder }
            if has("run.json") || has("recipe.json") || has("checkpoint.safetensors") { return .runFolder }
            if has("index.json") { return .zooFolder }
            if has("genres") || has("validation.json") || has("Data") { return .datasetFolder }
            return .otherFolder
        }
        let head: [UInt8] =
            FileHandle(forReadingAtPath: path).map { h -> [UInt8] in
                defer { try? h.close() }
                return Array((try? h.read(upToCount: 512)) ?? Data())
            } ?? []
        let lower = path.lowercased()
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x1F, 0x8B])
            || head.starts(with: [0x42, 0x5A, 0x68]) || head.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A])
            || (head.count > 262 && Array(head[257..<262]) == Array("ustar".utf8)) || lower.hasSuffix(".tar")
        {
            return .archive
        }
        let audio: [[UInt8]] = [
            Array("RIFF".utf8), Array("RF64".utf8), Array("FORM".utf8), Array("fLaC".utf8),
            Array("OggS".utf8), Array(".snd".utf8), Array("ID3".utf8), [0xFF, 0xFB], [0xFF, 0xF3],
        ]
        if audio.contains(where: { head.starts(with: $0) }) { return .audio }
        return .otherFile
    }

    /// Refuses a path that is not the folder `expected`, saying what it is and what to do.
    /// - Throws: `FileError.wrongInput`.
    public static func requireFolder(_ path: String, purpose expected: Expected) throws(FileError) {
        let found = kind(path)
        switch (expected, found) {
        case (.dataset, .datasetFolder), (.dataset, .otherFolder), (.features, .featuresFolder), (.run, .runFolder),
            (.zoo, .zooFolder), (.zoo, .otherFolder):
            return
        default: throw .wrongInput(path: path, message: advice(found, expected: expected))
        }
    }

    /// Refuses a path that is not a bundle file.
    public static func requireBundle(_ path: String) throws(FileError) {
        let found = kind(path)
        if found == .archive || found == .otherFile { return }
        throw .wrongInput(path: path, message: advice(found, expected: .bundle))
    }

    /// One clause: what the path is, and the command that takes it.
    static func advice(_ found: Kind, expected: Expected) -> String {
        let wanted =
            switch expected {
            case .dataset: "an unpacked dataset folder"
            case .features: "a features folder (genrekit prepare DATA --out FEATURES makes one)"
            case .run: "a run folder (genrekit train FEATURES --out RUN makes one)"
            case .zoo: "a zoo folder"
            case .bundle: "a bundle (.tar.gz from genrekit package)"
            }
        switch found {
        case .missing: return "no such file or folder; expected \(wanted)"
        case .archive: return "an archive, not \(wanted): unpack it first (genrekit unpack ARCHIVE --into DATA)"
        case .datasetFolder:
            return "an unpacked dataset, not \(wanted): genrekit prepare DATA --out FEATURES turns it into features"
        case .featuresFolder: return "a features folder, not \(wanted): genrekit train FEATURES --out RUN trains on it"
        case .runFolder:
            return
                "a run folder, not \(wanted): genrekit package RUN --model-version 1.0.0 --zoo ZOO makes a bundle of it"
        case .zooFolder:
            return "a zoo folder, not \(wanted): give one of its bundles (genrekit zoo list ZOO lists them)"
        case .audio:
            return "an audio file, not \(wanted)"
                + (expected == .bundle ? ": the bundle comes first (genrekit predict BUNDLE AUDIO...)" : "")
        case .otherFolder: return "a folder, not \(wanted)"
        case .otherFile: return "a file, not \(wanted)"
        }
    }

    /// Refuses an output that is one of the inputs, lies inside one, or holds one: replacing it
    /// (`--force`) would delete the input, and writing inside a dataset mixes outputs into it.
    /// - Throws: `FileError.overlap`.
    public static func refuseOverlap(output: String, inputs: [String]) throws(FileError) {
        let out = resolved(output)
        for input in inputs {
            let inp = resolved(input)
            if out == inp || out.hasPrefix(inp + "/") || inp.hasPrefix(out + "/") {
                throw .overlap(output: output, input: input)
            }
        }
    }

    /// The absolute path with symbolic links resolved as far as the path exists.
    static func resolved(_ path: String) -> String {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var tail: [String] = []
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            tail.insert(url.lastPathComponent, at: 0)
            url.deleteLastPathComponent()
        }
        let base = url.resolvingSymlinksInPath().path
        return ([base == "/" ? "" : base] + tail).joined(separator: "/")
    }
}
