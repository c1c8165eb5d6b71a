import Archive
import ArgumentParser

/// The safety limits `unpack` and `validate` apply to archives.
struct ArchiveOptions: ParsableArguments {
    @Option(help: "Refuse an archive whose entries inflate to more than this many MB in all.")
    var maxTotalMb = 4096

    @Option(help: "Refuse an entry that inflates to more than this many MB (a GTZAN track is about 1.3).")
    var maxEntryMb = 512

    @Option(help: "Refuse an entry that inflates more than this many bytes per compressed byte (zip bombs).")
    var maxRatio = 100

    var limits: ArchiveLimits {
        ArchiveLimits(
            maxTotalBytes: Int64(maxTotalMb) << 20, maxEntryBytes: Int64(maxEntryMb) << 20,
            maxCompressionRatio: maxRatio)
    }

    /// The largest size either MB limit takes: a million TB, far past any disk, and still a
    /// byte count that fits in 64 bits.
    static let maxMb = 1 << 40

    func validate() throws {
        for (flag, value) in [("--max-total-mb", maxTotalMb), ("--max-entry-mb", maxEntryMb)]
        where value <= 0 || value > Self.maxMb {
            throw ValidationError("\(flag) must be 1 to \(Self.maxMb), not \(value)")
        }
        if maxRatio < 2 { throw ValidationError("--max-ratio must be at least 2, not \(maxRatio)") }
    }
}
