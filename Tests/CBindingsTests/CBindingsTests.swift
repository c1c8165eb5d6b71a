import CArchive
import CBLAS
import CDNNL
import CFFTW
import CSamplerate
import CSndfile
import CZlib
import Testing

/// Each system-library module map finds its headers and links its library.
@Suite struct CBindings {
    @Test func versions() {
        #expect(String(cString: archive_version_string()).hasPrefix("libarchive 3."))
        #expect(String(cString: sf_version_string()).hasPrefix("libsndfile-1."))
        #expect(String(cString: zlibVersion()).hasPrefix("1."))
        #expect(String(cString: src_get_version()).hasPrefix("libsamplerate-0."))
        #expect(String(cString: src_get_name(Int32(SRC_SINC_BEST_QUALITY))) == "Best Sinc Interpolator")
        #expect(dnnl_version().pointee.major == 2)
    }

    /// A 4-point real FFT of [1, 0, 0, 0] is all ones.
    @Test func fftwSinglePrecision() {
        let input = fftwf_alloc_real(4)!
        let output = fftwf_alloc_complex(3)!
        defer {
            fftwf_free(input)
            fftwf_free(output)
        }
        let plan = fftwf_plan_dft_r2c_1d(4, input, output, UInt32(FFTW_ESTIMATE))!
        defer { fftwf_destroy_plan(plan) }
        for i in 0..<4 { input[i] = i == 0 ? 1 : 0 }
        fftwf_execute(plan)
        for k in 0..<3 {
            #expect(output[k].0 == 1)
            #expect(output[k].1 == 0)
        }
    }

    /// [1 2; 3 4] x [5 6; 7 8] = [19 22; 43 50].
    @Test func openBLASGemm() {
        let a: [Float] = [1, 2, 3, 4]
        let b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
    }
}
