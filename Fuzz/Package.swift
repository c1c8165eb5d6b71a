// swift-tools-version:6.0
// The fuzzer: one executable that feeds libFuzzer's inputs to the entry GENREKIT_FUZZ_TARGET
// names (Sources/FuzzEntries in the main package), built with libFuzzer and the address
// sanitizer (`make fuzz`, or `Fuzz/run.sh SECONDS`). A package of its own so the main build
// never carries the sanitizer flags.
import PackageDescription

let package = Package(
    name: "GenreKitFuzz",
    dependencies: [.package(name: "GenreKit", path: "..")],
    targets: [
        .target(name: "CFuzzer"),
        .executableTarget(
            name: "genrekit-fuzz", dependencies: ["CFuzzer", .product(name: "FuzzEntries", package: "GenreKit")]),
    ]
)
