/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/banned.h"

int berth_console_socket_connect(const char *path, int *fd, struct berth_error *err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t len = strlen(path);
        if (len == 0 || len >= sizeof(sa.sun_path))
                return berth_error_set(err, EINVAL, "console socket path '%s' is too long", path);
        memcpy(sa.sun_path, path, len);
        _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return berth_error_errno(err, "socket");
        if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return berth_error_errno(err, "connect to console socket '%s'", path);
        *fd = TAKE_FD(s);
        return 0;
}

int berth_terminal_setup_child(unsigned height, unsigned width, uid_t uid, int *master,
                               struct berth_error *err)
{
        _cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (m < 0)
                return berth_error_errno(err, "open /dev/ptmx");
        int unlock = 0;
        if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
                return berth_error_errno(err, "unlock pty");
        _cleanup_close_ int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (s < 0)
                return berth_error_errno(err, "open pty peer");
        if (uid != 0 && fchown(s, uid, (gid_t)-1) < 0)
                return berth_error_errno(err, "give the pty to uid %u", (unsigned)uid);
        if (height > 0 || width > 0) {
                struct winsize ws = {.ws_row = (unsigned short)height,
                                     .ws_col = (unsigned short)width};
                if (ioctl(s, TIOCSWINSZ, &ws) < 0)
                        return berth_error_errno(err, "set console size %ux%u", width, height);
        }
        if (setsid() < 0 && errno != EPERM)
                return berth_error_errno(err, "setsid");
        if (ioctl(s, TIOCSCTTY, 0) < 0)
                return berth_error_errno(err, "make the pty the controlling terminal");
        for (int i = 0; i < 3; i++)
                if (dup2(s, i) < 0)
                        return berth_error_errno(err, "dup pty to fd %d", i);
        *master = TAKE_FD(m);
        return 0;
}

int berth_terminal_send_console(int sock, int master, struct berth_error *err)
{
        static const char name[] = "/dev/ptmx";
        struct iovec iov = {.iov_base = (void *)name, .iov_len = sizeof(name) - 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = u.buf,
                            .msg_controllen = sizeof(u.buf)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &master, sizeof(int));
        ssize_t n;
        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return berth_error_errno(err, "send pty master over the console socket");
        return 0;
}

static void copy_winsize(int master)
{
        struct winsize ws;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
                (void)ioctl(master, TIOCSWINSZ, &ws);
}

/* Move what is readable on `from` to `to`; 0 on EOF/HUP. */
static int pump(int from, int to)
{
        char buf[8192];
        errno = 0;
        ssize_t n = read(from, buf, sizeof(buf));
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 1 : 0;
        if (n == 0)
                return 0;
        return berth_write_all(to, buf, (size_t)n) < 0 ? 0 : 1;
}

int berth_terminal_proxy(int master, int sigfd, int (*on_signal)(int sig, void *data), void *data,
                         struct berth_error *err)
{
        struct termios saved;
        bool raw = isatty(0) && tcgetattr(0, &saved) == 0;
        if (raw) {
                struct termios t = saved;
                cfmakeraw(&t);
                t.c_oflag = saved.c_oflag; /* keep output processing of our own tty */
                tcsetattr(0, TCSANOW, &t);
                copy_winsize(master);
        }
        bool stdin_open = true;
        int ret = 0;
        for (;;) {
                struct pollfd p[3] = {{.fd = master, .events = POLLIN},
                                      {.fd = stdin_open ? 0 : -1, .events = POLLIN},
                                      {.fd = sigfd, .events = POLLIN}};
                int r = poll(p, 3, -1);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        ret = berth_error_errno(err, "poll");
                        break;
                }
                if (p[0].revents & POLLIN) {
                        if (!pump(master, 1))
                                break;
                } else if (p[0].revents & (POLLHUP | POLLERR)) {
                        break;
                }
                if (p[1].revents & (POLLIN | POLLHUP)) {
                        if (!pump(0, master))
                                stdin_open = false;
                }
                if (sigfd >= 0 && (p[2].revents & POLLIN)) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof(si)) != sizeof(si))
                                continue;
                        if (si.ssi_signo == SIGWINCH)
                                copy_winsize(master);
                        if (on_signal && on_signal((int)si.ssi_signo, data))
                                break;
                }
        }
        /* The process may have exited with output still buffered in the pty. */
        int fl = fcntl(master, F_GETFL);
        if (fl >= 0 && fcntl(master, F_SETFL, fl | O_NONBLOCK) == 0)
                while (pump(master, 1) && errno != EAGAIN)
                        ;
        if (raw)
                tcsetattr(0, TCSANOW, &saved);
        return ret;
}
