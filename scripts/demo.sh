#!/usr/bin/env bash
# The README's first command: on a fresh Debian 12 machine (as root) install what berth
# needs, build and install it, and run a busybox container.  Until the engine exists this
# goes through berth-runtime on an OCI bundle made from Debian's busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make all install >/dev/null
bundle=$(mktemp -d /tmp/berth-demo.XXXXXX)
root=$(mktemp -d /tmp/berth-demo-state.XXXXXX)
trap 'berth-runtime --root "$root" delete -f demo >/dev/null 2>&1 || true; rm -rf "$bundle" "$root"
      rmdir /sys/fs/cgroup/*/berth 2>/dev/null || true' EXIT
./tests/fixtures/mkbusybox.sh "$bundle/rootfs"
(cd "$bundle" && berth-runtime spec)
# Not a terminal when run from a script or CI: plain stdio.
tty=false
[ -t 0 ] && [ -t 1 ] && tty=true
jq --argjson tty "$tty" '.process.terminal = $tty |
    .process.args = (if $tty then ["sh"] else ["sh", "-c", "echo hello from a berth container; uname -n; id"] end)' \
        "$bundle/config.json" > "$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
berth-runtime --root "$root" run --bundle "$bundle" demo
