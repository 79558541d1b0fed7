/* SPDX-License-Identifier: Apache-2.0 */
/* config.json "linux": namespaces, id mappings, devices, sysctl, paths, personality,
 * time offsets; resources and seccomp have their own files. */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"
#include "basic/banned.h"

/* The kernel accepts at most 340 lines in uid_map / gid_map. */
#define SPEC_MAX_ID_MAPPINGS 340

static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
        uint64_t a_end = (uint64_t)a + alen, b_end = (uint64_t)b + blen;
        return (uint64_t)a < b_end && (uint64_t)b < a_end;
}

int spec_parse_id_mappings(json_t *obj, const char *key, const char *what,
                           struct berth_id_mapping **out, size_t *n, struct berth_error *err)
{
        json_t *arr = NULL;
        int r = spec_get_array(obj, key, what, &arr, err);
        if (r < 0 || !arr || json_array_size(arr) == 0)
                return r;
        size_t count = json_array_size(arr);
        const char *sep = *what ? "." : "";
        if (count > SPEC_MAX_ID_MAPPINGS)
                return berth_error_set(err, E2BIG,
                                       "%s%s%s: %zu mappings, the kernel takes at most %d", what,
                                       sep, key, count, SPEC_MAX_ID_MAPPINGS);
        struct berth_id_mapping *m = calloc(count, sizeof(*m));
        if (!m)
                return spec_oom(err);
        for (size_t i = 0; i < count; i++) {
                char ewhat[SPEC_PATH_MAX];
                spec_path(ewhat, "%s%s%s[%zu]", what, sep, key, i);
                json_t *o = json_array_get(arr, i);
                if (!json_is_object(o)) {
                        free(m);
                        return berth_error_set(err, EINVAL, "%s must be an object", ewhat);
                }
                if ((r = spec_get_u32(o, "containerID", ewhat, true, &m[i].container_id, NULL,
                                      err)) < 0 ||
                    (r = spec_get_u32(o, "hostID", ewhat, true, &m[i].host_id, NULL, err)) < 0 ||
                    (r = spec_get_u32(o, "size", ewhat, true, &m[i].size, NULL, err)) < 0) {
                        free(m);
                        return r;
                }
                const char *bad = NULL;
                if (m[i].size == 0)
                        bad = "size must be greater than zero";
                else if ((uint64_t)m[i].container_id + m[i].size > UINT32_MAX ||
                         (uint64_t)m[i].host_id + m[i].size > UINT32_MAX)
                        bad = "id + size overflows the 32-bit id range";
                for (size_t j = 0; !bad && j < i; j++) {
                        if (ranges_overlap(m[i].container_id, m[i].size, m[j].container_id,
                                           m[j].size))
                                bad = "containerID range overlaps an earlier mapping";
                        else if (ranges_overlap(m[i].host_id, m[i].size, m[j].host_id, m[j].size))
                                bad = "hostID range overlaps an earlier mapping";
                }
                if (bad) {
                        r = berth_error_set(err, EINVAL,
                                            "%s: %s (containerID %u, hostID %u, size %u)", ewhat,
                                            bad, m[i].container_id, m[i].host_id, m[i].size);
                        free(m);
                        return r;
                }
        }
        free(*out);
        *out = m;
        *n = count;
        return 0;
}

