/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers the verbs share: the store, error wording, Docker's human units, progress. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "cli/berth/cli.h"
#include "image/image.h"
#include "image/reference.h"
#include "store/containers.h"
#include "basic/banned.h"

int berth_cli_image_store(struct berth_cli *cli, struct berth_image_store **out,
                          struct berth_error *err)
{
        if (!cli->store) {
                int r = berth_image_store_open(cli->root, &cli->store, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "open the image store in '%s'",
                                                  cli->root);
        }
        *out = cli->store;
        return 0;
}

void berth_cli_report(const struct berth_error *err)
{
        fprintf(stderr, "berth: %s\n", err->msg[0] ? err->msg : "unknown error");
}

/* Images berth can make without a registry (berth image bootstrap NAME). */
static const char *const bootstrappable[] = {"busybox"};

void berth_cli_image_error(const char *name, struct berth_error *err)
{
        if (!err || err->code != ENOENT || !strstr(err->msg, "no such image"))
                return;
        struct berth_reference ref;
        _cleanup_free_ char *fam = NULL, *bare = NULL;
        if (berth_reference_parse(name, true, &ref, NULL) == 0) {
                fam = berth_reference_familiar(&ref);
                free(ref.tag);
                ref.tag = NULL;
                free(ref.digest);
                ref.digest = NULL;
                bare = berth_reference_familiar(&ref);
                berth_reference_clear(&ref);
        }
        const char *hint = NULL;
        for (size_t i = 0; bare && i < ARRAY_SIZE(bootstrappable); i++)
                if (strcmp(bare, bootstrappable[i]) == 0)
                        hint = bootstrappable[i];
        if (hint)
                berth_error_set(err, ENOENT,
                                "no such image: '%.200s' (make it with: berth image bootstrap %s)",
                                fam ? fam : name, hint);
        else
                berth_error_set(err, ENOENT, "no such image: '%.200s'", fam ? fam : name);
}

void berth_cli_human_size(int64_t size, char *buf, size_t len)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
        double v = (double)size;
        size_t i = 0;
        while (v >= 1000.0 && i + 1 < ARRAY_SIZE(units)) {
                v /= 1000.0;
                i++;
        }
        snprintf(buf, len, "%.3g%s", v, units[i]);
}

void berth_cli_human_duration(int64_t s, char *buf, size_t len)
{
        int64_t minutes = s / 60, hours = (s + 1800) / 3600;
        if (s < 1)
                snprintf(buf, len, "Less than a second");
        else if (s == 1)
                snprintf(buf, len, "1 second");
        else if (s < 60)
                snprintf(buf, len, "%lld seconds", (long long)s);
        else if (minutes == 1)
                snprintf(buf, len, "About a minute");
        else if (minutes < 60)
                snprintf(buf, len, "%lld minutes", (long long)minutes);
        else if (hours == 1)
                snprintf(buf, len, "About an hour");
        else if (hours < 48)
                snprintf(buf, len, "%lld hours", (long long)hours);
        else if (hours < 24 * 7 * 2)
                snprintf(buf, len, "%lld days", (long long)(hours / 24));
        else if (hours < 24 * 30 * 2)
                snprintf(buf, len, "%lld weeks", (long long)(hours / 24 / 7));
        else if (hours < 24 * 365 * 2)
                snprintf(buf, len, "%lld months", (long long)(hours / 24 / 30));
        else
                snprintf(buf, len, "%lld years", (long long)(s / 3600 / 24 / 365));
}

void berth_cli_created_since(int64_t created, int64_t now, char *buf, size_t len)
{
        char d[64];
        berth_cli_human_duration(now - created, d, sizeof(d));
        snprintf(buf, len, "%s ago", d);
}

void berth_cli_time_string(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;
        if (!localtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S %z %Z", &tm) == 0)
                snprintf(buf, len, "%lld", (long long)t);
}

void berth_cli_time_rfc3339(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;
        if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, len, "0001-01-01T00:00:00Z");
}

