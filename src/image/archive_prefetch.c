/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Load overlaps spooling and unpacking: while a large file of the archive streams into the
 * blob store, the same bytes go through a socket to a thread that unpacks them with
 * berth_layer_apply into a temporary directory under <root>/layers ("tmp-load-...").  Which
 * files are layers is only known once the manifests are read, so every file of at least
 * BERTH_PREFETCH_MIN bytes is tried; one that is not a layer tar just fails in its thread
 * and is forgotten.  At commit a layer whose blob was unpacked this way, with the diff_id
 * its config says, is claimed and its directory renamed into place instead of being
 * unpacked again (archive_prefetch_take).  Directories not taken are removed when the
 * spool is cleared; a killed process leaves them to berth_image_gc().
 *
 * At most PREFETCH_THREADS unpack threads: a new large file waits for the oldest.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "image/archive_internal.h"
#include "image/layer.h"
#include "basic/banned.h"

#ifndef PREFETCH_THREADS
#define PREFETCH_THREADS 2
#endif

struct archive_prefetch {
        char tmpdir[64];
        char digest[BERTH_DIGEST_MAX];  /* blob digest (from the stored file) */
        char diff_id[BERTH_DIGEST_MAX]; /* computed while unpacking */
        uint64_t size;                  /* unpacked tar bytes */
        bool ok, taken;
};

struct archive_extractor {
        pthread_t thread;
        int sock[2]; /* [0] read by the thread, [1] written by the spooler */
        int dirfd;
        bool running, dead;
        struct berth_layer_result res;
        int r;
        size_t pf;    /* index in sp->pre being filled */
        uint64_t seq; /* start order: the oldest is joined first */
};

struct archive_extractors {
        struct archive_extractor x[PREFETCH_THREADS];
        struct archive_extractor *cur; /* being fed */
        uint64_t seq;
};

static void *extract_main(void *arg)
{
        struct archive_extractor *x = arg;
        struct berth_layer_opts o;
        berth_layer_opts_init(&o);
        x->r = berth_layer_apply(x->sock[0], x->dirfd, &o, &x->res, NULL);
        if (x->r >= 0 && syncfs(x->dirfd) < 0)
                x->r = -errno;
        /* Drain so the spooler never blocks on a thread that gave up. */
        char buf[65536];
        while (read(x->sock[0], buf, sizeof(buf)) > 0)
                ;
        return NULL;
}

