#!/usr/bin/env bash
# `make bench-hostile`: the release build's exit statuses, time and peak memory on every hostile
# input the tests built (the fuzz seeds) and fuzzing kept (the corpora), and on the issue's large
# cases (benchmarks/hostile_inputs.py); plus the fuzzing totals of every `make fuzz` run on this
# machine (.build-fuzz/history.tsv). Records the "hostile inputs" section of RESULTS.md.
#   usage: benchmarks/hostile.sh [path/to/genrekit] [most files per kind, default 3000]
GENREKIT_BENCH_ARCHIVE=0
limit=${2:-3000}
source "$(dirname "$0")/common.sh" "${1:-.build/release/genrekit}"
fuzz="$root/.build-fuzz"
seeds=${GENREKIT_FUZZ_SEEDS:-$fuzz/seeds}
if [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
  echo "collecting the tests' hostile files (swift test with GENREKIT_FUZZ_SEEDS)..."
  GENREKIT_FUZZ_SEEDS="$seeds" swift test --package-path "$root" --filter 'Hostile|ArchiveRefusals|AudioProbeTests' >/dev/null
fi
hostile=$work/hostile
rm -rf "$hostile" && mkdir -p "$hostile"

# A small bundle for predict (release build: about half a minute).
if [ ! -f tiny-zoo/tiny-1.0.0.tar.gz ]; then
  rm -rf tiny.zip tiny-data tiny-features tiny-run tiny-zoo
  "$genrekit" synth --out tiny.zip --tracks-per-genre 3 --seconds 9 --quiet >/dev/null
  "$genrekit" unpack tiny.zip --into tiny-data --quiet >/dev/null
  "$genrekit" prepare tiny-data --out tiny-features --split 34/33/33 --quiet >/dev/null
  "$genrekit" train tiny-features --out tiny-run --epochs 1 --quiet >/dev/null
  "$genrekit" package tiny-run --model-version 1.0.0 --zoo tiny-zoo --name tiny >/dev/null
fi
bundle=$work/tiny-zoo/tiny-1.0.0.tar.gz

# run KIND COMMAND...: time, peak memory and status of one run (120 s at most), appended to
# $hostile/KIND.tsv.
run() {
  local kind=$1
  shift
  local status=0
  /usr/bin/time -o "$hostile/time" -f "%e %M" timeout -s KILL 120 "$@" >/dev/null 2>&1 || status=$?
  read -r s kb < <(tail -1 "$hostile/time")
  printf '%s\t%s\t%s\t%s\n' "$status" "$s" "$kb" "${*: -1}" >> "$hostile/$kind.tsv"
}

files() { # DIR...: up to $limit regular files
  find "$@" -maxdepth 1 -type f 2>/dev/null | head -n "$limit"
}

echo "archives: validate and unpack..."
for f in $(files "$seeds/archive" "$fuzz/corpus/archive" "$root/Fuzz/Regressions/archive"); do
  run validate "$genrekit" validate --quiet "$f"
  rm -rf "$hostile/u"
  run unpack "$genrekit" unpack --quiet --into "$hostile/u" "$f"
done
echo "audio: predict..."
for f in $(files "$seeds/audio" "$fuzz/corpus/audio" "$root/Fuzz/Regressions/audio"); do
  run predict "$genrekit" predict "$bundle" "$f"
done
echo "bundles: inspect..."
for f in $(files "$seeds/bundle" "$fuzz/corpus/bundle" "$root/Fuzz/Regressions/bundle"); do
  run inspect "$genrekit" inspect "$f"
done

echo "the issue's large cases..."
python3 "$root/benchmarks/hostile_inputs.py" "$hostile/large"
declare -A large
for case in identical-8000 ratio-800x6MiB; do
  run "large-validate-$case" "$genrekit" validate --json --quiet "$hostile/large/$case.zip"
done
for case in identical-100000 ratio-800x6MiB; do
  rm -rf "$hostile/u"
  run "large-unpack-$case" "$genrekit" unpack --quiet --into "$hostile/u" "$hostile/large/$case.zip"
done
rm -rf "$hostile/u"

# summary KIND: "files, worst peak MB, slowest s, statuses (count x status), crashes"
summary() {
  awk -F'\t' '{n++; if ($3 > kb) kb = $3; if ($2 > s) s = $2; st[$1]++; if ($1 >= 128) c++}
    END {line = ""; for (k in st) line = line (line == "" ? "" : ", ") st[k] " x " k;
         printf "%d | %d MB | %.2f s | %s | %d", n, kb / 1024, s, line, c}' "$hostile/$1.tsv"
}
row() { echo "| $1 | $(summary "$2") |"; }
fuzz_rows=$(awk -F'\t' '{t[$2] += $3; e[$2] += $4; if ($5 > r[$2]) r[$2] = $5}
  END {for (k in t) printf "| %s | %.2f h | %d | %d MB |\n", k, t[k] / 3600, e[k], r[k]}' \
  "$fuzz/history.tsv" 2>/dev/null | sort)
fuzz_total=$(awk -F'\t' '{T += $3; E += $4} END {printf "| all entries | %.2f h | %d | |", T / 3600, E}' \
  "$fuzz/history.tsv" 2>/dev/null)
kinds=$(for k in archive audio bundle npy safetensors manifest; do
  printf '%s %s\n' "$(files "$seeds/$k" | wc -l)" "$k"; done | paste -sd, - | sed 's/,/, /g')
crashes=$(cat "$hostile"/*.tsv | awk -F'\t' '$1 >= 128' | wc -l)

block=$(cat <<MD
<!-- hostile:begin -->
### hostile inputs ($(date -u +%Y-%m-%d))

Machine: $(machine). Command: \`make bench-hostile\` (\`benchmarks/hostile.sh .build/release/genrekit\`) for the
runs below, \`make fuzz\` (\`Fuzz/run.sh SECONDS\`) for fuzzing.

What was tried: the files the tests build, kept as fuzz seeds ($kinds) — honest
archives and audio in every container GenreKit writes, and hostile ones built byte by byte:
overlapping zip entries (Fifield), ratio bombs, damaged tar headers, tars without end blocks,
zips cut inside the central directory, names with newlines, escapes and invalid UTF-8, RF64 with a
2^63-1 data size, FLACs of unknown or lying length, Ogg with a lying granule, float audio with
NaN, infinities and 1e30, 100 Hz audio, re-signed bundles with units of 1e5 and 2e9, hop 0,
nFFT 2^30, 1e8 mel bands, NaN weights — plus every input the fuzzers added to their corpora (up
to $limit per kind here), plus the issue's large cases.

Exit status 1 is a refusal (not an archive, no track in a GTZAN layout, undecodable audio, an
unsafe or damaged archive or bundle), as intended for nearly all of these inputs.

| command on | files | worst peak memory | slowest | exit statuses | crashes (128+) |
| --- | ---: | ---: | ---: | --- | ---: |
$(row "validate: archives" validate)
$(row "unpack: archives" unpack)
$(row "predict: audio" predict)
$(row "inspect: bundles" inspect)
$(row "validate: 8,000 identical tracks (was 2.6 GB, an 864 MB report)" large-validate-identical-8000)
$(row "unpack: 100,000 identical tracks (was killed at 24 GB)" large-unpack-identical-100000)
$(row "validate: 800 entries of 6 MiB at 1000:1 (wrote 4.2 GB)" large-validate-ratio-800x6MiB)
$(row "unpack: the same" large-unpack-ratio-800x6MiB)

Crashes over all runs: **$crashes**. Memory stays flat in what an attacker controls: a lying header
costs nothing, a bomb is stopped within 2 MiB past its ratio, and the report of N identical tracks
grows as N (100,000 tracks: the report and the tracks' records are the whole peak).

Fuzzing (libFuzzer with the address sanitizer on GenreKit's Swift code; libarchive, libsndfile,
zlib and Foundation's JSON run uninstrumented inside it), every \`make fuzz\` on this machine:

| entry | time | executions | peak memory |
| --- | ---: | ---: | ---: |
$fuzz_rows
$fuzz_total

Crash inputs found and fixed are kept in \`Fuzz/Regressions/\` and replayed by \`make test\`.
<!-- hostile:end -->
MD
)
echo "$block"
record_section hostile "$block"
