#!/usr/bin/env bash
# `make bench` (kernel part): lstm-seed's per-step recurrent product (`[10, 128] x [128, 512]`,
# one replica's batch rows) on GenreKit's PanelMatrix and on OpenBLAS's sgemm, on one thread and
# on both cores at once as training runs it. Compiles benchmarks/kernel/main.swift with the
# package's own Sources/NeuralNet/PanelMatrix.swift and `make build`'s CPU flags.
#   usage: benchmarks/kernel.sh
GENREKIT_BENCH_ARCHIVE=0 source "$(dirname "$0")/common.sh"
flags=$("$root/scripts/host-cpu-flags.sh" | sed 's/-Xswiftc //g')
# shellcheck disable=SC2086
if ! swiftc -O $flags -I "$root/benchmarks/kernel" "$root/benchmarks/kernel/main.swift" \
  "$root/Sources/NeuralNet/PanelMatrix.swift" -o kernel-bench > kernel-build.log 2>&1; then
  cat kernel-build.log
  echo "kernel.sh: the benchmark did not build (needs swiftc and OpenBLAS's cblas.h: make deps)" >&2
  exit 1
fi
out=$(./kernel-bench)
echo "$out"
rate() { echo "$out" | awk -v e="$1" -v t="$2" '$1 == e && $2 == t {sub(/,/, "", $4); print $4}'; }
pair() { echo "$out" | awk -v e="$1" '$1 == e && $2 == 2 {sub(/,/, "", $4); print $4 " and " $5}'; }
block=$(cat <<MD
<!-- kernel:begin -->
### The recurrent step product alone ($(date -u +%Y-%m-%d))

Machine: $(machine); flags: \`${flags:-none (portable)}\`.
Command: \`make bench\` (\`benchmarks/kernel.sh\`): 40,000 products \`c[10, 512] += a[10, 128] x U[128, 512]\` each, every thread with its own operands.

| product | one thread (GFLOP/s) | both cores at once (GFLOP/s, each) |
| --- | ---: | ---: |
| OpenBLAS sgemm (reference) | $(rate openblas 1) | $(pair openblas) |
| GenreKit \`PanelMatrix.accumulate\` | $(rate panel 1) | $(pair panel) |
<!-- kernel:end -->
MD
)
echo
echo "$block"
record_section kernel "$block"
rm -f kernel-bench kernel-build.log
