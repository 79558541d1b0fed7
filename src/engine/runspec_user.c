/* SPDX-License-Identifier: Apache-2.0 */
/* User and group names resolved through /etc/passwd and /etc/group inside a rootfs. */
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "engine/runspec.h"
#include "fs/resolve.h"
#include "basic/banned.h"

#define DB_MAX_BYTES (4u << 20)
#define FIELDS_MAX   8

/* Read /etc/NAME inside the root.  A missing file is 0 with *out NULL.  The open is
 * O_NONBLOCK so that a FIFO planted there cannot block us, and anything but a regular file
 * is refused before a single byte is read. */
static int read_db(int rootfs_fd, const char *path, char **out, struct berth_error *err)
{
        *out = NULL;
        if (rootfs_fd < 0)
                return 0;
        _cleanup_close_ int fd = -1;
        int r =
            berth_fs_open_in_root(rootfs_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &fd, err);
        if (r == -ENOENT) {
                berth_error_clear(err);
                return 0;
        }
        if (r < 0)
                return berth_error_prefix(err, r, "open %s in the rootfs", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_error_errno(err, "stat %s in the rootfs", path);
        if (!S_ISREG(st.st_mode))
                return berth_error_set(err, EINVAL, "%s in the rootfs is not a regular file", path);
        if ((uint64_t)st.st_size > DB_MAX_BYTES)
                return berth_error_set(err, EFBIG, "%s in the rootfs is larger than %u bytes", path,
                                       DB_MAX_BYTES);
        r = berth_read_fd(fd, DB_MAX_BYTES, out, NULL, err);
        if (r < 0)
                return berth_error_prefix(err, r, "read %s in the rootfs", path);
        return 0;
}

/* Split one line (modified in place) at ':' into at most FIELDS_MAX fields. */
static size_t split_fields(char *line, char **f)
{
        size_t n = 0;
        f[n++] = line;
        for (char *p = line; *p && n < FIELDS_MAX; p++)
                if (*p == ':') {
                        *p = '\0';
                        f[n++] = p + 1;
                }
        return n;
}

static bool parse_id(const char *s, uint32_t *out)
{
        uint64_t v;
        if (!s || !isdigit((unsigned char)*s) || berth_parse_uint64(s, UINT32_MAX - 1, &v) < 0)
                return false;
        *out = (uint32_t)v;
        return true;
}

struct pwent {
        bool found;
        char name[256];
        uint32_t uid, gid;
        char *home;
};

/* Find by name (want_name) or by uid in the passwd text (modified: lines get split). */
static void find_passwd(char *db, const char *want_name, uint32_t want_uid, struct pwent *pw)
{
        for (char *line = db, *next; db && line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char *f[FIELDS_MAX];
                if (line[0] == '#' || split_fields(line, f) < 7)
                        continue;
                uint32_t uid, gid;
                if (!parse_id(f[2], &uid) || !parse_id(f[3], &gid))
                        continue;
                if (want_name ? strcmp(f[0], want_name) == 0 : uid == want_uid) {
                        pw->found = true;
                        snprintf(pw->name, sizeof(pw->name), "%s", f[0]);
                        pw->uid = uid;
                        pw->gid = gid;
                        pw->home = strdup(f[5]);
                        return;
                }
        }
}

static int push_gid(uint32_t **gids, size_t *n, uint32_t g)
{
        for (size_t i = 0; i < *n; i++)
                if ((*gids)[i] == g)
                        return 0;
        uint32_t *ng = realloc(*gids, (*n + 1) * sizeof(*ng));
        if (!ng)
                return -ENOMEM;
        ng[(*n)++] = g;
        *gids = ng;
        return 0;
}

/* Walk /etc/group: look up `want` (a name) into *gid, and/or add every group listing
 * `member` to gids.  Returns whether `want` was found. */
static int scan_groups(const char *db, const char *want, uint32_t *gid, const char *member,
                       uint32_t **gids, size_t *n_gids, bool *found)
{
        *found = false;
        if (!db)
                return 0;
        _cleanup_free_ char *copy = strdup(db);
        if (!copy)
                return -ENOMEM;
        for (char *line = copy, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char *f[FIELDS_MAX];
                uint32_t g;
                if (line[0] == '#' || split_fields(line, f) < 4 || !parse_id(f[2], &g))
                        continue;
                if (want && !*found && strcmp(f[0], want) == 0) {
                        *gid = g;
                        *found = true;
                }
                if (!member)
                        continue;
                for (char *m = f[3], *comma; m && *m; m = comma) {
                        comma = strchr(m, ',');
                        if (comma)
                                *comma++ = '\0';
                        if (strcmp(m, member) == 0 && push_gid(gids, n_gids, g) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

static int lookup_group(const char *db, const char *name, uint32_t *gid, struct berth_error *err)
{
        bool found;
        if (parse_id(name, gid))
                return 0;
        int r = scan_groups(db, name, gid, NULL, NULL, NULL, &found);
        if (r < 0)
                return r;
        if (!found)
                return berth_error_set(err, EINVAL,
                                       "unable to find group %s: no matching entries in group file",
                                       name);
        return 0;
}

int berth_runspec_resolve_user(int rootfs_fd, const char *user, char *const *group_add,
                               uint32_t *uid, uint32_t *gid, uint32_t **gids, size_t *n_gids,
                               char **home, struct berth_error *err)
{
        _cleanup_free_ char *passwd = NULL, *group = NULL, *uname = NULL;
        _cleanup_free_ uint32_t *sg = NULL;
        size_t n_sg = 0;
        int r = read_db(rootfs_fd, "/etc/passwd", &passwd, err);
        if (r < 0)
                return r;
        r = read_db(rootfs_fd, "/etc/group", &group, err);
        if (r < 0)
                return r;
        uname = strdup(user && *user ? user : "0");
        if (!uname)
                return -ENOMEM;
        char *gname = strchr(uname, ':');
        if (gname)
                *gname++ = '\0';
        struct pwent pw = {0};
        uint32_t u = 0, g = 0;
        bool numeric = parse_id(uname, &u);
        find_passwd(passwd, numeric ? NULL : uname, u, &pw);
        _cleanup_free_ char *pw_home = pw.home;
        if (!numeric && !pw.found)
                return berth_error_set(err, EINVAL,
                                       "unable to find user %s: no matching entries in passwd file",
                                       uname);
        if (pw.found) {
                u = pw.uid;
                g = pw.gid;
        }
        if (gname && *gname) {
                r = lookup_group(group, gname, &g, err);
                if (r < 0)
                        return r;
        } else if (pw.found) {
                bool unused;
                r = scan_groups(group, NULL, NULL, pw.name, &sg, &n_sg, &unused);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; group_add && group_add[i]; i++) {
                uint32_t ag;
                r = lookup_group(group, group_add[i], &ag, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "--group-add");
                if (push_gid(&sg, &n_sg, ag) < 0)
                        return -ENOMEM;
        }
        *uid = u;
        *gid = g;
        *gids = TAKE_PTR(sg);
        *n_gids = n_sg;
        if (home)
                *home = TAKE_PTR(pw_home);
        return 0;
}
