/* SPDX-License-Identifier: Apache-2.0 */
#include "fs/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "basic/banned.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

/* The classic API's name for an fd: the magic link of the same open file. */
#define FD_PATH_MAX 32
static void fd_path(char buf[FD_PATH_MAX], int fd)
{
        snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

uint64_t berth_mount_flags_to_attr(unsigned long f)
{
        uint64_t a = 0;
        if (f & MS_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (f & MS_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (f & MS_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (f & MS_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        if (f & MS_NODIRATIME)
                a |= MOUNT_ATTR_NODIRATIME;
        if (f & MS_NOSYMFOLLOW)
                a |= MOUNT_ATTR_NOSYMFOLLOW;
        if (f & MS_NOATIME)
                a |= MOUNT_ATTR_NOATIME;
        else if (f & MS_STRICTATIME)
                a |= MOUNT_ATTR_STRICTATIME;
        /* MS_RELATIME is MOUNT_ATTR_RELATIME == 0 within the MOUNT_ATTR__ATIME field. */
        return a;
}

static unsigned long attr_to_ms(uint64_t a)
{
        unsigned long f = 0;
        if (a & MOUNT_ATTR_RDONLY)
                f |= MS_RDONLY;
        if (a & MOUNT_ATTR_NOSUID)
                f |= MS_NOSUID;
        if (a & MOUNT_ATTR_NODEV)
                f |= MS_NODEV;
        if (a & MOUNT_ATTR_NOEXEC)
                f |= MS_NOEXEC;
        if (a & MOUNT_ATTR_NODIRATIME)
                f |= MS_NODIRATIME;
        if (a & MOUNT_ATTR_NOSYMFOLLOW)
                f |= MS_NOSYMFOLLOW;
        if ((a & MOUNT_ATTR__ATIME) == MOUNT_ATTR_NOATIME)
                f |= MS_NOATIME;
        else if ((a & MOUNT_ATTR__ATIME) == MOUNT_ATTR_STRICTATIME)
                f |= MS_STRICTATIME;
        return f;
}

/* Setting an atime mode needs the whole atime field cleared first. */
static void fix_atime(uint64_t *set, uint64_t *clr)
{
        if (*set & MOUNT_ATTR__ATIME)
                *clr |= MOUNT_ATTR__ATIME;
        if (*clr & MOUNT_ATTR__ATIME)
                *clr |= MOUNT_ATTR__ATIME;
}

/* Classic fallback of mount_setattr: MS_REMOUNT|MS_BIND with the flags the mount already
 * has (fstatvfs), plus set, minus clr.  Only the top mount changes. */
static int remount_classic(int fd, uint64_t set, uint64_t clr, struct berth_error *err)
{
        struct statvfs sv;
        if (fstatvfs(fd, &sv) < 0)
                return berth_error_errno(err, "statvfs of mount fd %d", fd);
        unsigned long f = 0;
        if (sv.f_flag & ST_RDONLY)
                f |= MS_RDONLY;
        if (sv.f_flag & ST_NOSUID)
                f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
                f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        if (sv.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        if (sv.f_flag & ST_NOSYMFOLLOW)
                f |= MS_NOSYMFOLLOW;
        if (clr & MOUNT_ATTR__ATIME)
                f &= ~(unsigned long)(MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
        f &= ~attr_to_ms(clr & ~(uint64_t)MOUNT_ATTR__ATIME);
        f |= attr_to_ms(set);
        char p[FD_PATH_MAX];
        fd_path(p, fd);
        if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | f, NULL) < 0)
                return berth_error_errno(err, "remount (flags 0x%lx)", f);
        return 0;
}

int berth_mount_setattr(int fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
                        struct berth_error *err)
{
        fix_atime(&attr_set, &attr_clr);
        if (!attr_set && !attr_clr)
                return 0;
        struct mount_attr a = {.attr_set = attr_set, .attr_clr = attr_clr};
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) ==
            0)
                return 0;
        /* ENOSYS: kernel < 5.12.  The classic remount only changes the top mount. */
        if (errno != ENOSYS)
                return berth_error_errno(err, "mount_setattr (set 0x%llx, clear 0x%llx)",
                                         (unsigned long long)attr_set,
                                         (unsigned long long)attr_clr);
        return remount_classic(fd, attr_set, attr_clr, err);
}

int berth_mount_set_propagation(int fd, unsigned long propagation, struct berth_error *err)
{
        unsigned long type = propagation & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE);
        if (!type)
                return 0;
        bool rec = propagation & MS_REC;
        struct mount_attr a = {.propagation = type};
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a, sizeof(a)) == 0)
                return 0;
        if (errno != ENOSYS)
                return berth_error_errno(err, "set mount propagation 0x%lx", propagation);
        /* Kernel < 5.12: classic mount(2) on the fd's magic link. */
        char p[FD_PATH_MAX];
        fd_path(p, fd);
        if (mount(NULL, p, NULL, type | (rec ? MS_REC : 0), NULL) < 0)
                return berth_error_errno(err, "set mount propagation 0x%lx", propagation);
        return 0;
}

