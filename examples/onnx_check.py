#!/usr/bin/env python3
"""Run a GenreKit ONNX export in ONNX Runtime and check it against GenreKit itself.

    genrekit export zoo/cnn-mel-1.0.0.tar.gz --out cnn-mel.onnx
    genrekit predict zoo/cnn-mel-1.0.0.tar.gz --features features-mel --json > genrekit.json
    genrekit inspect zoo/cnn-mel-1.0.0.tar.gz --json > manifest.json
    python3 examples/onnx_check.py cnn-mel.onnx features-mel/test.npz genrekit.json [manifest.json]

Feeds the `.npz` file's segments (its `mfcc` or `mel` array, as the model's metadata says) to
the model as they are (the normalisation is inside the graph), then checks that every
probability is within 1e-5 of GenreKit's for the same segments and that the segment accuracy
equals the one GenreKit computed (and the bundle manifest's test accuracy, when the manifest is
given and the file is the bundle's test split). Prints the largest difference; exits 1 when a check fails.
Needs numpy and onnxruntime (`pip install numpy onnxruntime`).
"""
import json
import sys

import numpy as np
import onnxruntime as ort

TOLERANCE = 1e-5


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    model, features, genrekit_json = sys.argv[1:4]
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    genres = json.loads(meta["genres"])
    data = np.load(features)
    x = data[meta["feature_kind"]]
    probabilities = session.run(["probabilities"], {"features": x})[0]

    ours = json.load(open(genrekit_json))
    if ours["genres"] != genres:
        sys.exit(f"{genrekit_json}: genres {ours['genres']} are not the model's {genres}")
    reference = np.array([s["probabilities"] for s in ours["segments"]], dtype=np.float32)
    if reference.shape != probabilities.shape:
        sys.exit(f"{genrekit_json}: {reference.shape} probabilities, ONNX Runtime gave {probabilities.shape}")
    worst = float(np.abs(reference - probabilities).max())
    accuracy = float((probabilities.argmax(axis=1) == data["label"]).mean())
    recorded = ours["scores"]["segmentAccuracy"]
    print(f"{model} ({meta['bundle']}, ONNX Runtime {ort.__version__}): {len(x)} segments; "
          f"largest difference from genrekit {worst:.2e} (at most {TOLERANCE:g}); "
          f"segment accuracy {accuracy:.4f}, genrekit {recorded:.4f}")
    ok = worst <= TOLERANCE and abs(accuracy - recorded) < 1e-12
    if len(sys.argv) == 5:
        manifest = json.load(open(sys.argv[4]))["metrics"]["test"]
        print(f"  bundle manifest: test segment accuracy {manifest['segmentAccuracy']:.4f}")
        ok = ok and len(x) == manifest["segments"] and abs(accuracy - manifest["segmentAccuracy"]) < 1e-12
    print("  equal" if ok else "  DIFFERENT")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
