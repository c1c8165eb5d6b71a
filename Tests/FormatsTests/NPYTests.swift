import Formats
import TestSupport
import Testing

/// NumPy's `.npy` and `.npz`, written and read back (files NumPy wrote are read in
/// FeaturesTests, against librosa's numbers).
@Suite struct NPYTests {
    @Test func fortranOrderBecomesCOrder() throws {
        // [[1, 2, 3], [4, 5, 6]] stored column-major is 1 4 2 5 3 6.
        let stored = NPY.encode(NPYArray([1, 4, 2, 5, 3, 6] as [Float], shape: [2, 3]))
        let at = try #require((0..<stored.count - 5).first { Array(stored[$0..<$0 + 5]) == Array("False".utf8) })
        var fortran = stored
        fortran.replaceSubrange(at..<at + 5, with: Array("True ".utf8))
        #expect(try NPY.decode(fortran).floats() == [1, 2, 3, 4, 5, 6])
        #expect(try NPY.decode(stored).floats() == [1, 4, 2, 5, 3, 6])
    }

    @Test func writeThenRead() throws {
        let dir = TemporaryDirectory()
        let floats = NPYArray((0..<60).map { Float($0) / 7 }, shape: [3, 4, 5])
        let longs = NPYArray([Int64(-1), 0, 9_000_000_000], shape: [3])
        let ints = NPYArray([Int32(7)], shape: [1])
        let bytes = NPY.encode(floats)
        #expect((bytes.count - floats.data.count) % 64 == 0, "header padded to 64 bytes")
        #expect(try NPY.decode(bytes) == floats)
        try NPY.writeArchive([("mfcc", floats), ("label", longs), ("track", ints)], to: dir.file("a.npz"))
        let back = try NPY.readArchive(path: dir.file("a.npz"))
        #expect(back == ["mfcc": floats, "label": longs, "track": ints])
        try NPY.writeArchive([("mfcc", floats), ("label", longs), ("track", ints)], to: dir.file("b.npz"))
        #expect(Fixtures.bytes(dir.file("a.npz")) == Fixtures.bytes(dir.file("b.npz")))
    }

    @Test func rejectsWhatItCannotRead() {
        #expect(throws: FormatError.self) { try NPY.decode(Array("not numpy".utf8), name: "x.npy") }
        var bytes = NPY.encode(NPYArray([Float(1), 2], shape: [2]))
        bytes.removeLast()
        #expect(throws: FormatError.self) { try NPY.decode(bytes, name: "x.npy") }
    }
}
