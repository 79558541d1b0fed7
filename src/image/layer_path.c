/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer paths: cleaning tar entry names, walking parent directories one component at a
 * time with O_NOFOLLOW (with a cache of the fds along the last path), and the set of
 * paths a layer created.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "image/layer_internal.h"
#include "basic/banned.h"

/* ---- names ------------------------------------------------------------------------------- */

int layer_path_clean(const char *name, const char *what, char out[BERTH_LAYER_PATH_MAX],
                     struct berth_error *err)
{
        size_t n = strnlen(name, BERTH_LAYER_PATH_MAX);
        if (n >= BERTH_LAYER_PATH_MAX)
                return berth_error_set(err, ENAMETOOLONG, "%s '%.64s...' is longer than %d bytes",
                                       what, name, BERTH_LAYER_PATH_MAX - 1);
        if (name[0] == '/')
                return berth_error_set(err, EINVAL, "%s '%s' is an absolute path: refused", what,
                                       name);
        size_t len = 0;
        const char *p = name;
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                const char *c = p;
                while (*p && *p != '/')
                        p++;
                size_t clen = (size_t)(p - c);
                if (clen == 1 && c[0] == '.')
                        continue;
                if (clen == 2 && c[0] == '.' && c[1] == '.') {
                        if (len == 0)
                                return berth_error_set(err, EINVAL,
                                                       "%s '%s' climbs out of the layer with "
                                                       "'..': refused",
                                                       what, name);
                        while (len > 0 && out[len - 1] != '/')
                                len--;
                        if (len > 0)
                                len--; /* the '/' before the removed component */
                        continue;
                }
                if (clen > NAME_MAX)
                        return berth_error_set(err, ENAMETOOLONG,
                                               "%s '%.64s...': a component is longer than %d "
                                               "bytes",
                                               what, name, NAME_MAX);
                if (len > 0)
                        out[len++] = '/';
                memcpy(out + len, c, clen);
                len += clen;
        }
        out[len] = '\0';
        return 0;
}

/* ---- directory walk ------------------------------------------------------------------------ */

void layer_dircache_init(struct layer_dircache *dc, int rootfd)
{
        dc->fds[0] = rootfd;
        dc->ends[0] = 0;
        dc->depth = 0;
        dc->tail = -1;
        dc->path[0] = '\0';
}

static void dircache_pop_to(struct layer_dircache *dc, size_t depth)
{
        while (dc->depth > depth) {
                close(dc->fds[dc->depth]);
                dc->depth--;
        }
        dc->path[dc->ends[dc->depth]] = '\0';
}

void layer_dircache_flush(struct layer_dircache *dc)
{
        dircache_pop_to(dc, 0);
        if (dc->tail >= 0) {
                close(dc->tail);
                dc->tail = -1;
        }
}

/* Open directory `name` in dfd without following a symlink, creating it if asked. */
static int open_child_dir(int dfd, const char *name, const char *dir, bool create, int *out,
                          struct berth_error *err)
{
        for (int tries = 0; tries < 2; tries++) {
                int fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0) {
                        *out = fd;
                        return 0;
                }
                if (errno == ENOTDIR) {
                        struct stat st;
                        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                            S_ISLNK(st.st_mode))
                                return berth_error_set(err, ELOOP,
                                                       "parent '%s' is a symlink: refusing to "
                                                       "write through it",
                                                       dir);
                        return berth_error_set(err, ENOTDIR, "parent '%s' is not a directory", dir);
                }
                if (errno != ENOENT)
                        return berth_error_errno(err, "open parent '%s'", dir);
                if (!create)
                        return berth_error_set(err, ENOENT, "parent '%s' does not exist", dir);
                if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
                        return berth_error_errno(err, "create parent '%s'", dir);
        }
        return berth_error_set(err, EAGAIN, "parent '%s' keeps changing", dir);
}

