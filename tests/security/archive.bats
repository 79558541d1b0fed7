#!/usr/bin/env bats
# Hostile image archives (berth load): entry names that climb out or are absolute, links
# in the outer tar, a layer whose own entries climb out, a layer that is not what the
# config says (diff_id), a blob whose bytes are not its name, oversized JSON.  Each must be
# refused with a message, write nothing outside the store, and leave no image behind.
# Archives are crafted with python3's tarfile.

BERTH_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
        local d
        for d in "${BERTH_BUILD:-}" "$BERTH_REPO/build" "$BERTH_REPO"/build-*; do
                [ -n "$d" ] && [ -x "$d/tests/helpers/berth-image-tool" ] &&
                        { TOOL=$d/tests/helpers/berth-image-tool; break; }
        done
        [ -n "${TOOL:-}" ] || skip "berth-image-tool not built"
        command -v python3 >/dev/null || skip "python3 not installed"
        T=$BATS_TEST_TMPDIR
        S=$T/store
        mkdir -p "$T/victim"
}

# craft OUT FLAW: a one-layer docker-archive with FLAW (see the python below).
craft() {
        python3 - "$1" "$2" "$T" <<'EOF'
import hashlib, io, json, sys, tarfile
out, flaw, tdir = sys.argv[1], sys.argv[2], sys.argv[3]

def tar_bytes(entries):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, kind, link in entries:
            i = tarfile.TarInfo(name)
            i.type = kind
            i.linkname = link or ""
            i.size = len(data) if kind == tarfile.REGTYPE else 0
            i.mode = 0o644
            t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    return b.getvalue()

R = tarfile.REGTYPE
layer_entries = [("etc/hostname", b"x\n", R, None)]
if flaw == "layer-dotdot":
    layer_entries.append(("../../../../../../" + tdir.lstrip("/") + "/victim/pwned", b"!", R, None))
layer = tar_bytes(layer_entries)
lhex = hashlib.sha256(layer).hexdigest()
diff = "sha256:" + (("0" * 64) if flaw == "diffid" else lhex)
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode()
chex = hashlib.sha256(cfg).hexdigest()
man = [{"Config": chex + ".json", "RepoTags": ["evil:1"], "Layers": [lhex + "/layer.tar"]}]
mj = json.dumps(man).encode()
if flaw == "bigjson":
    mj = json.dumps(man + [{"pad": "x" * (5 << 20)}]).encode()
entries = [(lhex + "/layer.tar", layer, R, None), (chex + ".json", cfg, R, None)]
if flaw == "dotdot":
    entries.append(("../" + "victim/pwned.json", b"{}", R, None))
if flaw == "absolute":
    entries.append((tdir + "/victim/pwned.json", b"{}", R, None))
if flaw == "symlink":
    entries[0] = (lhex + "/layer.tar", b"", tarfile.SYMTYPE, "../../../../etc/passwd")
if flaw == "hardlink":
    entries.append(("x.tar", b"", tarfile.LNKTYPE, "/etc/passwd"))
if flaw == "badblob":
    # OCI layout whose blob bytes are not the digest its name says
    entries = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}', R, None),
               ("index.json", b'{"schemaVersion":2,"manifests":[]}', R, None),
               ("blobs/sha256/" + "1" * 64, b"not this", R, None)]
else:
    entries.append(("manifest.json", mj, R, None))
data = tar_bytes(entries) if flaw != "absolute" else None
if flaw == "absolute":
    # tarfile strips nothing on write: the name keeps its leading "/"
    data = tar_bytes(entries)
open(out, "wb").write(data)
EOF
}

refused() { # refused FLAW EXPECTED-TEXT
        craft "$T/a.tar" "$1"
        run "$TOOL" --root "$S" load -i "$T/a.tar"
        [ "$status" -ne 0 ]
        [[ "$output" == *"$2"* ]] || { echo "expected '$2' in: $output" >&2; return 1; }
        [ -z "$(ls -A "$T/victim")" ]
        [ ! -e /etc/passwd.json ]
        run "$TOOL" --root "$S" images
        [ "$status" -eq 0 ]
        [ -z "$output" ]
}

@test "archive: an unflawed crafted archive loads (the cases below are real refusals)" {
        craft "$T/a.tar" none
        run "$TOOL" --root "$S" load -i "$T/a.tar"
        [ "$status" -eq 0 ]
        [[ "$output" == *"docker.io/library/evil:1"* ]]
}

@test "archive: '..' entry name refused" {
        refused dotdot "'..'"
}

@test "archive: absolute entry name refused" {
        refused absolute "absolute"
}

@test "archive: symlink layer pointing out of the archive refused" {
        refused symlink "symlink"
}

@test "archive: hard link entry refused" {
        refused hardlink "hard link"
}

@test "archive: layer entries climbing out refused, nothing written outside" {
        refused layer-dotdot "layer"
}

@test "archive: layer whose diff_id is not the config's refused" {
        refused diffid "diff_id"
}

@test "archive: blob bytes that do not match their name refused" {
        refused badblob "sha256:1111"
}

@test "archive: manifest.json over 4 MiB refused" {
        refused bigjson "exceeds"
}
