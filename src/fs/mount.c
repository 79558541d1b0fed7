/* SPDX-License-Identifier: Apache-2.0 */
#include "fs/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "basic/cleanup.h"
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

static int bind_classic(int src_fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
                        uint64_t rattr_set, uint64_t rattr_clr, int target_fd,
                        struct berth_error *err)
{
        char s[FD_PATH_MAX], t[FD_PATH_MAX];
        fd_path(s, src_fd);
        fd_path(t, target_fd);
        if (mount(s, t, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
                return berth_error_errno(err, "bind mount");
        if (!(attr_set | attr_clr | rattr_set | rattr_clr))
                return 0;
        /* target_fd still names the covered inode: open the new mount through it. */
        _cleanup_close_ int mfd = open(t, O_PATH | O_CLOEXEC);
        if (mfd < 0)
                return berth_error_errno(err, "open the new bind mount");
        /* The flags of a bind are ignored on creation: remount.  Recursive attributes
         * degrade to the top mount here. */
        return remount_classic(mfd, attr_set | rattr_set, attr_clr | rattr_clr, err);
}

int berth_mount_bind(int src_fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
                     uint64_t rattr_set, uint64_t rattr_clr, int target_fd, struct berth_error *err)
{
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
        if (recursive)
                flags |= AT_RECURSIVE;
        _cleanup_close_ int tree = open_tree(src_fd, "", flags);
        if (tree < 0) {
                if (errno == ENOSYS) /* kernel < 5.2 */
                        return bind_classic(src_fd, recursive, attr_set, attr_clr, rattr_set,
                                            rattr_clr, target_fd, err);
                return berth_error_errno(err, "open_tree (clone) of the bind source");
        }
        /* Attributes on the detached copy: it is never visible with the wrong ones. */
        bool late = false;
        int r = 0;
        if (rattr_set | rattr_clr) {
                struct berth_error e2 = {0};
                r = berth_mount_setattr(tree, true, rattr_set, rattr_clr, &e2);
                if (r == -ENOSYS || (r < 0 && e2.code == ENOSYS))
                        late = true;
                else if (r < 0)
                        return berth_error_set(err, -r, "%s", e2.msg);
        }
        if (!late && (attr_set | attr_clr)) {
                uint64_t s = attr_set, c = attr_clr;
                fix_atime(&s, &c);
                struct mount_attr a = {.attr_set = s, .attr_clr = c};
                if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
                        if (errno != ENOSYS)
                                return berth_error_errno(err, "mount_setattr on the bind");
                        late = true;
                }
        }
        r = attach(tree, target_fd, err);
        if (r < 0)
                return r;
        if (late) /* kernel 5.2..5.11: remount the attached mount */
                return remount_classic(tree, attr_set | rattr_set, attr_clr | rattr_clr, err);
        return 0;
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

static int fs_classic(const char *fstype, const char *source, const char *data, uint64_t attr,
                      int target_fd, struct berth_error *err)
{
        char t[FD_PATH_MAX];
        fd_path(t, target_fd);
        if (mount(source ? source : fstype, t, fstype, attr_to_ms(attr), data) < 0)
                return berth_error_errno(err, "mount %s (options '%s')", fstype, data ? data : "");
        return 0;
}

int berth_mount_fs(const char *fstype, const char *source, const char *data, uint64_t attr_set,
                   int target_fd, struct berth_error *err)
{
        _cleanup_close_ int fsfd = fsopen(fstype, FSOPEN_CLOEXEC);
        if (fsfd < 0) {
                if (errno == ENOSYS) /* kernel < 5.2 */
                        return fs_classic(fstype, source, data, attr_set, target_fd, err);
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
        if (r == -EINVAL) {
                /* Some filesystems still only parse a legacy option string, or an option
                 * (e.g. an SELinux context with commas) does not split: mount(2). */
                return fs_classic(fstype, source, data, attr_set, target_fd, err);
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
