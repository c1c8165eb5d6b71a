#!/usr/bin/env bash
# `make bench` (prepare part): `genrekit prepare` of the full-size synthetic set (1000 tracks)
# against the reference Python loop (librosa 0.11 load + feature.mfcc per segment, as in the
# reference notebook) on the same folder, in the same run. The Python side runs when python3 can
# make a virtual environment with librosa (benchmarks/.venv, made on first use); otherwise it is
# reported as not run. Records the figures in benchmarks/RESULTS.md.
#   usage: benchmarks/prepare.sh [path/to/genrekit] [runs]
source "$(dirname "$0")/common.sh"
if [ ! -f data/validation.json ]; then
  "$genrekit" unpack "$archive" --into data --force --quiet >/dev/null
fi
find data/genres -type f -exec cat {} + > /dev/null   # both tools read from the page cache

declare -a ours_s ours_kb
for i in $(seq 1 "$runs"); do
  /usr/bin/time -o time.out -f "%e %M" "$genrekit" prepare data --out features --force --quiet >/dev/null
  read -r s kb < time.out
  ours_s+=("$s"); ours_kb+=("$kb")
  echo "run $i: genrekit prepare $s s, ${kb} KB"
done
p=$(median "${ours_s[@]}")
pk=$(( $(maxof "${ours_kb[@]}") / 1024 ))
segments=$(python3 -c "import json; d=json.load(open('features/dataset.json')); print(sum(v['segments'] for v in d['splits'].values()))" 2>/dev/null || echo "?")

librosa_line="not run (no python3 with venv and pip here, or librosa would not install)"
ratio="n/a"; verdict="not measured"
if venv_has librosa "librosa==0.11.0"; then
  echo "running the librosa loop (about half a minute)..."
  out=$("$venv/bin/python" "$root/benchmarks/librosa_loop.py" data)
  echo "librosa: $out"
  l=$(echo "$out" | awk '{print $(NF-1)}')
  lsegs=$(echo "$out" | awk '{print $3}')
  version=$("$venv/bin/python" -c "import librosa; print(librosa.__version__)")
  librosa_line="| librosa $version loop (\`benchmarks/librosa_loop.py\`: load + feature.mfcc per segment) | $l | $lsegs |"
  ratio=$(awk -v a="$l" -v b="$p" 'BEGIN {printf "%.1f", a / b}')
  verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 30) ? "met" : "MISSED"}')
fi
verdict_mem=$([ "$pk" -lt 300 ] && echo met || echo MISSED)
block=$(cat <<MD
<!-- prepare:begin -->
### prepare vs the librosa loop ($(date -u +%Y-%m-%d))

Machine: $(machine); audio in the page cache.
Command: \`make bench\` (\`benchmarks/prepare.sh .build/release/genrekit $runs\`), genrekit median of $runs runs.
Data: the unpacked \`synth --tracks-per-genre 100\` set, 1000 tracks x 30 s.

| job | seconds | segments |
| --- | ---: | ---: |
| \`genrekit prepare\` (decode, 10 segments, MFCC, split, three .npz with deflate, dataset.json), all cores | $p | $segments |
$librosa_line

librosa / genrekit: **${ratio}x** (target at least 30x: $verdict). Peak memory of prepare ${pk} MB (target under 300 MB: $verdict_mem).
<!-- prepare:end -->
MD
)
echo
echo "$block"
rm -f time.out
record_section prepare "$block"
