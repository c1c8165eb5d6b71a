import Foundation
import Plotting
import Testing
import Training

struct RunPlotsTests {
    /// A PNG's size from its IHDR chunk (bytes 16 to 23, big-endian).
    static func pngSize(_ png: [UInt8]) -> (width: Int, height: Int) {
        func word(_ at: Int) -> Int { png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (word(16), word(20))
    }

    static func genres(_ n: Int) -> [String] { (0..<n).map { "genre\($0)" } }

    /// The figure's memory does not grow with what a run's files say: past 60 genres, or with a
    /// matrix that does not fit the genres, the figure is a one-line note; a PNG's side is at
    /// most 4096 pixels whatever the figure's size.
    @Test func oversizedOrMismatchedMatricesAreNotDrawn() throws {
        let many = Self.genres(RunPlots.maxGenresDrawn + 1)
        let big = [[Int]](repeating: [Int](repeating: 1, count: many.count), count: many.count)
        let tooMany = RunPlots.confusion(segments: big, tracks: big, genres: many, split: "test", title: "t")
        #expect(tooMany.height < 100, "a note, not \(many.count) x \(many.count) cells")
        let ten = Self.genres(10)
        let short = [[Int]](repeating: [Int](repeating: 1, count: 10), count: 9)
        let mismatched = RunPlots.confusion(segments: short, tracks: nil, genres: ten, split: "test", title: "t")
        #expect(mismatched.height < 100)
        _ = try mismatched.render(.png)

        let sixty = Self.genres(RunPlots.maxGenresDrawn)
        let full = [[Int]](repeating: [Int](repeating: 1, count: sixty.count), count: sixty.count)
        let largest = RunPlots.confusion(segments: full, tracks: full, genres: sixty, split: "test", title: "t")
        let size = Self.pngSize(try largest.render(.png))
        #expect(max(size.width, size.height) == Int(Figure.maxPNGPixels), "\(size)")
        #expect(largest.width * Figure.defaultPNGScale > Figure.maxPNGPixels, "the cap is what limits it")
    }

    /// A track matrix that does not fit is left out; the segment one is still drawn.
    @Test func aTrackMatrixThatDoesNotFitIsLeftOut() {
        let ten = Self.genres(10)
        let square = [[Int]](repeating: [Int](repeating: 1, count: 10), count: 10)
        let both = RunPlots.confusion(segments: square, tracks: square, genres: ten, split: "test", title: "t")
        let one = RunPlots.confusion(segments: square, tracks: [[1]], genres: ten, split: "test", title: "t")
        #expect(one.width < both.width && one.height == both.height)
    }
}
