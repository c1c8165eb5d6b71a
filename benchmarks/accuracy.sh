#!/usr/bin/env bash
# `make bench-accuracy`: the accuracy check. For each recipe in RECIPES and each seed in SEEDS,
# trains the full recipe with genrekit and, on the same prepared features, the identical Keras
# model (benchmarks/keras_train.py, TensorFlow CPU in benchmarks/.venv), and records both test
# accuracies in benchmarks/RESULTS.md (one section per recipe). Target: genrekit within 2 points
# of Keras on the mean over the seeds.
# The data is `synth --blend 0.8`: genres overlap, so neither model reaches 100 % (on the plain
# synthetic set both do within 3 epochs, and the comparison would say nothing). The -mel recipes
# train on `prepare --features mel` of the same tracks.
# lstm-seed runs its 150 epochs (about 4 min per seed for genrekit and 16 for Keras on 2 cores);
# the others stop early on validation loss (patience 10), as their recipes say.
#   usage: benchmarks/accuracy.sh [path/to/genrekit]
#   RECIPES="lstm-seed" SEEDS="42" by default; EPOCHS=N caps the recipes' epochs (a quick run,
#   not the comparison the target is about). RESUME=1 spreads the comparison over sittings: a run
#   whose stamp matches (genrekit: the same binary, features and epochs; Keras: the same features,
#   epochs and Keras) is kept when it finished and carried on from its last epoch when it was
#   interrupted (train --resume; keras_train.py's backup folder). Times are summed over sittings.
#   The Keras stamp does not cover keras_train.py itself: after changing its model, run without
#   RESUME=1.
source "$(dirname "$0")/common.sh"
recipes=${RECIPES:-lstm-seed}
seeds=${SEEDS:-42}
blend=0.8

hard=gtzan-synth-100-blend.zip
if [ ! -f features-blend/dataset.json ]; then
  [ -f "$hard" ] || { echo "making $hard (synth --tracks-per-genre 100 --blend $blend)..."; "$genrekit" synth --out "$hard" --tracks-per-genre 100 --blend "$blend" --quiet >/dev/null; }
  "$genrekit" unpack "$hard" --into data-blend --force --quiet >/dev/null
  "$genrekit" prepare data-blend --out features-blend --force --quiet >/dev/null
fi
case " $recipes " in
  *-mel\ *) [ -f features-blend-mel/dataset.json ] ||
    "$genrekit" prepare data-blend --out features-blend-mel --features mel --force --quiet >/dev/null ;;
esac

# "N train / N validation / N test segments, POLICY" from a features folder's dataset.json.
split_counts() {
  python3 - "$1/dataset.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = {k: d["splits"][k]["segments"] for k in ("train", "val", "test")}
print(f"{n['train']} train / {n['val']} validation / {n['test']} test segments, split by {d['split']['unit']} (seed {d['split']['seed']})")
PY
}
mean() { printf '%s\n' "$@" | awk '{s += $1; n++} END {printf "%.4f", s / n}'; }
have_keras=no
venv_has "keras, tensorflow" tensorflow-cpu && have_keras=yes

