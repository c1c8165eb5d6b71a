import Basics
import Foundation

/// Keras's default initialisation, from a seeded generator: Glorot-uniform kernels
/// (`U(-l, l)`, `l = sqrt(6 / (fanIn + fanOut))`), an orthogonal recurrent kernel (Keras's
/// `Orthogonal`: QR of a standard normal matrix, signs fixed so R's diagonal is positive), zero
/// biases, and the LSTM's forget-gate bias at 1 (`unit_forget_bias`); a GRU's the same but
/// with every bias 0. The generator is not
/// TensorFlow's, so the values differ from Keras's; the distributions are the same.
public enum KerasInitializer {
    /// Initialises every parameter of `model`; each parameter draws from its own stream, seeded
    /// by `seed` and its name, so adding a layer does not change the others.
    public static func initialize(_ model: Sequential, seed: UInt64) {
        for layer in model.layers {
            if let recurrent = layer as? any RecurrentLayer {
                glorotUniform(recurrent.kernel, seed: seed)
                orthogonal(recurrent.recurrentKernel, seed: seed)
                let h = recurrent.hiddenSize
                // The LSTM's forget gate starts open (Keras's unit_forget_bias); GRU biases are 0.
                let forget = recurrent is LSTM ? h..<(2 * h) : 0..<0
                recurrent.bias.value = (0..<recurrent.bias.count).map { forget.contains($0) ? 1 : 0 }
            } else if let conv = layer as? Conv2D {
                // Keras's fans for a kernel [k, k, in, out]: k * k * in and k * k * out.
                let area = conv.kernelSize * conv.kernelSize
                glorotUniform(conv.kernel, seed: seed, fanIn: area * conv.inputChannels, fanOut: area * conv.filters)
                if let bias = conv.bias { bias.value = [Float](repeating: 0, count: bias.count) }
            } else if let dense = layer as? Dense {
                glorotUniform(dense.kernel, seed: seed)
                dense.bias.value = [Float](repeating: 0, count: dense.bias.count)
            }
        }
    }

    static func stream(_ seed: UInt64, _ name: String) -> Generator {
        Generator(seed: seed ^ FNV1a.hash64(name))
    }

    static func glorotUniform(_ p: Parameter, seed: UInt64, fanIn: Int? = nil, fanOut: Int? = nil) {
        let (fanIn, fanOut) = (fanIn ?? p.shape[0], fanOut ?? p.shape[1])
        let limit = (6 / Double(fanIn + fanOut)).squareRoot()
        var g = stream(seed, p.name)
        p.value = (0..<p.count).map { _ in Float((2 * g.unit() - 1) * limit) }
    }

    /// Rows orthonormal when the matrix is wide (`[H, 4H]`), columns when it is tall.
    static func orthogonal(_ p: Parameter, seed: UInt64) {
        let (rows, cols) = (p.shape[0], p.shape[1])
        let (tall, narrow) = (max(rows, cols), min(rows, cols))
        var g = stream(seed, p.name)
        // a: [tall, narrow] standard normal; Q by modified Gram-Schmidt (R's diagonal positive).
        var q = (0..<(tall * narrow)).map { _ in g.normal() }
        for j in 0..<narrow {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<tall { dot += q[i * narrow + k] * q[i * narrow + j] }
                for i in 0..<tall { q[i * narrow + j] -= dot * q[i * narrow + k] }
            }
            var norm = 0.0
            for i in 0..<tall { norm += q[i * narrow + j] * q[i * narrow + j] }
            norm = norm.squareRoot()
            for i in 0..<tall { q[i * narrow + j] /= norm }
        }
        if rows < cols {  // transpose to [rows, cols]
            p.value = (0..<(rows * cols)).map { index in Float(q[(index % cols) * narrow + index / cols]) }
        } else {
            p.value = q.map { Float($0) }
        }
    }

    /// SplitMix64 with uniform and normal (Box-Muller) draws.
    struct Generator {
        var splitMix: SplitMix64
        init(seed: UInt64) { splitMix = SplitMix64(seed: seed) }
        /// Uniform in [0, 1).
        mutating func unit() -> Double { Double(splitMix.next() >> 11) / Double(1 << 53) }
        mutating func normal() -> Double {
            let u = max(unit(), Double.leastNonzeroMagnitude)
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * unit())
        }
    }
}