static int parse_namespaces(json_t *linux, struct berth_spec *s, struct berth_error *err)
{
        json_t *arr = NULL;
        int r = spec_get_array(linux, "namespaces", "linux", &arr, err);
        if (r < 0 || !arr)
                return r;
        for (size_t i = 0; i < json_array_size(arr); i++) {
                json_t *o;
                r = spec_array_object(arr, i, "linux", "namespaces", &o, err);
                if (r < 0)
                        return r;
                char what[SPEC_PATH_MAX];
                spec_path(what, "linux.namespaces[%zu]", i);
                const char *type;
                r = spec_get_string_req(o, "type", what, &type, err);
                if (r < 0)
                        return r;
                int t = berth_ns_type_from_string(type);
                if (t < 0)
                        return berth_error_set(err, EINVAL, "%s.type: unknown namespace '%s'", what,
                                               type);
                if (s->namespaces[t].enabled)
                        return berth_error_set(err, EINVAL, "linux.namespaces: '%s' listed twice",
                                               type);
                s->namespaces[t].enabled = true;
                r = spec_get_strdup(o, "path", what, &s->namespaces[t].path, err);
                if (r < 0)
                        return r;
                if (s->namespaces[t].path && s->namespaces[t].path[0] != '/')
                        return berth_error_set(err, EINVAL, "%s.path: '%s' is not an absolute path",
                                               what, s->namespaces[t].path);
        }
        return 0;
}

static int parse_device(json_t *o, const char *what, struct berth_device *d,
                        struct berth_error *err)
{
        const char *path, *type;
        int r = spec_get_string_req(o, "path", what, &path, err);
        if (r < 0)
                return r;
        if (path[0] != '/')
                return berth_error_set(err, EINVAL, "%s.path: '%s' is not an absolute path", what,
                                       path);
        d->path = strdup(path);
        if (!d->path)
                return spec_oom(err);
        r = spec_get_string_req(o, "type", what, &type, err);
        if (r < 0)
                return r;
        if (strlen(type) != 1 || !strchr("cbup", type[0]))
                return berth_error_set(err, EINVAL,
                                       "%s.type: unknown device type '%s' (want c, b, u or p)",
                                       what, type);
        d->type = type[0];
        bool need = d->type != 'p';
        /* dev_t majors are 12 bits and minors 20 bits in the kernel. */
        r = spec_get_int_range(o, "major", what, 0, 0xfff, need, &d->major, NULL, err);
        if (r < 0)
                return r;
        r = spec_get_int_range(o, "minor", what, 0, 0xfffff, need, &d->minor, NULL, err);
        if (r < 0)
                return r;
        int64_t mode;
        r = spec_get_int_range(o, "fileMode", what, 0, 07777, false, &mode, &d->has_file_mode, err);
        if (r < 0)
                return r;
        if (d->has_file_mode)
                d->file_mode = (uint32_t)mode;
        r = spec_get_u32(o, "uid", what, false, &d->uid, &d->has_uid, err);
        if (r < 0)
                return r;
        return spec_get_u32(o, "gid", what, false, &d->gid, &d->has_gid, err);
}

