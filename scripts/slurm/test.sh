#!/usr/bin/env bash
# Sharded prepare on a real one-node Slurm cluster (make test-slurm; .ci/run runs it): installs
# slurm-wlm and munge if needed, starts slurmctld and slurmd on this machine, submits the shard
# array and the dependent merge on a small synthetic GTZAN, and checks that
#   - a failed array task keeps the merge from running (afterok),
#   - resubmitting redoes only the failed shard (the others are kept, file for file),
#   - the merged features are byte for byte those of one `genrekit prepare`.
# Needs root (it starts daemons). GENREKIT names the binary (default .build/debug/genrekit).
set -euo pipefail
cd "$(dirname "$0")/../.."
genrekit=${GENREKIT:-$PWD/.build/debug/genrekit}
[ -x "$genrekit" ] || { echo "test-slurm: no $genrekit; build first (swift build)" >&2; exit 1; }
work=$(mktemp -d /tmp/genrekit-slurm.XXXXXX)
cluster=$work/cluster
shards=$work/features.shards
cleanup() {
  scripts/slurm/local-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "test-slurm: FAILED: $*" >&2
  for f in "$shards"/logs/* "$cluster"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}
# Waits until job $1 (an array: all its tasks) has left the queue.
wait_for() {
  local _
  for _ in $(seq 1 600); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 1
  done
  fail "job $1 still queued after 600 s"
}
state() { scontrol show job "$1" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
stamp() { stat -c '%i %Y %s' "$shards/$1/features.f32" "$shards/$1/shard.json"; }

echo "test-slurm: a synthetic GTZAN of 40 tracks and one prepare of it"
"$genrekit" synth --out "$work/gtzan.zip" --tracks-per-genre 4 --faults --quiet > /dev/null
"$genrekit" unpack "$work/gtzan.zip" --into "$work/data" --quiet > /dev/null
rm "$work/data/validation.json" # the shards validate the tracks themselves
"$genrekit" prepare "$work/data" --out "$work/single" --split-by track --quiet > /dev/null

echo "test-slurm: starting a one-node cluster"
eval "$(scripts/slurm/local-cluster.sh start "$cluster")"
export GENREKIT=$genrekit
sinfo

echo "test-slurm: 3 shards, shard 2 made to fail (a file where its folder goes)"
mkdir -p "$shards"
echo "in the way" > "$shards/2"
read -r array merge < <(scripts/slurm/submit.sh "$work/data" "$work/features" 3 --split-by track)
wait_for "$array"
for t in 1 3; do [ "$(state "${array}_$t")" = COMPLETED ] || fail "task $t: $(state "${array}_$t")"; done
[ "$(state "${array}_2")" = FAILED ] || fail "task 2 should have failed: $(state "${array}_2")"
grep -q "already exists" "$shards"/logs/prepare-"${array}"_2.out || fail "task 2's log does not say why"
sleep 2
reason=$(scontrol show job "$merge" | sed -n 's/.*Reason=\([A-Za-z_]*\).*/\1/p' | head -1)
if [ "$(state "$merge")" != PENDING ] || [ "$reason" != DependencyNeverSatisfied ]; then
  fail "the merge should wait forever after a failed task: $(state "$merge") ($reason)"
fi
scancel "$merge"
[ ! -e "$work/features" ] || fail "a features folder exists although a shard failed"
before1=$(stamp 1) before3=$(stamp 3)

echo "test-slurm: resubmitted after removing the cause"
rm "$shards/2"
read -r array merge < <(scripts/slurm/submit.sh "$work/data" "$work/features" 3 --split-by track)
wait_for "$merge"
[ "$(state "$merge")" = COMPLETED ] || fail "merge: $(state "$merge")"
for t in 1 3; do
  grep -q "already complete" "$shards"/logs/prepare-"${array}"_$t.out || fail "task $t did its shard again"
done
if [ "$before1" != "$(stamp 1)" ] || [ "$before3" != "$(stamp 3)" ]; then fail "shards 1 and 3 were rewritten"; fi
grep -q "shard 2/3: " "$shards"/logs/prepare-"${array}"_2.out || fail "task 2 did not make its shard"

for f in "$work"/single/*; do
  cmp "$f" "$work/features/${f##*/}" || fail "${f##*/} differs from one prepare's"
done
echo "test-slurm: passed (array of 3 with one failed task, retried; the merge equals one prepare byte for byte)"
