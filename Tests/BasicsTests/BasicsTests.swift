import Basics
import Foundation
import Testing

/// The shared helpers against their published reference values and their promises.
@Suite struct BasicsTests {
    @Test func concurrentMapKeepsIndexOrderOnEveryThreadCount() throws {
        for threads in [1, 2, 7] {
            let squares = ConcurrentMap.map(count: 1000, threads: threads) { $0 * $0 }
            #expect(squares == (0..<1000).map { $0 * $0 })
        }
        #expect(ConcurrentMap.map(count: 0) { $0 }.isEmpty)
    }

    struct Odd: Error, Equatable { let index: Int }

    @Test func concurrentMapThrowsTheFirstErrorByIndex() {
        #expect(throws: Odd(index: 3)) {
            try ConcurrentMap.map(count: 100, threads: 2) { (i: Int) throws(Odd) -> Int in
                if i % 2 == 1, i >= 3 { throw Odd(index: i) }
                return i
            }
        }
    }

    /// Each thread sets up its state once; `stop` leaves the rest undone; `finished` counts.
    @Test func concurrentResultsSetUpOncePerThreadAndStop() {
        let setUps = Locked(0)
        let finished = Locked<[Int]>([])
        let results = ConcurrentMap.results(
            count: 50, threads: 2, setUp: { _ in setUps.update { $0 += 1 } },
            stop: { finished.value.count >= 10 }, finished: { n in finished.update { $0.append(n) } }
        ) { _, i in i }
        #expect(setUps.value <= 2)
        let done = results.compactMap { $0 }.count
        #expect(done >= 10 && done < 50)
        #expect(finished.value.sorted() == Array(1...done))
    }

    /// Published values: FNV-1a 64 ("" and "a"), SplitMix64 from seed 0 (Vigna's splitmix64.c),
    /// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
    @Test func hashesAndGeneratorMatchTheirReferences() {
        #expect(FNV1a.hash64("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash64("a") == 0xaf63_dc4c_8601_ec8c)
        var g = SplitMix64(seed: 0)
        #expect(
            [g.next(), g.next(), g.next()] == [0xe220_a839_7b1d_cdaf, 0x6e78_9e6a_a1b9_65f4, 0x06c4_5d18_8009_454f])
        #expect(sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func textTablePadsEveryColumnButTheLast() {
        let table = TextTable.render([["id", "n", "note"], ["blues.00000", "12", "ok"]], rightAligned: [1])
        #expect(table == "id            n  note\nblues.00000  12  ok")
    }

    @Test func sortedEncoderGivesTheSameBytesForTheSameValue() throws {
        let a = try JSONEncoder.sorted.encode(["b": 1, "a": 2, "c/d": 3])
        #expect(String(decoding: a, as: UTF8.self) == "{\n  \"a\" : 2,\n  \"b\" : 1,\n  \"c/d\" : 3\n}")
        #expect(try JSONEncoder.sorted.encodeLine(["b": 1, "a": 2, "c/d": 3]) == a + Data("\n".utf8))
    }

    @Test func atomicWriteLeavesNoPartialFile() throws {
        let folder = NSTemporaryDirectory() + "basics-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try AtomicFile.write(Data("one".utf8), to: folder + "/f")
        try AtomicFile.write(Data("two".utf8), to: folder + "/f")
        #expect(FileManager.default.contents(atPath: folder + "/f") == Data("two".utf8))
        #expect(throws: WriteError.self) { try AtomicFile.write(Data(), to: folder + "/absent/f") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["f"])
    }
}

/// A value shared by the test's threads.
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
