#!/usr/bin/env bash
# The Swift flags `make build` tunes the release binary with: `-target-cpu haswell` (AVX2, FMA,
# BMI2: the feature loops run eight floats at a time instead of four) when this machine's CPU has
# every feature that target implies, else nothing. PORTABLE=1 prints nothing, for a binary to copy
# to other machines. The tuned binary gives the same bytes: Swift never fuses a multiply and an add
# on its own, and LLVM does not reorder float sums. It checks the CPU when it starts
# (GENREKIT_TUNED_HASWELL), so a copy on an older CPU refuses with a message instead of crashing.
set -euo pipefail
[ "${PORTABLE:-0}" = 1 ] && exit 0
[ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ] || exit 0
flags=" $(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -1) "
# The same list as TunedCPU.required (Sources/GenreKitCLI/TunedCPU.swift).
for f in avx avx2 fma bmi1 bmi2 f16c movbe abm popcnt; do
  case "$flags" in *" $f "*) ;; *) exit 0 ;; esac
done
echo "-Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DGENREKIT_TUNED_HASWELL"
