internal import CFFTW
import Foundation

/// Real-to-complex FFTs of a block of frames with FFTW (single precision). The only file that
/// imports `CFFTW`.
///
/// One plan for one frame, executed on each row (FFTW's new-array execute): on this work it is
/// faster than a plan over many frames, and a block small enough to stay in cache keeps the
/// windowing and |X|^2 next to the transform. Plans are made with `FFTW_ESTIMATE`, which picks
/// the same algorithm every run (FFTW_MEASURE times candidates and may not), so the same input
/// gives the same bits. FFTW's planner is not thread-safe: planning is serialised here;
/// executing a plan is safe from any thread.
final class BatchFFT {
    let size: Int
    let frames: Int
    /// `[frames, inputStride]` real input, `size` values a row.
    let input: UnsafeMutablePointer<Float>
    /// Floats from one input row to the next: `size` rounded up to 64 bytes.
    let inputStride: Int
    /// `[frames, outputStride]` complex output, interleaved (re, im): `size / 2 + 1` values a row.
    let output: UnsafeMutablePointer<Float>
    /// Floats from one output row to the next: `2 * (size / 2 + 1)` rounded up to 64 bytes, so
    /// every row is aligned as the planned one (FFTW requires it of new-array execution).
    let outputStride: Int
    private let complexOutput: UnsafeMutablePointer<fftwf_complex>
    private let plan: fftwf_plan

    private static let planner = NSLock()

    init(size: Int, frames: Int) {
        self.size = size
        self.frames = frames
        let complexStride = (size / 2 + 1 + 7) / 8 * 8
        outputStride = 2 * complexStride
        inputStride = (size + 15) / 16 * 16
        input = fftwf_alloc_real(inputStride * frames)!
        complexOutput = fftwf_alloc_complex(complexStride * frames)!
        output = UnsafeMutableRawPointer(complexOutput).bindMemory(to: Float.self, capacity: outputStride * frames)
        input.initialize(repeating: 0, count: inputStride * frames)
        Self.planner.lock()
        plan = fftwf_plan_dft_r2c_1d(Int32(size), input, complexOutput, UInt32(FFTW_ESTIMATE))!
        Self.planner.unlock()
    }

    deinit {
        Self.planner.lock()
        fftwf_destroy_plan(plan)
        Self.planner.unlock()
        fftwf_free(input)
        fftwf_free(complexOutput)
    }

    /// Transforms the first `count` rows of `input` into `output`.
    func execute(rows count: Int) {
        let complexStride = outputStride / 2
        for t in 0..<min(count, frames) {
            fftwf_execute_dft_r2c(plan, input + t * inputStride, complexOutput + t * complexStride)
        }
    }
}
