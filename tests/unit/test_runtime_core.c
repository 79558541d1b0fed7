/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the runtime core's pieces that run without privileges: container ids,
 * the state directory and state.json, status derivation, the sync protocol, hooks and
 * the PATH lookup. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "runtime/container_internal.h"
#include "runtime/hooks.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "basic/banned.h"

static char tmpdir[256];

static int setup_tmp(void **state)
{
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-core.XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        return 0;
}

static int teardown_tmp(void **state)
{
        berth_rm_rf_at(AT_FDCWD, tmpdir);
        return 0;
}

static void test_validate_id(void **state)
{
        struct berth_error e = {0};
        assert_int_equal(berth_state_validate_id("abc", &e), 0);
        assert_int_equal(berth_state_validate_id("a.b-c_d9", &e), 0);
        assert_int_equal(berth_state_validate_id("", &e), -EINVAL);
        assert_int_equal(berth_state_validate_id("..", &e), -EINVAL);
        assert_int_equal(berth_state_validate_id(".hidden", &e), -EINVAL);
        assert_int_equal(berth_state_validate_id("a/b", &e), -EINVAL);
        assert_non_null(strstr(e.msg, "a/b"));
        assert_int_equal(berth_state_validate_id("-x", &e), -EINVAL);
        assert_int_equal(berth_state_validate_id("a b", &e), -EINVAL);
        char big[BERTH_ID_MAX + 2];
        memset(big, 'a', sizeof(big) - 1);
        big[BERTH_ID_MAX + 1] = 0;
        assert_int_equal(berth_state_validate_id(big, &e), -EINVAL);
        big[BERTH_ID_MAX] = 0;
        assert_int_equal(berth_state_validate_id(big, &e), 0);
}