static int parse_devices(json_t *linux, struct berth_spec *s, struct berth_error *err)
{
        json_t *arr = NULL;
        int r = spec_get_array(linux, "devices", "linux", &arr, err);
        if (r < 0 || !arr || json_array_size(arr) == 0)
                return r;
        size_t n = json_array_size(arr);
        s->devices = calloc(n, sizeof(*s->devices));
        if (!s->devices)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *o;
                r = spec_array_object(arr, i, "linux", "devices", &o, err);
                if (r < 0)
                        return r;
                char what[SPEC_PATH_MAX];
                spec_path(what, "linux.devices[%zu]", i);
                s->n_devices = i + 1;
                r = parse_device(o, what, &s->devices[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_paths(json_t *linux, const char *key, char ***out, struct berth_error *err)
{
        int r = spec_get_strv(linux, key, "linux", out, err);
        if (r < 0)
                return r;
        for (size_t i = 0; *out && (*out)[i]; i++)
                if ((*out)[i][0] != '/')
                        return berth_error_set(err, EINVAL,
                                               "linux.%s[%zu]: '%s' is not an absolute path", key,
                                               i, (*out)[i]);
        return 0;
}

static int parse_propagation(json_t *linux, struct berth_spec *s, struct berth_error *err)
{
        static const struct {
                const char *name;
                unsigned long flags;
        } table[] = {
            {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
            {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
            {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
            {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
        };
        const char *v = NULL;
        int r = berth_json_get_string(linux, "rootfsPropagation", "linux", &v, err);
        if (r < 0 || !v)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(table); i++)
                if (strcmp(table[i].name, v) == 0) {
                        s->rootfs_propagation = table[i].flags;
                        return 0;
                }
        return berth_error_set(err, EINVAL, "linux.rootfsPropagation: unknown propagation '%s'", v);
}

static int parse_personality(json_t *linux, struct berth_spec *s, struct berth_error *err)
{
        json_t *o = NULL;
        int r = spec_get_object(linux, "personality", "linux", &o, err);
        if (r < 0 || !o)
                return r;
        const char *dom;
        r = spec_get_string_req(o, "domain", "linux.personality", &dom, err);
        if (r < 0)
                return r;
        if (strcmp(dom, "LINUX") == 0)
                s->personality.domain = PER_LINUX;
        else if (strcmp(dom, "LINUX32") == 0)
                s->personality.domain = PER_LINUX32;
        else
                return berth_error_set(err, EINVAL,
                                       "linux.personality.domain: unknown domain '%s' (want "
                                       "LINUX or LINUX32)",
                                       dom);
        json_t *flags = NULL;
        r = spec_get_array(o, "flags", "linux.personality", &flags, err);
        if (r < 0)
                return r;
        if (flags && json_array_size(flags) > 0)
                return berth_error_set(err, EOPNOTSUPP,
                                       "linux.personality.flags: personality flags are not "
                                       "supported");
        s->personality.present = true;
        return 0;
}

static int parse_one_offset(json_t *o, const char *key, bool *has, int64_t *secs, uint32_t *nsecs,
                            struct berth_error *err)
{
        json_t *t = NULL;
        int r = spec_get_object(o, key, "linux.timeOffsets", &t, err);
        if (r < 0 || !t)
                return r;
        char what[SPEC_PATH_MAX];
        spec_path(what, "linux.timeOffsets.%s", key);
        r = spec_get_int_range(t, "secs", what, INT64_MIN, INT64_MAX, false, secs, NULL, err);
        if (r < 0)
                return r;
        r = spec_get_int_range(t, "nanosecs", what, 0, 999999999, false, &(int64_t){0}, NULL, err);
        if (r < 0)
                return r;
        json_t *ns = json_object_get(t, "nanosecs");
        *nsecs = ns ? (uint32_t)json_integer_value(ns) : 0;
        *has = true;
        return 0;
}

static int parse_time_offsets(json_t *linux, struct berth_spec *s, struct berth_error *err)
{
        json_t *o = NULL;
        int r = spec_get_object(linux, "timeOffsets", "linux", &o, err);
        if (r < 0 || !o)
                return r;
        r = parse_one_offset(o, "boottime", &s->has_time_offsets, &s->time_offset_boottime_secs,
                             &s->time_offset_boottime_nanosecs, err);
        if (r < 0)
                return r;
        return parse_one_offset(o, "monotonic", &s->has_time_offsets,
                                &s->time_offset_monotonic_secs, &s->time_offset_monotonic_nanosecs,
                                err);
}

static int parse_misc(json_t *linux, struct berth_spec *s, struct berth_error *err)
{
        int r = spec_get_strdup(linux, "cgroupsPath", "linux", &s->cgroups_path, err);
        if (r < 0)
                return r;
        r = spec_get_kv(linux, "sysctl", "linux", &s->sysctl, &s->n_sysctl, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_sysctl; i++) {
                const char *k = s->sysctl[i].key;
                if (!*k || strstr(k, "..") || k[0] == '/' || k[0] == '.')
                        return berth_error_set(err, EINVAL, "linux.sysctl: invalid name '%s'", k);
        }
        r = parse_paths(linux, "maskedPaths", &s->masked_paths, err);
        if (r < 0)
                return r;
        r = parse_paths(linux, "readonlyPaths", &s->readonly_paths, err);
        if (r < 0)
                return r;
        r = spec_get_strdup(linux, "mountLabel", "linux", &s->mount_label, err);
        if (r < 0)
                return r;
        json_t *rdt = NULL;
        r = spec_get_object(linux, "intelRdt", "linux", &rdt, err);
        if (r < 0)
                return r;
        if (rdt) {
                r = spec_get_strdup(rdt, "closID", "linux.intelRdt", &s->intel_rdt_clos_id, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Checks across sections, once everything is read. */
static int cross_check(struct berth_spec *s, struct berth_error *err)
{
        struct berth_namespace *user = &s->namespaces[BERTH_NS_USER];
        if ((s->n_uid_mappings || s->n_gid_mappings) && !user->enabled)
                return berth_error_set(err, EINVAL,
                                       "linux.uidMappings/gidMappings need a user namespace in "
                                       "linux.namespaces");
        if (user->enabled && !user->path && (!s->n_uid_mappings || !s->n_gid_mappings))
                return berth_error_set(err, EINVAL,
                                       "linux.namespaces: a new user namespace needs both "
                                       "linux.uidMappings and linux.gidMappings");
        if (user->enabled && user->path && (s->n_uid_mappings || s->n_gid_mappings))
                return berth_error_set(err, EINVAL,
                                       "linux.uidMappings/gidMappings cannot be given when joining "
                                       "the user namespace '%s'",
                                       user->path);
        if ((s->hostname || s->domainname) && !s->namespaces[BERTH_NS_UTS].enabled)
                return berth_error_set(err, EINVAL, "%s needs a uts namespace in linux.namespaces",
                                       s->hostname ? "hostname" : "domainname");
        if (s->has_time_offsets && !s->namespaces[BERTH_NS_TIME].enabled)
                return berth_error_set(err, EINVAL,
                                       "linux.timeOffsets needs a time namespace in "
                                       "linux.namespaces");
        if (s->n_sysctl && !s->namespaces[BERTH_NS_NETWORK].enabled) {
                for (size_t i = 0; i < s->n_sysctl; i++)
                        if (berth_startswith(s->sysctl[i].key, "net."))
                                return berth_error_set(err, EINVAL,
                                                       "linux.sysctl: '%s' needs a network "
                                                       "namespace",
                                                       s->sysctl[i].key);
        }
        return 0;
}

int spec_parse_linux(json_t *linux, struct berth_spec *s, struct berth_error *err)
{
        if (!linux)
                return cross_check(s, err);
        int r = parse_namespaces(linux, s, err);
        if (r < 0)
                return r;
        r = spec_parse_id_mappings(linux, "uidMappings", "linux", &s->uid_mappings,
                                   &s->n_uid_mappings, err);
        if (r < 0)
                return r;
        r = spec_parse_id_mappings(linux, "gidMappings", "linux", &s->gid_mappings,
                                   &s->n_gid_mappings, err);
        if (r < 0)
                return r;
        r = parse_devices(linux, s, err);
        if (r < 0)
                return r;
        json_t *res = NULL;
        r = spec_get_object(linux, "resources", "linux", &res, err);
        if (r < 0)
                return r;
        if (res) {
                s->has_resources = true;
                r = spec_parse_resources_obj(res, "linux.resources", &s->resources, err);
                if (r < 0)
                        return r;
        }
        json_t *sc = NULL;
        r = spec_get_object(linux, "seccomp", "linux", &sc, err);
        if (r < 0)
                return r;
        if (sc) {
                s->has_seccomp = true;
                r = spec_parse_seccomp(sc, &s->seccomp, err);
                if (r < 0)
                        return r;
        }
        r = parse_propagation(linux, s, err);
        if (r < 0)
                return r;
        r = parse_personality(linux, s, err);
        if (r < 0)
                return r;
        r = parse_time_offsets(linux, s, err);
        if (r < 0)
                return r;
        r = parse_misc(linux, s, err);
        if (r < 0)
                return r;
        return cross_check(s, err);
}
