// swift-tools-version:6.0
import PackageDescription

/// A system library found through pkg-config, with the Debian package that provides it.
func systemLibrary(_ name: String, pkgConfig: String, apt: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkgConfig, providers: [.apt([apt])])
}

let package = Package(
    name: "GenreKit",
    products: [
        .executable(name: "genrekit", targets: ["GenreKitCLI"]),
        // The library for Swift programs: features from samples, bundles opened and run.
        .library(name: "GenreKit", targets: ["GenreKit"]),
        .library(name: "Dataset", targets: ["Dataset"]),
        // What the fuzz targets (Fuzz/) call; a separate package builds them with libFuzzer.
        .library(name: "FuzzEntries", targets: ["FuzzEntries"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // `swift package generate-documentation --target GenreKit` (the DocC catalog).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C libraries, one module map each (Sources/C*/module.modulemap).
        systemLibrary("CArchive", pkgConfig: "libarchive", apt: "libarchive-dev"),
        systemLibrary("CSndfile", pkgConfig: "sndfile", apt: "libsndfile1-dev"),
        systemLibrary("CFFTW", pkgConfig: "fftw3f", apt: "libfftw3-dev"),
        systemLibrary("CZlib", pkgConfig: "zlib", apt: "zlib1g-dev"),
        systemLibrary("CDeflate", pkgConfig: "libdeflate", apt: "libdeflate-dev"),
        systemLibrary("CBLAS", pkgConfig: "openblas", apt: "libopenblas-dev"),
        systemLibrary("CSamplerate", pkgConfig: "samplerate", apt: "libsamplerate0-dev"),
        systemLibrary("CHDF5", pkgConfig: "hdf5-serial", apt: "libhdf5-dev"),
        systemLibrary("CCairo", pkgConfig: "cairo", apt: "libcairo2-dev"),
        // oneDNN ships no pkg-config file; its headers and library are on the default paths.
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // glibc calls the Glibc module leaves out (renameat2).
        .systemLibrary(name: "CLinux"),

        // What every stage shares: files and folders written safely, progress, interruption,
        // hashing, the seeded generator, JSON and tables, the version.
        .target(name: "Basics", dependencies: ["CLinux", .product(name: "Crypto", package: "swift-crypto")]),

        // Swift wrappers: each C module is imported by one file only (Zlib wraps zlib and libdeflate).
        .target(name: "Zlib", dependencies: ["CZlib", "CDeflate"]),
        .target(name: "Archive", dependencies: ["Basics", "CArchive", "Zlib"]),
        .target(name: "Audio", dependencies: ["CSndfile", "CSamplerate", "Zlib"]),
        .target(name: "Features", dependencies: ["Basics", "CFFTW", "Audio"]),
        .target(name: "NeuralNet", dependencies: ["Basics", "CBLAS", "CDNNL"]),
        // Figures drawn by cairo as SVG and PNG: line charts, heat maps, legends, colour bars.
        .target(name: "Plotting", dependencies: ["CCairo"]),
        // The file formats GenreKit reads and writes: NPY/NPZ, safetensors, dataset.json.
        .target(name: "Formats", dependencies: ["Basics", "Archive", "Features"]),
        // The manifests are compiled in (`.embedInCode`): an installed binary has no resource folder.
        // Sources/*/Resources/*.json are links to manifests/.
        .target(
            name: "Dataset", dependencies: ["Basics", "Archive", "Audio"],
            resources: [.embedInCode("Resources/gtzan.json")]),
        // Recipes, the trainer, training data and evaluation.
        .target(
            name: "Training", dependencies: ["Basics", "Features", "Formats", "NeuralNet", "Plotting"],
            resources: [
                .embedInCode("Resources/lstm-seed.json"), .embedInCode("Resources/lstm-norm.json"),
                .embedInCode("Resources/gru-mfcc.json"), .embedInCode("Resources/cnn-mel.json"),
                .embedInCode("Resources/crnn-mel.json"),
            ]),
        // Bundles: manifest, packaging, the zoo index, model card, plots, prediction.
        .target(
            name: "ModelZoo",
            dependencies: ["Basics", "Formats", "Training", "NeuralNet", "Archive", "Audio", "Features"]),
        // HDF5 files of float32 datasets (the Keras weights file), written and read back.
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        // ONNX's messages, generated once from onnx.proto by scripts/onnx/generate.sh and committed.
        .target(name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Bundles in other tools' formats: ONNX and Keras.
        .target(name: "Export", dependencies: ["Basics", "Archive", "HDF5", "ModelZoo", "ONNXProto"]),
        .target(name: "Synth", dependencies: ["Basics", "Archive", "Audio", "Dataset", "Zlib"]),
        .target(
            name: "Prepare",
            dependencies: [
                "Basics", "Archive", "Audio", "Dataset", "Features", "Formats",
            ]),
        .target(name: "FuzzEntries", dependencies: ["Archive", "Audio", "Dataset", "Formats", "ModelZoo", "Prepare"]),
        // The public API (Sources/GenreKit/GenreKit.docc documents it); everything else is internal.
        .target(name: "GenreKit", dependencies: ["Audio", "Features", "ModelZoo"]),
        .executableTarget(
            name: "GenreKitCLI",
            dependencies: [
                "Basics", "Archive", "Dataset", "Features", "Formats", "NeuralNet", "Synth", "Prepare", "Training",
                "ModelZoo", "Export",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Tests read and write real archives, WAVs and folders; TestSupport makes temporary folders,
        // test tones, hostile files byte by byte and small training runs.
        .target(
            name: "TestSupport",
            dependencies: [
                "Basics", "Archive", "Audio", "Dataset", "Features", "Prepare", "Training", "ModelZoo", "Zlib",
            ],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "CBindingsTests",
            dependencies: ["CFFTW", "CBLAS", "CZlib", "CArchive", "CSndfile", "CSamplerate", "CDNNL"]),
        .testTarget(name: "BasicsTests", dependencies: ["Basics", "TestSupport"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Basics", "Archive", "TestSupport", "Zlib"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Basics", "Features", "Formats", "Audio", "TestSupport"]),
        .testTarget(name: "ZlibTests", dependencies: ["Zlib", "CZlib"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "TestSupport"]),
        .testTarget(
            name: "DatasetTests", dependencies: ["Basics", "Dataset", "Archive", "Audio", "Synth", "TestSupport"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting", "CCairo"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["Basics", "NeuralNet", "Formats", "TestSupport"]),
        .testTarget(
            name: "ModelZooTests",
            dependencies: [
                "Basics", "ModelZoo", "Training", "Formats", "NeuralNet", "Dataset", "Archive", "Audio", "Features",
                "TestSupport",
            ]),
        .testTarget(
            name: "PrepareTests",
            dependencies: ["Basics", "Prepare", "Formats", "Features", "Dataset", "Audio", "Archive", "TestSupport"]),
        .testTarget(
            name: "FormatsTests", dependencies: ["Basics", "Formats", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Basics", "Training", "Formats", "NeuralNet", "Prepare", "Plotting", "TestSupport"]),
        .testTarget(
            name: "CLITests", dependencies: ["Basics", "GenreKitCLI", "Archive", "Audio", "TestSupport", "Training"]),
        // Only the library's public API (and TestSupport for fixtures): what a Swift program sees.
        .testTarget(name: "GenreKitLibraryTests", dependencies: ["GenreKit", "TestSupport"]),
        .testTarget(
            name: "ExportTests",
            dependencies: [
                "Basics", "Export", "HDF5", "ModelZoo", "ONNXProto", "Training", "TestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzEntries", "Archive", "Audio", "TestSupport"]),
    ]
)