static int attach(int mnt_fd, int target_fd, struct berth_error *err)
{
        if (move_mount(mnt_fd, "", target_fd, "",
                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return berth_error_errno(err, "move_mount onto the target");
        return 0;
}

static int bind_classic(int src_fd, const struct berth_bind_opts *o, int target_fd,
                        struct berth_error *err)
{
        if (o->idmap)
                return berth_error_set(err, ENOSYS, "id-mapped mounts need kernel 5.12 or newer");
        char s[FD_PATH_MAX], t[FD_PATH_MAX];
        fd_path(s, src_fd);
        fd_path(t, target_fd);
        if (mount(s, t, NULL, MS_BIND | (o->recursive ? MS_REC : 0), NULL) < 0)
                return berth_error_errno(err, "bind mount");
        if (!(o->attr_set | o->attr_clr | o->rattr_set | o->rattr_clr))
                return 0;
        /* target_fd still names the covered inode: open the new mount through it. */
        _cleanup_close_ int mfd = open(t, O_PATH | O_CLOEXEC);
        if (mfd < 0)
                return berth_error_errno(err, "open the new bind mount");
        /* The flags of a bind are ignored on creation: remount.  Recursive attributes
         * degrade to the top mount here. */
        return remount_classic(mfd, o->attr_set | o->rattr_set, o->attr_clr | o->rattr_clr, err);
}

/* Attributes and id mapping on the detached tree.  *late is set when mount_setattr is
 * missing (kernel 5.2..5.11): the caller remounts after attaching. */
static int bind_setattr(int tree, const struct berth_bind_opts *o, bool *late,
                        struct berth_error *err)
{
        uint64_t s, c;
        struct mount_attr a;
        if (o->rattr_set | o->rattr_clr) {
                s = o->rattr_set;
                c = o->rattr_clr;
                fix_atime(&s, &c);
                a = (struct mount_attr){.attr_set = s, .attr_clr = c};
                if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0) {
                        if (errno != ENOSYS || o->idmap)
                                return berth_error_errno(err, "mount_setattr on the bind tree");
                        *late = true;
                        return 0;
                }
        }
        if (o->attr_set | o->attr_clr) {
                s = o->attr_set;
                c = o->attr_clr;
                fix_atime(&s, &c);
                a = (struct mount_attr){.attr_set = s, .attr_clr = c};
                if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
                        if (errno != ENOSYS || o->idmap)
                                return berth_error_errno(err, "mount_setattr on the bind");
                        *late = true;
                        return 0;
                }
        }
        if (o->idmap) {
                a = (struct mount_attr){.attr_set = MOUNT_ATTR_IDMAP,
                                        .userns_fd = (uint64_t)o->userns_fd};
                if (mount_setattr(tree, "", AT_EMPTY_PATH | (o->idmap_recursive ? AT_RECURSIVE : 0),
                                  &a, sizeof(a)) < 0)
                        return berth_error_errno(err, "id-map the bind (does the filesystem "
                                                      "support id-mapped mounts?)");
        }
        return 0;
}

