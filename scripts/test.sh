#!/usr/bin/env bash
# The README's test command. On a fresh machine it installs what it needs (Python venvs for the AWS
# emulator and the template linters), then runs every check: template linters, unit, property,
# snapshot and emulator-backed integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "AWS emulator environment (tests/emulator)"
bash tests/emulator/setup.sh

step "Template checks: cfn-lint (+serverless rules), SAM transform, checkov, names, IAM"
bash tests/template/run.sh

# A changed snapshot must fail the run, never be rewritten silently.
export INSTA_UPDATE=no
step "Rust tests (unit, property, snapshot, emulator integration)"
if cargo nextest --version >/dev/null 2>&1; then
    # The crates have no doc tests (examples live in tests/), so nextest runs everything there is.
    cargo nextest run --workspace --all-features --no-fail-fast
else
    cargo test --workspace --all-features --no-fail-fast
fi

# Issue 13: the event parsing under libFuzzer for a bounded time, on the stable toolchain (a panic or an
# unbounded error fails the run and leaves its input under tests/fuzz/artifacts/).
step "Fuzz: the processor's event parsing, 60 s (tests/fuzz)"
bash tests/fuzz/run.sh 60
