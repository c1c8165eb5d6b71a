// swift-tools-version:6.0
// The fuzz targets: one executable per parser, built with libFuzzer and the address
// sanitizer (`make fuzz`, or `Fuzz/run.sh SECONDS`). A package of its own so the main build
// never carries the sanitizer flags.
import PackageDescription

let targets = ["archive", "npy", "safetensors", "manifest", "bundle", "audio"]

let package = Package(
    name: "GenreKitFuzz",
    dependencies: [.package(name: "GenreKit", path: "..")],
    targets: [.target(name: "CFuzzer")]
        + targets.map { name in
            .executableTarget(
                name: "fuzz-\(name)", dependencies: ["CFuzzer", .product(name: "FuzzEntries", package: "GenreKit")])
        }
)
