/* SPDX-License-Identifier: Apache-2.0 */
/* Docker run flag values: parsers and the flag table (see runopts.h). */
#include "engine/runopts.h"

#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "runtime/spec.h"
#include "basic/banned.h"

#define CPUSET_MAX 8192 /* highest CPU number + 1 that a cpuset may name */

void berth_run_opts_init(struct berth_run_opts *o)
{
        memset(o, 0, sizeof(*o));
        o->stop_timeout = -1;
        o->network = BERTH_NETWORK_PRIVATE;
}

void berth_run_opts_free(struct berth_run_opts *o)
{
        if (!o)
                return;
        char **strs[] = {&o->id,
                         &o->name,
                         &o->hostname,
                         &o->domainname,
                         &o->workdir,
                         &o->user,
                         &o->entrypoint,
                         &o->seccomp_profile,
                         &o->cpuset_cpus,
                         &o->cpuset_mems,
                         &o->health_cmd,
                         &o->log_driver,
                         &o->network_container,
                         &o->network_ns_path};
        for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
                free(*strs[i]);
        char ***vecs[] = {&o->env,   &o->group_add, &o->cmd,      &o->labels,  &o->annotations,
                          &o->tmpfs, &o->cap_add,   &o->cap_drop, &o->sysctls, &o->log_opts};
        for (size_t i = 0; i < ARRAY_SIZE(vecs); i++)
                berth_strv_free(*vecs[i]);
        for (size_t i = 0; i < o->n_devices; i++) {
                free(o->devices[i].host_path);
                free(o->devices[i].container_path);
        }
        free(o->devices);
        free(o->ulimits);
        berth_run_opts_init(o);
}

int berth_runopt_parse_memory(const char *s, int64_t *out, struct berth_error *err)
{
        int64_t v;
        if (!s || berth_parse_size(s, &v) < 0)
                return berth_error_set(err, EINVAL, "invalid size: '%s'", s ? s : "");
        *out = v;
        return 0;
}

int berth_runopt_parse_memory_swap(const char *s, int64_t *out, struct berth_error *err)
{
        if (berth_streq(s, "-1")) {
                *out = -1;
                return 0;
        }
        return berth_runopt_parse_memory(s, out, err);
}

int berth_runopt_parse_cpus(const char *s, int64_t *nano_cpus, struct berth_error *err)
{
        const char *p = s ? s : "";
        int64_t whole = 0, frac = 0;
        int ndig = 0, nfrac = 0;
        for (; isdigit((unsigned char)*p); p++, ndig++) {
                if (whole > INT64_MAX / 10 / 1000000000)
                        goto bad;
                whole = whole * 10 + (*p - '0');
        }
        if (*p == '.')
                for (p++; isdigit((unsigned char)*p); p++, nfrac++) {
                        if (nfrac >= 9)
                                return berth_error_set(err, EINVAL, "value is too precise: '%s'",
                                                       s);
                        frac = frac * 10 + (*p - '0');
                }
        if (*p || (ndig == 0 && nfrac == 0))
                goto bad;
        for (int i = nfrac; i < 9; i++)
                frac *= 10;
        int64_t v = whole * 1000000000 + frac;
        if (v <= 0)
                return berth_error_set(err, EINVAL,
                                       "range of CPUs is from 0.01 to the number "
                                       "of CPUs available: '%s'",
                                       s);
        *nano_cpus = v;
        return 0;
bad:
        return berth_error_set(err, EINVAL, "failed to parse %s as a rational number", s ? s : "");
}

void berth_runopt_cpus_to_quota(int64_t nano_cpus, int64_t *quota, int64_t *period)
{
        *period = 100000;
        *quota = nano_cpus * 100000 / 1000000000;
        if (*quota < 1000)
                *quota = 1000; /* the kernel's minimum quota */
}

