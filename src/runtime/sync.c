/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/sync.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/banned.h"

struct wire_hdr {
        uint32_t type;
        int32_t value;
};

void berth_sync_msg_clear(struct berth_sync_msg *m)
{
        free(m->payload);
        m->payload = NULL;
        m->len = 0;
        if (m->fd >= 0)
                close(m->fd);
        m->fd = -1;
}

int berth_sync_pair(int fds[2], struct berth_error *err)
{
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
                return berth_error_errno(err, "socketpair");
        return 0;
}

int berth_sync_send(int sock, uint32_t type, int32_t value, const char *payload, size_t len, int fd)
{
        struct wire_hdr h = {.type = type, .value = value};
        struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)},
                               {.iov_base = (void *)payload, .iov_len = payload ? len : 0}};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = payload && len ? 2 : 1};
        if (fd >= 0) {
                memset(&u, 0, sizeof(u));
                mh.msg_control = u.buf;
                mh.msg_controllen = sizeof(u.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        ssize_t n;
        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return 0;
}

int berth_sync_recv(int sock, struct berth_sync_msg *m)
{
        m->payload = NULL;
        m->len = 0;
        m->fd = -1;
        /* Size of the next packet. */
        ssize_t size;
        do
                size = recv(sock, NULL, 0, MSG_PEEK | MSG_TRUNC);
        while (size < 0 && errno == EINTR);
        if (size < 0)
                return errno == ECONNRESET ? -EPIPE : -errno;
        if (size == 0)
                return -EPIPE;
        if ((size_t)size < sizeof(struct wire_hdr) ||
            (size_t)size > sizeof(struct wire_hdr) + BERTH_SYNC_MAX_PAYLOAD)
                return -EPROTO;
        _cleanup_free_ char *buf = malloc((size_t)size + 1);
        if (!buf)
                return -ENOMEM;
        struct iovec iov = {.iov_base = buf, .iov_len = (size_t)size};
        union {
                char b[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
        ssize_t n;
        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -EPIPE;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(&m->fd, CMSG_DATA(c), sizeof(int));
        struct wire_hdr h;
        memcpy(&h, buf, sizeof(h));
        m->type = h.type;
        m->value = h.value;
        size_t plen = (size_t)n - sizeof(h);
        if (plen > 0) {
                m->payload = malloc(plen + 1);
                if (!m->payload) {
                        berth_sync_msg_clear(m);
                        return -ENOMEM;
                }
                memcpy(m->payload, buf + sizeof(h), plen);
                m->payload[plen] = 0;
                m->len = plen;
        }
        return 0;
}

int berth_sync_expect(int sock, uint32_t type, struct berth_sync_msg *m, struct berth_error *err)
{
        int r = berth_sync_recv(sock, m);
        if (r == -EPIPE)
                return berth_error_set(err, EPIPE, "container init exited during setup");
        if (r < 0)
                return berth_error_setsys(err, -r, "read from container init");
        if (m->type == BERTH_SYNC_ERROR || m->type == BERTH_SYNC_EXEC_FAILED) {
                int code = m->value > 0 ? m->value : EIO;
                r = berth_error_set(err, code, "%s", m->payload ? m->payload : "unknown error");
                uint32_t t = m->type;
                berth_sync_msg_clear(m);
                m->type = t; /* callers may tell an exec failure from a setup error */
                return r;
        }
        if (m->type != type) {
                uint32_t got = m->type;
                berth_sync_msg_clear(m);
                return berth_error_set(err, EPROTO, "sync: expected message %u, got %u", type, got);
        }
        return 0;
}

void berth_sync_send_error(int sock, const struct berth_error *err)
{
        const char *msg = err && err->code ? err->msg : "unknown error";
        int code = err && err->code ? err->code : EIO;
        (void)berth_sync_send(sock, BERTH_SYNC_ERROR, code, msg, strlen(msg), -1);
}

/* ---- the start report ---- */

static int start_sock_addr(int dirfd, struct sockaddr_un *sa, socklen_t *len)
{
        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;
        /* Through the state directory's fd: short whatever the root's length. */
        int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd,
                         BERTH_START_SOCK);
        if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
                return -ENAMETOOLONG;
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
        return 0;
}

int berth_start_report_listen(int dirfd, int *out, struct berth_error *err)
{
        struct sockaddr_un sa;
        socklen_t len;
        if (start_sock_addr(dirfd, &sa, &len) < 0)
                return berth_error_set(err, ENAMETOOLONG, "start socket path");
        _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s < 0)
                return berth_error_errno(err, "socket");
        (void)unlinkat(dirfd, BERTH_START_SOCK, 0);
        if (bind(s, (struct sockaddr *)&sa, len) < 0)
                return berth_error_errno(err, "bind %s", BERTH_START_SOCK);
        if (listen(s, 4) < 0)
                return berth_error_errno(err, "listen on %s", BERTH_START_SOCK);
        *out = TAKE_FD(s);
        return 0;
}

int berth_start_report_accept(int listen_fd)
{
        if (listen_fd < 0)
                return -1;
        int fd;
        do
                fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        while (fd < 0 && errno == EINTR);
        close(listen_fd);
        return fd;
}

bool berth_start_report_send(int fd, const struct berth_error *e)
{
        if (fd < 0)
                return false;
        char buf[sizeof(e->msg) + 16];
        int n = snprintf(buf, sizeof(buf), "%d %s", e->code ? e->code : EIO,
                         e->code ? e->msg : "unknown error");
        if (n < 0)
                return false;
        size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
        return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len;
}

int berth_start_report_connect(int dirfd)
{
        struct sockaddr_un sa;
        socklen_t len;
        if (start_sock_addr(dirfd, &sa, &len) < 0)
                return -1;
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -1;
        if (connect(s, (struct sockaddr *)&sa, len) < 0) {
                close(s);
                return -1;
        }
        return s;
}

int berth_start_report_wait(int fd, const char *id, struct berth_error *err)
{
        char buf[1024];
        size_t got = 0;
        for (;;) {
                ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 || (got += (size_t)n) == sizeof(buf) - 1)
                        break; /* EOF, or a reset when the init died: no report */
        }
        if (got == 0)
                return 0;
        buf[got] = 0;
        char *end = NULL;
        long code = strtol(buf, &end, 10);
        if (code <= 0 || code > 4095 || !end || *end != ' ')
                return berth_error_set(err, EIO, "start container '%s': %s", id, buf);
        return berth_error_set(err, (int)code, "start container '%s': %s", id, end + 1);
}
