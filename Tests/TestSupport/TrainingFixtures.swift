import Features
import Foundation
import Prepare
import Training

/// A small recipe (the seed's shape, narrower) so the tests train in seconds: `base` (lstm-norm,
/// gru-mfcc, cnn-mel or crnn-mel) with every layer a quarter as wide (and a reshape to match).
public func smallRecipe(epochs: Int, patience: Int? = nil, base: String = "lstm-norm") throws -> Recipe {
    var recipe = try Recipe.load(base)
    recipe.name = base == "lstm-norm" ? "small" : "small-\(base)"
    recipe.layers = recipe.layers.map { layer in
        var l = layer
        if case .count(let n)? = l.units { l.units = .count(max(8, n / 4)) }
        if let filters = l.filters { l.filters = max(4, filters / 4) }
        return l
    }
    if let r = recipe.layers.firstIndex(where: { $0.type == .reshape }),
        let filters = recipe.layers[..<r].last(where: { $0.type == .conv2d })?.filters,
        let shape = recipe.layers[r].shape
    {
        recipe.layers[r].shape = [shape[0], shape[1] / 64 * filters]
    }
    recipe.epochs = epochs
    recipe.batchSize = 10
    recipe.optimizer.learningRate = 0.01  // few steps on little data: a larger step than Keras's default
    recipe.earlyStopping = patience.map { Recipe.EarlyStopping(patience: $0) }
    return recipe
}

/// Features (MFCCs, or log-mel with `kind: .mel`) from the tone dataset: 10 genres x 4 tracks x
/// 3 segments, split by track.
public func toneFeatures(_ dir: TemporaryDirectory, kind: FeatureKind = .mfcc) throws -> String {
    let data = try Fixtures.toneDataset(in: dir, perGenre: 4, seconds: 9)
    var options = Preparer.Options()
    options.unit = .track  // tones have no artists; keep every genre in every split
    options.features = kind
    _ = try Preparer(options: options).prepare(directory: data, out: dir.file("features"))
    return dir.file("features")
}
