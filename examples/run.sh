#!/bin/sh
# Runs examples/bundle_forward.py on the bundles and test features `make demo` wrote, in a
# virtual environment with numpy and safetensors only (made on first use in examples/.venv).
set -eu
cd "$(dirname "$0")/.."
# Each bundle with the test split of the features it was trained on.
pairs="lstm-norm:features gru-mfcc:features cnn-mel:features-mel"
for pair in $pairs; do
  bundle="demo-out/zoo/${pair%%:*}-1.0.0.tar.gz"
  [ -f "$bundle" ] || { echo "examples/run.sh: $bundle: missing (run make demo first)" >&2; exit 1; }
done
venv=examples/.venv
if [ ! -x "$venv/bin/python" ]; then
  echo "making $venv (numpy, safetensors from PyPI)..."
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy safetensors
fi
for pair in $pairs; do
  bundle="demo-out/zoo/${pair%%:*}-1.0.0.tar.gz"
  echo "$bundle:"
  "$venv/bin/python" examples/bundle_forward.py "$bundle" "demo-out/${pair#*:}/test.npz"
done
