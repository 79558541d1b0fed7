/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer application (src/image/layer.c): tarballs built in memory with libarchive's writer
 * are applied to a scratch directory; the tree, metadata, whiteouts and both digests are
 * checked against values computed independently (sha256 of the built bytes, and the
 * sha256sum program).  Attacks are in test_layer_attacks.c.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/error.h"
#include "basic/sha256_internal.h"
#include "basic/fileutil.h"
#include "image/layer.h"
#include "image/layer_internal.h"
#include "test_layer_util.h"
#include "basic/banned.h"

static void assert_file(int dirfd, const char *path, const char *content)
{
        char *buf = NULL;
        size_t len = 0;
        struct berth_error err = {0};
        int r = berth_read_file_at(dirfd, path, 1 << 20, &buf, &len, &err);
        if (r < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(len, strlen(content));
        assert_memory_equal(buf, content, len);
        free(buf);
}

static void lstat_at(int dirfd, const char *path, struct stat *st)
{
        assert_int_equal(fstatat(dirfd, path, st, AT_SYMLINK_NOFOLLOW), 0);
}

/* sha256sum(1) of the bytes, as "sha256:<hex>": a second, independent implementation. */
static void sha256sum_of(const struct tbuf *b, char out[BERTH_LAYER_DIGEST_SIZE])
{
        int in = memfd_of(b->data, b->len);
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(in, 0);
                dup2(p[1], 1);
                char *argv[] = {"sha256sum", NULL};
                execv("/usr/bin/sha256sum", argv);
                _exit(127);
        }
        close(p[1]);
        close(in);
        char line[128] = {0};
        assert_int_equal(berth_read_exact(p[0], line, 64), 0);
        close(p[0]);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        snprintf(out, BERTH_LAYER_DIGEST_SIZE, "sha256:%.64s", line);
}

/* A small tree with one of each kind of entry. */
static struct tbuf build_tree(int filter)
{
        struct tarb t;
        tarb_init(&t, filter);
        tarb_dir(&t, "./", 0755);
        tarb_dir(&t, "./etc/", 0755);
        tarb_file(&t, "./etc/hostname", "layer\n", 0644);
        struct archive_entry *e = tarb_entry("./etc/owned", AE_IFREG, 0640);
        archive_entry_set_uid(e, 1234);
        archive_entry_set_gid(e, 5678);
        archive_entry_set_mtime(e, 1234567890, 500);
        archive_entry_set_size(e, 3);
        tarb_add(&t, e, "abc", 3);
        tarb_symlink(&t, "./etc/abs-link", "/etc/hostname");
        tarb_symlink(&t, "./etc/rel-link", "hostname");
        tarb_hardlink(&t, "./etc/hard", "./etc/hostname");
        tarb_add(&t, tarb_entry("./run/fifo", AE_IFIFO, 0620), NULL, 0);
        e = tarb_entry("./usr/bin/", AE_IFDIR, 0711);
        archive_entry_set_mtime(e, 1111111111, 0);
        tarb_add(&t, e, NULL, 0);
        tarb_file(&t, "usr/bin/tool", "#!/bin/sh\n", 0755);
        tarb_file(&t, "usr/../usr/bin/./other", "x", 0600);
        return tarb_finish(&t);
}