int berth_mount_bind(int src_fd, const struct berth_bind_opts *o, int target_fd,
                     struct berth_error *err)
{
        static const struct berth_bind_opts none = {0};
        if (!o)
                o = &none;
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
        if (o->recursive)
                flags |= AT_RECURSIVE;
        _cleanup_close_ int tree = open_tree(src_fd, "", flags);
        if (tree < 0) {
                if (errno == ENOSYS) /* kernel < 5.2 */
                        return bind_classic(src_fd, o, target_fd, err);
                return berth_error_errno(err, "open_tree (clone) of the bind source");
        }
        bool late = false;
        int r = bind_setattr(tree, o, &late, err);
        if (r < 0)
                return r;
        r = attach(tree, target_fd, err);
        if (r < 0)
                return r;
        if (late) /* kernel 5.2..5.11: remount the attached mount */
                return remount_classic(tree, o->attr_set | o->rattr_set, o->attr_clr | o->rattr_clr,
                                       err);
        return 0;
}

static int write_id_map(pid_t pid, const char *file, const struct berth_id_mapping *m, size_t n,
                        struct berth_error *err)
{
        struct berth_buf b = {0};
        for (size_t i = 0; i < n; i++)
                if (berth_buf_printf(&b, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size) <
                    0) {
                        berth_buf_free(&b);
                        return berth_error_set(err, ENOMEM, "out of memory");
                }
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        int r = fd < 0 ? -errno : berth_write_all(fd, b.data ? b.data : "", b.len);
        berth_buf_free(&b);
        if (r < 0)
                return berth_error_setsys(err, -r, "write %s", path);
        return 0;
}

int berth_mount_make_userns(const struct berth_id_mapping *uids, size_t n_uids,
                            const struct berth_id_mapping *gids, size_t n_gids, int *out,
                            struct berth_error *err)
{
        if (!n_uids || !n_gids)
                return berth_error_set(err, EINVAL,
                                       "an id-mapped mount needs uid and gid mappings");
        int ready[2], done[2];
        if (pipe2(ready, O_CLOEXEC) < 0)
                return berth_error_errno(err, "pipe");
        if (pipe2(done, O_CLOEXEC) < 0) {
                close(ready[0]);
                close(ready[1]);
                return berth_error_errno(err, "pipe");
        }
        pid_t pid = fork();
        if (pid == 0) {
                /* The child only holds the namespace open until the parent has its fd. */
                close(ready[0]);
                close(done[1]);
                char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
                (void)!write(ready[1], &c, 1);
                (void)!read(done[0], &c, 1);
                _exit(0);
        }
        close(ready[1]);
        close(done[0]);
        int r = 0;
        char c = 'n';
        if (pid < 0)
                r = berth_error_errno(err, "fork");
        else if (read(ready[0], &c, 1) != 1 || c != 'y')
                r = berth_error_set(err, EPERM, "create a user namespace for an id-mapped mount");
        if (r == 0)
                r = write_id_map(pid, "uid_map", uids, n_uids, err);
        if (r == 0)
                r = write_id_map(pid, "gid_map", gids, n_gids, err);
        if (r == 0) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        r = berth_error_errno(err, "open %s", path);
                else
                        *out = fd;
        }
        close(ready[0]);
        close(done[1]); /* lets the child exit */
        if (pid > 0)
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        return r;
}

/* The first message the kernel logged on an fs context, for error reports. */
static void fs_log(int fsfd, char *buf, size_t size)
{
        buf[0] = '\0';
        ssize_t n = read(fsfd, buf, size - 1);
        if (n <= 0) {
                buf[0] = '\0';
                return;
        }
        buf[n] = '\0';
        char *nl = strchr(buf, '\n');
        if (nl)
                *nl = '\0';
}

