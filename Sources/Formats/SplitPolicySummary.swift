import Foundation

extension DatasetDescription.SplitPolicy {
    /// The policy in a few words, for every line that shows an accuracy: `artist split 60/20/20,
    /// seed 42`, `track split, list fault-filtered`, `artist split, 10 folds, seed 42, test fold 3`.
    /// - Parameter fold: the test fold of a run trained on folds.
    public func summary(fold: Int? = nil) -> String {
        if let list { return "\(unit) split, list \(list)" }
        var text = "\(unit) split"
        if let folds {
            text += ", \(folds) folds"
        } else if let ratios {
            text +=
                " "
                + Partition.allCases.map { String(format: "%g", ((ratios[$0.rawValue] ?? 0) * 1000).rounded() / 10) }
                .joined(separator: "/")
        }
        if let seed { text += ", seed \(seed)" }
        if let fold { text += ", test fold \(fold)" }
        if unit == "segment" { text += " (segments of one song in train and test)" }
        return text
    }
}
