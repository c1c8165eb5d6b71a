#!/bin/sh
# Runs the main job with two genrekit binaries and compares every output byte for byte: the
# check that a restructuring changed nothing users see (synth, unpack, validate --json,
# prepare, train, package, inspect --json, predict --json).
#   usage: scripts/check-identical.sh BEFORE AFTER [WORK]
set -eu
before=$(realpath "$1")
after=$(realpath "$2")
work=${3:-$(mktemp -d)}
export SOURCE_DATE_EPOCH=1700000000
run() { # binary, folder
  g=$1
  mkdir -p "$2"
  cd "$2"
  "$g" synth --out s.zip --tracks-per-genre 4 --seconds 12 --faults --quiet > /dev/null
  "$g" unpack s.zip --into data --quiet > /dev/null
  "$g" validate s.zip --json --quiet > validate.json
  "$g" prepare data --out features --split 50/25/25 --quiet > prepare.txt 2>&1
  "$g" train features --recipe lstm-norm --out run --epochs 3 --jobs 2 --quiet > train.txt 2>&1
  "$g" package run --model-version 1.0.0 --zoo zoo > package.txt
  "$g" inspect zoo/lstm-norm-1.0.0.tar.gz --json > inspect.json
  "$g" predict zoo/lstm-norm-1.0.0.tar.gz data/genres/rock/rock.00000.wav --json > predict.json
  cd - > /dev/null
}
run "$before" "$work/before"
run "$after" "$work/after"
status=0
for f in $(cd "$work/before" && find . -type f | sort); do
  if ! cmp -s "$work/before/$f" "$work/after/$f"; then
    echo "DIFFERENT: $f"
    status=1
  fi
done
[ "$status" = 0 ] && echo "identical: $(cd "$work/before" && find . -type f | wc -l) files in $work"
exit $status
