#!/usr/bin/env bats
# berth's command-line framework: both verb forms, flag parsing, help, usage errors.

load helpers

setup() { image_setup; }
teardown() { image_teardown; }

@test "cli: unknown flag is a usage error (125) naming the flag and the help" {
        run b images --foo
        [ "$status" -eq 125 ]
        assert_eq "${lines[0]}" "berth: unknown flag: --foo"
        assert_eq "${lines[1]}" "See 'berth images --help'."
        run b image ls -z
        [ "$status" -eq 125 ]
        assert_eq "${lines[0]}" "berth: unknown shorthand flag: 'z' in -z"
        assert_eq "${lines[1]}" "See 'berth image ls --help'."
}

@test "cli: a flag without its value, a bad bool value" {
        run b images --format
        [ "$status" -eq 125 ]
        assert_eq "${lines[0]}" "berth: flag needs an argument: --format"
        run b images -a=maybe
        [ "$status" -eq 125 ]
        assert_contains "${lines[0]}" 'invalid argument "maybe" for "-a, --all" flag'
}

@test "cli: unknown commands and wrong argument counts (exit 1 as Docker)" {
        run b frobnicate
        [ "$status" -eq 1 ]
        assert_eq "${lines[0]}" "berth: unknown command: berth frobnicate"
        run b image frobnicate
        [ "$status" -eq 1 ]
        assert_eq "${lines[0]}" "berth: unknown command: berth image frobnicate"
        run b tag onlyone
        [ "$status" -eq 1 ]
        assert_eq "${lines[0]}" "berth: 'berth tag' requires 2 arguments"
        run b rmi
        [ "$status" -eq 1 ]
        assert_eq "${lines[0]}" "berth: 'berth rmi' requires at least 1 argument"
        run b system df extra
        [ "$status" -eq 1 ]
        assert_eq "${lines[0]}" "berth: 'berth system df' accepts no arguments"
}

@test "cli: --help for every verb form: Usage, Aliases, Options; exit 0" {
        local v
        for v in images "image ls" "image list" rmi "image rm" "image remove" tag "image tag" \
                history "image history" load "image load" save "image save" import \
                "image import" inspect "image inspect" "image prune" "image bootstrap" \
                "system df" version completion; do
                # shellcheck disable=SC2086
                run b $v --help
                [ "$status" -eq 0 ] || { echo "$v --help: $status $output" >&2; return 1; }
                assert_contains "${lines[0]}" "Usage:  berth $v"
        done
        run b images --help
        assert_contains "$output" "Aliases:
  berth image ls, berth image list, berth images"
        assert_contains "$output" "  -q, --quiet           Only show image IDs"
        assert_contains "$output" "      --digests         Show digests"
        assert_contains "$output" "  -f, --filter filter   Filter output"
        run b rmi -h
        assert_contains "$output" "Usage:  berth rmi [OPTIONS] IMAGE [IMAGE...]"
        assert_contains "$output" "  -f, --force"
}

@test "cli: top-level and group help list the commands" {
        run b --help
        [ "$status" -eq 0 ]
        assert_contains "$output" "  images      List images"
        assert_contains "$output" "  image       Manage images"
        assert_contains "$output" "--root string"
        run b image
        [ "$status" -eq 0 ]
        assert_contains "$output" "Usage:  berth image COMMAND"
        assert_contains "$output" "  ls          List images"
        assert_contains "$output" "  prune       Remove unused images"
}

@test "cli: help COMMAND is COMMAND --help" {
        run b help images
        [ "$status" -eq 0 ]
        assert_eq "$output" "$(b images --help)"
        run b help image rm
        assert_eq "${lines[0]}" "Usage:  berth image rm [OPTIONS] IMAGE [IMAGE...]"
        run b help
        assert_eq "${lines[0]}" "Usage:  berth [OPTIONS] COMMAND"
        run b help nope
        [ "$status" -eq 1 ]
}

@test "cli: version, -v and --version" {
        run b -v
        [ "$status" -eq 0 ]
        assert_contains "$output" "berth version "
        run b --version
        assert_contains "$output" "berth version "
        run b version
        [ "$status" -eq 0 ]
        assert_contains "$output" "Version:"
}

@test "cli: global flags: --root=, BERTH_ROOT, unknown global flag" {
        bootstrap_busybox
        run "$BERTH" --root="$IR" images -q
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 1 ]
        BERTH_ROOT=$IR run "$BERTH" images -q
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 1 ]
        run "$BERTH" --root "$T/other" images -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run "$BERTH" --bogus images
        [ "$status" -eq 125 ]
        assert_eq "${lines[0]}" "berth: unknown flag: --bogus"
        run "$BERTH" --root
        [ "$status" -eq 125 ]
        run b --log-level nonsense images
        [ "$status" -eq 1 ]
        run b -D --log-level debug images -q
        [ "$status" -eq 0 ]
}

@test "cli: flags after arguments, combined shorts, --flag=value, -- ends flags" {
        bootstrap_busybox
        b tag busybox other:1
        run b images busybox -q
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 1 ]
        run b images -aq
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 2 ]
        run b images --quiet=true --all=false
        [ "${#lines[@]}" -eq 2 ]
        run b images --format='{{.Tag}}' --filter=reference=other
        assert_eq "$output" "1"
        run b images -q -- -notaflag
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run b rmi other:1 -f
        [ "$status" -eq 0 ]
        assert_eq "$output" "Untagged: other:1"
}

@test "cli: repeated --filter flags all apply" {
        bootstrap_busybox
        b tag busybox a/x:1
        b tag busybox a/y:1
        run b images --filter reference='a/*' --filter reference='busybox' --format '{{.Repository}}'
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 3 ]
}

@test "cli: completion script comes from the verb table and is valid bash" {
        run b completion bash
        [ "$status" -eq 0 ]
        assert_contains "$output" "complete -F _berth berth"
        assert_contains "$output" "_berth_flags_images='--help --all -a --digests"
        assert_contains "$output" "_berth_sub_image='"
        printf '%s\n' "$output" >"$T/c.bash"
        bash -n "$T/c.bash"
        # Complete `berth ima` and `berth image l` with the generated function.
        run bash -c "source '$T/c.bash'; COMP_WORDS=(berth ima); COMP_CWORD=1; _berth; echo \${COMPREPLY[*]}"
        assert_eq "$output" "image images"
        run bash -c "source '$T/c.bash'; COMP_WORDS=(berth image l); COMP_CWORD=2; _berth; echo \${COMPREPLY[*]}"
        assert_eq "$output" "ls list load"
        run bash -c "source '$T/c.bash'; COMP_WORDS=(berth rmi --f); COMP_CWORD=2; _berth; echo \${COMPREPLY[*]}"
        assert_eq "$output" "--force"
        run b completion zsh
        [ "$status" -eq 1 ]
}

@test "cli: the committed completion script is what berth generates" {
        b completion bash >"$T/c.bash"
        diff -u "$BERTH_REPO/contrib/completion/berth.bash" "$T/c.bash"
}
