#!/usr/bin/env bash
# Submits a sharded `genrekit prepare`: an array of N shard tasks, then the merge, which runs
# only if every task succeeded (--dependency=afterok). Prints the two job ids.
#
#   scripts/slurm/submit.sh DATA FEATURES N [prepare flags...]
#
# Shards go to FEATURES.shards/I, logs to FEATURES.shards/logs. If a task fails, fix the cause
# and run the same command again: complete shards are kept, only the failed ones are redone.
# Extra sbatch options (a partition, a time limit) go in SBATCH_ARGS.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 DATA FEATURES N [prepare flags...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
data=$1 out=$2 count=$3
shift 3
shards=$out.shards
mkdir -p "$shards/logs"
# shellcheck disable=SC2086 # SBATCH_ARGS is a list of options.
array=$(sbatch --parsable ${SBATCH_ARGS:-} --array="1-$count" --output="$shards/logs/prepare-%A_%a.out" \
  "$here/prepare-array.sbatch" "$data" "$shards" "$count" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_ARGS:-} --dependency="afterok:$array" --output="$shards/logs/merge-%j.out" \
  "$here/merge.sbatch" "$shards" "$count" "$out")
merge=${merge%%;*}
echo "$array $merge"
