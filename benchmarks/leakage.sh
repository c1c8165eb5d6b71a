#!/usr/bin/env bash
# `make bench-leakage`: how many points each leak is worth. Trains one recipe on the same
# synthetic GTZAN (all 1000 ids, --blend 0.8, artist signatures by Sturm's index) under the
# segment, track, artist and fault-filtered splits, for each seed in SEEDS (the split's and the
# training's), and 10-fold cross-validation by artist; records a table and an SVG plot
# (benchmarks/leakage.svg) in benchmarks/RESULTS.md.
# On the real GTZAN: DATA=path/to/unpacked/gtzan benchmarks/leakage.sh (the same steps).
#   usage: benchmarks/leakage.sh [path/to/genrekit] ; RECIPE=lstm-norm EPOCHS=20 SEEDS="1 2 3" FOLDS=10
GENREKIT_BENCH_ARCHIVE=0 source "$(dirname "$0")/common.sh"
recipe=${RECIPE:-lstm-norm}
epochs=${EPOCHS:-20}
seeds=${SEEDS:-1 2 3}
folds=${FOLDS:-10}

# The synthetic set is made by this very binary (the artist signatures changed with it).
leak="leakage-$(sha256sum "$genrekit" | cut -c1-12)"
mkdir -p "$leak"
data=${DATA:-$leak/data}
if [ -z "${DATA:-}" ] && [ ! -f "$data/validation.json" ]; then
  echo "making the data (synth --tracks-per-genre 100 --blend 0.8, then unpack)..."
  "$genrekit" synth --out "$leak/gtzan.zip" --tracks-per-genre 100 --blend 0.8 --force --quiet >/dev/null
  "$genrekit" unpack "$leak/gtzan.zip" --into "$data" --force --quiet >/dev/null
fi
source_name=$([ -n "${DATA:-}" ] && echo "$DATA" || echo "synth --tracks-per-genre 100 --blend 0.8")

# result POLICY SEED LOG: appends "policy seed segment track split" to results.tsv.
: > "$leak/results.tsv"
result() {
  sed -n "s/^test: segment accuracy \([0-9.]*\), track accuracy \([0-9.]*\) ([^;]*; \(.*\))$/$1\t$2\t\1\t\2\t\3/p" "$3" >> "$leak/results.tsv"
}

for seed in $seeds; do
  for policy in segment track artist fault-filtered; do
    features="$leak/features-$policy-$seed"
    if [ "$policy" = fault-filtered ]; then split=(--split-list fault-filtered); else split=(--split-by "$policy" --seed "$seed"); fi
    [ -f "$features/dataset.json" ] || "$genrekit" prepare "$data" --out "$features" "${split[@]}" --force --quiet >/dev/null
    echo "$policy, seed $seed: $recipe, $epochs epochs..."
    "$genrekit" train "$features" --recipe "$recipe" --seed "$seed" --epochs "$epochs" --out "$leak/run-$policy-$seed" \
      --force --quiet > "$leak/train-$policy-$seed.log"
    result "$policy" "$seed" "$leak/train-$policy-$seed.log"
  done
done

echo "$folds-fold cross-validation by artist: $recipe, $epochs epochs per fold..."
[ -f "$leak/folds/dataset.json" ] || "$genrekit" prepare "$data" --out "$leak/folds" --folds "$folds" --force --quiet >/dev/null
"$genrekit" cv "$leak/folds" --recipe "$recipe" --epochs "$epochs" --out "$leak/cv" --force --quiet > "$leak/cv.log"
cv_line=$(sed -n 's/^mean ± std *\([0-9.]*\) ± \([0-9.]*\) *\([0-9.]*\) ± \([0-9.]*\).*/\1\t\2\t\3\t\4/p' "$leak/cv.log")

# mean and sample standard deviation of column 3 (segment) and 4 (track) per policy
stats=$(awk -F'\t' '{n[$1]++; s[$1]+=$3; q[$1]+=$3*$3; t[$1]+=$4; u[$1]+=$4*$4; split_[$1]=$5}
  END {for (p in n) {m=s[p]/n[p]; v=(n[p]>1)?(q[p]-n[p]*m*m)/(n[p]-1):0; mt=t[p]/n[p]; vt=(n[p]>1)?(u[p]-n[p]*mt*mt)/(n[p]-1):0;
       printf "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%d\n", p, m, sqrt(v>0?v:0), mt, sqrt(vt>0?vt:0), n[p]}}' "$leak/results.tsv")
row() { printf '%s\n' "$stats" | awk -F'\t' -v p="$1" '$1 == p'; }
artist_mean=$(row artist | cut -f2)
table="| split | what can leak | test segment accuracy (mean ± sd) | test track accuracy | runs | points above artist (segment) |
| --- | --- | --- | --- | --- | --- |"
for policy in segment track fault-filtered artist; do
  IFS=$'\t' read -r _ m sd mt sdt n <<< "$(row "$policy")"
  case $policy in
    segment) what="songs and artists";; track) what="artists (and repeated songs)";;
    fault-filtered) what="nothing known (Kereliuk et al.'s list)";; artist) what="nothing known";;
  esac
  points=$(awk -v a="$m" -v b="$artist_mean" 'BEGIN {printf "%+.1f", (a - b) * 100}')
  table+=$'\n'"| $policy | $what | $m ± $sd | $mt ± $sdt | $n | $points |"
done
IFS=$'\t' read -r cvm cvsd cvt cvtsd <<< "$cv_line"
table+=$'\n'"| artist, $folds-fold CV | nothing known | $cvm ± $cvsd (over folds) | $cvt ± $cvtsd | $folds folds | $(awk -v a="$cvm" -v b="$artist_mean" 'BEGIN {printf "%+.1f", (a - b) * 100}') |"
echo "$table"

plot="no plot (matplotlib unavailable)"
if venv_has matplotlib matplotlib; then
  "$venv/bin/python" "$root/benchmarks/leakage_plot.py" "$leak/results.tsv" "$cv_line" "$root/benchmarks/leakage.svg" \
    && plot="![test accuracy per split](leakage.svg)"
fi

record_section leakage "<!-- leakage:begin -->
## The leak: what each split policy is worth

\`make bench-leakage\` ($(date -u +%Y-%m-%d), $(machine)): \`$recipe\`, $epochs epochs (early stopping as the recipe says), seeds $seeds, on $source_name. Each seed is both the split's and the training's (the fault-filtered list is fixed, so only training varies). The artist split is the honest number; every row above it is inflated by what its split lets through.

$table

$plot
<!-- leakage:end -->"