/* Feed "a=b,c" to fsconfig.  Returns 0, or -errno of the failing option (index in *bad). */
static int fs_configure(int fsfd, const char *data, char **bad)
{
        if (!data || !*data)
                return 0;
        _cleanup_free_ char *copy = strdup(data);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(opt, '=');
                int r;
                if (eq) {
                        *eq = '\0';
                        r = fsconfig(fsfd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
                } else {
                        r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
                }
                if (r < 0) {
                        r = -errno;
                        if (eq)
                                *eq = '=';
                        *bad = strdup(opt);
                        return r;
                }
        }
        return 0;
}

#define SB_FLAGS                                                                                   \
        (MS_SYNCHRONOUS | MS_DIRSYNC | MS_LAZYTIME | MS_MANDLOCK | MS_I_VERSION | MS_SILENT)

static int fs_classic(const char *fstype, const char *source, const char *data,
                      unsigned long sb_flags, uint64_t attr, int target_fd, struct berth_error *err)
{
        char t[FD_PATH_MAX];
        fd_path(t, target_fd);
        if (mount(source ? source : fstype, t, fstype, attr_to_ms(attr) | (sb_flags & SB_FLAGS),
                  data) < 0)
                return berth_error_errno(err, "mount %s (options '%s')", fstype, data ? data : "");
        return 0;
}

/* Superblock flags through fsconfig: the VFS knows these names for every filesystem. */
static int fs_sb_flags(int fsfd, unsigned long sb_flags, char **bad)
{
        static const struct {
                unsigned long flag;
                const char *name;
        } names[] = {
            {MS_SYNCHRONOUS, "sync"}, {MS_DIRSYNC, "dirsync"},    {MS_LAZYTIME, "lazytime"},
            {MS_MANDLOCK, "mand"},    {MS_I_VERSION, "iversion"}, {MS_SILENT, "silent"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                if (!(sb_flags & names[i].flag))
                        continue;
                if (fsconfig(fsfd, FSCONFIG_SET_FLAG, names[i].name, NULL, 0) < 0) {
                        int r = -errno;
                        *bad = strdup(names[i].name);
                        return r;
                }
        }
        return 0;
}

int berth_mount_fs(const char *fstype, const char *source, const char *data, unsigned long sb_flags,
                   uint64_t attr_set, int target_fd, struct berth_error *err)
{
        _cleanup_close_ int fsfd = fsopen(fstype, FSOPEN_CLOEXEC);
        if (fsfd < 0) {
                if (errno == ENOSYS) /* kernel < 5.2 */
                        return fs_classic(fstype, source, data, sb_flags, attr_set, target_fd, err);
                return berth_error_errno(err, "fsopen %s", fstype);
        }
        char log[256];
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source ? source : fstype, 0) < 0) {
                fs_log(fsfd, log, sizeof(log));
                return berth_error_errno(err, "mount %s: source '%s' %s", fstype,
                                         source ? source : fstype, log);
        }
        _cleanup_free_ char *bad = NULL;
        int r = fs_configure(fsfd, data, &bad);
        if (r == 0)
                r = fs_sb_flags(fsfd, sb_flags, &bad);
        if (r == -EINVAL) {
                /* Some filesystems still only parse a legacy option string, or an option
                 * (e.g. an SELinux context with commas) does not split: mount(2). */
                return fs_classic(fstype, source, data, sb_flags, attr_set, target_fd, err);
        }
        if (r < 0) {
                fs_log(fsfd, log, sizeof(log));
                return berth_error_setsys(err, -r, "mount %s: option '%s' %s", fstype,
                                          bad ? bad : "", log);
        }
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                int e = errno;
                fs_log(fsfd, log, sizeof(log));
                return berth_error_setsys(err, e, "mount %s (options '%s') %s", fstype,
                                          data ? data : "", log);
        }
        uint64_t s = attr_set, c = 0;
        fix_atime(&s, &c);
        _cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)s);
        if (mfd < 0)
                return berth_error_errno(err, "fsmount %s", fstype);
        return attach(mfd, target_fd, err);
}
