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
