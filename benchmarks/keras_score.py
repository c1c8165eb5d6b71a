"""Scores a genrekit run's weights in the identical Keras model, to tell whether a gap between the
two frameworks comes from evaluation or from training: if Keras, given genrekit's weights, scores
what genrekit's evaluation.json says, the two evaluate alike and the gap is in the training.

usage: python keras_score.py RUN FEATURES
    RUN: a finished `genrekit train` folder of lstm-seed, gru-mfcc, cnn-mel or crnn-mel (the models
         keras_train.py builds; lstm-norm is lstm-seed's network)
    FEATURES: the features folder it was trained on

Prints the validation and test loss and accuracy, Keras's and genrekit's side by side.
"""
import json
import os
import struct
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_train  # noqa: E402


def read_safetensors(path):
    """The float32 tensors and the metadata of a safetensors file (written by genrekit)."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        blob = f.read()
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(blob[start:end], dtype=np.float32).reshape(entry["shape"])
    return tensors, metadata


def load_into(model, recipe_layers, tensors):
    """genrekit's layers that hold weights, in the recipe's order, onto Keras's, in the model's
    order; each Keras variable by its own name (kernel, recurrent_kernel, bias, gamma, ...)."""
    weighted = ("conv2d", "batchnorm", "dense", "lstm", "gru")
    ours = [layer["name"] for layer in recipe_layers if layer["type"] in weighted]
    theirs = [layer for layer in model.layers if layer.weights]
    assert len(ours) == len(theirs), (ours, [layer.name for layer in theirs])
    for name, layer in zip(ours, theirs):
        layer.set_weights([tensors[f"{name}.{v.name}"] for v in layer.weights])


def main():
    run, folder = sys.argv[1], sys.argv[2]
    tensors, metadata = read_safetensors(os.path.join(run, "weights.safetensors"))
    recipe = json.loads(metadata["recipe"])
    name = "lstm-seed" if recipe["name"] == "lstm-norm" else recipe["name"]
    assert name in ("lstm-seed", "gru-mfcc", "cnn-mel", "crnn-mel"), f"no Keras model for recipe {name}"
    key = json.load(open(os.path.join(folder, "dataset.json")))["features"]["kind"]
    splits = {s: np.load(os.path.join(folder, f"{s}.npz")) for s in ("val", "test")}
    genres = json.loads(metadata["genres"])
    model = keras_train.build(name, splits["val"][key].shape[1:], len(genres))
    load_into(model, recipe["layers"], tensors)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    evaluation = json.load(open(os.path.join(run, "evaluation.json")))
    for split, recorded in (("val", "validation"), ("test", "test")):
        x = splits[split][key]
        if "normalization.mean" in tensors:
            x = ((x - tensors["normalization.mean"]) / tensors["normalization.std"]).astype(np.float32)
        loss, accuracy = model.evaluate(x, splits[split]["label"], batch_size=64, verbose=0)
        ours = evaluation[recorded]
        print(f"{split}: Keras loss {loss:.4f} accuracy {accuracy:.4f}; "
              f"genrekit loss {ours['loss']:.4f} accuracy {ours['segmentAccuracy']:.4f}")


if __name__ == "__main__":
    main()
