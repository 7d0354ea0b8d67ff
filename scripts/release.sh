#!/usr/bin/env bash
# Release build of the three Lambda bootstraps with cargo-lambda (zig linker, no Docker), for arm64 (what
# the template deploys) and x86_64. Prints each bootstrap's size and the newest glibc symbol it needs, and
# fails if that is newer than Amazon Linux 2023's glibc (2.34). Measured sizes and build times: docs/performance.md.
#   scripts/release.sh            both architectures
#   scripts/release.sh arm64      one of them
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/lib/build-tools.sh
export PATH="$PWD/.venv-build/bin:$PATH"

AL2023_GLIBC="2.34"
FUNCTIONS=(notification-processor quota-calculator alarm-updater)
arches=("${@:-arm64 x86_64}")
read -r -a arches <<<"${arches[*]}"

bins=()
for f in "${FUNCTIONS[@]}"; do bins+=(--bin "$f"); done

status=0
printf '%-8s %-24s %12s %10s\n' arch function bytes max-glibc
for arch in "${arches[@]}"; do
    case "$arch" in
        arm64) flag=--arm64; rustup target add aarch64-unknown-linux-gnu >/dev/null ;;
        x86_64) flag=--x86-64 ;;
        *) echo "unknown architecture: $arch (arm64 or x86_64)" >&2; exit 2 ;;
    esac
    started=$SECONDS
    cargo lambda build --release "$flag" --lambda-dir "target/lambda-$arch" "${bins[@]}" >&2
    echo "$arch: built in $((SECONDS - started)) s" >&2
    for f in "${FUNCTIONS[@]}"; do
        boot="target/lambda-$arch/$f/bootstrap"
        size=$(stat -c %s "$boot")
        glibc=$(readelf --dyn-syms -W "$boot" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V -u | tail -1)
        printf '%-8s %-24s %12s %10s\n' "$arch" "$f" "$size" "${glibc:-none}"
        if [ -n "$glibc" ] && [ "$(printf '%s\n%s\n' "$glibc" "$AL2023_GLIBC" | sort -V | tail -1)" != "$AL2023_GLIBC" ]; then
            echo "error: $boot needs GLIBC_$glibc, newer than Amazon Linux 2023's $AL2023_GLIBC" >&2
            status=1
        fi
    done
done
exit $status
