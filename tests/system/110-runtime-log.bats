#!/usr/bin/env bats
# berth-runtime global options: --log, --log-format, --debug.

load helpers

@test "log: --log-format json writes one JSON object per line" {
        run timeout 10 "$RUNTIME" --root "$R" --log "$T/log.json" --log-format json state nosuch
        [ "$status" -ne 0 ]
        [ -s "$T/log.json" ]
        while IFS= read -r line; do
                [ -z "$line" ] && continue
                jq -e '.msg and .level' <<<"$line" >/dev/null
        done <"$T/log.json"
        grep -q '"level": *"error"' "$T/log.json"
}

@test "log: --log with text format names the error" {
        run timeout 10 "$RUNTIME" --root "$R" --log "$T/log.txt" state nosuch
        [ "$status" -ne 0 ]
        [ -s "$T/log.txt" ]
        grep -qi 'nosuch\|not exist\|no such' "$T/log.txt"
}

@test "log: --debug with a successful run logs at debug level" {
        set_args true
        run timeout 10 "$RUNTIME" --root "$R" --debug --log "$T/log.json" --log-format json run --bundle "$B" c1 </dev/null
        [ "$status" -eq 0 ]
        [ -s "$T/log.json" ]
        grep -q '"level": *"debug"' "$T/log.json"
}

@test "log: a bad --log-format is refused" {
        run timeout 10 "$RUNTIME" --root "$R" --log "$T/x" --log-format xml list
        [ "$status" -ne 0 ]
}

@test "log: --debug traces the main steps of create, start, kill and delete (json)" {
        set_args sleep 100
        dbg() { timeout 10 "$RUNTIME" --root "$R" --debug --log "$T/log.json" --log-format json "$@"; }
        dbg create --bundle "$B" c1 </dev/null >/dev/null 2>&1
        pid=$(pid_of c1)
        dbg start c1
        dbg kill c1 KILL
        wait_status c1 stopped
        dbg delete c1
        # every line is JSON; the steps are there at level debug
        jq -e . "$T/log.json" >/dev/null
        run jq -r 'select(.level == "debug") | .msg' "$T/log.json"
        assert_contains "$output" "create: container c1 pid $pid"
        assert_contains "$output" "start: container c1 started"
        assert_contains "$output" "kill: signal 9 sent to container c1"
        assert_contains "$output" "delete: container c1 deleted"
}

@test "log: without --debug no debug lines are written" {
        set_args true
        run timeout 10 "$RUNTIME" --root "$R" --log "$T/log.json" --log-format json run --bundle "$B" c1 </dev/null
        [ "$status" -eq 0 ]
        ! grep -q '"debug"' "$T/log.json" 2>/dev/null
}
