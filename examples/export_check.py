#!/usr/bin/env python3
"""Run a GenreKit export (ONNX in ONNX Runtime, or .keras in Keras) and check it against GenreKit.

    genrekit export zoo/cnn-mel-1.0.0.tar.gz --format onnx --out cnn-mel.onnx
    genrekit export zoo/cnn-mel-1.0.0.tar.gz --format keras --out cnn-mel.keras
    genrekit predict zoo/cnn-mel-1.0.0.tar.gz --features features-mel --json > genrekit.json
    genrekit inspect zoo/cnn-mel-1.0.0.tar.gz --json > manifest.json
    python3 examples/export_check.py cnn-mel.onnx features-mel/test.npz genrekit.json [manifest.json]
    python3 examples/export_check.py cnn-mel.keras features-mel/test.npz genrekit.json [manifest.json]

Feeds the `.npz` file's segments (its `mfcc` or `mel` array) to the model as they are (the
normalisation is inside both exports), then checks that every
probability is within 1e-5 of GenreKit's for the same segments and that the segment accuracy
equals the one GenreKit computed (and the bundle manifest's test accuracy, when the manifest is
given and the file is the bundle's test split). Prints the largest difference; exits 1 when a check fails.
Needs numpy and onnxruntime for .onnx files, keras and tensorflow-cpu for .keras files.
"""
import json
import os
import sys

import numpy as np

TOLERANCE = 1e-5


def run_onnx(model, features):
    """Probabilities, genres and a description of the runtime."""
    import onnxruntime as ort
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    x = np.load(features)[meta["feature_kind"]]
    probabilities = session.run(["probabilities"], {"features": x})[0]
    return probabilities, json.loads(meta["genres"]), f"{meta['bundle']}, ONNX Runtime {ort.__version__}"


def run_keras(model, features, kind):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import zipfile
    import keras
    loaded = keras.models.load_model(model)
    probabilities = loaded.predict(np.load(features)[kind], batch_size=64, verbose=0)
    meta = json.loads(zipfile.ZipFile(model).read("metadata.json"))  # genrekit adds genres and bundle
    return probabilities, meta["genres"], f"{meta['bundle']}, Keras {keras.__version__}"


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    model, features, genrekit_json = sys.argv[1:4]
    data = np.load(features)
    ours = json.load(open(genrekit_json))
    kind = "mel" if "mel" in data.files else "mfcc"
    if model.endswith(".keras"):
        probabilities, genres, runtime = run_keras(model, features, kind)
    else:
        probabilities, genres, runtime = run_onnx(model, features)
    x = data[kind]
    if genres is not None and ours["genres"] != genres:
        sys.exit(f"{genrekit_json}: genres {ours['genres']} are not the model's {genres}")
    reference = np.array([s["probabilities"] for s in ours["segments"]], dtype=np.float32)
    if reference.shape != probabilities.shape:
        sys.exit(f"{genrekit_json}: {reference.shape} probabilities, the export gave {probabilities.shape}")
    worst = float(np.abs(reference - probabilities).max())
    accuracy = float((probabilities.argmax(axis=1) == data["label"]).mean())
    recorded = ours["scores"]["segmentAccuracy"]
    print(f"{model} ({runtime}): {len(x)} segments; "
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
