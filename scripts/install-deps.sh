#!/bin/sh
# Install everything berth needs to build, test and benchmark on Debian 12.
# Idempotent: apt-get install of packages already present is a no-op.
set -eu
export DEBIAN_FRONTEND=noninteractive

# Build toolchain and libraries berth links against.
BUILD="build-essential pkg-config meson ninja-build clang-format
  libseccomp-dev libcap-dev libjansson-dev libsqlite3-dev libarchive-dev libcurl4-openssl-dev"
# Unit tests, system tests, fuzzing.
TEST="libcmocka-dev bats busybox-static jq iproute2 util-linux bsdutils procps psmisc python3 zstd gzip sqlite3"
# Peers we compare against and interoperate with.
PEERS="crun runc podman containerd skopeo umoci hyperfine time"
# berth image bootstrap debian:bookworm (optional).
EXTRA="debootstrap"

if [ "${BERTH_SKIP_APT_UPDATE:-0}" != 1 ]; then
  apt-get update -qq
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $BUILD $TEST $PEERS $EXTRA >/dev/null
echo "install-deps: done"
