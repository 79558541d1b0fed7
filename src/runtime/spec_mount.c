/* SPDX-License-Identifier: Apache-2.0 */
/* config.json "mounts": options folded into mount(2) flags, propagation, mount_setattr
 * attributes and the data string. */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"
#include "basic/banned.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY      0x00000001
#define MOUNT_ATTR_NOSUID      0x00000002
#define MOUNT_ATTR_NODEV       0x00000004
#define MOUNT_ATTR_NOEXEC      0x00000008
#define MOUNT_ATTR__ATIME      0x00000070
#define MOUNT_ATTR_RELATIME    0x00000000
#define MOUNT_ATTR_NOATIME     0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME  0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

enum opt_kind {
        OPT_SET,   /* flags |= v, clear_flags &= ~v */
        OPT_CLEAR, /* flags &= ~v, clear_flags |= v */
        OPT_PROPAGATION,
        OPT_BIND,
        OPT_ATTR_SET,
        OPT_ATTR_CLR,
        OPT_ATIME, /* recursive atime mode: attr_clr |= __ATIME, atime bits of attr_set = v */
        OPT_IDMAP,
        OPT_IGNORE,
};

static const struct {
        const char *name;
        enum opt_kind kind;
        unsigned long value;
} mount_opts[] = {
    {"ro", OPT_SET, MS_RDONLY},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"nodev", OPT_SET, MS_NODEV},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"remount", OPT_SET, MS_REMOUNT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"noatime", OPT_SET, MS_NOATIME},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"silent", OPT_SET, MS_SILENT},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"bind", OPT_BIND, MS_BIND},
    {"rbind", OPT_BIND, MS_BIND | MS_REC},
    {"shared", OPT_PROPAGATION, MS_SHARED},
    {"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
    {"slave", OPT_PROPAGATION, MS_SLAVE},
    {"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
    {"private", OPT_PROPAGATION, MS_PRIVATE},
    {"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
    {"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
    {"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},
    {"rro", OPT_ATTR_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_ATTR_CLR, MOUNT_ATTR_RDONLY},
    {"rnosuid", OPT_ATTR_SET, MOUNT_ATTR_NOSUID},
    {"rsuid", OPT_ATTR_CLR, MOUNT_ATTR_NOSUID},
    {"rnodev", OPT_ATTR_SET, MOUNT_ATTR_NODEV},
    {"rdev", OPT_ATTR_CLR, MOUNT_ATTR_NODEV},
    {"rnoexec", OPT_ATTR_SET, MOUNT_ATTR_NOEXEC},
    {"rexec", OPT_ATTR_CLR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", OPT_ATTR_SET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", OPT_ATTR_CLR, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", OPT_ATTR_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", OPT_ATTR_CLR, MOUNT_ATTR_NOSYMFOLLOW},
    {"rnoatime", OPT_ATIME, MOUNT_ATTR_NOATIME},
    {"ratime", OPT_ATIME, MOUNT_ATTR_RELATIME},
    {"rrelatime", OPT_ATIME, MOUNT_ATTR_RELATIME},
    {"rstrictatime", OPT_ATIME, MOUNT_ATTR_STRICTATIME},
    {"idmap", OPT_IDMAP, 0},
    {"ridmap", OPT_IDMAP, 1},
    {"tmpcopyup", OPT_IGNORE, 0},
    {"defaults", OPT_IGNORE, 0},
};

void spec_mount_free(struct berth_mount *m)
{
        free(m->destination);
        free(m->type);
        free(m->source);
        berth_strv_free(m->options);
        free(m->data);
        free(m->uid_mappings);
        free(m->gid_mappings);
}

static void apply_opt(struct berth_mount *m, enum opt_kind kind, unsigned long v)
{
        switch (kind) {
        case OPT_SET:
                m->flags |= v;
                m->clear_flags &= ~v;
                break;
        case OPT_CLEAR:
                m->flags &= ~v;
                m->clear_flags |= v;
                break;
        case OPT_PROPAGATION:
                m->propagation = v; /* the last one given wins */
                break;
        case OPT_BIND:
                m->flags |= v;
                m->is_bind = true;
                break;
        case OPT_ATTR_SET:
                m->attr_set |= v;
                m->attr_clr &= ~(uint64_t)v;
                break;
        case OPT_ATTR_CLR:
                m->attr_set &= ~(uint64_t)v;
                m->attr_clr |= v;
                break;
        case OPT_ATIME:
                m->attr_clr |= MOUNT_ATTR__ATIME;
                m->attr_set = (m->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | v;
                break;
        case OPT_IDMAP:
                m->idmap = true;
                if (v)
                        m->idmap_recursive = true;
                break;
        case OPT_IGNORE:
                break;
        }
}

static int fold_options(struct berth_mount *m, const char *what, struct berth_error *err)
{
        struct berth_buf data = {0};
        for (size_t i = 0; m->options && m->options[i]; i++) {
                const char *o = m->options[i];
                if (!*o)
                        continue;
                bool known = false;
                for (size_t k = 0; k < ARRAY_SIZE(mount_opts); k++)
                        if (strcmp(mount_opts[k].name, o) == 0) {
                                apply_opt(m, mount_opts[k].kind, mount_opts[k].value);
                                known = true;
                                break;
                        }
                if (known)
                        continue;
                if ((data.len > 0 && berth_buf_append(&data, ",", 1) < 0) ||
                    berth_buf_append(&data, o, strlen(o)) < 0) {
                        berth_buf_free(&data);
                        return spec_oom(err);
                }
        }
        if (data.len > 0)
                m->data = data.data;
        else
                berth_buf_free(&data);
        (void)what;
        return 0;
}

static int parse_mount(json_t *o, const char *what, struct berth_mount *m, struct berth_error *err)
{
        const char *dest;
        int r = spec_get_string_req(o, "destination", what, &dest, err);
        if (r < 0)
                return r;
        if (!*dest)
                return berth_error_set(err, EINVAL, "%s.destination must not be empty", what);
        /* OCI allows a relative destination for compatibility: it is relative to "/". */
        m->destination = dest[0] == '/' ? strdup(dest) : berth_strdup_printf("/%s", dest);
        if (!m->destination)
                return spec_oom(err);
        r = spec_get_strdup(o, "type", what, &m->type, err);
        if (r < 0)
                return r;
        r = spec_get_strdup(o, "source", what, &m->source, err);
        if (r < 0)
                return r;
        r = spec_get_strv(o, "options", what, &m->options, err);
        if (r < 0)
                return r;
        r = fold_options(m, what, err);
        if (r < 0)
                return r;
        if (berth_streq(m->type, "bind")) {
                m->is_bind = true;
                m->flags |= MS_BIND;
        }
        if (m->is_bind && !m->source)
                return berth_error_set(err, EINVAL, "%s.source is required for a bind mount", what);
        r = spec_parse_id_mappings(o, "uidMappings", what, &m->uid_mappings, &m->n_uid_mappings,
                                   err);
        if (r < 0)
                return r;
        r = spec_parse_id_mappings(o, "gidMappings", what, &m->gid_mappings, &m->n_gid_mappings,
                                   err);
        if (r < 0)
                return r;
        if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
                return berth_error_set(
                    err, EINVAL, "%s: uidMappings and gidMappings must be given together", what);
        if (m->n_uid_mappings > 0)
                m->idmap = true;
        if (m->idmap && !m->is_bind)
                return berth_error_set(err, EINVAL, "%s: an id-mapped mount must be a bind mount",
                                       what);
        return 0;
}

int spec_parse_mounts(json_t *root, struct berth_spec *s, struct berth_error *err)
{
        json_t *arr = NULL;
        int r = spec_get_array(root, "mounts", "", &arr, err);
        if (r < 0 || !arr || json_array_size(arr) == 0)
                return r;
        size_t n = json_array_size(arr);
        s->mounts = calloc(n, sizeof(*s->mounts));
        if (!s->mounts)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *o;
                char what[SPEC_PATH_MAX];
                spec_path(what, "mounts[%zu]", i);
                if (!json_is_object(json_array_get(arr, i)))
                        return berth_error_set(err, EINVAL, "%s must be an object", what);
                o = json_array_get(arr, i);
                s->n_mounts = i + 1;
                r = parse_mount(o, what, &s->mounts[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}
