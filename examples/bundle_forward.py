#!/usr/bin/env python3
"""Rebuild a GenreKit bundle's forward pass in NumPy and score it on prepared features.

Only the bundle is needed to know the model: manifest.json (read with `json`) says the genres,
the input normalisation and the layers with their weight names, shapes and gate order;
weights.safetensors (read with `safetensors.numpy.load_file`) holds the weights. Nothing from
GenreKit is imported.

    python3 examples/bundle_forward.py zoo/lstm-norm-1.0.0.tar.gz features/test.npz

Prints the segment and track accuracy on the features. For the bundle's own test or validation
split (told by the file name, test.npz or val.npz, and checked against the segment count the
manifest records for that split) it also prints the accuracy the manifest records and exits 1 if
they differ; other files are scored without a comparison. Needs numpy and safetensors
(`pip install numpy safetensors`).
"""
import json
import os
import sys
import tarfile
import tempfile

import numpy as np
from safetensors.numpy import load_file


def sigmoid(x):
    # 1 / (1 + exp(-x)), written so large |x| cannot overflow.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def forward(manifest, weights, x):
    """x: float32 [segments, frames, nMFCC] as `genrekit prepare` writes it. Returns softmax
    probabilities [segments, genres]."""
    norm = manifest["normalization"]
    if norm["kind"] == "per-coefficient":
        mean, std = (weights[name] for name in norm["tensors"])
        x = (x - mean) / std
    h = x.astype(np.float32)
    for layer in manifest["architecture"]["layers"]:
        kind, name = layer["type"], layer["name"]
        if kind == "lstm":
            assert layer["gateOrder"] == ["input", "forget", "candidate", "output"]
            kernel = weights[name + ".kernel"]            # [in, 4H]
            recurrent = weights[name + ".recurrent_kernel"]  # [H, 4H]
            bias = weights[name + ".bias"]                # [4H]
            units = layer["units"]
            batch, steps, _ = h.shape
            state = np.zeros((batch, units), np.float32)
            cell = np.zeros((batch, units), np.float32)
            projected = h @ kernel + bias                 # all steps at once
            for t in range(steps):
                z = projected[:, t, :] + state @ recurrent
                i = sigmoid(z[:, :units])
                f = sigmoid(z[:, units:2 * units])
                c = np.tanh(z[:, 2 * units:3 * units])
                o = sigmoid(z[:, 3 * units:])
                cell = f * cell + i * c
                state = o * np.tanh(cell)
            h = state                                     # the last hidden state
        elif kind == "gru":
            # Keras's default GRU (reset_after=True): the reset gate scales the recurrent
            # product after it is taken; bias row 0 is the input side's, row 1 the recurrent's.
            assert layer["gateOrder"] == ["update", "reset", "candidate"]
            kernel = weights[name + ".kernel"]            # [in, 3H]
            recurrent = weights[name + ".recurrent_kernel"]  # [H, 3H]
            bias = weights[name + ".bias"]                # [2, 3H]
            units = layer["units"]
            batch, steps, _ = h.shape
            state = np.zeros((batch, units), np.float32)
            projected = h @ kernel + bias[0]
            for t in range(steps):
                x_t = projected[:, t, :]
                r_t = state @ recurrent + bias[1]
                z = sigmoid(x_t[:, :units] + r_t[:, :units])
                r = sigmoid(x_t[:, units:2 * units] + r_t[:, units:2 * units])
                c = np.tanh(x_t[:, 2 * units:] + r * r_t[:, 2 * units:])
                state = z * state + (1 - z) * c
            h = state
        elif kind == "dense":
            h = h @ weights[name + ".kernel"] + weights[name + ".bias"]
            if layer.get("activation") == "relu":
                h = np.maximum(h, 0)
            elif layer.get("activation") == "softmax":
                h = np.exp(h - h.max(axis=1, keepdims=True))
                h = h / h.sum(axis=1, keepdims=True)
        elif kind == "dropout":
            pass                                          # identity at inference
        elif kind == "conv2d":
            # Keras's Conv2D, channels last, stride 1, "same" zero padding; kernel [k, k, in, out].
            kernel = weights[name + ".kernel"]
            if h.ndim == 3:
                h = h[..., None]                          # [segments, frames, bands] is one channel
            k = kernel.shape[0]
            pad = k // 2
            padded = np.pad(h, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
            rows, cols = h.shape[1], h.shape[2]
            out = np.zeros(h.shape[:3] + (kernel.shape[3],), np.float32)
            for di in range(k):
                for dj in range(k):
                    out += padded[:, di:di + rows, dj:dj + cols, :] @ kernel[di, dj]
            if name + ".bias" in weights:
                out += weights[name + ".bias"]
            h = out
        elif kind == "batchnorm":
            # Inference: the moving statistics the run left in the weights.
            scale = weights[name + ".gamma"] / np.sqrt(weights[name + ".moving_variance"] + layer["epsilon"])
            h = (h - weights[name + ".moving_mean"]) * scale + weights[name + ".beta"]
        elif kind == "relu":
            h = np.maximum(h, 0)
        elif kind == "maxpool2d":
            # 2 x 2, stride 2, "valid": an odd last row or column is dropped.
            rows, cols = h.shape[1] // 2 * 2, h.shape[2] // 2 * 2
            t = h[:, :rows, :cols, :]
            h = t.reshape(t.shape[0], rows // 2, 2, cols // 2, 2, t.shape[3]).max(axis=(2, 4))
        elif kind == "globalavgpool2d":
            h = h.mean(axis=(1, 2))
        elif kind == "reshape":
            h = h.reshape((h.shape[0],) + tuple(layer["outputShape"]))
        else:
            raise ValueError(f"unknown layer type {kind}")
    return h


def recorded_split(manifest, features, segments):
    """"test" or "val" when the file is that split of the bundle's data, else None."""
    counts = manifest["data"]["counts"]
    name = os.path.basename(features)
    for split in ("test", "val"):
        if name == f"{split}.npz":
            expected = counts[split]["segments"]
            if segments != expected:
                sys.exit(f"{features}: {segments} segments, but the bundle's {split} split has {expected}: "
                         "not the features this bundle was scored on")
            return split
    return None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    bundle, features = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(bundle, "r:gz") as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
            with open(os.path.join(tmp, "weights.safetensors"), "wb") as out:
                out.write(tar.extractfile("weights.safetensors").read())
        weights = load_file(os.path.join(tmp, "weights.safetensors"))
    test = np.load(features)
    probabilities = forward(manifest, weights, test[manifest["features"]["kind"]])  # "mfcc" or "mel"
    predicted = probabilities.argmax(axis=1)
    segment_accuracy = float((predicted == test["label"]).mean())
    tracks = np.unique(test["track"])
    right = 0
    for track in tracks:
        rows = test["track"] == track
        right += int(probabilities[rows].mean(axis=0).argmax() == test["label"][rows][0])
    track_accuracy = right / len(tracks)
    print(f"{manifest['name']} {manifest['version']}: {len(predicted)} segments, {len(tracks)} tracks "
          f"of {features}")
    print(f"  NumPy forward pass: segment accuracy {segment_accuracy:.4f}, track accuracy {track_accuracy:.4f}")
    split = recorded_split(manifest, features, len(predicted))
    if split is None:
        print("  not the bundle's test or val split: nothing recorded to compare with")
        sys.exit(0)
    recorded = manifest["metrics"]["test" if split == "test" else "validation"]
    print(f"  manifest.json ({split}): segment accuracy {recorded['segmentAccuracy']:.4f}, "
          f"track accuracy {recorded['trackAccuracy']:.4f}")
    same = abs(segment_accuracy - recorded["segmentAccuracy"]) < 1e-12
    print("  equal" if same else "  DIFFERENT")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
