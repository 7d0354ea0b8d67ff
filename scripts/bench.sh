#!/usr/bin/env bash
# The benchmark (README "Performance"). On a fresh machine it installs what it needs (the AWS emulator's venv;
# cargo-lambda and zig through scripts/release.sh), builds the release bootstraps for arm64 and x86_64, runs
# the benchmark against the emulator and prints its table, each figure next to its target with PASS or MISS.
# The same table goes to the benchmark's section of docs/performance.md, with the machine and the date.
#   scripts/bench.sh                                 defaults: 25 ms per AWS call, 20 runs, 10 process starts
#   scripts/bench.sh --latency-ms 50 --runs 40       any option of `bedrock-ops-alert bench --help`
#   BENCH_NO_BUILD=1 scripts/bench.sh                measure the bootstraps already in target/lambda-<arch>/
# Timings are not tests: the test command does not run this (crates/cli/tests/call_budget.rs holds the
# deterministic call budget).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "AWS emulator environment (tests/emulator)"
bash tests/emulator/setup.sh

if [ -z "${BENCH_NO_BUILD:-}" ]; then
    step "Release bootstraps (scripts/release.sh: cargo-lambda, arm64 and x86_64)"
    bash scripts/release.sh
fi

# The harness itself only drives the bootstraps and the emulator and times them from outside, so it is built
# with the dev profile: the figures are the release bootstraps', and the harness builds in seconds.
step "Benchmark harness (the CLI's bench command, feature emulator)"
cargo build -q -p bedrock-ops-alert-cli --features emulator

step "Benchmark"
target/debug/bedrock-ops-alert bench --markdown docs/performance.md --reproduce "scripts/bench.sh${*:+ $*}" "$@"
