#!/usr/bin/env bash
# `make bench` (unpack part): times `genrekit unpack` (inflate + write + probe every track with
# libsndfile) against `unzip -q` of the same full-size synthetic archive, in the same run,
# alternating the two, and records the medians in benchmarks/RESULTS.md.
#   usage: benchmarks/unpack.sh [path/to/genrekit] [runs]
source "$(dirname "$0")/common.sh"
size_mb=$(( $(stat -c %s "$archive") / 1000000 ))

# Reads the whole archive once so neither tool pays for the first read from disk.
cat "$archive" > /dev/null

measure() { # label, command...: prints "seconds max_rss_kb"
  /usr/bin/time -o time.out -f "%e %M" "${@:2}" >/dev/null 2>&1
  tail -1 time.out
}

declare -a unzip_s unzip_kb unpack_s unpack_kb one_s validate_s validate_kb
for i in $(seq 1 "$runs"); do
  rm -rf u d
  read -r s kb < <(measure unzip unzip -q "$archive" -d u)
  unzip_s+=("$s"); unzip_kb+=("$kb")
  rm -rf u
  read -r s kb < <(measure unpack "$genrekit" unpack "$archive" --into d --quiet)
  unpack_s+=("$s"); unpack_kb+=("$kb")
  rm -rf d
  read -r s kb < <(measure unpack1 taskset -c 0 "$genrekit" unpack "$archive" --into d --quiet)
  one_s+=("$s")
  rm -rf d
  read -r s kb < <(measure validate "$genrekit" validate "$archive" --json --quiet)
  validate_s+=("$s"); validate_kb+=("$kb")
  echo "run $i: unzip ${unzip_s[-1]} s, genrekit unpack ${unpack_s[-1]} s (${unpack_kb[-1]} KB), on one core ${one_s[-1]} s, validate ${validate_s[-1]} s"
done

u=$(median "${unzip_s[@]}"); p=$(median "${unpack_s[@]}"); v=$(median "${validate_s[@]}"); o=$(median "${one_s[@]}")
pk=$(( $(maxof "${unpack_kb[@]}") / 1024 )); vk=$(( $(maxof "${validate_kb[@]}") / 1024 )); uk=$(( $(maxof "${unzip_kb[@]}") / 1024 ))
ratio=$(awk -v a="$p" -v b="$u" 'BEGIN {printf "%.2f", a / b}')
ratio1=$(awk -v a="$o" -v b="$u" 'BEGIN {printf "%.2f", a / b}')
verdict_time=$(awk -v r="$ratio" 'BEGIN {print (r <= 1.5) ? "met" : "MISSED"}')
verdict_half=$(awk -v r="$ratio" 'BEGIN {print (r <= 0.5) ? "met" : "MISSED"}')
verdict_mem=$([ "$pk" -lt 200 ] && echo met || echo MISSED)

block=$(cat <<MD
<!-- unpack:begin -->
### unpack vs unzip ($(date -u +%Y-%m-%d))

Machine: $(machine); archive in the page cache.
Command: \`make bench\` (\`benchmarks/unpack.sh .build/release/genrekit $runs\`), median of $runs alternating runs.
Archive: \`genrekit synth --tracks-per-genre 100\`: 1000 tracks x 30 s, ${size_mb} MB zip.

| job | seconds | peak memory |
| --- | ---: | ---: |
| \`unzip -q\` (reference) | $u | ${uk} MB |
| \`genrekit unpack\` (inflate, write, probe every track) | $p | ${pk} MB |
| the same on one core (\`taskset -c 0\`), as unzip runs | $o | |
| \`genrekit validate\` on the zip (nothing written) | $v | ${vk} MB |

unpack / unzip: **${ratio}x** (target at most 1.5x: $verdict_time; issue 15's target at most 0.5x: $verdict_half); on one core ${ratio1}x. Peak memory ${pk} MB (target under 200 MB: $verdict_mem).
unpack's reading thread walks the headers with libarchive and inflates each zip entry from the file with libdeflate; the other threads write and probe tracks (decode, levels, fingerprint); both tools check each entry's CRC-32.
<!-- unpack:end -->
MD
)
echo
echo "$block"

record_section unpack "$block"
rm -rf u d time.out
