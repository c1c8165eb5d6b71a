/// How the synthetic GTZAN says it is synthetic: every track `genrekit synth` writes carries this
/// "software" tag (WAV's INFO `ISFT`), so prepare, the data summary and the model card can say
/// plainly that a model was trained on synthetic audio, however the files were moved.
public enum SyntheticMarker {
    public static let software = "genrekit synth: synthetic audio, not music"

    /// Whether a file's software tag marks it as synthetic.
    public static func marks(_ software: String?) -> Bool { software?.hasPrefix("genrekit synth") ?? false }
}
