#!/usr/bin/env bats
# Peer: podman with --runtime berth-runtime, private storage and run root, image loaded
# from a docker-archive of the busybox rootfs.

load helpers

setup() {
        command -v podman >/dev/null || skip "podman not installed"
        berth_setup
        PD=$T/podman
        mkdir -p "$PD/tmp"
        # The host's hard NOFILE limit is 20000 and podman's defaults (nofile and nproc)
        # are higher: without CAP_SYS_RESOURCE they cannot be raised, so stay within them.
        # (nproc at the host's hard limit still fails under podman -> conmon -> runtime here;
        # 4096 works.)
        nproc=4096
        cat >"$PD/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=$nproc:$nproc"]
netns = "none"
cgroupns = "private"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PD/events.log"
tmp_dir = "$PD/tmp"
[network]
network_backend = "cni"
CONF
        export CONTAINERS_CONF=$PD/containers.conf
        make_image_archive "$T/busybox.tar" localhost/berth-busybox:latest
        pm load -q -i "$T/busybox.tar" >/dev/null
}

pm() {
        timeout 120 podman --root "$PD/storage" --runroot "$PD/run" --storage-driver overlay \
                --tmpdir "$PD/tmp" --cgroup-manager cgroupfs --runtime "$RUNTIME" "$@"
}

teardown() {
        if [ -n "${PD:-}" ] && [ -d "$PD" ]; then
                pm rm -a -f -t 0 >/dev/null 2>&1
                pm system reset -f >/dev/null 2>&1
        fi
        for d in /sys/fs/cgroup/*"$CG" /sys/fs/cgroup/*/"${CG#/}"; do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        berth_teardown
}

@test "podman: run --rm echo through the runtime" {
        run pm run --rm --network none --cgroup-parent "$CG" localhost/berth-busybox:latest echo hi
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        assert_eq "$output" hi
}

@test "podman: exit code, env and user" {
        run pm run --rm --network none --cgroup-parent "$CG" -e FOO=bar -u 65534:65534 \
                localhost/berth-busybox:latest sh -c 'echo $FOO $(id -u); exit 5'
        [ "$status" -eq 5 ]
        assert_eq "$output" "bar 65534"
}

@test "podman: detached container, exec, stop, rm" {
        run pm run -d --name c1 --network none --cgroup-parent "$CG" localhost/berth-busybox:latest sleep 100
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        run pm exec c1 sh -c 'echo in-exec'
        [ "$status" -eq 0 ]
        assert_eq "$output" in-exec
        run pm inspect -f '{{.State.Status}}' c1
        assert_eq "$output" running
        run pm stop -t 1 c1
        [ "$status" -eq 0 ]
        run pm rm c1
        [ "$status" -eq 0 ]
}
