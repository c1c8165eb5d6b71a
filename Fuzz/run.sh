#!/bin/sh
# Fuzzes GenreKit's parsers with libFuzzer and the address sanitizer: the safe archive reader
# (zip and tar, limits on), the NPY/NPZ reader, the safetensors reader, the bundle manifest,
# bundle opening, the audio probe on in-memory bytes, FMA's tracks.csv, dataset manifests and
# shard.json (Fuzz/Sources, FuzzEntries).
#
# Usage: Fuzz/run.sh [SECONDS per target, default 60] [TARGET...]
#
# Each corpus starts from the tests' own files (collected by `make test` when
# GENREKIT_FUZZ_SEEDS names a folder; collected here when it is empty) and from every input
# kept in Fuzz/Regressions/<target>/. A crash, a hang past 20 s, one allocation past 512 MB or
# 2 GB in all stops the target and fails the run; the input is in .build-fuzz/crashes/. Fix
# it, then keep the input in Fuzz/Regressions/<target>/ (make test runs them all).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-archive npy safetensors manifest bundle audio metadata dataset shard}
work=${GENREKIT_FUZZ_WORK:-$root/.build-fuzz}
seeds=${GENREKIT_FUZZ_SEEDS:-$work/seeds}
mkdir -p "$work/crashes" "$seeds"

if [ -z "$(ls -A "$seeds")" ]; then
  echo "== seeds: the tests' own files"
  GENREKIT_FUZZ_SEEDS="$seeds" swift test --package-path "$root" \
    --filter 'Hostile|ArchiveRoundTrip|ArchiveRefusals|AudioProbeTests|SafetensorsTests|LibrosaParity|FMATests|UserManifestTests|ShardMergeTests'
fi

echo "== building the fuzzer (libFuzzer, address sanitizer)"
# The linker warns once per sanitizer symbol; the build's own errors still show.
if ! swift build --package-path "$root/Fuzz" --scratch-path "$work/build" -c debug \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld > "$work/build.log" 2>&1; then
  grep -v "Cannot export local symbol" "$work/build.log" | tail -40
  echo "the fuzzer did not build" >&2
  exit 1
fi
bin=$work/build/debug

status=0
for t in $targets; do
  corpus=$work/corpus/$t
  mkdir -p "$corpus"
  inputs="$corpus"
  [ -d "$seeds/$t" ] && inputs="$inputs $seeds/$t"
  [ -d "$root/Fuzz/Regressions/$t" ] && inputs="$inputs $root/Fuzz/Regressions/$t"
  echo "== fuzz-$t: $seconds s from $(cat "$seeds/$t"/* 2>/dev/null | wc -c | tr -d ' ') bytes of seeds"
  # shellcheck disable=SC2086
  if GENREKIT_FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$bin/genrekit-fuzz" $inputs \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -artifact_prefix="$work/crashes/$t-" -print_final_stats=1 > "$work/$t.log" 2>&1; then
    :
  else
    status=1
    echo "fuzz-$t FOUND A PROBLEM; input: $(ls -t "$work/crashes/$t-"* 2>/dev/null | head -1)"
    grep -E "ERROR|SUMMARY|Fatal error|==[0-9]+==" "$work/$t.log" | head -20
  fi
  sed -n 's/^stat::\(number_of_executed_units\|average_exec_per_sec\|peak_rss_mb\|new_units_added\): */  \1 /p' "$work/$t.log"
  # One line per target run, for benchmarks/hostile.sh's totals.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/$t.log")
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$seconds" "${execs:-0}" "${rss:-0}" >> "$work/history.tsv"
done
exit $status
