#!/usr/bin/env bash
# `berth images` with 1,000 images against `podman images` on an equivalent store.
#   bench/images.sh [BUILD_DIR] [N]        (default build, 1000)
# Builds one docker-archive holding N distinct one-layer images (tar, jq, sha256sum), loads
# it into a fresh berth --root and a fresh podman --root (vfs driver), then times the two
# list commands with hyperfine and measures berth's peak RSS (GNU time %M).  Prints a
# markdown section for bench/README.md.  Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
N=${2:-1000}
BERTH=$PWD/$BUILD/berth
[ -x "$BERTH" ] || { echo "no $BERTH: build it first" >&2; exit 1; }
W=$(mktemp -d /tmp/berth-bench-images.XXXXXX)
cleanup() {
        podman --root "$W/proot" --runroot "$W/prun" --storage-driver vfs rmi -a -f >/dev/null 2>&1 || true
        rm -rf "$W"
}
trap cleanup EXIT

# ---- one archive, N images: layer i holds /f = i
A=$W/archive
mkdir -p "$A" "$W/fs"
manifest=$W/manifest.ndjson
: >"$manifest"
for ((i = 1; i <= N; i++)); do
        printf '%d\n' "$i" >"$W/fs/f"
        tar -C "$W/fs" --numeric-owner --mtime=@0 -cf "$W/layer.tar" f
        diff=$(sha256sum "$W/layer.tar" | cut -d' ' -f1)
        mkdir -p "$A/$diff"
        mv "$W/layer.tar" "$A/$diff/layer.tar"
        created=$(date -u -d "@$((1700000000 + i * 60))" +%Y-%m-%dT%H:%M:%SZ)
        jq -cn --arg d "sha256:$diff" --arg c "$created" '{architecture: "amd64", os: "linux",
                created: $c, config: {Cmd: ["sh"]}, rootfs: {type: "layers", diff_ids: [$d]},
                history: [{created: $c, created_by: "bench"}]}' >"$W/config.json"
        cfg=$(sha256sum "$W/config.json" | cut -d' ' -f1)
        mv "$W/config.json" "$A/$cfg.json"
        printf '{"Config":"%s.json","RepoTags":["bench/img%d:latest"],"Layers":["%s/layer.tar"]}\n' \
                "$cfg" "$i" "$diff" >>"$manifest"
done
jq -s . "$manifest" >"$A/manifest.json"
tar -C "$A" -cf "$W/images.tar" .
rm -rf "$A"

# ---- load into both stores
t0=$(date +%s.%N)
"$BERTH" --root "$W/broot" --runroot "$W/brun" load -q -i "$W/images.tar" >/dev/null
t1=$(date +%s.%N)
podman_ok=1
podman --root "$W/proot" --runroot "$W/prun" --storage-driver vfs load -q -i "$W/images.tar" \
        >/dev/null 2>"$W/podman.err" || podman_ok=0
t2=$(date +%s.%N)
nb=$("$BERTH" --root "$W/broot" images -q | wc -l)
[ "$nb" -eq "$N" ] || { echo "berth lists $nb images, expected $N" >&2; exit 1; }

# ---- time the listings (podman's takes seconds: fewer runs)
hyperfine -N -w 5 -r 50 -n "berth images" "$BERTH --root $W/broot --runroot $W/brun images" \
        --export-json "$W/h1.json" >&2
if [ "$podman_ok" = 1 ]; then
        hyperfine -N -w 1 -r 5 -n "podman images" \
                "podman --root $W/proot --runroot $W/prun --storage-driver vfs images" \
                --export-json "$W/h2.json" >&2
fi
rss=()
for _ in $(seq 10); do
        rss+=("$(/usr/bin/time -f %M "$BERTH" --root "$W/broot" images 2>&1 >/dev/null | tail -1)")
done
rss_med=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n 5p)

echo "### $(date -u +%Y-%m-%d): $N images ($(nproc) cores, $(git rev-parse --short HEAD))"
echo
printf 'load of one %s-image docker-archive: berth %.1f s' "$N" "$(echo "$t1 - $t0" | bc)"
[ "$podman_ok" = 1 ] && printf ', podman (vfs) %.1f s' "$(echo "$t2 - $t1" | bc)"
echo
echo
echo "| command | median ms | mean ms | stddev ms |"
echo "|---|---|---|---|"
jq -r '.results[] | "| \(.command) | \(.median * 1000 * 100 | round / 100) | \(.mean * 1000 * 100 | round / 100) | \(.stddev * 1000 * 100 | round / 100) |"' "$W"/h*.json
echo
echo "berth images peak RSS (median of 10, GNU time %M): $rss_med KiB"
[ "$podman_ok" = 1 ] || echo "podman load failed: $(head -c 300 "$W/podman.err")"
