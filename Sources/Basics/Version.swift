/// GenreKit's version: the one string runs, bundles, `dataset.json` and `--version` record.
public enum GenreKitVersion {
    public static let string = "0.4.0"
}
