import Basics
import Features
import Formats

extension Recipe {
    /// Refuses what the trainer cannot build, before any data is seen: every layer's own
    /// numbers within `Bounds`, at most one recurrent layer (an LSTM or GRU reads a sequence and
    /// returns its last state, so it comes first or right after a reshape), a first layer that
    /// reads a segment (recurrent or conv2d), a dense softmax last, and the training settings.
    /// Whether the shapes fit each other is checked when the network is built for an input
    /// (`layers(inputShape:genres:)`).
    public func check() throws(RecipeError) {
        func refuse(_ message: String) -> RecipeError { RecipeError(recipe: name, message: message) }
        guard Bounds.layers.contains(layers.count) else {
            throw refuse(
                "has \(layers.count) layers; GenreKit builds \(Bounds.layers.lowerBound) to \(Bounds.layers.upperBound)"
            )
        }
        guard let first = layers.first?.type, first.isRecurrent || first == .conv2d else {
            throw refuse("the first layer must be an lstm, a gru or a conv2d")
        }
        guard layers.last?.type == .dense, layers.last?.activation == .softmax else {
            throw refuse("the last layer must be a dense softmax layer")
        }
        for (i, layer) in layers.enumerated() {
            switch layer.type {
            case .lstm, .gru:
                guard i == 0 || layers[i - 1].type == .reshape,
                    !layers[..<i].contains(where: { $0.type.isRecurrent })
                else {
                    throw refuse(
                        "layer \(layer.name): an \(layer.type.rawValue) comes first or right after a reshape, and only once (it returns its last state, not a sequence)"
                    )
                }
                try checkUnits(layer)
            case .dense:
                try checkUnits(layer)
                guard layer.activation != .softmax || i == layers.count - 1 else {
                    throw refuse("layer \(layer.name): only the last layer can be softmax")
                }
            case .dropout:
                guard let rate = layer.rate, rate >= 0, rate < 1 else {
                    throw refuse("layer \(layer.name) needs a rate in [0, 1)")
                }
            case .conv2d:
                guard let filters = layer.filters, Bounds.units.contains(filters) else {
                    throw refuse("layer \(layer.name) needs filters, 1 to \(Bounds.units.upperBound)")
                }
                guard Bounds.kernelSizes.contains(layer.kernelSize ?? 3) else {
                    throw refuse("layer \(layer.name): kernelSize must be 1, 3, 5 or 7 (same padding needs it odd)")
                }
            case .batchnorm:
                guard (0..<1).contains(layer.momentum ?? 0.99), (1e-12...1).contains(layer.epsilon ?? 1e-3) else {
                    throw refuse("layer \(layer.name) needs momentum in [0, 1) and epsilon in [1e-12, 1]")
                }
            case .reshape:
                guard let shape = layer.shape, (1...3).contains(shape.count),
                    shape.allSatisfy({ Bounds.exampleValues.contains($0) })
                else { throw refuse("layer \(layer.name) needs a shape of 1 to 3 positive sizes") }
            case .relu, .maxpool2d, .globalavgpool2d:
                break
            }
        }
        try checkTraining()
    }

    private func checkUnits(_ layer: LayerSpec) throws(RecipeError) {
        switch layer.units {
        case .count(let n)?:
            guard Bounds.units.contains(n) else {
                throw RecipeError(
                    recipe: name,
                    message:
                        "layer \(layer.name) has \(n) units; GenreKit builds \(Bounds.units.lowerBound) to \(Bounds.units.upperBound)"
                )
            }
        case .genres?: break
        case nil: throw RecipeError(recipe: name, message: "layer \(layer.name) has no units")
        }
    }

    private func checkTraining() throws(RecipeError) {
        func refuse(_ message: String) -> RecipeError { RecipeError(recipe: name, message: message) }
        guard Bounds.learningRate.contains(optimizer.learningRate), (0..<1).contains(optimizer.beta1),
            (0..<1).contains(optimizer.beta2), Bounds.epsilon.contains(optimizer.epsilon)
        else {
            throw refuse("adam needs learningRate in (0, 10], beta1 and beta2 in [0, 1), epsilon in (0, 1]")
        }
        guard Bounds.batchSize.contains(batchSize) else {
            throw refuse("batchSize must be 1 to 65536, not \(batchSize)")
        }
        guard Bounds.epochs.contains(epochs) else { throw refuse("epochs must be 1 to 1000000, not \(epochs)") }
        if let stopping = earlyStopping {
            guard Bounds.patience.contains(stopping.patience) else {
                throw refuse("earlyStopping.patience must be at least 1, not \(stopping.patience)")
            }
            guard stopping.monitor == "val_loss" else {
                throw refuse("earlyStopping.monitor must be val_loss, not \(stopping.monitor)")
            }
        }
    }

    /// Refuses features of another kind than the recipe's first layer is sized for, before any
    /// array is read: a CNN built for 128 mel bands would otherwise train on 13 MFCCs without a
    /// word and learn little.
    /// - Throws: `TrainingError.unusableFeatures` naming `folder`'s `dataset.json`.
    public func checkFeatures(_ description: DatasetDescription, in folder: String) throws(TrainingError) {
        let kind = description.features.kind
        guard let wanted = features, wanted != kind else { return }
        throw .unusableFeatures(
            path: folder + "/dataset.json",
            reason:
                "it holds \(kind.rawValue) features and recipe \(name) reads \(wanted.rawValue): prepare the tracks with --features \(wanted.rawValue)"
        )
    }
}