# stamp FILE TEXT: true when RESUME=1 and FILE holds TEXT (the run may be reused); otherwise
# writes TEXT to FILE and is false (the run starts over).
stamp() {
  if [ "${RESUME:-0}" = 1 ] && [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then return 0; fi
  echo "$2" > "$1"; return 1
}
finished() { grep -q "$2" "$1" 2>/dev/null; }
# seconds FILE: the sittings' times in FILE (one a line), summed, and how many sittings.
seconds() { [ -f "$1" ] || { echo n/a; return; }; awk '{s += $1; n++} END {printf "%.0f s%s", s, (n > 1) ? " (" n " sittings)" : ""}' "$1"; }
binary_sha=$(sha256sum < "$genrekit" | cut -c1-16)
keras_release=$("$venv/bin/python" -c "import keras; print(keras.__version__)" 2>/dev/null || echo none)

for recipe in $recipes; do
  case $recipe in
    *-mel) folder=features-blend-mel ;;
    *) folder=features-blend ;;
  esac
  fingerprint=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$folder/dataset.json")
  epochs=${EPOCHS:-$(sed -n 's/^ *"epochs": *\([0-9]*\).*/\1/p' "$root/manifests/models/$recipe.json")}
  section=$([ "$recipe" = lstm-seed ] && echo accuracy || echo "accuracy-$recipe")
  rows=""; ours_sum=""; keras_sum=""; keras_version=""
  for seed in $seeds; do
    d=""
    log="accuracy-genrekit-$recipe-$seed.log"
    run="run-accuracy-$recipe-$seed"
    if ! stamp "$run.stamp" "genrekit $binary_sha features $fingerprint epochs $epochs"; then
      rm -rf "$run" "$log" "$run.time"
    fi
    if finished "$log" '^test: '; then
      echo "genrekit: $recipe, seed $seed: kept from an earlier sitting"
    else
      more=""
      [ -f "$run/checkpoint.safetensors" ] && more=--resume || rm -rf "$run"
      echo "genrekit: $recipe, seed $seed, $epochs epochs${more:+ (carrying on)}..."
      /usr/bin/time -a -o "$run.time" -f "%e" "$genrekit" train "$folder" --recipe "$recipe" --seed "$seed" \
        --epochs "$epochs" --out "$run" $more --quiet >> "$log"
    fi
    ours=$(sed -n 's/^test: segment accuracy \([0-9.]*\), track accuracy \([0-9.]*\).*/\1/p' "$log")
    ours_track=$(sed -n 's/^test: segment accuracy \([0-9.]*\), track accuracy \([0-9.]*\).*/\2/p' "$log")
    ours_epochs=$(( $(wc -l < "$run/history.csv") - 1 ))
    ours_sum="$ours_sum $ours"
    ours_s=$(seconds "$run.time")
    keras="not run"; keras_s="n/a"
    if [ "$have_keras" = yes ]; then
      klog="accuracy-keras-$recipe-$seed.log"
      backup="keras-backup-$recipe-$seed"
      if ! stamp "$backup.stamp" "keras $keras_release features $fingerprint epochs $epochs"; then
        rm -rf "$backup" "$klog" "$backup.time"
      fi
      if finished "$klog" '^test accuracy '; then
        echo "Keras: $recipe, seed $seed: kept from an earlier sitting"
      else
        echo "Keras: the same model, seed $seed, $epochs epochs$([ -f "$backup/state.json" ] && echo " (carrying on)")..."
        /usr/bin/time -a -o "$backup.time" -f "%e" "$venv/bin/python" "$root/benchmarks/keras_train.py" \
          "$folder" "$epochs" "$seed" "$recipe" "$backup" >> "$klog"
      fi
      keras=$(sed -n 's/^test accuracy \([0-9.]*\).*/\1/p' "$klog")
      keras_version=$(sed -n 's/.* keras \(.*\)$/\1/p' "$klog")
      keras_epochs=$(awk '/^epoch / {print $2}' "$klog" | sort -u | wc -l)
      keras_sum="$keras_sum $keras"
      keras_s=$(seconds "$backup.time")
      d=$(awk -v a="$ours" -v b="$keras" 'BEGIN {printf "%+.2f", (a - b) * 100}')
    fi
    rows+="| $seed | $ours | $ours_track | $ours_epochs | $ours_s | $keras | ${keras_epochs:-n/a} | $keras_s | ${d:-n/a} |"$'\n'
  done
  verdict="not measured (no Keras)"
  means="genrekit $(mean $ours_sum)"
  if [ -n "$keras_sum" ]; then
    means="$means, Keras $(mean $keras_sum)"
    verdict=$(awk -v a="$(mean $ours_sum)" -v b="$(mean $keras_sum)" \
      'BEGIN { d = (a - b) * 100; printf "%+.2f points, %s", d, (d < -2) ? "MISSED" : "met" }')
  fi
  block=$(cat <<MD
<!-- $section:begin -->
### $recipe accuracy: genrekit vs Keras, full recipe ($(date -u +%Y-%m-%d))

Machine: $(machine).
Command: \`make bench-accuracy\` (\`RECIPES="$recipe" SEEDS="$seeds" benchmarks/accuracy.sh\`, $epochs epochs at most).
Data: \`synth --tracks-per-genre 100 --blend $blend\`, prepared$([ "$folder" = features-blend-mel ] && echo " with \`--features mel\`") ($(split_counts "$folder")); recipe $recipe as manifests/models/$recipe.json states it; Keras ${keras_version:-n/a} with the identical model on the same arrays.

| seed | genrekit test accuracy (segments) | genrekit (tracks) | genrekit epochs | genrekit time | Keras test accuracy (segments) | Keras epochs | Keras time | difference (points) |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows}
Mean test accuracy: $means. Target: genrekit within 2 points of Keras on the mean (below it by at most 2): **$verdict**.
<!-- $section:end -->
MD
)
  echo
  echo "$block"
  record_section "$section" "$block"
done
