#!/usr/bin/env bash
# Installs the release tool chain into .venv-build (idempotent, safe to run concurrently):
# cargo-lambda and its zig from PyPI, so Lambda bootstraps link without Docker.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-build"
req="cargo-lambda==1.9.2 ziglang==0.17.1"
stamp="$venv/.installed"
exec 9>"$root/.venv-build.lock"
flock 9
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$req" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check $req
    echo "$req" > "$stamp"
fi
