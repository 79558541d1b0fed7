#!/usr/bin/env bats
# berth-runtime list: table, --format json, -q.

load helpers

@test "list: empty root" {
        run rt list -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run rt list --format json
        [ "$status" -eq 0 ]
        # An empty array (runc prints null).
        [ "$(jq 'length' <<<"$output")" -eq 0 ]
}

@test "list: table has a header and a row per container" {
        set_cmd 'sleep 100'
        create_ok c1
        config_set --arg cg "$CG-2" '.linux.cgroupsPath=$cg'
        BERTH_CLEANUP='for d in /sys/fs/cgroup/*/"${CG#/}-2"; do rmdir "$d" 2>/dev/null; done'
        run_d_ok c2
        run rt list
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 3 ]
        read -r -a hdr <<<"${lines[0]}"
        assert_eq "${hdr[*]:0:4}" "ID PID STATUS BUNDLE" header
        row1=$(printf '%s\n' "${lines[@]}" | grep '^c1 ')
        row2=$(printf '%s\n' "${lines[@]}" | grep '^c2 ')
        read -r -a f <<<"$row1"
        assert_eq "${f[1]}" "$(pid_of c1)" pid
        assert_eq "${f[2]}" created status
        assert_eq "${f[3]}" "$B" bundle
        read -r -a f <<<"$row2"
        assert_eq "${f[2]}" running status
}

@test "list: --format json" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt list --format json
        [ "$status" -eq 0 ]
        assert_eq "$(jq length <<<"$output")" 1
        assert_eq "$(jq -r '.[0].id' <<<"$output")" c1
        assert_eq "$(jq -r '.[0].status' <<<"$output")" running
        assert_eq "$(jq -r '.[0].pid' <<<"$output")" "$(pid_of c1)"
        assert_eq "$(jq -r '.[0].bundle' <<<"$output")" "$B"
        [ -n "$(jq -r '.[0].created' <<<"$output")" ]
}

@test "list: -q prints only ids" {
        set_cmd 'sleep 100'
        create_ok c1
        run rt list -q
        [ "$status" -eq 0 ]
        assert_eq "$output" c1
}

@test "list: a bad --format is refused" {
        run rt list --format yaml
        [ "$status" -ne 0 ]
        one_line_error
}
