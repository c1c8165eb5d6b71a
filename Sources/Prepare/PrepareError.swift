/// Why `prepare` wrote nothing although it could read the dataset: the data would not train a
/// model that can be validated and tested. Exit status 2 (the dataset was read, but is not
/// usable as asked).
public enum PrepareError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No track survived validation, the genre and rate checks and de-duplication.
    case noUsableTrack(source: String, skipped: Int)
    /// The split leaves these partitions without a track.
    case emptyPartitions([String], tracks: Int, split: String)
    /// A split list is unusable: an id in two partitions, or not a list at all.
    case badSplitList(path: String, message: String)
    /// Options that cannot be combined or are out of range (the library's own check).
    case unsupported(String)

    public var description: String {
        switch self {
        case .noUsableTrack(let source, let skipped):
            "\(source): no usable track (\(skipped) skipped; their reasons are in genrekit validate \(source))"
        case .emptyPartitions(let parts, let tracks, let split):
            "split \(split) of \(tracks) usable tracks leaves \(parts.joined(separator: " and ")) with no track; "
                + "use more tracks per genre or other ratios (--split)"
        case .badSplitList(let path, let message): "\(path): \(message)"
        case .unsupported(let message): "prepare: \(message)"
        }
    }
}
