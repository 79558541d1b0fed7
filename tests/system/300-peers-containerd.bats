#!/usr/bin/env bats
# Peer: containerd (private instance) running containers through berth-runtime with the
# io.containerd.runc.v2 shim (--runc-binary).

load helpers

setup() {
        command -v containerd >/dev/null || skip "containerd not installed"
        command -v ctr >/dev/null || skip "ctr not installed"
        command -v containerd-shim-runc-v2 >/dev/null || skip "containerd-shim-runc-v2 not installed"
        berth_setup
        CD=$T/cd
        NS=berth-test-$$-$BATS_TEST_NUMBER
        SOCK=$CD/containerd.sock
        mkdir -p "$CD"
        cat >"$CD/config.toml" <<TOML
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing", "io.containerd.internal.v1.opt"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
TOML
        containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
        CD_PID=$!
        echo "$CD_PID" >"$CD/pid"
        for i in $(seq 100); do
                ctr -a "$SOCK" version >/dev/null 2>&1 && break
                sleep 0.1
        done
        ctr -a "$SOCK" version >/dev/null || { cat "$CD/containerd.log" >&2; false; }
        make_image_archive "$T/busybox.tar"
        ctr -a "$SOCK" -n "$NS" images import "$T/busybox.tar" >/dev/null
}

teardown() {
        if [ -n "${SOCK:-}" ] && [ -S "$SOCK" ]; then
                for t in $(ctr -a "$SOCK" -n "$NS" tasks ls -q 2>/dev/null); do
                        ctr -a "$SOCK" -n "$NS" tasks kill -s SIGKILL "$t" >/dev/null 2>&1
                        sleep 0.2
                        ctr -a "$SOCK" -n "$NS" tasks rm -f "$t" >/dev/null 2>&1
                done
                for c in $(ctr -a "$SOCK" -n "$NS" containers ls -q 2>/dev/null); do
                        ctr -a "$SOCK" -n "$NS" containers rm "$c" >/dev/null 2>&1
                done
        fi
        if [ -f "${CD:-/nonexistent}/pid" ]; then
                kill "$(cat "$CD/pid")" 2>/dev/null
                for i in $(seq 50); do kill -0 "$(cat "$CD/pid")" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$(cat "$CD/pid")" 2>/dev/null
        fi
        # The shim's runtime root and the cgroups containerd made for the namespace.
        if [ -n "${NS:-}" ]; then
                for d in /sys/fs/cgroup/*/"$NS"; do
                        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
                done
                rm -rf "/run/containerd/runc/$NS" 2>/dev/null
        fi
        berth_teardown
}

@test "containerd: ctr run --rm through the runtime prints hello" {
        run timeout 60 ctr -a "$SOCK" -n "$NS" run --rm --runtime io.containerd.runc.v2 \
                --runc-binary "$RUNTIME" docker.io/library/busybox:latest t1 echo hello
        [ "$status" -eq 0 ] || { echo "$output"; tail -20 "$CD/containerd.log"; false; }
        assert_eq "$output" hello
}

@test "containerd: exit code and a detached task with exec and kill" {
        run timeout 60 ctr -a "$SOCK" -n "$NS" run --rm --runc-binary "$RUNTIME" \
                docker.io/library/busybox:latest t1 sh -c 'exit 3'
        [ "$status" -eq 3 ]
        timeout 60 ctr -a "$SOCK" -n "$NS" run -d --runc-binary "$RUNTIME" \
                docker.io/library/busybox:latest t2 sleep 100 >/dev/null
        run timeout 30 ctr -a "$SOCK" -n "$NS" tasks exec --exec-id e1 t2 sh -c 'echo in-exec; hostname'
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" in-exec
        run ctr -a "$SOCK" -n "$NS" tasks ls
        assert_contains "$output" RUNNING
        timeout 30 ctr -a "$SOCK" -n "$NS" tasks kill -s SIGKILL t2
        for i in $(seq 50); do
                ctr -a "$SOCK" -n "$NS" tasks ls | grep -q STOPPED && break
                sleep 0.1
        done
        run ctr -a "$SOCK" -n "$NS" tasks ls
        assert_contains "$output" STOPPED
        timeout 30 ctr -a "$SOCK" -n "$NS" tasks rm t2
        timeout 30 ctr -a "$SOCK" -n "$NS" containers rm t2
}

@test "containerd: pause and resume a task" {
        timeout 60 ctr -a "$SOCK" -n "$NS" run -d --runc-binary "$RUNTIME" \
                docker.io/library/busybox:latest t3 sleep 100 >/dev/null
        timeout 30 ctr -a "$SOCK" -n "$NS" tasks pause t3
        run ctr -a "$SOCK" -n "$NS" tasks ls
        assert_contains "$output" PAUSED
        timeout 30 ctr -a "$SOCK" -n "$NS" tasks resume t3
        run ctr -a "$SOCK" -n "$NS" tasks ls
        assert_contains "$output" RUNNING
}
