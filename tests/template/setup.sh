#!/usr/bin/env bash
# Idempotent: creates tests/template/.venv with the pinned tools from requirements.txt, once.
# Concurrent callers (several helpers, CI steps) serialise on a flock; a stamp holding the hash of
# requirements.txt + constraints.txt decides whether the venv is current, so a changed pin rebuilds it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

exec 9>"$here/.venv.lock"
flock 9

want="$(cat "$req" "$here/constraints.txt" | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

echo "tests/template: building $venv" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" -c "$here/constraints.txt"
echo "$want" >"$stamp"
