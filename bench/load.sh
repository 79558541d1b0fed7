#!/usr/bin/env bash
# berth load vs podman load of the same docker-archive: 4 layers, ~200 MB (the busybox
# layer from `berth image bootstrap`, then three layers of 1 MiB pseudo-random files plus
# small files), one hyperfine session, each run into a fresh store (--prepare wipes it).
#
#   bench/load.sh [BUILD_DIR] [WORK_DIR]       (defaults: build, /var/tmp/berth-bench-load)
#
# Uses the berth CLI's `load` when it exists, else tests/helpers/berth-image-tool (the
# same library call).  Prints the hyperfine table (markdown) and the archive's shape.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
W=${2:-/var/tmp/berth-bench-load}
RUNS=${RUNS:-10}

for t in hyperfine podman python3; do
        command -v "$t" >/dev/null || { echo "bench/load.sh: $t not installed" >&2; exit 1; }
done
if [ -x "$BUILD/berth" ] && "$BUILD/berth" load --help >/dev/null 2>&1; then
        LOAD="$PWD/$BUILD/berth --root $W/berth --runroot $W/berth-run load -i"
        BOOT="$PWD/$BUILD/berth --root $W/seed --runroot $W/seed-run image bootstrap busybox"
else
        TOOL=$PWD/$BUILD/tests/helpers/berth-image-tool
        [ -x "$TOOL" ] || { echo "bench/load.sh: build $TOOL first" >&2; exit 1; }
        LOAD="$TOOL --root $W/berth load -i"
        BOOT="$TOOL --root $W/seed bootstrap busybox"
fi

rm -rf "$W"
mkdir -p "$W"
ARCHIVE=$W/image.tar
# ---- the archive: busybox layer + 3 layers of ~65 MB
$BOOT >/dev/null
BB_LAYER=$(ls -S "$W"/seed/blobs/sha256/* | head -n 1)
python3 - "$W" "$BB_LAYER" "$ARCHIVE" <<'EOF'
import hashlib, io, json, os, random, sys, tarfile
w, bb, out = sys.argv[1:4]
rng = random.Random(42)
layers = [open(bb, "rb").read()]
for n in range(3):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        d = tarfile.TarInfo(f"data{n}"); d.type = tarfile.DIRTYPE; d.mode = 0o755
        t.addfile(d)
        for i in range(60):                                  # 60 x 1 MiB
            data = rng.randbytes(1 << 20)
            f = tarfile.TarInfo(f"data{n}/blob{i:03}"); f.size = len(data); f.mode = 0o644
            t.addfile(f, io.BytesIO(data))
        for i in range(1000):                                # 1000 small files
            data = rng.randbytes(rng.randrange(100, 8192))
            f = tarfile.TarInfo(f"data{n}/small/f{i:04}"); f.size = len(data); f.mode = 0o644
            t.addfile(f, io.BytesIO(data))
    layers.append(b.getvalue())
diffs = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
cfg = json.dumps({"architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
                  "config": {"Cmd": ["sh"]},
                  "rootfs": {"type": "layers", "diff_ids": diffs},
                  "history": [{"created_by": f"layer {i}"} for i in range(4)]}).encode()
ch = hashlib.sha256(cfg).hexdigest()
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, data):
        f = tarfile.TarInfo(name); f.size = len(data); f.mode = 0o644
        t.addfile(f, io.BytesIO(data))
    names = []
    for l, d in zip(layers, diffs):
        names.append(d[7:] + "/layer.tar")
        add(names[-1], l)
    add(ch + ".json", cfg)
    add("manifest.json", json.dumps([{"Config": ch + ".json", "RepoTags": ["bench/load:1"],
                                      "Layers": names}]).encode())
EOF
SIZE=$(du -m "$ARCHIVE" | cut -f1)
echo "archive: $ARCHIVE, ${SIZE} MB, 4 layers; berth: ${LOAD%% *}"

PODMAN="podman --root $W/podman --runroot $W/podman-run"
WIPE="rm -rf $W/berth $W/berth-run $W/podman $W/podman-run"
hyperfine --runs "$RUNS" --warmup 1 --export-markdown "$W/result.md" --export-json "$W/result.json" \
        --prepare "$WIPE; sync" --cleanup "$WIPE" \
        -n "berth load" "$LOAD $ARCHIVE" \
        -n "podman load" "$PODMAN load -q -i $ARCHIVE"
cat "$W/result.md"
# Medians (the disk runs are noisy: ext4 inode allocation right after the wipe).
jq -r '.results | map({(.command): .median}) | add | "medians: berth load \(.["berth load"] * 1000 | floor) ms, podman load \(.["podman load"] * 1000 | floor) ms, ratio \((.["podman load"] / .["berth load"]) * 100 | floor / 100)"' "$W/result.json"
