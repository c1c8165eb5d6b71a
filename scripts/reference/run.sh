#!/bin/sh
# Remakes the reference data (Tests/Reference) with the pinned librosa and Keras, in a virtual
# environment made on first use in .venv-reference. `scripts/reference/run.sh --check` compares
# instead of writing (make reference-check); without arguments it rewrites the outputs.
set -eu
cd "$(dirname "$0")/../.."
venv=.venv-reference
if [ ! -x "$venv/bin/python" ]; then
  echo "making $venv (scripts/reference/requirements.txt from PyPI)..."
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r scripts/reference/requirements.txt
fi
TF_CPP_MIN_LOG_LEVEL=3 exec "$venv/bin/python" scripts/reference/make_reference.py "$@"