static const char *const ulimit_names[][2] = {
    {"core", "RLIMIT_CORE"},         {"cpu", "RLIMIT_CPU"},
    {"data", "RLIMIT_DATA"},         {"fsize", "RLIMIT_FSIZE"},
    {"locks", "RLIMIT_LOCKS"},       {"memlock", "RLIMIT_MEMLOCK"},
    {"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},
    {"nofile", "RLIMIT_NOFILE"},     {"nproc", "RLIMIT_NPROC"},
    {"rss", "RLIMIT_RSS"},           {"rtprio", "RLIMIT_RTPRIO"},
    {"rttime", "RLIMIT_RTTIME"},     {"sigpending", "RLIMIT_SIGPENDING"},
    {"stack", "RLIMIT_STACK"},
};

static int parse_rlim_value(const char *s, uint64_t *out)
{
        int64_t v;
        if (berth_parse_int64(s, -1, INT64_MAX, &v) < 0)
                return -EINVAL;
        *out = v < 0 ? UINT64_MAX : (uint64_t)v;
        return 0;
}

int berth_runopt_parse_ulimit(const char *s, struct berth_ulimit *out, struct berth_error *err)
{
        const char *eq = s ? strchr(s, '=') : NULL;
        if (!eq)
                return berth_error_set(err, EINVAL, "invalid ulimit argument: %s", s ? s : "");
        _cleanup_free_ char *name = strndup(s, (size_t)(eq - s));
        if (!name)
                return -ENOMEM;
        int res = -1;
        for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
                if (strcmp(ulimit_names[i][0], name) == 0)
                        res = berth_rlimit_from_name(ulimit_names[i][1]);
        if (res < 0)
                return berth_error_set(err, EINVAL, "invalid ulimit type: %s", name);
        const char *val = eq + 1;
        const char *colon = strchr(val, ':');
        _cleanup_free_ char *soft_s = strndup(val, colon ? (size_t)(colon - val) : strlen(val));
        if (!soft_s)
                return -ENOMEM;
        uint64_t soft, hard;
        if (parse_rlim_value(soft_s, &soft) < 0)
                return berth_error_set(err, EINVAL, "invalid ulimit soft value: '%s'", soft_s);
        hard = soft;
        if (colon && parse_rlim_value(colon + 1, &hard) < 0)
                return berth_error_set(err, EINVAL, "invalid ulimit hard value: '%s'", colon + 1);
        if (soft > hard)
                return berth_error_set(err, EINVAL,
                                       "ulimit soft limit must be less than or equal to hard "
                                       "limit: %s > %s",
                                       soft_s, colon + 1);
        out->resource = res;
        out->soft = soft;
        out->hard = hard;
        return 0;
}

static bool valid_device_mode(const char *m)
{
        if (!*m || strlen(m) > 3)
                return false;
        for (const char *p = m; *p; p++)
                if (!strchr("rwm", *p) || strchr(p + 1, *p))
                        return false;
        return true;
}

int berth_runopt_parse_device(const char *s, struct berth_run_device *out, struct berth_error *err)
{
        _cleanup_strv_free_ char **parts = NULL;
        const char *p = s ? s : "";
        for (;;) {
                const char *c = strchr(p, ':');
                _cleanup_free_ char *part = strndup(p, c ? (size_t)(c - p) : strlen(p));
                if (!part || berth_strv_push(&parts, part) < 0)
                        return -ENOMEM;
                if (!c)
                        break;
                p = c + 1;
        }
        size_t n = berth_strv_length(parts);
        const char *src = parts[0], *dst = NULL, *mode = "rwm";
        if (n == 2) {
                if (parts[1][0] == '/')
                        dst = parts[1];
                else
                        mode = parts[1];
        } else if (n == 3) {
                dst = parts[1];
                mode = parts[2];
        } else if (n > 3) {
                return berth_error_set(err, EINVAL, "invalid device specification: %s", s);
        }
        if (!valid_device_mode(mode))
                return berth_error_set(err, EINVAL, "invalid device mode: %s", mode);
        if (src[0] != '/')
                return berth_error_set(err, EINVAL, "bad format for path: %s", src);
        if (dst && dst[0] != '/')
                return berth_error_set(err, EINVAL, "bad format for path: %s", dst);
        if (!dst)
                dst = src;
        char acc[4] = "";
        size_t k = 0;
        for (const char *c = "rwm"; *c; c++)
                if (strchr(mode, *c))
                        acc[k++] = *c;
        out->host_path = strdup(src);
        out->container_path = strdup(dst);
        if (!out->host_path || !out->container_path) {
                free(out->host_path);
                free(out->container_path);
                return -ENOMEM;
        }
        memcpy(out->access, acc, sizeof(acc));
        return 0;
}

int berth_runopt_parse_restart(const char *s, struct berth_restart_policy *out,
                               struct berth_error *err)
{
        struct berth_restart_policy p = {BERTH_RESTART_NO, 0};
        if (!s || !*s) {
                *out = p;
                return 0;
        }
        const char *colon = strchr(s, ':');
        size_t klen = colon ? (size_t)(colon - s) : strlen(s);
        if (colon && klen == 0)
                return berth_error_set(err, EINVAL,
                                       "invalid restart policy format: no policy "
                                       "provided before colon");
        if (colon && colon[1]) {
                if (berth_parse_int(colon + 1, INT32_MIN, INT32_MAX, &p.max_retries) < 0)
                        return berth_error_set(err, EINVAL,
                                               "invalid restart policy format: maximum retry "
                                               "count must be an integer");
        }
        static const struct {
                const char *name;
                enum berth_restart_mode mode;
        } modes[] = {{"no", BERTH_RESTART_NO},
                     {"on-failure", BERTH_RESTART_ON_FAILURE},
                     {"always", BERTH_RESTART_ALWAYS},
                     {"unless-stopped", BERTH_RESTART_UNLESS_STOPPED}};
        bool found = false;
        for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
                if (strlen(modes[i].name) == klen && strncmp(modes[i].name, s, klen) == 0) {
                        p.mode = modes[i].mode;
                        found = true;
                }
        if (!found)
                return berth_error_set(err, EINVAL,
                                       "invalid restart policy: unknown policy '%.*s'; use one "
                                       "of 'no', 'always', 'on-failure', or 'unless-stopped'",
                                       (int)klen, s);
        if (p.max_retries != 0 && p.mode != BERTH_RESTART_ON_FAILURE)
                return berth_error_set(err, EINVAL,
                                       "invalid restart policy: maximum retry count "
                                       "can only be used with 'on-failure'");
        if (p.max_retries < 0)
                return berth_error_set(err, EINVAL,
                                       "invalid restart policy: maximum retry count "
                                       "cannot be negative");
        *out = p;
        return 0;
}

static int64_t duration_unit(const char *u, size_t n)
{
        static const struct {
                const char *name;
                int64_t ns;
        } units[] = {{"ns", 1},
                     {"us", 1000},
                     {"\xc2\xb5s", 1000},
                     {"ms", 1000000},
                     {"s", 1000000000},
                     {"m", INT64_C(60000000000)},
                     {"h", INT64_C(3600000000000)}};
        for (size_t i = 0; i < ARRAY_SIZE(units); i++)
                if (strlen(units[i].name) == n && strncmp(units[i].name, u, n) == 0)
                        return units[i].ns;
        return 0;
}

int berth_runopt_parse_duration(const char *s, int64_t *ns, struct berth_error *err)
{
        const char *p = s ? s : "";
        if (*p == '+')
                p++;
        if (*p == '-')
                return berth_error_set(err, EINVAL, "negative duration: \"%s\"", s);
        if (strcmp(p, "0") == 0) {
                *ns = 0;
                return 0;
        }
        if (!*p)
                return berth_error_set(err, EINVAL, "time: invalid duration \"%s\"", s ? s : "");
        long double total = 0;
        while (*p) {
                const char *start = p;
                long double v = 0, scale = 1;
                bool digits = false;
                for (; isdigit((unsigned char)*p); p++, digits = true)
                        v = v * 10 + (*p - '0');
                if (*p == '.')
                        for (p++; isdigit((unsigned char)*p); p++, digits = true)
                                v += (*p - '0') * (scale /= 10);
                if (!digits || p == start)
                        return berth_error_set(err, EINVAL, "time: invalid duration \"%s\"", s);
                const char *u = p;
                while (*p && *p != '.' && !isdigit((unsigned char)*p))
                        p++;
                if (u == p)
                        return berth_error_set(err, EINVAL, "time: missing unit in duration \"%s\"",
                                               s);
                int64_t mult = duration_unit(u, (size_t)(p - u));
                if (!mult)
                        return berth_error_set(err, EINVAL,
                                               "time: unknown unit \"%.*s\" in duration \"%s\"",
                                               (int)(p - u), u, s);
                total += v * mult;
                if (total > (long double)INT64_MAX)
                        return berth_error_set(err, EINVAL, "time: invalid duration \"%s\"", s);
        }
        *ns = (int64_t)total;
        return 0;
}

static const struct {
        const char *name;
        int sig;
} signals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},       {"CHLD", SIGCHLD},
    {"CLD", SIGCHLD},  {"CONT", SIGCONT}, {"FPE", SIGFPE},       {"HUP", SIGHUP},
    {"ILL", SIGILL},   {"INT", SIGINT},   {"IO", SIGIO},         {"IOT", SIGIOT},
    {"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"POLL", SIGPOLL},     {"PROF", SIGPROF},
    {"PWR", SIGPWR},   {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV},     {"STKFLT", SIGSTKFLT},
    {"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

int berth_runopt_parse_signal(const char *s, int *out, struct berth_error *err)
{
        int n;
        if (!s || !*s)
                return berth_error_set(err, EINVAL, "invalid signal: %s", s ? s : "");
        if (isdigit((unsigned char)*s)) {
                if (berth_parse_int(s, 1, SIGRTMAX, &n) < 0)
                        return berth_error_set(err, EINVAL, "invalid signal: %s", s);
                *out = n;
                return 0;
        }
        char up[32];
        size_t len = strlen(s);
        if (len >= sizeof(up))
                return berth_error_set(err, EINVAL, "invalid signal: %s", s);
        for (size_t i = 0; i <= len; i++)
                up[i] = (char)toupper((unsigned char)s[i]);
        const char *name = berth_startswith(up, "SIG") ? up + 3 : up;
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
                if (strcmp(signals[i].name, name) == 0) {
                        *out = signals[i].sig;
                        return 0;
                }
        int off = 0;
        if (berth_startswith(name, "RTMIN") &&
            (!name[5] || (name[5] == '+' && berth_parse_int(name + 6, 1, 15, &off) == 0))) {
                *out = SIGRTMIN + off;
                return 0;
        }
        if (berth_startswith(name, "RTMAX") &&
            (!name[5] || (name[5] == '-' && berth_parse_int(name + 6, 1, 14, &off) == 0))) {
                *out = SIGRTMAX - off;
                return 0;
        }
        return berth_error_set(err, EINVAL, "invalid signal: %s", s);
}

int berth_runopt_parse_cap(const char *s, char **out, struct berth_error *err)
{
        char up[64] = "CAP_";
        size_t len = s ? strlen(s) : 0;
        if (!len || len + 5 > sizeof(up))
                return berth_error_set(err, EINVAL, "unknown capability: \"%s\"", s ? s : "");
        bool has_prefix = strncasecmp(s, "CAP_", 4) == 0;
        char *d = has_prefix ? up : up + 4;
        for (size_t i = 0; i <= len; i++)
                d[i] = (char)toupper((unsigned char)s[i]);
        if (strcasecmp(s, "ALL") == 0 || strcmp(up, "CAP_ALL") == 0) {
                *out = strdup("ALL");
                return *out ? 0 : -ENOMEM;
        }
        if (berth_cap_from_name(up) < 0)
                return berth_error_set(err, EINVAL, "unknown capability: \"%s\"", up);
        *out = strdup(up);
        return *out ? 0 : -ENOMEM;
}

/* Parse "0-2,4" into a bitmap of CPUSET_MAX bits.  On error *bad_at gets the offending
 * element. */
static int cpuset_bits(const char *s, uint8_t *bits)
{
        memset(bits, 0, CPUSET_MAX / 8);
        const char *p = s;
        if (!*p)
                return -EINVAL;
        for (;;) {
                char *end;
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                unsigned long a = strtoul(p, &end, 10), b = a;
                p = end;
                if (*p == '-') {
                        p++;
                        if (!isdigit((unsigned char)*p))
                                return -EINVAL;
                        b = strtoul(p, &end, 10);
                        p = end;
                }
                if (a > b || b >= CPUSET_MAX)
                        return -EINVAL;
                for (unsigned long c = a; c <= b; c++)
                        bits[c / 8] |= (uint8_t)(1u << (c % 8));
                if (!*p)
                        return 0;
                if (*p != ',')
                        return -EINVAL;
                p++;
        }
}

int berth_runopt_parse_cpuset(const char *s, const char *online, struct berth_error *err)
{
        uint8_t want[CPUSET_MAX / 8], have[CPUSET_MAX / 8];
        if (!s || cpuset_bits(s, want) < 0)
                return berth_error_set(err, EINVAL, "invalid value %s for cpuset", s ? s : "");
        if (!online)
                return 0;
        _cleanup_free_ char *on = strndup(online, strcspn(online, "\n"));
        if (!on)
                return -ENOMEM;
        if (cpuset_bits(on, have) < 0)
                return berth_error_set(err, EINVAL, "invalid host cpu list '%s'", on);
        for (unsigned c = 0; c < CPUSET_MAX; c++)
                if ((want[c / 8] >> (c % 8) & 1) && !(have[c / 8] >> (c % 8) & 1))
                        return berth_error_set(err, EINVAL,
                                               "requested CPUs are not available - requested %s, "
                                               "available: %s (cpu %u does not exist)",
                                               s, on, c);
        return 0;
}

int berth_runopt_parse_security_opt(struct berth_run_opts *o, const char *s,
                                    struct berth_error *err)
{
        if (!s)
                s = "";
        const char *sep = strpbrk(s, "=:");
        size_t klen = sep ? (size_t)(sep - s) : strlen(s);
        if (klen == 17 && strncmp(s, "no-new-privileges", 17) == 0) {
                if (!sep || strcmp(sep + 1, "true") == 0)
                        o->no_new_privileges = true;
                else if (strcmp(sep + 1, "false") == 0)
                        o->no_new_privileges = false;
                else
                        return berth_error_set(err, EINVAL, "invalid --security-opt 2: \"%s\"", s);
                return 0;
        }
        if (klen == 7 && strncmp(s, "seccomp", 7) == 0 && sep) {
                const char *v = sep + 1;
                if (strcmp(v, "unconfined") == 0) {
                        o->seccomp_unconfined = true;
                        free(o->seccomp_profile);
                        o->seccomp_profile = NULL;
                        return 0;
                }
                _cleanup_free_ char *buf = NULL;
                size_t len = 0;
                int r = berth_read_file_at(AT_FDCWD, v, 1u << 20, &buf, &len, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "opening seccomp profile (%s) failed", v);
                _cleanup_json_ json_t *j = NULL;
                r = berth_json_parse(buf, len, 1u << 20, &j, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "decoding seccomp profile (%s) failed",
                                                  v);
                if (!json_is_object(j))
                        return berth_error_set(
                            err, EINVAL, "decoding seccomp profile (%s) failed: not an object", v);
                free(o->seccomp_profile);
                o->seccomp_profile = TAKE_PTR(buf);
                o->seccomp_unconfined = false;
                return 0;
        }
        return berth_error_set(err, EINVAL, "invalid --security-opt 2: \"%s\"", s);
}

int berth_runopt_parse_env_file(struct berth_run_opts *o, const char *buf, size_t len,
                                struct berth_error *err)
{
        size_t lineno = 0;
        for (size_t i = 0; i < len;) {
                size_t e = i;
                while (e < len && buf[e] != '\n')
                        e++;
                lineno++;
                _cleanup_free_ char *line = strndup(buf + i, e - i);
                if (!line)
                        return -ENOMEM;
                i = e + 1;
                size_t l = strlen(line);
                if (l && line[l - 1] == '\r')
                        line[--l] = '\0';
                char *p = line;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p || *p == '#')
                        continue;
                size_t nlen = strcspn(p, "=");
                if (nlen == 0)
                        return berth_error_set(err, EINVAL, "env file line %zu: no variable name",
                                               lineno);
                for (size_t k = 0; k < nlen; k++)
                        if (isspace((unsigned char)p[k]))
                                return berth_error_set(err, EINVAL,
                                                       "variable '%.*s' contains whitespaces",
                                                       (int)nlen, p);
                if (berth_strv_push(&o->env, p) < 0)
                        return -ENOMEM;
        }
        return 0;
}
