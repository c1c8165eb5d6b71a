import CFuzzer
import FuzzEntries

#if canImport(Glibc)
    import Glibc
#endif

/// The entry `GENREKIT_FUZZ_TARGET` names (archive, npy, safetensors, manifest, bundle, audio).
let entry: FuzzEntry = {
    let name = getenv("GENREKIT_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let entry = FuzzEntry(rawValue: name) else {
        let message = "GENREKIT_FUZZ_TARGET must be one of \(FuzzEntry.allCases.map(\.rawValue)), not '\(name)'\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        exit(64)
    }
    return entry
}()

/// One input through the chosen entry.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    entry.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// SwiftPM names the entry point itself, so libFuzzer's own main is not linked: run its driver.
@main struct Fuzz {
    static func main() {
        _ = entry
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}
