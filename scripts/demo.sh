#!/usr/bin/env bash
# The README's first command: the local demo, with no AWS account and no Docker. On a fresh machine it
# prepares what it needs (the AWS emulator's Python venv, cargo-lambda in .venv-build), builds the CLI and
# the notification-processor Lambda binary, then runs the demo with the alarm going through the real Lambda
# runtime (`cargo lambda watch`).
#   scripts/demo.sh                        the narrated demo
#   scripts/demo.sh --json                 one JSON document instead
#   BEDROCK_OPS_DEMO_IN_PROCESS=1 scripts/demo.sh
#                                          the processor's handler called in-process (no cargo-lambda)
# Exits non-zero if any step fails; the emulator and the Lambda runtime are stopped however the demo ends.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '==> %s\n' "$*" >&2; }

step "AWS emulator environment (tests/emulator; about 40 s the first time)"
bash tests/emulator/setup.sh

args=("$@")
if [[ -z "${BEDROCK_OPS_DEMO_IN_PROCESS:-}" ]]; then
    step "cargo-lambda for the Lambda runtime (.venv-build; once)"
    bash scripts/lib/build-tools.sh
    export PATH="$PWD/.venv-build/bin:$PATH"
    args+=(--lambda-runtime)
fi

step "Building bedrock-ops-alert (with the demo) and the notification-processor Lambda"
cargo build --quiet -p bedrock-ops-alert-cli -p notification-processor --features bedrock-ops-alert-cli/emulator

step "Running the demo"
exec cargo run --quiet -p bedrock-ops-alert-cli --features emulator -- demo "${args[@]}"