const char *berth_cli_short_id(const char *id, bool no_trunc, char *buf, size_t len)
{
        if (!id)
                return "";
        if (no_trunc)
                return id;
        const char *hex = berth_startswith(id, "sha256:") ? id + 7 : id;
        snprintf(buf, len, "%.12s", hex);
        return buf;
}

char *berth_cli_familiar_name(const char *name)
{
        if (berth_startswith(name, "docker.io/library/") && !strchr(name + 18, '/'))
                return strdup(name + 18);
        if (berth_startswith(name, "docker.io/"))
                return strdup(name + 10);
        return strdup(name);
}

int berth_cli_write(struct berth_cli *cli, const struct berth_buf *b, struct berth_error *err)
{
        if (!b->len)
                return 0;
        if (fwrite(b->data, 1, b->len, cli->out) != b->len || fflush(cli->out) != 0)
                return berth_error_errno(err, "write output");
        return 0;
}

/* ------------------------------------------------------------------ progress */

void berth_cli_progress_init(struct berth_cli_progress *p, bool quiet)
{
        memset(p, 0, sizeof(*p));
        p->f = stderr;
        p->quiet = quiet;
        p->tty = isatty(STDERR_FILENO) == 1;
}

static void bar(struct berth_cli_progress *p, const char *phase, const char *what, uint64_t done,
                uint64_t total)
{
        char d[32], t[32], b[52];
        berth_cli_human_size((int64_t)done, d, sizeof(d));
        if (total) {
                size_t fill = (size_t)(done >= total ? 50 : done * 50 / total);
                memset(b, '=', fill);
                if (fill < 50) {
                        b[fill] = '>';
                        memset(b + fill + 1, ' ', 49 - fill);
                }
                b[50] = '\0';
                berth_cli_human_size((int64_t)total, t, sizeof(t));
                fprintf(p->f, "\r\033[K%s %.19s [%s] %s/%s", phase, what, b, d, t);
        } else {
                fprintf(p->f, "\r\033[K%s %.19s %s", phase, what, d);
        }
        fflush(p->f);
}

void berth_cli_progress_cb(void *userdata, const char *phase, const char *what, uint64_t done,
                           uint64_t total)
{
        struct berth_cli_progress *p = userdata;
        if (!p || p->quiet || !phase)
                return;
        if (berth_startswith(phase, "Loaded image"))
                return; /* the verb prints its results on stdout */
        what = what ? what : "";
        bool same = strcmp(p->last_phase, phase) == 0 &&
                    strncmp(p->last_what, what, sizeof(p->last_what) - 1) == 0;
        if (p->tty) {
                if (!same && p->last_phase[0])
                        fputc('\n', p->f);
                bar(p, phase, what, done, total);
        } else if (!same) {
                fprintf(p->f, "%s %s\n", phase, what);
        }
        snprintf(p->last_phase, sizeof(p->last_phase), "%s", phase);
        snprintf(p->last_what, sizeof(p->last_what), "%s", what);
}

void berth_cli_progress_end(struct berth_cli_progress *p)
{
        if (p->tty && p->last_phase[0] && !p->quiet)
                fputc('\n', p->f);
        p->last_phase[0] = '\0';
}

/* ------------------------------------------------------------------ hooks */

int berth_cli_image_in_use(const char *image_id, void *userdata, struct berth_error *err)
{
        /* userdata is the image store: the containers are in the same database, and this
         * runs inside the removal transaction. */
        struct berth_image_store *s = userdata;
        _cleanup_free_ char *cid = NULL;
        int r = berth_containers_image_in_use(berth_image_store_db(s), image_id, &cid, err);
        if (r <= 0)
                return r;
        struct berth_container_rec rec = {0};
        bool running = false;
        if (berth_containers_get(berth_image_store_db(s), cid, &rec, NULL) == 0)
                running =
                    rec.state && (!strcmp(rec.state, "running") || !strcmp(rec.state, "paused") ||
                                  !strcmp(rec.state, "restarting"));
        berth_error_set(err, EBUSY, "(%s) - image is being used by %s container %.12s",
                        running ? "cannot be forced" : "must be forced",
                        running ? "running" : (rec.state ? rec.state : "stopped"), cid);
        berth_container_rec_clear(&rec);
        return 1;
}
