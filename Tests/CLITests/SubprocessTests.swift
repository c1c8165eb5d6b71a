import Foundation
import TestSupport
import Testing

/// The peak memory the command-line tests hold programs to is the program's own: a test process
/// that holds a lot of memory does not make a small program look large.
@Suite struct SubprocessTests {
    @Test func peakMemoryIsTheProgramsOwn() throws {
        let held = UnsafeMutableRawBufferPointer.allocate(byteCount: 400 << 20, alignment: 64)
        defer { held.deallocate() }
        held.initializeMemory(as: UInt8.self, repeating: 1)  // resident, not only reserved
        let run = try Run("--version", in: FileManager.default.temporaryDirectory.path)
        #expect(run.status == 0)
        #expect(run.peakBytes > 0 && run.peakBytes < 200 << 20, "peak \(run.peakBytes >> 20) MB")
        #expect(held.load(fromByteOffset: 12345, as: UInt8.self) == 1)
    }
}
