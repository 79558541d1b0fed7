#!/usr/bin/env bats
# berth-runtime hooks: the six hooks, their order, the state on stdin, failures.

load helpers

# Host-side hook: logs "<name> <id> <pid> <status>" from the state JSON on stdin.
make_host_hook() {
        mkdir -p "$T/hl"
        cat >"$T/hook.sh" <<HOOK
#!/bin/sh
state=\$(cat)
echo "\$1 \$(printf '%s' "\$state" | jq -r '[.id, (.pid // 0 | tostring), .status] | join(" ")') \$HOOKENV" >> "$T/hl/log"
exit \${2:-0}
HOOK
        chmod +x "$T/hook.sh"
}

all_hooks() {
        make_host_hook
        # createContainer runs in the container's mount namespace before pivot_root: the
        # container's /hl is still at <rootfs>/hl there.
        config_set --arg h "$T/hook.sh" --arg hl "$T/hl" --arg root "$B/rootfs" '
          .mounts += [{destination: "/hl", type: "bind", source: $hl, options: ["bind"]}]
          | .hooks = {
            prestart: [{path: $h, args: ["hook", "prestart"], env: ["HOOKENV=e1"]}],
            createRuntime: [{path: $h, args: ["hook", "createRuntime"]}],
            createContainer: [{path: "/bin/sh", args: ["sh", "-c",
              "s=$(cat); case \"$s\" in *c1*) echo createContainer c1 >> \($root)/hl/log;; esac"]}],
            startContainer: [{path: "/bin/sh", args: ["sh", "-c",
              "s=$(cat); case \"$s\" in *c1*) echo startContainer c1 >> /hl/log;; esac"]}],
            poststart: [{path: $h, args: ["hook", "poststart"]}],
            poststop: [{path: $h, args: ["hook", "poststop"]}]}'
}

@test "hooks: all six run once, in order, with the state on stdin" {
        all_hooks
        set_cmd 'echo process >> /hl/log; sleep 100'
        create_ok c1
        pid=$(pid_of c1)
        # runc 1.1 runs poststart during create (fixed in runc 1.2; the spec says after start).
        at_create="prestart createRuntime createContainer "
        order="prestart createRuntime createContainer startContainer poststart poststop "
        if is_runc; then
                at_create="prestart createRuntime createContainer poststart "
                order="prestart createRuntime createContainer poststart startContainer poststop "
        fi
        run cut -d' ' -f1 "$T/hl/log"
        assert_eq "$(tr '\n' ' ' <<<"$output")" "$at_create" "hooks at create"
        rt start c1
        wait_status c1 running
        for i in $(seq 50); do grep -q poststart "$T/hl/log" && grep -q process "$T/hl/log" && break; sleep 0.1; done
        rt kill c1 KILL
        wait_status c1 stopped
        rt delete c1
        run cut -d' ' -f1 "$T/hl/log"
        assert_eq "$(grep -v process <<<"$output" | tr '\n' ' ')" "$order" order
        # startContainer runs before the process
        [ "$(grep -n startContainer "$T/hl/log" | cut -d: -f1)" -lt "$(grep -n process "$T/hl/log" | cut -d: -f1)" ]
        # state on stdin: id and the init pid
        read -r -a f <<<"$(grep ^prestart "$T/hl/log")"
        assert_eq "${f[1]}" c1 id
        assert_eq "${f[2]}" "$pid" pid
        assert_eq "${f[3]}" creating status
        assert_eq "${f[4]}" e1 "hook env"
        read -r -a f <<<"$(grep ^poststart "$T/hl/log")"
        assert_eq "${f[2]}" "$pid" "poststart pid"
        read -r -a f <<<"$(grep ^poststop "$T/hl/log")"
        assert_eq "${f[1]}" c1 "poststop id"
}

@test "hooks: a failing prestart aborts create and leaves nothing" {
        make_host_hook
        config_set --arg h "$T/hook.sh" '.hooks = {prestart: [{path: $h, args: ["hook", "prestart", "3"]}]}'
        set_cmd 'echo RAN > /tmp/ran; sleep 100'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        one_line_error
        grep -q prestart "$T/hl/log"
        sleep 0.3
        [ ! -e "$B/rootfs/tmp/ran" ]
        nothing_left c1
}

@test "hooks: a failing createRuntime aborts run and leaves nothing" {
        make_host_hook
        config_set --arg h "$T/hook.sh" '.hooks = {createRuntime: [{path: $h, args: ["hook", "createRuntime", "1"]}]}'
        set_cmd 'echo RAN > /tmp/ran'
        run rt_run c1
        [ "$status" -ne 0 ]
        [ ! -e "$B/rootfs/tmp/ran" ]
        nothing_left c1
}

@test "hooks: a failing startContainer makes a separate start fail with its message" {
        config_set '.hooks = {startContainer: [{path: "/bin/sh", args: ["sh", "-c", "exit 3"]}]}'
        set_args sleep 100
        create_ok c1
        run rt start c1
        [ "$status" -ne 0 ]
        one_line_error
        assert_contains "$output" startContainer
        wait_status c1 stopped
        [ ! -s "$T/bg.out" ]
}

@test "hooks: a passing startContainer: start succeeds and the process runs" {
        config_set '.hooks = {startContainer: [{path: "/bin/sh", args: ["sh", "-c", "cat >/dev/null"]}]}'
        set_args sleep 100
        create_ok c1
        run rt start c1
        [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
        assert_eq "$(state_of c1)" running
}

@test "hooks: a hook past its timeout fails create" {
        config_set '.hooks = {prestart: [{path: "/bin/sleep", args: ["sleep", "20"], timeout: 1}]}'
        start=$(date +%s)
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        [ $(($(date +%s) - start)) -lt 10 ]
        nothing_left c1
}

@test "hooks: a failing poststop only warns; delete succeeds" {
        make_host_hook
        config_set --arg h "$T/hook.sh" '.hooks = {poststop: [{path: $h, args: ["hook", "poststop", "1"]}]}'
        set_args true
        create_ok c1
        rt start c1
        wait_status c1 stopped
        run rt delete c1
        [ "$status" -eq 0 ]
        grep -q poststop "$T/hl/log"
        nothing_left c1
}

@test "hooks: a hook path that does not exist fails create" {
        config_set '.hooks = {prestart: [{path: "/no/such/hook"}]}'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        nothing_left c1
}

@test "annotations: shown in state" {
        config_set '.annotations = {"org.example.key": "value one", "com.berth.x": "2"}'
        set_cmd 'sleep 100'
        create_ok c1
        run rt state c1
        [ "$status" -eq 0 ]
        assert_eq "$(jq -r '.annotations["org.example.key"]' <<<"$output")" "value one"
        assert_eq "$(jq -r '.annotations["com.berth.x"]' <<<"$output")" 2
}
