import Basics

/// `y = x W + b` with W `[inputSize, outputSize]`: Keras's `Dense` without its activation (an
/// activation is a layer of its own, as `ReLU`).
public final class Dense: Layer {
    public let name: String
    public let kernel: Parameter
    public let bias: Parameter
    private var input = Tensor(zeros: [0])

    public init(_ inputSize: Int, _ outputSize: Int, name: String) {
        self.name = name
        kernel = Parameter("\(name).kernel", shape: [inputSize, outputSize])
        bias = Parameter("\(name).bias", shape: [outputSize])
    }

    public var parameters: [Parameter] { [kernel, bias] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (batch, n, k) = (x.shape[0], kernel.shape[1], kernel.shape[0])
        var y = [Float](repeating: 0, count: batch * n)
        for r in 0..<batch { for j in 0..<n { y[r * n + j] = bias.value[j] } }
        BLAS.gemm(m: batch, n: n, k: k, x.values, lda: k, kernel.value, ldb: n, beta: 1, &y, ldc: n)
        input = x
        return Tensor(shape: [batch, n], values: y)
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        let (batch, n, k) = (input.shape[0], kernel.shape[1], kernel.shape[0])
        let dy = gradient.values
        // dW += x^T dy, db += sum over the batch of dy, dx = dy W^T
        BLAS.gemm(
            transA: true, m: k, n: n, k: batch, input.values, lda: k, dy, ldb: n, beta: 1, &kernel.gradient, ldc: n)
        for r in 0..<batch { for j in 0..<n { bias.gradient[j] += dy[r * n + j] } }
        guard needsInputGradient else { return nil }
        var dx = [Float](repeating: 0, count: batch * k)
        BLAS.gemm(transB: true, m: batch, n: k, k: n, dy, lda: n, kernel.value, ldb: n, &dx, ldc: k)
        return Tensor(shape: input.shape, values: dx)
    }
}
