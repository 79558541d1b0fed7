/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth import http(s)://...`: a thread runs curl_easy_perform and writes the body into a
 * pipe; the import reads the other end as it would read a file, so the body is never held
 * in memory.  The import calls fetch_wait() once it has stored the whole stream, and only
 * a download that completed with a 2xx status becomes an image.  If the import stops early
 * it closes its end; the writer then gets EPIPE (SIGPIPE is blocked in that thread) and
 * curl aborts.  The import's own caps (layer size, entries) apply to what is downloaded.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "image/archive_url.h"
#include "basic/banned.h"

#define URL_MAX_REDIRS      5L
#define URL_CONNECT_TIMEOUT 30L
#define URL_LOW_SPEED_LIMIT 1024L /* bytes per second ... */
#define URL_LOW_SPEED_TIME  60L   /* ... for this many seconds aborts */
#define URL_PROTOCOLS       "http,https"

struct url_fetch {
        CURL *curl;
        const char *url;
        int wfd;
        pthread_t thread;
        bool started, joined;
        atomic_bool done;
        CURLcode rc;
        char errbuf[CURL_ERROR_SIZE];
        pthread_mutex_t lock; /* serialises the progress callback between the threads */
        berth_progress_fn progress;
        void *userdata;
        curl_off_t last_now;
};

bool berth_image_url_is_http(const char *s)
{
        return s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
        struct url_fetch *f = userdata;
        size_t len = size * n, off = 0;
        while (off < len) {
                ssize_t w = write(f->wfd, data + off, len - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return 0; /* the reader is gone: curl aborts with a write error */
                off += (size_t)w;
        }
        return len;
}

static void locked_progress(void *userdata, const char *phase, const char *what, uint64_t done,
                            uint64_t total)
{
        struct url_fetch *f = userdata;
        if (!f->progress)
                return;
        pthread_mutex_lock(&f->lock);
        f->progress(f->userdata, phase, what, done, total);
        pthread_mutex_unlock(&f->lock);
}

static int on_xfer(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                   curl_off_t ulnow)
{
        struct url_fetch *f = userdata;
        (void)ultotal, (void)ulnow;
        if (dlnow > 0 && dlnow != f->last_now) {
                f->last_now = dlnow;
                locked_progress(f, "Copying", "rootfs", (uint64_t)dlnow,
                                dltotal > 0 ? (uint64_t)dltotal : 0);
        }
        return 0;
}

static void *fetch_thread(void *arg)
{
        struct url_fetch *f = arg;
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        f->rc = curl_easy_perform(f->curl);
        close(f->wfd);
        f->wfd = -1;
        atomic_store(&f->done, true);
        return NULL;
}

static int fetch_error(struct url_fetch *f, struct berth_error *err)
{
        long status = 0;
        switch (f->rc) {
        case CURLE_OK:
                return 0;
        case CURLE_HTTP_RETURNED_ERROR:
                curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
                return berth_error_set(err,
                                       status == 404   ? ENOENT
                                       : status == 403 ? EACCES
                                                       : EIO,
                                       "import %.300s: HTTP %ld", f->url, status);
        case CURLE_UNSUPPORTED_PROTOCOL:
                return berth_error_set(err, EPROTONOSUPPORT,
                                       "import %.300s: %s (only http and https URLs are "
                                       "followed)",
                                       f->url, f->errbuf[0] ? f->errbuf : "unsupported protocol");
        case CURLE_OPERATION_TIMEDOUT:
                return berth_error_set(err, ETIMEDOUT, "import %.300s: %s", f->url,
                                       f->errbuf[0] ? f->errbuf : "timed out");
        default:
                return berth_error_set(err, EIO, "import %.300s: %s", f->url,
                                       f->errbuf[0] ? f->errbuf : curl_easy_strerror(f->rc));
        }
}

/* The import's wait hook; also called (idempotent) on every way out. */
static int fetch_wait(void *data, struct berth_error *err)
{
        struct url_fetch *f = data;
        if (f->started && !f->joined) {
                pthread_join(f->thread, NULL);
                f->joined = true;
        }
        return fetch_error(f, err);
}

static int check_url(const char *url, struct berth_error *err)
{
        CURLU *u = curl_url();
        char *user = NULL, *pass = NULL;
        int r = 0;
        if (!u)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
                r = berth_error_set(err, EINVAL, "import: invalid URL '%.300s'", url);
        else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
                 curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK)
                r = berth_error_set(err, EINVAL,
                                    "import: URL '%.300s' carries credentials: berth never "
                                    "sends them",
                                    url);
        curl_free(user);
        curl_free(pass);
        curl_url_cleanup(u);
        return r;
}

