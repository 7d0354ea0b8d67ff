#!/usr/bin/env bash
# The README's first command: the local demo, with no AWS account and no Docker. On a fresh machine it
# prepares the AWS emulator's Python environment and builds the CLI with the demo, then runs it:
#   scripts/demo.sh           the narrated demo
#   scripts/demo.sh --json    one JSON document instead
# Exits non-zero if any step fails; the emulator is stopped however the demo ends.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '==> %s\n' "$*" >&2; }

step "AWS emulator environment (tests/emulator; about 40 s the first time)"
bash tests/emulator/setup.sh

step "Building bedrock-ops-alert with the demo (cargo feature emulator)"
cargo build --quiet -p bedrock-ops-alert-cli --features emulator

step "Running the demo"
exec cargo run --quiet -p bedrock-ops-alert-cli --features emulator -- demo "$@"
