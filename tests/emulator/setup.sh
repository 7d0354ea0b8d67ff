#!/usr/bin/env bash
# Creates tests/emulator/.venv with the pinned requirements. Idempotent: a stamp holding the requirements' hash makes a
# rerun a no-op, and a flock serialises concurrent callers (several test binaries may start at once).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
up_to_date() { [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; }

up_to_date && exit 0

# The lock lives outside the venv (which may be deleted below) and outside the tree (nothing to ignore in git).
lock="${TMPDIR:-/tmp}/bedrock-ops-emulator-setup-$(printf '%s' "$here" | sha256sum | cut -c1-16).lock"
exec 9>"$lock"
flock 9

# Another caller may have finished the install while this one waited for the lock.
up_to_date && exit 0

echo "emulator setup: creating $venv" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$requirements" >&2; then
    rm -rf "$venv"
    echo "emulator setup: pip install failed" >&2
    exit 1
fi
printf '%s\n' "$wanted" > "$stamp"
echo "emulator setup: done" >&2
