#!/bin/sh
# Runs examples/bundle_forward.py on the bundle and test features `make demo` wrote, in a
# virtual environment with numpy and safetensors only (made on first use in examples/.venv).
set -eu
cd "$(dirname "$0")/.."
bundles="demo-out/zoo/lstm-norm-1.0.0.tar.gz demo-out/zoo/gru-mfcc-1.0.0.tar.gz"
for bundle in $bundles; do
  [ -f "$bundle" ] || { echo "examples/run.sh: $bundle: missing (run make demo first)" >&2; exit 1; }
done
venv=examples/.venv
if [ ! -x "$venv/bin/python" ]; then
  echo "making $venv (numpy, safetensors from PyPI)..."
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy safetensors
fi
for bundle in $bundles; do
  echo "$bundle:"
  "$venv/bin/python" examples/bundle_forward.py "$bundle" demo-out/features/test.npz
done
