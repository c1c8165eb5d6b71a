# Shared by the benchmark scripts (sourced): the built genrekit, bench-out/, the full-size
# synthetic archive, medians, and writing a section of benchmarks/RESULTS.md.
set -euo pipefail
genrekit=$(realpath "${1:-.build/release/genrekit}")
runs=${2:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work="$root/bench-out"
results="$root/benchmarks/RESULTS.md"
mkdir -p "$work"
cd "$work"

# 1000 tracks x 30 s, as `synth --tracks-per-genre 100` writes them (made once, then reused;
# not by scripts that set GENREKIT_BENCH_ARCHIVE=0).
archive=gtzan-synth-100.zip
if [ "${GENREKIT_BENCH_ARCHIVE:-1}" = 1 ] && [ ! -f "$archive" ]; then
  echo "making $archive (synth --tracks-per-genre 100: 1000 tracks of 30 s)..."
  "$genrekit" synth --out "$archive" --tracks-per-genre 100 --quiet >/dev/null
fi

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -1; }
cpu_model() { lscpu | sed -n 's/^Model name: *//p' | head -1; }
machine() {
  echo "$(nproc) cores ($(cpu_model)), $(free -g | awk '/^Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME")"
}

# venv_has "IMPORTS" "PIP SPECS": true when benchmarks/.venv imports IMPORTS (a Python import
# list), after making the venv and installing PIP SPECS into it on first use.
venv="${BENCH_VENV:-$root/benchmarks/.venv}"
venv_has() {
  command -v python3 >/dev/null || return 1
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >/dev/null 2>&1 || return 1
  "$venv/bin/python" -c "import $1" 2>/dev/null && return 0
  "$venv/bin/pip" install -q $2 >/dev/null 2>&1 || true
  "$venv/bin/python" -c "import $1" 2>/dev/null
}

# record_section NAME BLOCK: replaces <!-- NAME:begin --> ... <!-- NAME:end --> in RESULTS.md.
record_section() {
  local name=$1 block=$2
  [ -f "$results" ] || printf '# Benchmark results\n\nWritten by `make bench`; each section is replaced by its latest run.\n' > "$results"
  grep -q "<!-- $name:begin -->" "$results" || printf '\n<!-- %s:begin -->\n<!-- %s:end -->\n' "$name" "$name" >> "$results"
  BLOCK="$block" NAME="$name" awk '
    $0 == "<!-- " ENVIRON["NAME"] ":begin -->" {print ENVIRON["BLOCK"]; skip=1; next}
    $0 == "<!-- " ENVIRON["NAME"] ":end -->" {skip=0; next}
    !skip {print}' "$results" > "$results.tmp" && mv "$results.tmp" "$results"
  echo "recorded in benchmarks/RESULTS.md"
}
