import Formats
import Prepare
import Testing

@Suite struct StratifiedSplitTests {
    /// The assignment the README's Python version of the algorithm computes for these ids
    /// (seed 42, 60/20/20): the documented algorithm and the code agree.
    @Test func matchesTheDocumentedAlgorithm() {
        let units =
            (0..<7).map { (id: "blues.0000\($0)", genre: "blues") }
            + (0..<4).map { (id: "rock.0000\($0)", genre: "rock") }
        let expected: [String: Partition] = [
            "blues.00000": .train, "blues.00001": .test, "blues.00002": .val, "blues.00003": .test,
            "blues.00004": .train, "blues.00005": .train, "blues.00006": .train, "rock.00000": .train,
            "rock.00001": .train, "rock.00002": .val, "rock.00003": .test,
        ]
        #expect(StratifiedSplit(seed: 42).assign(units, genres: ["blues", "rock"]) == expected)
    }

    @Test(arguments: [(0.6, 0.2, 0.2), (0.7, 0.15, 0.15), (0.8, 0.1, 0.1), (1.0, 0.0, 0.0)])
    func everyGenreWithinOneUnitOfItsShare(ratios: (Double, Double, Double)) {
        let split = StratifiedSplit(train: ratios.0, val: ratios.1, test: ratios.2, seed: 3)
        for n in 1...41 {
            let units = (0..<n).map { (id: "g.\($0)", genre: "g") }
            let assigned = split.assign(units, genres: ["g"])
            #expect(assigned.count == n)
            for (part, target) in [(Partition.train, ratios.0), (.val, ratios.1), (.test, ratios.2)] {
                let got = assigned.values.filter { $0 == part }.count
                #expect(abs(Double(got) - target * Double(n)) <= 1, "n \(n) \(part): \(got)")
            }
        }
    }

    @Test func seedChangesTheAssignmentButNotTheCounts() {
        let units = (0..<100).map { (id: "pop.\($0)", genre: "pop") }
        let a = StratifiedSplit(seed: 1).assign(units, genres: ["pop"])
        let b = StratifiedSplit(seed: 2).assign(units, genres: ["pop"])
        #expect(a != b)
        #expect(a.values.filter { $0 == .test }.count == 20)
        #expect(b.values.filter { $0 == .test }.count == 20)
        #expect(StratifiedSplit(seed: 1).assign(units.reversed(), genres: ["pop"]) == a, "input order does not matter")
    }

    @Test func ratioText() {
        #expect(StratifiedSplit.ratios("70/15/15")! == (0.7, 0.15, 0.15))
        #expect(StratifiedSplit.ratios("6/2/2")! == (0.6, 0.2, 0.2))
        #expect(StratifiedSplit.ratios("60/40") == nil)
        #expect(StratifiedSplit.ratios("a/b/c") == nil)
        #expect(StratifiedSplit.ratios("-1/1/1") == nil)
    }
}