static int prefetch_push(struct archive_spool *sp, struct archive_prefetch **out)
{
        struct archive_prefetch *v = realloc(sp->pre, (sp->n_pre + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        sp->pre = v;
        memset(&v[sp->n_pre], 0, sizeof(v[sp->n_pre]));
        *out = &v[sp->n_pre++];
        return 0;
}

/* Wait for one unpack thread and keep its result. */
static void extractor_join(struct archive_spool *sp, struct archive_extractor *x)
{
        if (!x->running)
                return;
        if (x->sock[1] >= 0)
                close(x->sock[1]);
        x->sock[1] = -1;
        pthread_join(x->thread, NULL);
        x->running = false;
        close(x->sock[0]);
        close(x->dirfd);
        struct archive_prefetch *pf = &sp->pre[x->pf];
        pf->ok = x->r >= 0 && !x->dead && pf->digest[0] && !strcmp(x->res.digest, pf->digest);
        if (pf->ok) {
                memcpy(pf->diff_id, x->res.diff_id, sizeof(pf->diff_id));
                pf->size = x->res.uncompressed_size;
        }
}

/* A free slot, after joining the oldest thread when all are busy. */
static struct archive_extractor *extractor_slot(struct archive_spool *sp)
{
        struct archive_extractor *oldest = NULL;
        for (size_t i = 0; i < PREFETCH_THREADS; i++) {
                struct archive_extractor *x = &sp->ex->x[i];
                if (!x->running)
                        return x;
                if (!oldest || x->seq < oldest->seq)
                        oldest = x;
        }
        extractor_join(sp, oldest);
        return oldest;
}

int archive_prefetch_begin(struct archive_spool *sp, struct berth_image_store *s, int64_t size)
{
        if (!s || size < BERTH_PREFETCH_MIN)
                return 0;
        if (!sp->ex && !(sp->ex = calloc(1, sizeof(*sp->ex))))
                return -ENOMEM;
        sp->ex->cur = NULL;
        struct archive_extractor *x = extractor_slot(sp);
        struct archive_prefetch *pf;
        if (prefetch_push(sp, &pf) < 0)
                return -ENOMEM;
        uint8_t rnd[8] = {0};
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
                return -EIO;
        snprintf(pf->tmpdir, sizeof(pf->tmpdir), "tmp-load-%d-%02x%02x%02x%02x%02x%02x%02x%02x",
                 (int)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
        int lfd = berth_image_store_layers_fd(s);
        if (mkdirat(lfd, pf->tmpdir, 0755) < 0) {
                pf->tmpdir[0] = '\0';
                return -errno;
        }
        memset(x, 0, sizeof(*x));
        x->pf = sp->n_pre - 1;
        x->seq = ++sp->ex->seq;
        x->dirfd = openat(lfd, pf->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (x->dirfd < 0)
                return -errno;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, x->sock) < 0) {
                int e = -errno;
                close(x->dirfd);
                return e;
        }
        int e = pthread_create(&x->thread, NULL, extract_main, x);
        if (e) {
                close(x->sock[0]);
                close(x->sock[1]);
                close(x->dirfd);
                return -e;
        }
        x->running = true;
        sp->ex->cur = x;
        return 1;
}

void archive_prefetch_feed(struct archive_spool *sp, const void *data, size_t len)
{
        struct archive_extractor *x = sp->ex ? sp->ex->cur : NULL;
        if (!x || !x->running || x->dead)
                return;
        for (size_t done = 0; done < len;) {
                ssize_t n = send(x->sock[1], (const char *)data + done, len - done, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        x->dead = true; /* the thread stopped reading: not a layer */
                        return;
                }
                done += (size_t)n;
        }
}

void archive_prefetch_end(struct archive_spool *sp, const char *digest, bool failed)
{
        struct archive_extractor *x = sp->ex ? sp->ex->cur : NULL;
        if (!x || !x->running)
                return;
        struct archive_prefetch *pf = &sp->pre[x->pf];
        if (failed)
                x->dead = true;
        else
                snprintf(pf->digest, sizeof(pf->digest), "%s", digest);
        close(x->sock[1]); /* EOF for the thread; joined later */
        x->sock[1] = -1;
        sp->ex->cur = NULL;
}

void archive_prefetch_finish(struct archive_spool *sp)
{
        for (size_t i = 0; sp->ex && i < PREFETCH_THREADS; i++)
                extractor_join(sp, &sp->ex->x[i]);
}

int archive_prefetch_take(const struct archive_spool *sp, const char *blob, const char *dir,
                          char *diff_id_out, int64_t *size_out)
{
        if (!sp)
                return 0;
        for (size_t i = 0; i < sp->n_pre; i++) {
                struct archive_prefetch *pf = &sp->pre[i];
                if (!pf->ok || pf->taken || strcmp(pf->digest, blob))
                        continue;
                int lfd = berth_image_store_layers_fd(sp->store);
                int r = berth_rm_rf_at(lfd, dir);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (renameat(lfd, pf->tmpdir, lfd, dir) < 0)
                        return -errno;
                pf->taken = true;
                snprintf(diff_id_out, BERTH_DIGEST_MAX, "%s", pf->diff_id);
                *size_out = (int64_t)pf->size;
                return 1;
        }
        return 0;
}

void archive_prefetch_clear(struct archive_spool *sp)
{
        archive_prefetch_finish(sp);
        for (size_t i = 0; i < sp->n_pre; i++)
                if (!sp->pre[i].taken && sp->store && sp->pre[i].tmpdir[0])
                        berth_rm_rf_at(berth_image_store_layers_fd(sp->store), sp->pre[i].tmpdir);
        free(sp->pre);
        free(sp->ex);
        sp->pre = NULL;
        sp->ex = NULL;
        sp->n_pre = 0;
}
