import Foundation
import Testing

@testable import Dataset

/// Sturm's index as the GTZAN manifest carries it: the counts its README states, and the
/// `same-song` finding built on it.
@Suite struct ArtistIndexTests {
    let index = DatasetManifest.gtzan.artists!

    @Test func countsMatchSturmsIndex() {
        let ids = DatasetManifest.gtzan.expectedIDs
        #expect(index.excerpts.count == 1000)
        #expect(Set(index.excerpts.keys) == Set(ids))
        let artists = ids.compactMap { index.artist(of: $0) }
        #expect(artists.count == 919)
        #expect(Set(artists).count == 244)
        var genres: [String: Set<String>] = [:]
        for id in ids {
            if let a = index.artist(of: id) { genres[a, default: []].insert(String(id.split(separator: ".")[0])) }
        }
        #expect(genres.filter { $0.value.count > 1 }.keys.sorted() == ["Guns N' Roses", "Leonard Bernstein", "Queen"])
        #expect(genres.values.map(\.count).reduce(0, +) == 247)
        #expect(index.repeatedSongs(among: ids).count == 66)
        #expect(artists.filter { $0 == "Bob Marley" }.count == 35)
        #expect(artists.filter { $0 == "Coleman Hawkins" }.count == 28)
        #expect(artists.filter { $0 == "Britney Spears" }.count == 24)
        #expect(index.cite.contains { $0.contains("arXiv:1306.1461") })
    }

    @Test func repeatedSongsAreGroupedInTheOrderGiven() {
        let groups = index.repeatedSongs(among: ["blues.00000", "classical.00002", "classical.00000", "pop.00016"])
        #expect(groups == [["classical.00002", "classical.00000"]])
        #expect(index.song(of: "blues.00004") == nil, "no title known")
        #expect(index.artist(of: "blues.00004") == "John Lee Hooker")
    }

    @Test func sameSongMessagesNameTheOthers() {
        let two = ["metal.00004", "metal.00013"]
        #expect(
            ReportBuilder.sameSongMessage(two, member: 1, source: "Sturm's index")
                == "the same song as metal.00004, per Sturm's index")
        let four = ["pop.00015", "pop.00021", "pop.00022", "pop.00037"]
        #expect(
            ReportBuilder.sameSongMessage(four, member: 0, source: "S")
                == "the same song as pop.00021, pop.00022, pop.00037, per S")
        #expect(
            ReportBuilder.sameSongMessage(four, member: 2, source: "S")
                == "the same song as pop.00015, pop.00021, pop.00037, per S")
        let six = (0..<6).map { "reggae.0000\($0)" }
        #expect(
            ReportBuilder.sameSongMessage(six, member: 0, source: "S")
                == "the same song as reggae.00001, reggae.00002, reggae.00003 and 2 more, per S")
        #expect(
            ReportBuilder.sameSongMessage(six, member: 4, source: "S")
                == "the same song as reggae.00000 and 4 other excerpts, per S")
    }
}
