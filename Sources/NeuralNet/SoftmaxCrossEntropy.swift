import Basics
import Foundation

/// Softmax over the last axis with sparse categorical cross-entropy averaged over the batch.
public enum SoftmaxCrossEntropy {
    /// - Parameters:
    ///   - logits: `[batch, classes]`.
    ///   - labels: `[batch]`, each below `classes`.
    /// - Returns: the probabilities, the mean loss, and its gradient with respect to the logits
    ///   (`(p - onehot) / batch`).
    public static func evaluate(logits: Tensor, labels: [Int]) -> (probabilities: Tensor, loss: Float, gradient: Tensor)
    {
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        var p = logits.values
        var gradient = [Float](repeating: 0, count: p.count)
        var loss: Float = 0
        for r in 0..<batch {
            let row = r * classes
            let peak = p[row..<row + classes].max()!
            var sum: Float = 0
            for j in 0..<classes {
                p[row + j] = exp(p[row + j] - peak)
                sum += p[row + j]
            }
            for j in 0..<classes { p[row + j] /= sum }
            loss -= log(max(p[row + labels[r]], 1e-7))
            for j in 0..<classes { gradient[row + j] = (p[row + j] - (j == labels[r] ? 1 : 0)) / Float(batch) }
        }
        return (
            Tensor(shape: logits.shape, values: p), loss / Float(batch), Tensor(shape: logits.shape, values: gradient)
        )
    }
}
