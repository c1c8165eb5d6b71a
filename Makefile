# GenreKit. `make demo` and `make test` work on a machine that has only the Swift toolchain:
# `deps` installs the Debian packages first (as root, or through sudo) and does nothing when
# they are present.
SWIFT ?= swift
PREFIX ?= /usr/local
DEBIAN_PACKAGES = libarchive-dev libsndfile1-dev libfftw3-dev zlib1g-dev libdeflate-dev libopenblas-dev libsamplerate0-dev libdnnl-dev libhdf5-dev libcairo2-dev fonts-dejavu-core pkg-config
BENCH_PACKAGES = unzip time python3

.PHONY: deps bench-deps build test test-slurm test-k8s docs demo example reference-check bench bench-accuracy bench-hostile bench-leakage fuzz install lint format clean

deps:
	@scripts/apt-install.sh $(DEBIAN_PACKAGES)

bench-deps: deps
	@scripts/apt-install.sh $(BENCH_PACKAGES)

# Tuned for this machine's CPU when it has AVX2 (scripts/host-cpu-flags.sh; the same output
# bytes either way); PORTABLE=1 builds a binary for any x86-64.
RELEASE_FLAGS ?= $(shell scripts/host-cpu-flags.sh)

build: deps
	$(SWIFT) build -c release --product genrekit $(RELEASE_FLAGS)

test: deps
	$(SWIFT) test

# Sharded prepare on a real one-node Slurm cluster: installs slurm-wlm and munge, starts
# slurmctld and slurmd on this machine (as root), submits the shard array and the merge, and
# compares the merged features with one prepare's (scripts/slurm/test.sh; .ci/run runs it).
test-slurm: deps
	$(SWIFT) build --product genrekit
	scripts/slurm/test.sh

# deploy/kubernetes without a cluster: both Jobs parse as YAML and agree, and the prepare Job's
# shard command, run for every completion index, merges to one prepare's bytes.
test-k8s: deps
	@scripts/apt-install.sh python3 python3-yaml
	$(SWIFT) build --product genrekit
	scripts/deploy/check-kubernetes.sh

# The GenreKit library's documentation (DocC, Sources/GenreKit/GenreKit.docc), into
# .build/plugins/Swift-DocC/outputs/GenreKit.doccarchive.
docs: deps
	$(SWIFT) package generate-documentation --target GenreKit --warnings-as-errors

demo: build
	scripts/demo.sh .build/release/genrekit

# The bundle from Python: numpy + safetensors rebuild the demo model's forward pass and must
# reach the manifest's test accuracy (needs python3-venv and PyPI; not part of make test).
example: demo
	@scripts/apt-install.sh python3-venv
	examples/run.sh

# Remakes the librosa and Keras reference data in memory with the pinned versions and compares
# it with Tests/Reference (needs python3-venv and PyPI; tests read the committed files); then
# runs the README's split code on all 1000 GTZAN ids and compares (plain Python).
reference-check:
	@scripts/apt-install.sh python3-venv
	scripts/reference/run.sh --check
	python3 scripts/reference/splits.py --check

bench: build bench-deps
	benchmarks/unpack.sh .build/release/genrekit
	benchmarks/prepare.sh .build/release/genrekit
	benchmarks/kernel.sh
	benchmarks/train.sh .build/release/genrekit
	benchmarks/train_zoo.sh .build/release/genrekit
	benchmarks/fma_estimate.sh .build/release/genrekit

# Exit statuses and peak memory of validate, unpack, predict and inspect on every hostile input
# the tests and fuzzing tried, and the fuzzing totals (run `make fuzz` first for a corpus).
bench-hostile: build bench-deps
	benchmarks/hostile.sh .build/release/genrekit

# The full-recipe accuracy comparison with Keras (lstm-seed: about 20 min per seed; SEEDS="1 2 3"
# for more, RECIPES="lstm-seed gru-mfcc cnn-mel crnn-mel" for the zoo; RESUME=1 keeps finished
# runs and carries interrupted ones on, for a comparison that takes more than one sitting).
bench-accuracy: build bench-deps
	benchmarks/accuracy.sh .build/release/genrekit

# How many points each leak is worth: one recipe under the segment, track, artist and
# fault-filtered splits (SEEDS="1 2 3") and 10-fold CV by artist (about 35 min on 2 cores;
# DATA=path/to/unpacked/gtzan runs it on the real dataset). Plot with matplotlib in benchmarks/.venv.
bench-leakage: build bench-deps
	@scripts/apt-install.sh python3-venv
	benchmarks/leakage.sh .build/release/genrekit

# Fuzz every parser for FUZZ_SECONDS each (libFuzzer + address sanitizer; Fuzz/run.sh says more).
FUZZ_SECONDS ?= 60
fuzz: deps
	Fuzz/run.sh $(FUZZ_SECONDS)

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 .build/release/genrekit $(DESTDIR)$(PREFIX)/bin/genrekit

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift Fuzz/Package.swift Fuzz/Sources
	python3 scripts/check-imports.py

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift Fuzz/Package.swift Fuzz/Sources

clean:
	rm -rf .build .build-fuzz Fuzz/.build demo-out bench-out examples/.venv .venv-reference
