#!/usr/bin/env bash
# Checks deploy/kubernetes without a cluster (make test-k8s; .ci/run runs it): both manifests
# parse as YAML and are the Jobs they claim (Indexed, completions = parallelism = SHARD_COUNT,
# the merge's SHARD_COUNT the same), then a dry run of the index mapping: the prepare Job's
# shell command, taken from the file, runs once per JOB_COMPLETION_INDEX on a small synthetic
# set, the merge Job's command joins the shards, and the result must equal one prepare's bytes.
# GENREKIT names the binary (default .build/debug/genrekit); needs python3 and python3-yaml
# (Debian packages) for the YAML.
set -euo pipefail
cd "$(dirname "$0")/../.."
genrekit=${GENREKIT:-$PWD/.build/debug/genrekit}
[ -x "$genrekit" ] || { echo "test-k8s: no $genrekit; build first (swift build)" >&2; exit 1; }
work=$(mktemp -d /tmp/genrekit-k8s.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - deploy/kubernetes/prepare-indexed-job.yaml deploy/kubernetes/merge-job.yaml "$work" <<'PY'
import sys, yaml
prepare_path, merge_path, work = sys.argv[1:]
def only(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    assert len(docs) == 1, f"{path}: {len(docs)} documents"
    job = docs[0]
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job", path
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never", path
    (container,) = pod["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert container["command"] == ["/bin/sh", "-c"] and len(container["args"]) == 1, path
    mounted = {m["name"] for m in container["volumeMounts"]}
    assert mounted <= {v["name"] for v in pod["volumes"]}, f"{path}: a mount without a volume"
    return job, env, container["args"][0]
prepare, env, shard_command = only(prepare_path)
spec = prepare["spec"]
n = int(env["SHARD_COUNT"])
assert spec["completionMode"] == "Indexed", "the prepare Job must be Indexed"
assert spec["completions"] == n and 1 <= spec["parallelism"] <= n, "completions and parallelism must match SHARD_COUNT"
merge, merge_env, merge_command = only(merge_path)
assert int(merge_env["SHARD_COUNT"]) == n and merge_env["SHARDS"] == env["SHARDS"], "the merge must see the same shards"
open(f"{work}/shard.sh", "w").write(shard_command + "\n")
open(f"{work}/merge.sh", "w").write(merge_command + "\n")
open(f"{work}/count", "w").write(f"{n}\n")
print(f"test-k8s: both manifests parse; an Indexed Job of {n} shards, then the merge")
PY
count=$(cat "$work/count")

"$genrekit" synth --out "$work/gtzan.zip" --tracks-per-genre 4 --quiet > /dev/null
"$genrekit" unpack "$work/gtzan.zip" --into "$work/data" --quiet > /dev/null
"$genrekit" prepare "$work/data" --out "$work/single" --quiet > /dev/null
mkdir "$work/bin" && ln -s "$genrekit" "$work/bin/genrekit"
for ((index = 0; index < count; index++)); do
  PATH="$work/bin:$PATH" DATA="$work/data" SHARDS="$work/shards" SHARD_COUNT=$count PREPARE_FLAGS="" \
    JOB_COMPLETION_INDEX=$index sh "$work/shard.sh" > /dev/null
done
PATH="$work/bin:$PATH" SHARDS="$work/shards" SHARD_COUNT=$count OUT="$work/features" sh "$work/merge.sh" > /dev/null
for f in "$work"/single/*; do
  cmp "$f" "$work/features/${f##*/}" || { echo "test-k8s: FAILED: ${f##*/} differs from one prepare's" >&2; exit 1; }
done
echo "test-k8s: passed (indexes 0 to $((count - 1)) became shards 1 to $count; the merge equals one prepare)"