static void check_tree(int dest)
{
        struct stat st;
        assert_file(dest, "etc/hostname", "layer\n");
        assert_file(dest, "etc/owned", "abc");
        lstat_at(dest, "etc/owned", &st);
        assert_int_equal(st.st_uid, 1234);
        assert_int_equal(st.st_gid, 5678);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(st.st_mtim.tv_sec, 1234567890);
        assert_int_equal(st.st_mtim.tv_nsec, 500);
        char buf[64];
        ssize_t n = readlinkat(dest, "etc/abs-link", buf, sizeof(buf));
        assert_int_equal(n, 13);
        assert_memory_equal(buf, "/etc/hostname", 13);
        n = readlinkat(dest, "etc/rel-link", buf, sizeof(buf));
        assert_int_equal(n, 8);
        struct stat a, b;
        lstat_at(dest, "etc/hard", &a);
        lstat_at(dest, "etc/hostname", &b);
        assert_int_equal(a.st_ino, b.st_ino);
        assert_int_equal(b.st_nlink, 2);
        lstat_at(dest, "run/fifo", &st);
        assert_true(S_ISFIFO(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0620);
        lstat_at(dest, "run", &st); /* implicit parent */
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0755);
        lstat_at(dest, "usr/bin", &st);
        assert_int_equal(st.st_mode & 07777, 0711);
        /* Set after tool and other were created in it. */
        assert_int_equal(st.st_mtim.tv_sec, 1111111111);
        lstat_at(dest, "usr/bin/tool", &st);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_file(dest, "usr/bin/other", "x");
        lstat_at(dest, "etc", &st);
        assert_int_equal(st.st_mtim.tv_sec, 1000000000);
}

static void test_plain_tar(void **state)
{
        struct tbuf tar = build_tree(ARCHIVE_FILTER_NONE);
        struct scratch s;
        scratch_init(&s);
        struct berth_layer_result res;
        struct berth_error err = {0};
        assert_int_equal(apply_buf(&tar, s.dest, NULL, &res, &err), 0);
        check_tree(s.dest);
        char want[BERTH_LAYER_DIGEST_SIZE], want2[BERTH_LAYER_DIGEST_SIZE];
        digest_of(tar.data, tar.len, want);
        sha256sum_of(&tar, want2);
        assert_string_equal(want, want2);
        assert_string_equal(res.digest, want);
        assert_string_equal(res.diff_id, want);
        assert_int_equal(res.compressed_size, tar.len);
        assert_int_equal(res.uncompressed_size, tar.len);
        assert_int_equal(res.entries, 11);
        assert_string_equal(res.compression, "none");
        assert_true(scratch_outside_clean(&s));
        scratch_free(&s);
        free(tar.data);
}

static void check_compressed(int filter, const char *name)
{
        struct tbuf tar = build_tree(ARCHIVE_FILTER_NONE);
        struct tbuf z = compress_bytes(&tar, filter);
        struct scratch s;
        scratch_init(&s);
        struct berth_layer_result res;
        struct berth_error err = {0};
        int r = apply_buf(&z, s.dest, NULL, &res, &err);
        if (r < 0)
                fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(r, 0);
        check_tree(s.dest);
        char want[BERTH_LAYER_DIGEST_SIZE];
        sha256sum_of(&z, want);
        assert_string_equal(res.digest, want);
        sha256sum_of(&tar, want);
        assert_string_equal(res.diff_id, want);
        assert_string_not_equal(res.digest, res.diff_id);
        assert_int_equal(res.compressed_size, z.len);
        assert_int_equal(res.uncompressed_size, tar.len);
        assert_string_equal(res.compression, name);
        scratch_free(&s);
        free(tar.data);
        free(z.data);
}

static void test_gzip(void **state)
{
        check_compressed(ARCHIVE_FILTER_GZIP, "gzip");
}

static void test_zstd(void **state)
{
        check_compressed(ARCHIVE_FILTER_ZSTD, "zstd");
}

/* Trailing bytes after the end-of-archive blocks are part of both digests. */
static void test_digest_covers_padding(void **state)
{
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        tarb_file(&t, "f", "data", 0644);
        struct tbuf tar = tarb_finish(&t);
        tar.data = realloc(tar.data, tar.len + 10240);
        memset(tar.data + tar.len, 0, 10240);
        tar.len += 10240;
        struct tbuf z = compress_bytes(&tar, ARCHIVE_FILTER_GZIP);
        struct scratch s;
        scratch_init(&s);
        struct berth_layer_result res;
        assert_int_equal(apply_buf(&z, s.dest, NULL, &res, NULL), 0);
        char want[BERTH_LAYER_DIGEST_SIZE];
        digest_of(tar.data, tar.len, want);
        assert_string_equal(res.diff_id, want);
        assert_int_equal(res.uncompressed_size, tar.len);
        digest_of(z.data, z.len, want);
        assert_string_equal(res.digest, want);
        scratch_free(&s);
        free(tar.data);
        free(z.data);
}

