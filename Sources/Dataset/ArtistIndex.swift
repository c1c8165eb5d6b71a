/// Who performs each excerpt and what song it is, where known (for GTZAN, Sturm's index): what
/// artist-conscious splits group by and what the `same-song` finding compares.
public struct ArtistIndex: Codable, Sendable, Equatable {
    /// How findings name it: "Sturm's index".
    public var name: String
    public var description: String
    public var source: String
    public var cite: [String]
    /// Id to `[artist, title]`; "" where the index does not know.
    public var excerpts: [String: [String]]

    /// The excerpt's artist, nil when unknown.
    public func artist(of id: String) -> String? {
        guard let artist = excerpts[id]?.first, !artist.isEmpty else { return nil }
        return artist
    }

    /// The excerpt's song (artist and title), nil unless both are known.
    public func song(of id: String) -> Song? {
        guard let entry = excerpts[id], entry.count == 2, !entry[0].isEmpty, !entry[1].isEmpty else { return nil }
        return Song(artist: entry[0], title: entry[1])
    }

    public struct Song: Hashable, Sendable {
        public var artist: String
        public var title: String
    }

    /// Groups of two or more of `ids` that are one song, each in `ids`' order, the groups in the
    /// order of their first member.
    public func repeatedSongs(among ids: [String]) -> [[String]] {
        var groups: [Song: [String]] = [:]
        var order: [Song] = []
        for id in ids {
            guard let song = song(of: id) else { continue }
            if groups[song] == nil { order.append(song) }
            groups[song, default: []].append(id)
        }
        return order.compactMap { groups[$0]!.count > 1 ? groups[$0] : nil }
    }
}
