#!/usr/bin/env bash
# `make bench` (gru-mfcc part): seconds per epoch of `genrekit train --recipe gru-mfcc` (oneDNN's
# linear-before-reset GRU) and, in the same run, of the identical Keras model (Keras's default
# GRU(128), the same head, the same standardisation) on the same arrays: the full-size features
# (6000 training segments of 130 x 13, batch 20). Records both, the ratio (target at least 3x)
# and peak memory (target under 2 GB) in benchmarks/RESULTS.md.
#   usage: benchmarks/train_gru.sh [path/to/genrekit] ; EPOCHS=3 by default
source "$(dirname "$0")/common.sh"
epochs=${EPOCHS:-3}
if [ ! -f features/dataset.json ]; then
  [ -f data/validation.json ] || "$genrekit" unpack "$archive" --into data --force --quiet >/dev/null
  "$genrekit" prepare data --out features --force --quiet >/dev/null
fi

rm -rf run-bench-gru
/usr/bin/time -o time.out -f "%e %M" "$genrekit" train features --recipe gru-mfcc --out run-bench-gru \
  --epochs "$epochs" > train-gru.log
cat train-gru.log
read -r _ kb < time.out
ours=$(median $(sed -n 's/^epoch [0-9]* (\([0-9.]*\) s).*/\1/p' train-gru.log))
ours_mb=$(( kb / 1024 ))
ours_acc=$(sed -n 's/^test: segment accuracy \([0-9.]*\).*/\1/p' train-gru.log)

keras_line="| Keras: not run (no python3 with venv and pip, or TensorFlow would not install) | | | |"
ratio="n/a"; verdict="not measured"
if venv_has "keras, tensorflow" tensorflow-cpu; then
  echo "training the identical Keras GRU model for $epochs epochs..."
  /usr/bin/time -o time.out -f "%e %M" "$venv/bin/python" "$root/benchmarks/keras_train.py" features "$epochs" 42 gru-mfcc > keras-gru.log
  cat keras-gru.log
  keras=$(median $(sed -n 's/^epoch [0-9]* \([0-9.]*\) s.*/\1/p' keras-gru.log))
  read -r _ kkb < time.out
  keras_acc=$(sed -n 's/^test accuracy \([0-9.]*\).*/\1/p' keras-gru.log)
  keras_version=$(sed -n 's/.* keras \(.*\)$/\1/p' keras-gru.log)
  keras_line="| Keras $keras_version (TensorFlow CPU), \`benchmarks/keras_train.py ... gru-mfcc\` | $keras | $(( kkb / 1024 )) MB | $keras_acc |"
  if [ -n "$ours" ] && [ -n "$keras" ]; then
    ratio=$(awk -v a="$keras" -v b="$ours" 'BEGIN {printf "%.2f", a / b}')
    verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 3) ? "met" : "MISSED"}')
  fi
fi
verdict_mem=$([ "$ours_mb" -lt 2048 ] && echo met || echo MISSED)
block=$(cat <<MD
<!-- train-gru:begin -->
### train gru-mfcc vs Keras ($(date -u +%Y-%m-%d))

Machine: $(machine).
Command: \`make bench\` (\`benchmarks/train_gru.sh\`, EPOCHS=$epochs), median seconds per epoch.
Data: the full-size synthetic features (6000 training segments of 130 x 13, 2000 validation), recipe gru-mfcc, batch 20.

| job | seconds per epoch | peak memory | test accuracy after $epochs epochs |
| --- | ---: | ---: | ---: |
| \`genrekit train --recipe gru-mfcc\` (oneDNN's lbr_gru primitive) | $ours | ${ours_mb} MB | $ours_acc |
$keras_line

Keras / genrekit: **${ratio}x** per epoch (target at least 3x: $verdict). genrekit peak memory ${ours_mb} MB (target under 2 GB: $verdict_mem).
<!-- train-gru:end -->
MD
)
echo
echo "$block"
rm -f time.out
record_section train-gru "$block"
