#!/usr/bin/env bats
# berth-runtime features: the OCI features document.

load helpers

@test "features: valid JSON with versions, hooks, mount options, namespaces, caps" {
        run rt features
        [ "$status" -eq 0 ]
        jq -e . <<<"$output" >/dev/null
        [[ "$(jq -r .ociVersionMin <<<"$output")" == 1.* ]]
        [[ "$(jq -r .ociVersionMax <<<"$output")" == 1.* ]]
        for h in prestart createRuntime createContainer startContainer poststart poststop; do
                jq -e --arg h "$h" '.hooks | index($h) != null' <<<"$output" >/dev/null
        done
        for o in ro rbind nosuid nodev noexec; do
                jq -e --arg o "$o" '.mountOptions | index($o) != null' <<<"$output" >/dev/null
        done
        for n in cgroup ipc mount network pid user uts; do
                jq -e --arg n "$n" '.linux.namespaces | index($n) != null' <<<"$output" >/dev/null
        done
        jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null' <<<"$output" >/dev/null
        jq -e '.linux.seccomp.enabled == true' <<<"$output" >/dev/null
        jq -e '.linux.seccomp.actions | index("SCMP_ACT_ERRNO") != null' <<<"$output" >/dev/null
        jq -e '.linux.cgroup.v1 == true' <<<"$output" >/dev/null
}
