#!/usr/bin/env bash
# The README's test command: set everything up on a fresh Debian 12 machine, build, and run
# every test.  The last line printed is "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make all
exec ./tests/run.sh build
