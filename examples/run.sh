#!/bin/sh
# `make example`: the bundles `make demo` wrote, used from Python as a user would, in a virtual
# environment (examples/.venv, made on first use: numpy, safetensors, onnxruntime, and keras with
# tensorflow-cpu):
#   1. examples/bundle_forward.py rebuilds each bundle's forward pass in NumPy from its manifest
#      and weights (numpy and safetensors only) and must reach the manifest's test accuracy;
#   2. each bundle is exported to ONNX and to Keras (genrekit export), run in ONNX Runtime and
#      in Keras (keras.models.load_model) on the same test.npz (examples/export_check.py):
#      every probability within 1e-5 of genrekit's own (genrekit predict --features --json), and
#      the manifest's test accuracy.
set -eu
cd "$(dirname "$0")/.."
genrekit=${GENREKIT:-.build/release/genrekit}
# Each bundle with the features it was trained on.
pairs="lstm-norm:features gru-mfcc:features cnn-mel:features-mel"
for pair in $pairs; do
  bundle="demo-out/zoo/${pair%%:*}-1.0.0.tar.gz"
  [ -f "$bundle" ] || { echo "examples/run.sh: $bundle: missing (run make demo first)" >&2; exit 1; }
done
venv=examples/.venv
if ! "$venv/bin/python" -c "import numpy, safetensors, onnxruntime, keras, tensorflow" 2>/dev/null; then
  echo "making $venv (numpy, safetensors, onnxruntime, keras, tensorflow-cpu from PyPI)..."
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy safetensors onnxruntime keras tensorflow-cpu
fi
out=demo-out/example
mkdir -p "$out"
for pair in $pairs; do
  name=${pair%%:*}
  bundle="demo-out/zoo/$name-1.0.0.tar.gz"
  features="demo-out/${pair#*:}"
  echo "$bundle:"
  "$venv/bin/python" examples/bundle_forward.py "$bundle" "$features/test.npz"
  "$genrekit" predict "$bundle" --features "$features" --json > "$out/$name.genrekit.json"
  "$genrekit" inspect "$bundle" --json > "$out/$name.manifest.json"
  for format in onnx keras; do
    "$genrekit" export "$bundle" --format "$format" --out "$out/$name.$format"
    "$venv/bin/python" examples/export_check.py "$out/$name.$format" "$features/test.npz" \
      "$out/$name.genrekit.json" "$out/$name.manifest.json"
  done
done