static int fetch_setup(struct url_fetch *f, struct berth_error *err)
{
        CURL *c = f->curl;
        CURLcode e = CURLE_OK;
#define SET(opt, val)                                                                              \
        do {                                                                                       \
                if (e == CURLE_OK)                                                                 \
                        e = curl_easy_setopt(c, opt, val);                                         \
        } while (0)
        SET(CURLOPT_URL, f->url);
        SET(CURLOPT_PROTOCOLS_STR, URL_PROTOCOLS);
        SET(CURLOPT_REDIR_PROTOCOLS_STR, URL_PROTOCOLS);
        SET(CURLOPT_FOLLOWLOCATION, 1L);
        SET(CURLOPT_MAXREDIRS, URL_MAX_REDIRS);
        SET(CURLOPT_FAILONERROR, 1L);
        SET(CURLOPT_CONNECTTIMEOUT, URL_CONNECT_TIMEOUT);
        SET(CURLOPT_LOW_SPEED_LIMIT, URL_LOW_SPEED_LIMIT);
        SET(CURLOPT_LOW_SPEED_TIME, URL_LOW_SPEED_TIME);
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
        SET(CURLOPT_UNRESTRICTED_AUTH, 0L);
        SET(CURLOPT_PROXY, ""); /* no proxy from the environment: nothing but the URL's host */
        SET(CURLOPT_USERAGENT, "berth");
        SET(CURLOPT_ERRORBUFFER, f->errbuf);
        SET(CURLOPT_WRITEFUNCTION, on_body);
        SET(CURLOPT_WRITEDATA, f);
        SET(CURLOPT_XFERINFOFUNCTION, on_xfer);
        SET(CURLOPT_XFERINFODATA, f);
        SET(CURLOPT_NOPROGRESS, 0L);
#undef SET
        if (e != CURLE_OK)
                return berth_error_set(err, EINVAL, "import %.300s: curl: %s", f->url,
                                       curl_easy_strerror(e));
        return 0;
}

/* Start the download thread; *rfd gets the read end of its pipe. */
static int fetch_start(struct url_fetch *f, int *rfd, struct berth_error *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return berth_error_errno(err, "pipe");
        f->wfd = p[1];
        int e = pthread_create(&f->thread, NULL, fetch_thread, f);
        if (e != 0) {
                close(p[0]);
                close(p[1]);
                f->wfd = -1;
                return berth_error_setsys(err, e, "import: start the download thread");
        }
        f->started = true;
        *rfd = p[0];
        /* Wait for the first byte or the end: a failure before any body (a 404, a refused
         * redirect, no connection) is reported without touching the store. */
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
                ;
        if (atomic_load(&f->done) && f->rc != CURLE_OK)
                return fetch_wait(f, err);
        return 0;
}

int berth_image_import_url(struct berth_image_store *s, const char *url,
                           const struct berth_import_opts *opts, berth_progress_fn progress,
                           void *userdata, char **id_out, struct berth_error *err)
{
        struct url_fetch f = {.url = url, .wfd = -1, .progress = progress, .userdata = userdata};
        int rfd = -1;
        if (!berth_image_url_is_http(url))
                return berth_error_set(err, EPROTONOSUPPORT,
                                       "import: '%.300s' is not an http or https URL", url);
        int r = check_url(url, err);
        if (r < 0)
                return r;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return berth_error_set(err, EIO, "import: curl_global_init failed");
        pthread_mutex_init(&f.lock, NULL);
        f.curl = curl_easy_init();
        r = f.curl ? fetch_setup(&f, err) : berth_error_set(err, ENOMEM, "out of memory");
        if (r >= 0)
                r = fetch_start(&f, &rfd, err);
        if (r >= 0) {
                r = berth_image_import_source(s, rfd, opts, url, fetch_wait, &f, locked_progress,
                                              &f, id_out, err);
                if (r < 0 && !strstr(err ? err->msg : "", url))
                        r = berth_error_prefix(err, r, "import %.300s", url);
        }
        if (rfd >= 0)
                close(rfd); /* an import that stopped early makes the writer fail */
        fetch_wait(&f, NULL);
        if (f.curl)
                curl_easy_cleanup(f.curl);
        pthread_mutex_destroy(&f.lock);
        curl_global_cleanup();
        return r;
}
