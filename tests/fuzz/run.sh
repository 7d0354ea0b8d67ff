#!/usr/bin/env bash
# Fuzzes the processor's event parsing with libFuzzer on the stable toolchain, for a bounded time.
#   bash tests/fuzz/run.sh [SECONDS]            (default 60; the test command runs it for 60 s)
#   FUZZ_RUNS=10000000 bash tests/fuzz/run.sh 0 (a fixed number of executions instead)
# FUZZ_MAX_LEN caps an input (default 4096 bytes; the 1 MB fields are in the corpus tests instead).
# cargo-fuzz is not needed: the build passes the sanitizer-coverage flags it would pass (all stable rustc
# options; no address sanitizer, which needs nightly: the target is safe Rust, a panic is the finding).
# The checked-in seeds (tests/fuzz/corpus/event) are read, never written: what libFuzzer finds goes to a
# scratch directory. A crash leaves its input under tests/fuzz/artifacts/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-60}"
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares"
# An explicit --target keeps these flags off build scripts and proc macros (they would not link).
host="$(rustc -vV | sed -n 's/^host: //p')"
cargo build --release --locked --bin event --target "$host"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p artifacts
args=(-max_len="${FUZZ_MAX_LEN:-4096}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=artifacts/)
if [[ -n "${FUZZ_RUNS:-}" ]]; then
    args+=(-runs="$FUZZ_RUNS")
else
    args+=(-max_total_time="$seconds")
fi
"${CARGO_TARGET_DIR:-target}/$host/release/event" "${args[@]}" "$scratch" corpus/event
