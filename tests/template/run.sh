#!/usr/bin/env bash
# Offline template checks: pinned venv (setup.sh), then pytest. Exit status is pytest's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/setup.sh"
cd "$here"
export AWS_DEFAULT_REGION=us-east-1
exec "$here/.venv/bin/python" -m pytest -q -p no:cacheprovider "$here" "$@"
