/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.terminal.  In the child: open /dev/ptmx (the container's, after pivot), make
 * the peer the controlling tty and stdio, set the size, and hand the master on either
 * over a --console-socket connection (runc's protocol: one SCM_RIGHTS message whose
 * payload is the console's name) or over the sync socket to the caller.
 * In the caller: proxy a master to our own stdio (raw mode, SIGWINCH resize).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "basic/error.h"

/* Connect to the console socket path (a unix stream socket, never abstract). */
int berth_console_socket_connect(const char *path, int *fd, struct berth_error *err);

/* Child side: allocate the pty, give its peer to `uid` (the process user; the group
 * stays devpts' tty group), make it our controlling terminal and stdio 0-2, set the size
 * when width/height > 0.  *master receives the master fd (O_CLOEXEC). */
int berth_terminal_setup_child(unsigned height, unsigned width, uid_t uid, int *master,
                               struct berth_error *err);

/* Send the master over a console socket as runc does. */
int berth_terminal_send_console(int sock, int master, struct berth_error *err);

/* Copy bytes between our stdio and the master until the master hangs up or `stop_fd`
 * (may be -1) becomes readable; our tty is put in raw mode meanwhile and SIGWINCH
 * resizes the pty.  `sigfd` (a signalfd, may be -1) is polled too: for each signal it
 * delivers, on_signal(ssi_signo, data) is called; returning non-zero ends the proxy. */
int berth_terminal_proxy(int master, int sigfd, int (*on_signal)(int sig, void *data), void *data,
                         struct berth_error *err);
