#!/usr/bin/env bats
# berth-runtime events --stats.

load helpers

@test "events --stats: one JSON stats record with memory, pids and cpu" {
        set_cmd 'sleep 100 & sleep 100 & echo ready > /tmp/ready; wait'
        run_d_ok c1
        wait_file "$B/rootfs/tmp/ready"
        run rt events --stats c1
        [ "$status" -eq 0 ]
        assert_eq "$(jq -r .type <<<"$output")" stats
        assert_eq "$(jq -r .id <<<"$output")" c1
        assert_eq "$(jq -r .data.pids.current <<<"$output")" 3 pids.current
        [ "$(jq -r .data.memory.usage.usage <<<"$output")" -gt 0 ]
        [ "$(jq -r '.data.cpu.usage.total' <<<"$output")" -gt 0 ]
}

@test "events: streams stats at an interval until the container goes" {
        set_cmd 'sleep 100'
        run_d_ok c1
        timeout 3 "$RUNTIME" --root "$R" events --interval 1s c1 >"$T/ev" 2>&1 || true
        [ "$(grep -c '"type": *"stats"' "$T/ev")" -ge 2 ]
}

@test "events: unknown container" {
        run rt events --stats nosuch
        [ "$status" -ne 0 ]
        one_line_error
}
