/* SPDX-License-Identifier: Apache-2.0 */
/*
 * recvtty: the console-socket end of an OCI runtime, for the system tests.
 *   recvtty [-n] SOCKET_PATH
 * Listens on SOCKET_PATH (a unix stream socket, created 0600), accepts one connection,
 * receives the pty master the runtime sends with SCM_RIGHTS, then copies everything the
 * container writes to the terminal to stdout, and our stdin to the terminal, until the
 * terminal is closed (EIO/EOF on the master).  -n: do not forward stdin.  Prints
 * nothing else on stdout; errors go to stderr and exit 1.  The socket file is removed
 * once the connection is accepted.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/banned.h"

static int die(const char *what)
{
        fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
        return 1;
}

static int listen_on(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sa.sun_path)) {
                errno = ENAMETOOLONG;
                return -1;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        mode_t old = umask(0077);
        int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0 || listen(fd, 1) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Receives one fd in an SCM_RIGHTS message; returns it or -1. */
static int recv_fd(int sock)
{
        char name[256];
        struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = ctl.buf,
                             .msg_controllen = sizeof(ctl.buf)};
        ssize_t n;
        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -1;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len != CMSG_LEN(sizeof(int))) {
                errno = EBADMSG;
                return -1;
        }
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof(fd));
        return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t w = write(fd, buf, len);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -1;
                buf += w;
                len -= (size_t)w;
        }
        return 0;
}

/* Copies master -> stdout and (unless no_stdin) stdin -> master until the master closes. */
static int pump(int master, int no_stdin)
{
        struct pollfd p[2] = {{.fd = master, .events = POLLIN},
                              {.fd = no_stdin ? -1 : STDIN_FILENO, .events = POLLIN}};
        char buf[8192];
        for (;;) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return die("poll");
                }
                if (p[0].revents) {
                        ssize_t n = read(master, buf, sizeof(buf));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) /* EIO once every slave fd is closed */
                                return 0;
                        if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
                                return die("write stdout");
                }
                if (p[1].fd >= 0 && p[1].revents) {
                        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                        if (n <= 0)
                                p[1].fd = -1;
                        else if (write_all(master, buf, (size_t)n) < 0)
                                return die("write terminal");
                }
        }
}

int main(int argc, char **argv)
{
        int no_stdin = 0, opt;
        while ((opt = getopt(argc, argv, "n")) != -1) {
                if (opt != 'n') {
                        fprintf(stderr, "usage: recvtty [-n] SOCKET_PATH\n");
                        return 2;
                }
                no_stdin = 1;
        }
        if (optind != argc - 1) {
                fprintf(stderr, "usage: recvtty [-n] SOCKET_PATH\n");
                return 2;
        }
        const char *path = argv[optind];
        int ls = listen_on(path);
        if (ls < 0)
                return die(path);
        int conn;
        do
                conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        while (conn < 0 && errno == EINTR);
        if (conn < 0)
                return die("accept");
        unlink(path);
        close(ls);
        int master = recv_fd(conn);
        if (master < 0)
                return die("receive pty master");
        close(conn);
        int r = pump(master, no_stdin);
        close(master);
        return r;
}
