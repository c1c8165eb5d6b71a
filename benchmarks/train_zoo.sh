#!/usr/bin/env bash
# `make bench` (the zoo's recipes): seconds per epoch of `genrekit train` for gru-mfcc (on the MFCC
# features), cnn-mel and crnn-mel (on `prepare --features mel` of the same tracks) and, in the
# same run, of the identical Keras models (benchmarks/keras_train.py) on the same arrays: the
# full-size synthetic set (6000 training segments). Records seconds per epoch, the ratio against
# its target (gru-mfcc at least 3x faster than Keras, the CNNs at least 2x) and peak memory
# (target under 2 GB) in benchmarks/RESULTS.md.
#   usage: benchmarks/train_zoo.sh [path/to/genrekit] ; EPOCHS=2 by default
#   BENCH_VENV=path uses that Python environment for Keras instead of benchmarks/.venv.
source "$(dirname "$0")/common.sh"
epochs=${EPOCHS:-2}
[ -f data/validation.json ] || "$genrekit" unpack "$archive" --into data --force --quiet >/dev/null
[ -f features/dataset.json ] || "$genrekit" prepare data --out features --force --quiet >/dev/null
[ -f features-mel/dataset.json ] || "$genrekit" prepare data --out features-mel --features mel --force --quiet >/dev/null

have_keras=0
venv_has "keras, tensorflow" tensorflow-cpu && have_keras=1
rows=""
for recipe in gru-mfcc cnn-mel crnn-mel; do
  case $recipe in
    gru-mfcc) folder=features; target=3 ;;
    *) folder=features-mel; target=2 ;;
  esac
  rm -rf "run-bench-$recipe"
  /usr/bin/time -o time.out -f "%e %M" "$genrekit" train "$folder" --recipe "$recipe" --out "run-bench-$recipe" \
    --epochs "$epochs" > "train-$recipe.log"
  cat "train-$recipe.log"
  read -r _ kb < time.out
  ours=$(median $(sed -n 's/^epoch [0-9]* (\([0-9.]*\) s).*/\1/p' "train-$recipe.log"))
  mb=$(( kb / 1024 ))
  keras="not run"; kmb="-"; ratio="n/a"; verdict="not measured"
  if [ "$have_keras" = 1 ]; then
    echo "training the identical Keras model ($recipe) for $epochs epochs..."
    /usr/bin/time -o time.out -f "%e %M" "$venv/bin/python" "$root/benchmarks/keras_train.py" "$folder" "$epochs" 42 "$recipe" > "keras-$recipe.log"
    cat "keras-$recipe.log"
    keras=$(median $(sed -n 's/^epoch [0-9]* \([0-9.]*\) s.*/\1/p' "keras-$recipe.log"))
    read -r _ kkb < time.out
    kmb="$(( kkb / 1024 )) MB"
    ratio=$(awk -v a="$keras" -v b="$ours" 'BEGIN {printf "%.2f", a / b}')
    verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN {print (r >= t) ? "met" : "MISSED"}')
  fi
  memory=$([ "$mb" -lt 2048 ] && echo met || echo MISSED)
  rows+="| $recipe | $ours | $keras | **${ratio}x** (target ${target}x: $verdict) | ${mb} MB ($memory) | $kmb |"$'\n'
done
keras_version=$([ "$have_keras" = 1 ] && "$venv/bin/python" -c "import keras; print('Keras', keras.__version__)" 2>/dev/null || echo "Keras not installed")
# One section per CPU model: Keras and oneDNN pick their kernels by CPU, so a run on one kind
# of machine does not replace another kind's figures.
section="train-zoo-$(cpu_model | tr 'A-Z' 'a-z' | sed 's/([a-z]*)//g; s/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//')"
block=$(cat <<MD
<!-- $section:begin -->
### The zoo's recipes vs Keras on $(cpu_model) ($(date -u +%Y-%m-%d))

Machine: $(machine).
Command: \`make bench\` (\`benchmarks/train_zoo.sh\`, EPOCHS=$epochs), median seconds per epoch; $keras_version (TensorFlow CPU) on the same arrays.
Data: the full-size synthetic set (6000 training segments, 2000 validation): MFCCs 130 x 13 for gru-mfcc (batch 20), log-mel 130 x 128 for cnn-mel and crnn-mel (batch 32).

| recipe | genrekit s/epoch | Keras s/epoch | Keras / genrekit | genrekit peak memory (under 2 GB) | Keras peak memory |
| --- | ---: | ---: | ---: | ---: | ---: |
$rows
<!-- $section:end -->
MD
)
echo
echo "$block"
rm -f time.out
record_section "$section" "$block"
