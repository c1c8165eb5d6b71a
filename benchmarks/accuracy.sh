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
#   not the comparison the target is about).
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

for recipe in $recipes; do
  case $recipe in
    *-mel) folder=features-blend-mel ;;
    *) folder=features-blend ;;
  esac
  epochs=${EPOCHS:-$(sed -n 's/^ *"epochs": *\([0-9]*\).*/\1/p' "$root/manifests/models/$recipe.json")}
  section=$([ "$recipe" = lstm-seed ] && echo accuracy || echo "accuracy-$recipe")
  rows=""; ours_sum=""; keras_sum=""; keras_version=""
  for seed in $seeds; do
    d=""
    log="accuracy-genrekit-$recipe-$seed.log"
    rm -rf "run-accuracy-$recipe-$seed"
    echo "genrekit: $recipe, seed $seed, $epochs epochs..."
    /usr/bin/time -o time.out -f "%e" "$genrekit" train "$folder" --recipe "$recipe" --seed "$seed" --epochs "$epochs" \
      --out "run-accuracy-$recipe-$seed" --quiet > "$log"
    ours=$(sed -n 's/^test: segment accuracy \([0-9.]*\), track accuracy \([0-9.]*\).*/\1/p' "$log")
    ours_track=$(sed -n 's/^test: segment accuracy \([0-9.]*\), track accuracy \([0-9.]*\).*/\2/p' "$log")
    ours_epochs=$(( $(wc -l < "run-accuracy-$recipe-$seed/history.csv") - 1 ))
    ours_sum="$ours_sum $ours"
    ours_s=$(cat time.out)
    keras="not run"; keras_s="n/a"
    if [ "$have_keras" = yes ]; then
      klog="accuracy-keras-$recipe-$seed.log"
      echo "Keras: the same model, seed $seed, $epochs epochs..."
      /usr/bin/time -o time.out -f "%e" "$venv/bin/python" "$root/benchmarks/keras_train.py" "$folder" "$epochs" "$seed" "$recipe" > "$klog"
      keras=$(sed -n 's/^test accuracy \([0-9.]*\).*/\1/p' "$klog")
      keras_version=$(sed -n 's/.* keras \(.*\)$/\1/p' "$klog")
      keras_epochs=$(grep -c '^epoch ' "$klog" || true)
      keras_sum="$keras_sum $keras"
      keras_s="$(cat time.out) s"
      d=$(awk -v a="$ours" -v b="$keras" 'BEGIN {printf "%+.2f", (a - b) * 100}')
    fi
    rows+="| $seed | $ours | $ours_track | $ours_epochs | ${ours_s} s | $keras | ${keras_epochs:-n/a} | $keras_s | ${d:-n/a} |"$'\n'
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
rm -f time.out
