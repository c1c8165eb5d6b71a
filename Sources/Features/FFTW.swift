internal import CFFTW
import Foundation

/// Real-to-complex FFTs of many frames at once with FFTW (single precision). The only file that
/// imports `CFFTW`.
///
/// Plans are made with `FFTW_ESTIMATE`, which picks the same algorithm every run (FFTW_MEASURE
/// times candidates and may not), so the same input gives the same bits. FFTW's planner is not
/// thread-safe: planning is serialised here; executing a plan is safe from any thread.
final class BatchFFT {
    let size: Int
    let frames: Int
    /// `[frames, size]` real input, row-major.
    let input: UnsafeMutablePointer<Float>
    /// `[frames, size / 2 + 1]` complex output, interleaved (re, im).
    let output: UnsafeMutablePointer<Float>
    private let plan: fftwf_plan

    private static let planner = NSLock()

    init(size: Int, frames: Int) {
        self.size = size
        self.frames = frames
        let bins = size / 2 + 1
        input = fftwf_alloc_real(size * frames)!
        let complex = fftwf_alloc_complex(bins * frames)!
        output = UnsafeMutableRawPointer(complex).bindMemory(to: Float.self, capacity: 2 * bins * frames)
        input.initialize(repeating: 0, count: size * frames)
        Self.planner.lock()
        var n = Int32(size)
        plan = fftwf_plan_many_dft_r2c(
            1, &n, Int32(frames), input, nil, 1, Int32(size), complex, nil, 1, Int32(bins), UInt32(FFTW_ESTIMATE))!
        Self.planner.unlock()
    }

    deinit {
        Self.planner.lock()
        fftwf_destroy_plan(plan)
        Self.planner.unlock()
        fftwf_free(input)
        fftwf_free(output)
    }

    /// Transforms every row of `input` into `output`.
    func execute() { fftwf_execute(plan) }
}
