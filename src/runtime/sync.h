/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Numbered parent/child sync steps over a SOCK_SEQPACKET|SOCK_CLOEXEC socketpair.  Each
 * message is one packet: a fixed header plus an optional payload (error text, state JSON,
 * a file descriptor).  The steps of `create`:
 *
 *   child  BERTH_SYNC_NS_READY (1)     namespaces exist (pid of the process to map/enter)
 *   parent BERTH_SYNC_NS_DONE          uid/gid maps written, cgroup joined, oom_score_adj
 *   child  BERTH_SYNC_MOUNTS_DONE (2)  mounts prepared
 *   parent BERTH_SYNC_HOOKS_DONE       prestart+createRuntime ran; payload: state JSON
 *   child  BERTH_SYNC_READY (3)        createContainer hooks ran, pivoted, waiting on fifo
 *   child  BERTH_SYNC_ERROR            any time: errno + message; the child then exits
 *   child  BERTH_SYNC_PTY              the pty master fd (run without a console socket)
 *   child  BERTH_SYNC_PID              intermediate -> parent: pid of the real init
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

enum berth_sync_type {
        BERTH_SYNC_NS_READY = 1,
        BERTH_SYNC_NS_DONE,
        BERTH_SYNC_MOUNTS_DONE,
        BERTH_SYNC_HOOKS_DONE,
        BERTH_SYNC_READY,
        BERTH_SYNC_ERROR,
        BERTH_SYNC_PTY,
        BERTH_SYNC_PID,
        BERTH_SYNC_EXEC_FAILED, /* execve failed: errno in `value`, message in payload */
};

#define BERTH_SYNC_MAX_PAYLOAD (1u << 20)

struct berth_sync_msg {
        uint32_t type;
        int32_t value; /* errno for ERROR, pid for PID/NS_READY */
        char *payload; /* NUL-terminated, malloc'ed (NULL when none) */
        size_t len;
        int fd; /* received fd (O_CLOEXEC) or -1 */
};

void berth_sync_msg_clear(struct berth_sync_msg *m);

/* Make the pair: [0] for the parent, [1] for the child. */
int berth_sync_pair(int fds[2], struct berth_error *err);

/* Send one message; payload may be NULL, fd may be -1. */
int berth_sync_send(int sock, uint32_t type, int32_t value, const char *payload, size_t len,
                    int fd);
/* Receive one message.  EOF (peer gone without a word) is -EPIPE. */
int berth_sync_recv(int sock, struct berth_sync_msg *m);

/* Receive and expect `type`.  A BERTH_SYNC_ERROR from the peer becomes the error
 * (its errno and text; m->type and m->value stay set so the caller can tell
 * BERTH_SYNC_EXEC_FAILED apart); anything else is -EPROTO naming both types. */
int berth_sync_expect(int sock, uint32_t type, struct berth_sync_msg *m, struct berth_error *err);

/* Child side: report err over the socket (best effort). */
void berth_sync_send_error(int sock, const struct berth_error *err);

/*
 * The start report: how a separate `start` learns that the init failed after it was
 * released (a startContainer hook, personality, capabilities, seccomp, execve).
 * create makes a listening unix socket <state dir>/start.sock (non-blocking, O_CLOEXEC)
 * that only the init keeps.  start connects to it BEFORE it writes the exec fifo; the
 * init, once released, accepts that connection (if any) and keeps it open until execve,
 * which closes it (O_CLOEXEC).  EOF without a byte: the execve happened.  Bytes:
 * "<errno> <message>", the failure.  No abstract socket; the state dir is 0700.
 */
#define BERTH_START_SOCK "start.sock"
/* create: *out gets the listening socket bound at dirfd/start.sock. */
int berth_start_report_listen(int dirfd, int *out, struct berth_error *err);
/* init: accept the pending connection of `start` (or -1 when there is none); closes
 * listen_fd. */
int berth_start_report_accept(int listen_fd);
/* init: report the failure (best effort; fd may be -1: then false is returned). */
bool berth_start_report_send(int fd, const struct berth_error *e);
/* start: connect to dirfd/start.sock; -1 when the container has none (made by an older
 * berth, or already started). */
int berth_start_report_connect(int dirfd);
/* start: wait for EOF (0) or a failure report (its errno and message in err). */
int berth_start_report_wait(int fd, const char *id, struct berth_error *err);
