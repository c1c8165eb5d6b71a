/// Why an archive could not be read or written, or was refused as unsafe.
///
/// Every case names the archive and, where there is one, the entry; `description` is one line a
/// person can act on.
public enum ArchiveError: Error, CustomStringConvertible, Equatable, Sendable {
    /// libarchive could not open the file or does not recognise it as an archive.
    case notAnArchive(archive: String, message: String)
    /// libarchive failed part-way: truncated or corrupt data.
    case corrupt(archive: String, entry: String?, message: String)
    /// The archive is well formed but refused by the safety policy.
    case unsafe(archive: String, entry: String, reason: UnsafeReason)
    /// Writing an archive failed.
    case writeFailed(archive: String, message: String)

    public var description: String {
        switch self {
        case .notAnArchive(let archive, let message):
            "\(archive): not a readable archive (\(message))"
        case .corrupt(let archive, let entry?, let message):
            "\(archive): corrupt or truncated archive at entry '\(entry)' (\(message))"
        case .corrupt(let archive, nil, let message):
            "\(archive): corrupt or truncated archive (\(message))"
        case .unsafe(let archive, let entry, let reason):
            "\(archive): refused unsafe archive: entry '\(entry)' \(reason)"
        case .writeFailed(let archive, let message):
            "\(archive): cannot write archive (\(message))"
        }
    }

    /// A stable machine-readable name for the kind of failure (used in tests and JSON).
    public var code: String {
        switch self {
        case .notAnArchive: "not-an-archive"
        case .corrupt: "corrupt-archive"
        case .unsafe(_, _, let reason): reason.code
        case .writeFailed: "write-failed"
        }
    }
}

/// The safety rule an entry broke.
public enum UnsafeReason: Equatable, Sendable, CustomStringConvertible {
    case parentTraversal
    case absolutePath
    case emptyName
    case symlink(target: String)
    case hardlink(target: String)
    case specialFile(kind: String)
    case nameCollision(with: String)
    case encrypted
    case entryTooLarge(bytes: Int64, limit: Int64)
    case totalTooLarge(limit: Int64)
    case compressionRatio(inflated: Int64, compressed: Int64, limit: Int)
    case tooManyEntries(limit: Int)
    /// Two zip entries share bytes (one compressed stream inflated many times over).
    case overlappingEntries(with: String)

    public var code: String {
        switch self {
        case .parentTraversal: "path-traversal"
        case .absolutePath: "absolute-path"
        case .emptyName: "empty-name"
        case .symlink: "symlink"
        case .hardlink: "hardlink"
        case .specialFile: "special-file"
        case .nameCollision: "name-collision"
        case .encrypted: "encrypted"
        case .entryTooLarge: "entry-too-large"
        case .totalTooLarge: "total-too-large"
        case .compressionRatio: "compression-ratio"
        case .tooManyEntries: "too-many-entries"
        case .overlappingEntries: "overlapping-entries"
        }
    }

    public var description: String {
        switch self {
        case .parentTraversal: "has a '..' component"
        case .absolutePath: "has an absolute path"
        case .emptyName: "has an empty name"
        case .symlink(let target): "is a symbolic link (to '\(target)')"
        case .hardlink(let target): "is a hard link (to '\(target)')"
        case .specialFile(let kind): "is a \(kind), not a regular file"
        case .nameCollision(let other): "collides with entry '\(other)'"
        case .encrypted: "is encrypted"
        case .entryTooLarge(let bytes, let limit):
            "is too large (\(bytes) bytes, limit \(limit); --max-entry-mb raises it for an archive you trust)"
        case .totalTooLarge(let limit):
            "takes the archive past the total size limit of \(limit) bytes (--max-total-mb raises it for an archive you trust)"
        case .compressionRatio(let inflated, let compressed, let limit):
            "inflates \(inflated) bytes from about \(compressed): past the compression ratio limit of \(limit):1 (a zip bomb, or --max-ratio raises it for an archive you trust)"
        case .tooManyEntries(let limit): "takes the archive past \(limit) entries"
        case .overlappingEntries(let other):
            "shares its bytes with entry '\(other)' (overlapping zip entries: a zip bomb)"
        }
    }
}
