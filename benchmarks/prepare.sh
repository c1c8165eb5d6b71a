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

# The FFT floor: FFTW alone on as many frames, planned as prepare plans them (fft_floor.c).
${CC:-clang} -O2 -o fft_floor "$root/benchmarks/fft_floor.c" -lfftw3f -lpthread
"$genrekit" prepare data --out features --force --quiet >/dev/null
segments=$(python3 -c "import json; d=json.load(open('features/dataset.json')); print(sum(v['segments'] for v in d['splits'].values()))")
frames=130   # 1 + 66150 / 512: a 3 s segment's centred frames at n_fft 2048, hop 512

declare -a ours_s ours_kb floor_s many_s
for i in $(seq 1 "$runs"); do   # alternating, so both see the same machine
  /usr/bin/time -o time.out -f "%e %M" "$genrekit" prepare data --out features --force --quiet >/dev/null
  read -r s kb < time.out
  ours_s+=("$s"); ours_kb+=("$kb")
  f=$(./fft_floor "$segments" "$frames" | awk '{print $1}')
  m=$(./fft_floor "$segments" "$frames" 2048 "$(nproc)" --many | awk '{print $1}')
  floor_s+=("$f"); many_s+=("$m")
  echo "run $i: genrekit prepare $s s, ${kb} KB; FFT floor $f s (one plan per segment: $m s)"
done
p=$(median "${ours_s[@]}")
pk=$(( $(maxof "${ours_kb[@]}") / 1024 ))
floor=$(median "${floor_s[@]}")
many=$(median "${many_s[@]}")
floor_ratio=$(awk -v a="$p" -v b="$floor" 'BEGIN {printf "%.2f", a / b}')
floor_verdict=$(awk -v r="$floor_ratio" 'BEGIN {print (r <= 1.5) ? "met" : "MISSED"}')

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
### prepare vs its FFT floor and the librosa loop ($(date -u +%Y-%m-%d))

Machine: $(machine); audio in the page cache.
Command: \`make bench\` (\`benchmarks/prepare.sh .build/release/genrekit $runs\`), medians of $runs alternating runs.
Data: the unpacked \`synth --tracks-per-genre 100\` set, 1000 tracks x 30 s.

| job | seconds | segments |
| --- | ---: | ---: |
| \`genrekit prepare\` (decode, 10 segments, MFCC, split, three .npz stored, dataset.json), all cores | $p | $segments |
| FFT floor: FFTW's r2c alone on the same $(( segments * frames )) frames of 2048 points, all cores, planned as prepare plans them (\`benchmarks/fft_floor.c\`) | $floor | |
| the same with one FFTW plan over each segment's 130 frames (prepare's plan before issue 15) | $many | |
$librosa_line

prepare / FFT floor: **${floor_ratio}x** (target at most 1.5x: $floor_verdict). librosa / genrekit: **${ratio}x** (target at least 30x: $verdict). Peak memory of prepare ${pk} MB (target under 300 MB: $verdict_mem).
<!-- prepare:end -->
MD
)
echo
echo "$block"
rm -f time.out fft_floor
record_section prepare "$block"
