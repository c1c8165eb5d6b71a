#!/bin/sh
# The main job end to end on the built-in synthetic dataset: synth (with the faults real
# downloads have) -> unpack -> validate -> prepare -> short training runs (lstm-norm, gru-mfcc,
# and cnn-mel on log-mel features) -> cross-validation -> package -> the zoo's leaderboard ->
# inspect -> predict. Everything goes to demo-out/.
set -eu
genrekit=${1:-.build/release/genrekit}
out=demo-out
rm -rf "$out"
mkdir -p "$out"
echo "== genrekit synth --faults: a GTZAN-shaped zip, 10 tracks per genre"
"$genrekit" synth --out "$out/gtzan-synth.zip" --tracks-per-genre 10 --faults
echo
echo "== genrekit unpack: only the audio, normalised, with validation.json"
"$genrekit" unpack "$out/gtzan-synth.zip" --into "$out/data"
echo
echo "== genrekit validate: the report on the zip (on the unpacked folder it is the same, less the skipped files)"
"$genrekit" validate "$out/gtzan-synth.zip"
echo
echo "== genrekit prepare: MFCC tensors, split by artist (Sturm's index: no artist in two splits), ready for NumPy"
"$genrekit" prepare "$out/data" --out "$out/features"
echo
echo "Open them from Python:"
echo "  import numpy as np"
echo "  train = np.load(\"$out/features/train.npz\")"
echo "  x, y = train[\"mfcc\"], train[\"label\"]   # float32 [segments, 130, 13], int64 [segments]"
echo "  # label i is genre i of \"genres\" in $out/features/dataset.json"
echo
echo "== genrekit train: a short run of lstm-norm (5 epochs; the recipe's full run is up to 150); the split is beside the accuracy"
"$genrekit" train "$out/features" --recipe lstm-norm --out "$out/run" --epochs 5
echo
echo "== genrekit train: the same short run of gru-mfcc (lstm-norm with Keras's default GRU in the LSTM's place), for the zoo's leaderboard"
"$genrekit" train "$out/features" --recipe gru-mfcc --out "$out/run-gru" --epochs 5 --quiet
echo
echo "== genrekit prepare --features mel, then train cnn-mel: log-mel spectrograms [130, 128] and a small CNN (2 epochs here; the recipe's run is up to 60)"
"$genrekit" prepare "$out/data" --out "$out/features-mel" --features mel --quiet
"$genrekit" train "$out/features-mel" --recipe cnn-mel --out "$out/run-cnn" --epochs 2 --quiet
echo
echo "== genrekit cv: 5-fold cross-validation by artist (prepare --folds 5, then every fold; 3 epochs each to keep it short)"
"$genrekit" prepare "$out/data" --out "$out/folds" --folds 5 --quiet
"$genrekit" cv "$out/folds" --recipe lstm-norm --out "$out/cv" --epochs 3 --quiet
echo
echo "== genrekit package: a versioned bundle in a zoo (manifest, weights, history, evaluation, plots, model card)"
"$genrekit" package "$out/run" --model-version 1.0.0 --zoo "$out/zoo"
"$genrekit" package "$out/run-gru" --model-version 1.0.0 --zoo "$out/zoo"
"$genrekit" package "$out/run-cnn" --model-version 1.0.0 --zoo "$out/zoo"
echo
echo "== genrekit zoo list: the leaderboard, best test track accuracy first"
"$genrekit" zoo list "$out/zoo"
echo
echo "== genrekit inspect: every file verified against the manifest, then described"
"$genrekit" inspect "$out/zoo/lstm-norm-1.0.0.tar.gz"
echo
echo "== genrekit predict: two new synthetic tracks (another seed, never seen in training)"
"$genrekit" synth --out "$out/new.zip" --tracks-per-genre 1 --seed 2026 --quiet > /dev/null
"$genrekit" unpack "$out/new.zip" --into "$out/new" --quiet > /dev/null
"$genrekit" predict "$out/zoo/lstm-norm-1.0.0.tar.gz" "$out/new/genres/metal/metal.00000.wav" \
  "$out/new/genres/classical/classical.00000.wav" --top 3
echo
echo "== genrekit export: the cnn-mel bundle as an ONNX model (features in, genre probabilities out)"
"$genrekit" export "$out/zoo/cnn-mel-1.0.0.tar.gz" --format onnx --out "$out/cnn-mel.onnx"
echo
echo "From Python (numpy + safetensors, nothing from GenreKit), the same accuracy as the manifest's:"
echo "  python3 examples/bundle_forward.py $out/zoo/lstm-norm-1.0.0.tar.gz $out/features/test.npz"
echo "  python3 examples/bundle_forward.py $out/zoo/gru-mfcc-1.0.0.tar.gz $out/features/test.npz"
echo "  python3 examples/bundle_forward.py $out/zoo/cnn-mel-1.0.0.tar.gz $out/features-mel/test.npz"
echo "and in ONNX Runtime, checked against genrekit's own probabilities: make example"