int layer_dircache_walk(struct layer_dircache *dc, int rootfd, const char *dir, bool create,
                        int *out, struct berth_error *err)
{
        size_t dlen = strlen(dir);
        if (dc->tail >= 0) {
                close(dc->tail);
                dc->tail = -1;
        }
        /* Deepest cached level that is a prefix of dir (levels are prefixes of each other). */
        size_t keep = dc->depth;
        while (keep > 0) {
                size_t e = dc->ends[keep];
                if (e <= dlen && memcmp(dc->path, dir, e) == 0 && (dir[e] == '/' || !dir[e]))
                        break;
                keep--;
        }
        dircache_pop_to(dc, keep);
        dc->fds[0] = rootfd;
        size_t pos = dc->ends[keep];
        int cur = dc->fds[keep];
        char name[NAME_MAX + 1];
        while (pos < dlen) {
                if (dir[pos] == '/')
                        pos++;
                size_t end = pos;
                while (end < dlen && dir[end] != '/')
                        end++;
                if (end - pos > NAME_MAX || end == pos)
                        return berth_error_set(err, EINVAL, "bad directory name '%s'", dir);
                memcpy(name, dir + pos, end - pos);
                name[end - pos] = '\0';
                /* The walked prefix, for messages. */
                char prefix[BERTH_LAYER_PATH_MAX];
                memcpy(prefix, dir, end);
                prefix[end] = '\0';
                int fd = -1;
                int r = open_child_dir(cur, name, prefix, create, &fd, err);
                if (r < 0)
                        return r;
                if (dc->tail < 0 && dc->depth < LAYER_DIRCACHE_DEPTH) {
                        dc->depth++;
                        dc->fds[dc->depth] = fd;
                        dc->ends[dc->depth] = end;
                        memcpy(dc->path, dir, end);
                        dc->path[end] = '\0';
                } else {
                        if (dc->tail >= 0)
                                close(dc->tail);
                        dc->tail = fd;
                }
                cur = fd;
                pos = end;
        }
        *out = cur;
        return 0;
}

/* ---- path set ----------------------------------------------------------------------------- */

static uint64_t path_hash(const char *s)
{
        uint64_t h = 1469598103934665603ull; /* FNV-1a */
        for (; *s; s++) {
                h ^= (unsigned char)*s;
                h *= 1099511628211ull;
        }
        return h;
}

static size_t pathset_find(char **slots, size_t cap, const char *path)
{
        size_t i = (size_t)path_hash(path) & (cap - 1);
        while (slots[i] && strcmp(slots[i], path) != 0)
                i = (i + 1) & (cap - 1);
        return i;
}

static int pathset_grow(struct layer_pathset *s)
{
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        char **n = calloc(ncap, sizeof(*n));
        if (!n)
                return -ENOMEM;
        for (size_t i = 0; i < s->cap; i++)
                if (s->slots[i])
                        n[pathset_find(n, ncap, s->slots[i])] = s->slots[i];
        free(s->slots);
        s->slots = n;
        s->cap = ncap;
        return 0;
}

/* Adds path and every ancestor of it. */
int layer_pathset_add(struct layer_pathset *s, const char *path)
{
        char buf[BERTH_LAYER_PATH_MAX];
        size_t len = strnlen(path, sizeof(buf) - 1);
        memcpy(buf, path, len);
        buf[len] = '\0';
        while (len > 0) {
                if ((s->count + 1) * 2 > s->cap && pathset_grow(s) < 0)
                        return -ENOMEM;
                size_t i = pathset_find(s->slots, s->cap, buf);
                if (s->slots[i])
                        return 0; /* present: so are its ancestors */
                s->slots[i] = strdup(buf);
                if (!s->slots[i])
                        return -ENOMEM;
                s->count++;
                while (len > 0 && buf[len - 1] != '/')
                        len--;
                if (len > 0)
                        len--;
                buf[len] = '\0';
        }
        return 0;
}

bool layer_pathset_contains(const struct layer_pathset *s, const char *path)
{
        if (!s->cap)
                return false;
        return s->slots[pathset_find(s->slots, s->cap, path)] != NULL;
}

void layer_pathset_free(struct layer_pathset *s)
{
        for (size_t i = 0; i < s->cap; i++)
                free(s->slots[i]);
        free(s->slots);
        s->slots = NULL;
        s->cap = s->count = 0;
}