static void test_whiteout_overlay(void **state)
{
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        tarb_dir(&t, "d/", 0755);
        tarb_file(&t, "d/.wh..wh..opq", "", 0644);
        tarb_file(&t, "d/keep", "k", 0644);
        tarb_file(&t, ".wh.gone", "", 0644);
        tarb_file(&t, "x/.wh.file", "", 0644);
        struct tbuf tar = tarb_finish(&t);
        struct scratch s;
        scratch_init(&s);
        struct berth_error err = {0};
        int r = apply_buf(&tar, s.dest, NULL, NULL, &err);
        if (r < 0)
                fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(r, 0);
        struct stat st;
        lstat_at(s.dest, "gone", &st);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(st.st_rdev, makedev(0, 0));
        lstat_at(s.dest, "x/file", &st);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(fstatat(s.dest, ".wh.gone", &st, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(fstatat(s.dest, "d/.wh..wh..opq", &st, AT_SYMLINK_NOFOLLOW), -1);
        int dfd = openat(s.dest, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char v[8];
        assert_int_equal(fgetxattr(dfd, "trusted.overlay.opaque", v, sizeof(v)), 1);
        assert_int_equal(v[0], 'y');
        close(dfd);
        assert_file(s.dest, "d/keep", "k");
        scratch_free(&s);
        free(tar.data);
}

static void test_whiteout_apply(void **state)
{
        struct scratch s;
        scratch_init(&s);
        /* The lower layers, already copied into dest. */
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        tarb_file(&t, "gone/deep/file", "old", 0644);
        tarb_symlink(&t, "gone/link", "/");
        tarb_file(&t, "o/old1", "old", 0644);
        tarb_dir(&t, "o/olddir/", 0755);
        tarb_file(&t, "o/olddir/f", "old", 0644);
        tarb_file(&t, "o/replaced", "old", 0644);
        tarb_file(&t, "stay", "s", 0644);
        struct tbuf lower = tarb_finish(&t);
        struct berth_layer_opts o;
        berth_layer_opts_init(&o);
        o.whiteout = BERTH_WHITEOUT_APPLY;
        assert_int_equal(apply_buf(&lower, s.dest, &o, NULL, NULL), 0);

        tarb_init(&t, ARCHIVE_FILTER_NONE);
        tarb_file(&t, "o/new-before", "n", 0644);
        tarb_file(&t, "o/replaced", "new", 0644);
        tarb_file(&t, "o/.wh..wh..opq", "", 0644);
        tarb_file(&t, "o/sub/new-after", "n", 0644);
        tarb_file(&t, ".wh.gone", "", 0644);
        tarb_file(&t, ".wh.never-existed", "", 0644);
        tarb_file(&t, "missing/.wh.x", "", 0644);
        struct tbuf upper = tarb_finish(&t);
        struct berth_error err = {0};
        int r = apply_buf(&upper, s.dest, &o, NULL, &err);
        if (r < 0)
                fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(r, 0);
        struct stat st;
        assert_int_equal(fstatat(s.dest, "gone", &st, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(fstatat(s.dest, "o/old1", &st, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(fstatat(s.dest, "o/olddir", &st, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(fstatat(s.dest, "missing", &st, AT_SYMLINK_NOFOLLOW), -1);
        assert_file(s.dest, "o/new-before", "n");
        assert_file(s.dest, "o/replaced", "new");
        assert_file(s.dest, "o/sub/new-after", "n");
        assert_file(s.dest, "stay", "s");
        assert_int_equal(scratch_count(s.dest, "o"), 3);
        assert_true(scratch_outside_clean(&s));
        scratch_free(&s);
        free(lower.data);
        free(upper.data);
}

static void test_replace_and_xattrs(void **state)
{
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        tarb_file(&t, "a", "file", 0644);
        tarb_dir(&t, "a/", 0755); /* dir replaces file */
        tarb_file(&t, "a/in", "i", 0644);
        tarb_dir(&t, "b/", 0755);
        tarb_file(&t, "b/in", "i", 0644);
        tarb_file(&t, "b", "now a file", 0644); /* file replaces dir */
        tarb_file(&t, "c", "c", 0644);
        tarb_symlink(&t, "c", "target"); /* symlink replaces file */
        struct archive_entry *e = tarb_entry("x", AE_IFREG, 0755);
        archive_entry_xattr_add_entry(e, "user.note", "hello", 5);
        const char cap[20] = {0, 0, 0, 2, 0, 0x20, 0, 0}; /* v2, cap_net_bind_service */
        archive_entry_xattr_add_entry(e, "security.capability", cap, sizeof(cap));
        archive_entry_xattr_add_entry(e, "security.selinux", "ignored", 7);
        archive_entry_set_size(e, 1);
        tarb_add(&t, e, "x", 1);
        struct tbuf tar = tarb_finish(&t);
        struct scratch s;
        scratch_init(&s);
        struct berth_error err = {0};
        int r = apply_buf(&tar, s.dest, NULL, NULL, &err);
        if (r < 0)
                fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(r, 0);
        assert_file(s.dest, "a/in", "i");
        assert_file(s.dest, "b", "now a file");
        struct stat st;
        lstat_at(s.dest, "c", &st);
        assert_true(S_ISLNK(st.st_mode));
        int fd = openat(s.dest, "x", O_RDONLY | O_CLOEXEC);
        char v[32];
        assert_int_equal(fgetxattr(fd, "user.note", v, sizeof(v)), 5);
        assert_memory_equal(v, "hello", 5);
        assert_int_equal(fgetxattr(fd, "security.capability", v, sizeof(v)), 20);
        close(fd);
        scratch_free(&s);
        free(tar.data);
}

static void test_setid_modes(void **state)
{
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        tarb_file(&t, "bin/su", "su", 04755);
        tarb_file(&t, "bin/wall", "wall", 02755);
        struct tbuf tar = tarb_finish(&t);
        struct berth_layer_opts o;
        berth_layer_opts_init(&o);
        for (int keep = 0; keep < 2; keep++) {
                struct scratch s;
                scratch_init(&s);
                o.keep_setid = keep;
                assert_int_equal(apply_buf(&tar, s.dest, &o, NULL, NULL), 0);
                struct stat st;
                lstat_at(s.dest, "bin/su", &st);
                assert_int_equal(st.st_mode & 07777, keep ? 04755 : 0755);
                lstat_at(s.dest, "bin/wall", &st);
                assert_int_equal(st.st_mode & 07777, keep ? 02755 : 0755);
                assert_true(scratch_outside_clean(&s));
                scratch_free(&s);
        }
        free(tar.data);
}

/* Deeper than the directory fd cache, and many files in one directory. */
static void test_deep_and_wide(void **state)
{
        char path[1024] = "";
        size_t len = 0;
        for (int i = 0; i < 100; i++)
                len += (size_t)snprintf(path + len, sizeof(path) - len, "d%d/", i);
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        char name[1100];
        snprintf(name, sizeof(name), "%sleaf", path);
        tarb_file(&t, name, "deep", 0644);
        snprintf(name, sizeof(name), "%ssecond", path);
        tarb_file(&t, name, "deep2", 0644);
        for (int i = 0; i < 500; i++) {
                snprintf(name, sizeof(name), "wide/f%d", i);
                tarb_file(&t, name, "w", 0644);
        }
        tarb_file(&t, "d0/d1/back", "b", 0644);
        struct tbuf tar = tarb_finish(&t);
        struct scratch s;
        scratch_init(&s);
        struct berth_layer_result res;
        assert_int_equal(apply_buf(&tar, s.dest, NULL, &res, NULL), 0);
        snprintf(name, sizeof(name), "%ssecond", path);
        assert_file(s.dest, name, "deep2");
        assert_file(s.dest, "d0/d1/back", "b");
        assert_int_equal(scratch_count(s.dest, "wide"), 500);
        assert_int_equal(res.entries, 503);
        scratch_free(&s);
        free(tar.data);
}

static void test_large_file(void **state)
{
        size_t n = 5u << 20;
        char *data = malloc(n);
        for (size_t i = 0; i < n; i++)
                data[i] = (char)(i * 7 + i / 4096);
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_GZIP);
        struct archive_entry *e = tarb_entry("big", AE_IFREG, 0644);
        archive_entry_set_size(e, (la_int64_t)n);
        tarb_add(&t, e, data, n);
        struct tbuf z = tarb_finish(&t);
        struct scratch s;
        scratch_init(&s);
        assert_int_equal(apply_buf(&z, s.dest, NULL, NULL, NULL), 0);
        char *got = NULL;
        size_t len = 0;
        assert_int_equal(berth_read_file_at(s.dest, "big", n + 1, &got, &len, NULL), 0);
        assert_int_equal(len, n);
        assert_memory_equal(got, data, n);
        free(got);
        free(data);
        scratch_free(&s);
        free(z.data);
}

/* Names are bytes: UTF-8 and non-UTF-8 names come out exactly as stored, and a GNU-format
 * tar (Python's tarfile, GNU tar) works like pax. */
static void test_names_are_bytes(void **state)
{
        const char *names[] = {"h\xc3\xa9llo", "\xe6\x97\xa5\xe6\x9c\xac", "caf\xe9"};
        /* 0: pax, hdrcharset=BINARY; 1: GNU tar; 2: pax with UTF-8 names (as Go and Python
         * write them), read in the C locale where libarchive warns it cannot convert them. */
        for (int fmt = 0; fmt < 3; fmt++) {
                size_t n = fmt == 2 ? 2 : 3; /* caf\xe9 is not UTF-8 */
                struct tarb t;
                tarb_init(&t, ARCHIVE_FILTER_NONE);
                if (fmt > 0) {
                        archive_write_free(t.a);
                        free(t.out.data);
                        memset(&t.out, 0, sizeof(t.out));
                        t.a = archive_write_new();
                        if (fmt == 1)
                                archive_write_set_format_gnutar(t.a);
                        else
                                archive_write_set_format_pax(t.a);
                        archive_write_open(t.a, &t.out, NULL, tbuf_write_cb, NULL);
                }
                if (fmt == 2 && !setlocale(LC_ALL, "C.UTF-8"))
                        skip();
                for (size_t i = 0; i < n; i++)
                        tarb_file(&t, names[i], names[i], 0644);
                struct tbuf tar = tarb_finish(&t);
                setlocale(LC_ALL, "C");
                if (fmt == 2)
                        assert_non_null(memmem(tar.data, tar.len, "path=h\xc3\xa9llo", 11));
                struct scratch s;
                scratch_init(&s);
                struct berth_error err = {0};
                int r = apply_buf(&tar, s.dest, NULL, NULL, &err);
                if (r < 0)
                        fprintf(stderr, "%s\n", err.msg);
                assert_int_equal(r, 0);
                for (size_t i = 0; i < n; i++)
                        assert_file(s.dest, names[i], names[i]);
                assert_int_equal(scratch_count(s.fd, "dest"), (int)n);
                scratch_free(&s);
                free(tar.data);
        }
}

/* A sparse file: holes come back as zeros, the size is the logical size. */
static void test_sparse(void **state)
{
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        struct archive_entry *e = tarb_entry("sparse", AE_IFREG, 0644);
        la_int64_t size = 3 << 20;
        archive_entry_set_size(e, size);
        archive_entry_sparse_add_entry(e, 1 << 20, 4096);
        archive_entry_sparse_add_entry(e, (2 << 20) + 8192, 4096);
        /* The writer takes the logical contents and stores only the listed regions. */
        char *data = calloc(1, (size_t)size);
        memset(data + (1 << 20), 'S', 4096);
        memset(data + (2 << 20) + 8192, 'S', 4096);
        tarb_add(&t, e, data, (size_t)size);
        free(data);
        struct tbuf tar = tarb_finish(&t);
        assert_true(tar.len < (64u << 10)); /* stored sparse */
        struct scratch s;
        scratch_init(&s);
        struct berth_error err = {0};
        int r = apply_buf(&tar, s.dest, NULL, NULL, &err);
        if (r < 0)
                fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(r, 0);
        struct stat st;
        lstat_at(s.dest, "sparse", &st);
        assert_true(st.st_blocks * 512 < (1 << 20)); /* holes stay holes */
        char *got = NULL;
        size_t len = 0;
        assert_int_equal(berth_read_file_at(s.dest, "sparse", 4u << 20, &got, &len, NULL), 0);
        assert_int_equal(len, (size_t)size);
        for (size_t i = 0; i < len; i++) {
                bool in = (i >= (1u << 20) && i < (1u << 20) + 4096) ||
                          (i >= (2u << 20) + 8192 && i < (2u << 20) + 8192 + 4096);
                if (got[i] != (in ? 'S' : 0))
                        fail_msg("byte %zu is %d", i, got[i]);
        }
        free(got);
        scratch_free(&s);
        free(tar.data);
}

/* The accelerated SHA-256 (SHA-NI when the CPU has it) against the portable one, for every
 * length and split around the block size, and the layer digest with both. */
static void test_sha256_paths(void **state)
{
        size_t n = 4096;
        uint8_t *d = malloc(n);
        for (size_t i = 0; i < n; i++)
                d[i] = (uint8_t)(i * 131 + i / 251);
        for (size_t len = 0; len < 700; len++) {
                for (size_t split = 0; split <= len; split += 13) {
                        struct berth_sha256 a, b;
                        uint8_t x[BERTH_SHA256_DIGEST_SIZE], y[BERTH_SHA256_DIGEST_SIZE];
                        berth_sha256_init(&a);
                        berth_sha256_update(&a, d, len);
                        berth_sha256_final(&a, x);
                        berth_sha256_init(&b);
                        berth_sha256_update(&b, d, split);
                        berth_sha256_update(&b, d + split, len - split);
                        berth_sha256_final(&b, y);
                        assert_memory_equal(x, y, sizeof(x));
                }
        }
        free(d);
        struct tbuf tar = build_tree(ARCHIVE_FILTER_GZIP);
        char fast[BERTH_LAYER_DIGEST_SIZE], slow[BERTH_LAYER_DIGEST_SIZE];
        for (int portable = 0; portable < 2; portable++) {
                berth_sha256_force_portable(portable);
                struct scratch s;
                scratch_init(&s);
                struct berth_layer_result res;
                assert_int_equal(apply_buf(&tar, s.dest, NULL, &res, NULL), 0);
                snprintf(portable ? slow : fast, BERTH_LAYER_DIGEST_SIZE, "%s", res.diff_id);
                scratch_free(&s);
        }
        berth_sha256_force_portable(false);
        assert_string_equal(fast, slow);
        free(tar.data);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_plain_tar),
            cmocka_unit_test(test_gzip),
            cmocka_unit_test(test_zstd),
            cmocka_unit_test(test_digest_covers_padding),
            cmocka_unit_test(test_whiteout_overlay),
            cmocka_unit_test(test_whiteout_apply),
            cmocka_unit_test(test_replace_and_xattrs),
            cmocka_unit_test(test_setid_modes),
            cmocka_unit_test(test_deep_and_wide),
            cmocka_unit_test(test_large_file),
            cmocka_unit_test(test_sha256_paths),
            cmocka_unit_test(test_names_are_bytes),
            cmocka_unit_test(test_sparse),
        };
        if (geteuid() != 0) {
                printf("1..0 # SKIP layer tests need root (chown, trusted xattrs)\n");
                return 0;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
