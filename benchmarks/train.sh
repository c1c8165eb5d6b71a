#!/usr/bin/env bash
# `make bench` (train part): seconds per epoch of `genrekit train --recipe lstm-seed`, with each
# LSTM engine (onednn and blas), on the full-size features (6000 training
# segments of 130 x 13, batch 20) and, in the same run, of the identical Keras model
# (TensorFlow CPU, installed into benchmarks/.venv on first use) on the same arrays. Records
# all three, the ratios and peak memory in benchmarks/RESULTS.md. The default engine depends
# on the CPU (oneDNN with AVX-512, the own loop without); Keras is compared with the default.
#   usage: benchmarks/train.sh [path/to/genrekit] [runs, unused] ; EPOCHS=3 by default
source "$(dirname "$0")/common.sh"
epochs=${EPOCHS:-3}
if [ ! -f features/dataset.json ]; then
  [ -f data/validation.json ] || "$genrekit" unpack "$archive" --into data --force --quiet >/dev/null
  "$genrekit" prepare data --out features --force --quiet >/dev/null
fi

# genrekit, with each LSTM engine: onednn and blas. The default is the engine run.json names
# for a run without --engine.
rm -rf run-bench-default
"$genrekit" train features --recipe lstm-seed --out run-bench-default --epochs 1 --quiet > /dev/null
default_engine=$(sed -n 's/.*"engine" *: *"\([a-z]*\)".*/\1/p' run-bench-default/run.json)
rm -rf run-bench-default
case "$default_engine" in onednn | blas) ;; *) echo "run.json names no engine" >&2; exit 1 ;; esac
for engine in onednn blas; do
  rm -rf "run-bench-$engine"
  /usr/bin/time -o time.out -f "%e %M" "$genrekit" train features --recipe lstm-seed --engine "$engine" \
    --out "run-bench-$engine" --epochs "$epochs" > "train-$engine.log"
  cat "train-$engine.log"
  read -r _ kb < time.out
  declare "secs_$engine=$(median $(sed -n 's/^epoch [0-9]* (\([0-9.]*\) s).*/\1/p' "train-$engine.log"))"
  declare "mb_$engine=$(( kb / 1024 ))"
  declare "acc_$engine=$(sed -n 's/^test: segment accuracy \([0-9.]*\).*/\1/p' "train-$engine.log")"
done
other_engine=$([ "$default_engine" = onednn ] && echo blas || echo onednn)
secs_var="secs_$default_engine"; mb_var="mb_$default_engine"; other_var="secs_$other_engine"
ours=${!secs_var}
ours_mb=${!mb_var}
theirs_other=${!other_var}

keras_line="not run (no python3 with venv and pip, or TensorFlow would not install)"
ratio="n/a"; ratio_other="n/a"; verdict="not measured"; verdict7="not measured"
if venv_has "keras, tensorflow" tensorflow-cpu; then
  echo "training the identical Keras model for $epochs epochs..."
  /usr/bin/time -o time.out -f "%e %M" "$venv/bin/python" "$root/benchmarks/keras_train.py" features "$epochs" > keras.log
  cat keras.log
  keras=$(median $(sed -n 's/^epoch [0-9]* \([0-9.]*\) s.*/\1/p' keras.log))
  read -r _ kkb < time.out
  keras_acc=$(sed -n 's/^test accuracy \([0-9.]*\).*/\1/p' keras.log)
  keras_version=$(sed -n 's/.* keras \(.*\)$/\1/p' keras.log)
  keras_line="| Keras $keras_version (TensorFlow CPU), \`benchmarks/keras_train.py\` | $keras | $(( kkb / 1024 )) MB | $keras_acc |"
  if [ -n "$ours" ] && [ -n "$keras" ]; then
    ratio=$(awk -v a="$keras" -v b="$ours" 'BEGIN {printf "%.2f", a / b}')
    ratio_other=$(awk -v a="$keras" -v b="$theirs_other" 'BEGIN {printf "%.2f", a / b}')
    verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 3) ? "met" : "MISSED"}')
    verdict7=$(awk -v r="$ratio" 'BEGIN {print (r >= 7) ? "met" : "MISSED"}')
  fi
fi
verdict_mem=$([ "$ours_mb" -lt 1024 ] && echo met || echo MISSED)
block=$(cat <<MD
<!-- train:begin -->
### train vs Keras ($(date -u +%Y-%m-%d))

Machine: $(machine).
Command: \`make bench\` (\`benchmarks/train.sh\`, EPOCHS=$epochs), median seconds per epoch.
Data: the full-size synthetic features (6000 training segments of 130 x 13, 2000 validation), recipe lstm-seed, batch 20.

| job | seconds per epoch | peak memory | test accuracy after $epochs epochs |
| --- | ---: | ---: | ---: |
| \`genrekit train --recipe lstm-seed --engine onednn\` (oneDNN's LSTM primitive) | $secs_onednn | ${mb_onednn} MB | $acc_onednn |
| \`genrekit train --recipe lstm-seed --engine blas\` (own loop: OpenBLAS sgemm, packed per-step kernel) | $secs_blas | ${mb_blas} MB | $acc_blas |
$keras_line

Keras / genrekit with the default engine on this CPU ($default_engine): **${ratio}x** per epoch (target at least 3x: $verdict; issue 15's target at least 7x: $verdict7); with --engine $other_engine ${ratio_other}x. genrekit peak memory ${ours_mb} MB (target under 1 GB: $verdict_mem).
<!-- train:end -->
MD
)
echo
echo "$block"
rm -f time.out
record_section train "$block"