static void test_state_dir(void **state)
{
        struct berth_error e = {0};
        _cleanup_free_ char *root = berth_strdup_printf("%s/root/sub", tmpdir);
        _cleanup_close_ int rootfd = -1;
        assert_int_equal(berth_state_open_root(root, true, &rootfd, &e), 0);
        struct stat st;
        assert_int_equal(stat(root, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);

        _cleanup_close_ int d1 = -1;
        assert_int_equal(berth_state_create_dir(rootfd, "c1", &d1, &e), 0);
        int d2 = -1;
        assert_int_equal(berth_state_create_dir(rootfd, "c1", &d2, &e), -EEXIST);
        assert_string_equal(e.msg, "container 'c1' already exists");
        assert_int_equal(berth_state_open_dir(rootfd, "nope", &d2, &e), -ENOENT);
        assert_string_equal(e.msg, "container 'nope' does not exist");
        assert_int_equal(berth_state_create_dir(rootfd, "../x", &d2, &e), -EINVAL);

        /* No state.json yet: "creating". */
        struct berth_state *s = NULL;
        assert_int_equal(berth_state_read(d1, &s, &e), -ENOENT);
        assert_int_equal(berth_state_status(d1, NULL, false), BERTH_STATUS_CREATING);
        assert_int_equal(berth_state_remove_dir(rootfd, "c1"), 0);
        assert_int_equal(fstatat(rootfd, "c1", &st, 0), -1);
}

static void test_state_roundtrip_and_status(void **state)
{
        struct berth_error e = {0};
        _cleanup_close_ int rootfd = -1, dfd = -1;
        assert_int_equal(berth_state_open_root(tmpdir, false, &rootfd, &e), 0);
        assert_int_equal(berth_state_create_dir(rootfd, "rt", &dfd, &e), 0);

        /* A live process of ours stands in for the init. */
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                pause();
                _exit(0);
        }
        struct berth_state w = {0};
        w.id = (char *)"rt";
        w.bundle = (char *)"/b";
        w.rootfs = (char *)"/b/rootfs";
        w.pid = child;
        assert_int_equal(berth_proc_start_time(child, &w.start_time, NULL), 0);
        assert_true(w.start_time > 0);
        w.created = (char *)"2026-01-01T00:00:00.000000000Z";
        w.annotations = json_pack("{s:s}", "k", "v");
        w.hook_mask = 1u << BERTH_HOOK_POSTSTOP;
        w.ns_paths[BERTH_NS_PID] = (char *)"/proc/1/ns/pid";
        assert_int_equal(berth_state_write(dfd, &w, &e), 0);
        json_decref(w.annotations);

        _cleanup_state_ struct berth_state *r = NULL;
        assert_int_equal(berth_state_read(dfd, &r, &e), 0);
        assert_string_equal(r->id, "rt");
        assert_string_equal(r->bundle, "/b");
        assert_int_equal(r->pid, child);
        assert_true(r->start_time == w.start_time);
        assert_int_equal(r->hook_mask, 1u << BERTH_HOOK_POSTSTOP);
        assert_string_equal(r->ns_paths[BERTH_NS_PID], "/proc/1/ns/pid");
        assert_string_equal(json_string_value(json_object_get(r->annotations, "k")), "v");

        /* fifo present -> created; gone -> running; frozen -> paused. */
        assert_int_equal(mkfifoat(dfd, "exec.fifo", 0600), 0);
        assert_int_equal(berth_state_status(dfd, r, false), BERTH_STATUS_CREATED);
        unlinkat(dfd, "exec.fifo", 0);
        assert_int_equal(berth_state_status(dfd, r, false), BERTH_STATUS_RUNNING);
        assert_int_equal(berth_state_status(dfd, r, true), BERTH_STATUS_PAUSED);

        json_t *oci = berth_state_to_oci(r, BERTH_STATUS_RUNNING);
        assert_string_equal(json_string_value(json_object_get(oci, "status")), "running");
        assert_int_equal(json_integer_value(json_object_get(oci, "pid")), child);
        assert_string_equal(json_string_value(json_object_get(oci, "ociVersion")), "1.2.0");
        json_decref(oci);

        /* pid reuse: a different start time means stopped. */
        r->start_time += 1;
        assert_int_equal(berth_state_status(dfd, r, false), BERTH_STATUS_STOPPED);
        r->start_time -= 1;
        /* a zombie is stopped */
        kill(child, SIGKILL);
        for (int i = 0; i < 100; i++) {
                bool zombie = false;
                if (berth_proc_start_time(child, NULL, &zombie) == 0 && zombie)
                        break;
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        assert_int_equal(berth_state_status(dfd, r, false), BERTH_STATUS_STOPPED);
        waitpid(child, NULL, 0);
        assert_int_equal(berth_state_status(dfd, r, false), BERTH_STATUS_STOPPED);
}

static void test_proc_start_time_odd_comm(void **state)
{
        /* comm with spaces and ')' must not confuse the parser. */
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                prctl(PR_SET_NAME, "a) b (c", 0, 0, 0);
                pause();
                _exit(0);
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        uint64_t st = 0, st2 = 0;
        bool zombie = true;
        assert_int_equal(berth_proc_start_time(child, &st, &zombie), 0);
        assert_false(zombie);
        assert_int_equal(berth_proc_start_time(getpid(), &st2, NULL), 0);
        assert_true(st >= st2);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        assert_int_equal(berth_proc_start_time(child, &st, NULL) < 0, 1);
}

static void test_sync_roundtrip(void **state)
{
        struct berth_error e = {0};
        int sp[2];
        assert_int_equal(berth_sync_pair(sp, &e), 0);
        assert_int_equal(berth_sync_send(sp[1], BERTH_SYNC_NS_READY, 1234, NULL, 0, -1), 0);
        struct berth_sync_msg m = {.fd = -1};
        assert_int_equal(berth_sync_expect(sp[0], BERTH_SYNC_NS_READY, &m, &e), 0);
        assert_int_equal(m.value, 1234);
        assert_null(m.payload);
        berth_sync_msg_clear(&m);

        /* payload and an fd */
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        const char *text = "{\"state\":1}";
        assert_int_equal(berth_sync_send(sp[0], BERTH_SYNC_PTY, 0, text, strlen(text), p[1]), 0);
        assert_int_equal(berth_sync_recv(sp[1], &m), 0);
        assert_int_equal(m.type, BERTH_SYNC_PTY);
        assert_string_equal(m.payload, text);
        assert_true(m.fd >= 0);
        assert_int_equal(fcntl(m.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        assert_int_equal(write(m.fd, "x", 1), 1);
        char c = 0;
        assert_int_equal(read(p[0], &c, 1), 1);
        assert_int_equal(c, 'x');
        berth_sync_msg_clear(&m);
        close(p[0]);
        close(p[1]);

        /* an error from the peer becomes ours, with its errno and text */
        struct berth_error ce = {0};
        berth_error_set(&ce, EPERM, "mount /proc: Operation not permitted");
        berth_sync_send_error(sp[1], &ce);
        assert_int_equal(berth_sync_expect(sp[0], BERTH_SYNC_READY, &m, &e), -EPERM);
        assert_string_equal(e.msg, "mount /proc: Operation not permitted");

        /* an unexpected step is a protocol error naming both */
        assert_int_equal(berth_sync_send(sp[1], BERTH_SYNC_MOUNTS_DONE, 0, NULL, 0, -1), 0);
        assert_int_equal(berth_sync_expect(sp[0], BERTH_SYNC_READY, &m, &e), -EPROTO);
        assert_non_null(strstr(e.msg, "expected"));

        /* peer gone */
        close(sp[1]);
        assert_int_equal(berth_sync_expect(sp[0], BERTH_SYNC_READY, &m, &e), -EPIPE);
        assert_non_null(strstr(e.msg, "exited"));
        close(sp[0]);
}

static void test_hooks(void **state)
{
        struct berth_error e = {0};
        _cleanup_free_ char *out = berth_strdup_printf("%s/hook.out", tmpdir);
        _cleanup_free_ char *script = berth_strdup_printf(
            "cat > %s; echo \" args=$0 $1 env=$(env | grep -v -e '^PWD=' -e '^SHLVL=' -e "
            "'^_=' | tr '\\n' ' ')\" >> %s",
            out, out);
        char *args[] = {(char *)"sh",    (char *)"-c",     script,
                        (char *)"first", (char *)"second", NULL};
        char *env[] = {(char *)"ONLY=this", NULL};
        struct berth_hook h = {.path = (char *)"/bin/sh", .args = args, .env = env};
        assert_int_equal(berth_hook_run(&h, -1, "{\"id\":\"x\"}", &e), 0);
        _cleanup_free_ char *got = NULL;
        assert_int_equal(berth_read_file_at(AT_FDCWD, out, 4096, &got, NULL, &e), 0);
        assert_non_null(strstr(got, "{\"id\":\"x\"}"));
        assert_non_null(strstr(got, "args=first second"));
        assert_non_null(strstr(got, "env=ONLY=this "));
        assert_null(strstr(got, "HOME="));

        /* failure names the hook and the status */
        char *fargs[] = {(char *)"sh", (char *)"-c", (char *)"exit 3", NULL};
        struct berth_hook f = {.path = (char *)"/bin/sh", .args = fargs};
        assert_int_equal(berth_hook_run(&f, -1, NULL, &e), -EIO);
        assert_non_null(strstr(e.msg, "/bin/sh"));
        assert_non_null(strstr(e.msg, "status 3"));

        /* timeout kills it */
        char *sargs[] = {(char *)"sleep", (char *)"5", NULL};
        struct berth_hook s = {
            .path = (char *)"/bin/sleep", .args = sargs, .has_timeout = true, .timeout = 1};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(berth_hook_run(&s, -1, NULL, &e), -ETIMEDOUT);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_true(t1.tv_sec - t0.tv_sec < 3);
        assert_non_null(strstr(e.msg, "timed out"));

        /* a missing binary fails */
        struct berth_hook m = {.path = (char *)"/nonexistent/hook"};
        assert_int_equal(berth_hook_run(&m, -1, NULL, &e), -EIO);

        /* a hook that does not read a large stdin still completes */
        size_t big = 1 << 20;
        char *blob = malloc(big + 1);
        memset(blob, 'a', big);
        blob[big] = 0;
        char *targs[] = {(char *)"true", NULL};
        struct berth_hook t = {.path = (char *)"/bin/true", .args = targs};
        assert_int_equal(berth_hook_run(&t, -1, blob, &e), 0);
        /* ... and one that reads it late gets all of it */
        _cleanup_free_ char *cnt = berth_strdup_printf("%s/count", tmpdir);
        _cleanup_free_ char *lscript = berth_strdup_printf("sleep 0.2; wc -c > %s", cnt);
        char *largs[] = {(char *)"sh", (char *)"-c", lscript, NULL};
        struct berth_hook l = {.path = (char *)"/bin/sh", .args = largs};
        assert_int_equal(berth_hook_run(&l, -1, blob, &e), 0);
        _cleanup_free_ char *n = NULL;
        assert_int_equal(berth_read_file_at(AT_FDCWD, cnt, 64, &n, NULL, &e), 0);
        assert_int_equal(strtol(n, NULL, 10), (long)big);
        free(blob);
}

static void test_exec_lookup(void **state)
{
        struct berth_error e = {0};
        _cleanup_free_ char *dir = berth_strdup_printf("%s/bin", tmpdir);
        assert_int_equal(mkdir(dir, 0755), 0);
        _cleanup_free_ char *exe = berth_strdup_printf("%s/tool", dir);
        _cleanup_free_ char *noexec = berth_strdup_printf("%s/data", dir);
        int fd = open(exe, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
        assert_true(fd >= 0);
        close(fd);
        fd = open(noexec, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        _cleanup_free_ char *pathvar = berth_strdup_printf("PATH=/nonexistent:%s", dir);
        char *env[] = {(char *)"A=b", pathvar, NULL};
        char *path = NULL;
        assert_int_equal(berth_exec_lookup(env, "tool", &path, &e), 0);
        assert_string_equal(path, exe);
        free(path);
        path = NULL;
        assert_int_equal(berth_exec_lookup(env, "missing", &path, &e), -ENOENT);
        assert_non_null(strstr(e.msg, "executable file not found in $PATH"));
        if (geteuid() != 0) { /* root passes access(X_OK) on any x bit only */
                assert_int_equal(berth_exec_lookup(env, "data", &path, &e), -EACCES);
        }
        assert_int_equal(berth_exec_lookup(env, exe, &path, &e), 0);
        free(path);
        path = NULL;
        /* no PATH in env: the default one is used */
        char *env2[] = {NULL};
        assert_int_equal(berth_exec_lookup(env2, "sh", &path, &e), 0);
        assert_non_null(strstr(path, "/sh"));
        free(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_validate_id),
            cmocka_unit_test(test_state_dir),
            cmocka_unit_test(test_state_roundtrip_and_status),
            cmocka_unit_test(test_proc_start_time_odd_comm),
            cmocka_unit_test(test_sync_roundtrip),
            cmocka_unit_test(test_hooks),
            cmocka_unit_test(test_exec_lookup),
        };
        return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
