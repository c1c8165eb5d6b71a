// swift-tools-version:6.0
import PackageDescription

/// A system library found through pkg-config, with the Debian package that provides it.
func systemLibrary(_ name: String, pkgConfig: String, apt: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkgConfig, providers: [.apt([apt])])
}

let package = Package(
    name: "GenreKit",
    products: [
        .executable(name: "genrekit", targets: ["genrekit"]),
        .library(name: "Dataset", targets: ["Dataset"]),
        // What the fuzz targets (Fuzz/) call; a separate package builds them with libFuzzer.
        .library(name: "FuzzEntries", targets: ["FuzzEntries"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries, one module map each (Sources/C*/module.modulemap).
        systemLibrary("CArchive", pkgConfig: "libarchive", apt: "libarchive-dev"),
        systemLibrary("CSndfile", pkgConfig: "sndfile", apt: "libsndfile1-dev"),
        systemLibrary("CFFTW", pkgConfig: "fftw3f", apt: "libfftw3-dev"),
        systemLibrary("CZlib", pkgConfig: "zlib", apt: "zlib1g-dev"),
        systemLibrary("CBLAS", pkgConfig: "openblas", apt: "libopenblas-dev"),
        systemLibrary("CSamplerate", pkgConfig: "samplerate", apt: "libsamplerate0-dev"),
        // oneDNN ships no pkg-config file; its headers and library are on the default paths.
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // glibc calls the Glibc module leaves out (renameat2).
        .systemLibrary(name: "CLinux"),

        // Swift wrappers: only one file in each imports its C module.
        .target(name: "Zlib", dependencies: ["CZlib"]),
        .target(name: "Archive", dependencies: ["CArchive"]),
        .target(name: "Audio", dependencies: ["CSndfile", "CSamplerate", "Zlib"]),
        .target(name: "Features", dependencies: ["CFFTW", "Audio"]),
        .target(name: "NeuralNet", dependencies: ["CBLAS", "CDNNL"]),
        .target(
            name: "ModelZoo",
            dependencies: [
                "NeuralNet", "Dataset", "Prepare", "Archive", "Audio", "Features",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.embedInCode("Resources/lstm-seed.json"), .embedInCode("Resources/lstm-norm.json")]),
        // The manifests are compiled in (`.embedInCode`): an installed binary has no resource folder.
        // Sources/*/Resources/*.json are links to manifests/.
        .target(
            name: "Dataset", dependencies: ["Archive", "Audio", "CLinux"],
            resources: [.embedInCode("Resources/gtzan.json")]),
        .target(name: "Synth", dependencies: ["Archive", "Audio", "Dataset", "Zlib"]),
        .target(
            name: "Prepare",
            dependencies: [
                "Archive", "Audio", "Dataset", "Features", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "FuzzEntries", dependencies: ["Archive", "Audio", "Dataset", "ModelZoo"]),
        .executableTarget(
            name: "genrekit",
            dependencies: [
                "Archive", "Dataset", "Features", "NeuralNet", "Synth", "Prepare", "ModelZoo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Tests read and write real archives, WAVs and folders; TestSupport only makes temporary
        // folders and test tones.
        .target(
            name: "TestSupport",
            dependencies: ["Archive", "Audio", "Dataset", "Zlib", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "CBindingsTests",
            dependencies: ["CFFTW", "CBLAS", "CZlib", "CArchive", "CSndfile", "CSamplerate", "CDNNL"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "TestSupport"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "Dataset", "Audio", "TestSupport"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "Zlib", "TestSupport"]),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "Archive", "Audio", "Synth", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Dataset", "TestSupport"]),
        .testTarget(
            name: "ModelZooTests",
            dependencies: [
                "ModelZoo", "NeuralNet", "Prepare", "Dataset", "Archive", "Audio", "Features", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"]),
        .testTarget(name: "PrepareTests", dependencies: ["Prepare", "Features", "Dataset", "Audio", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["genrekit", "Archive", "Audio", "TestSupport"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzEntries", "Archive", "Audio", "TestSupport"]),
    ]
)
