/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image layers: apply a layer tarball (plain tar, gzip or zstd) to a directory, safely and in
 * one streaming pass.
 *
 * berth_layer_apply() reads the blob from `src_fd` once.  In that same pass it computes
 *   - the sha256 of the bytes read from src_fd (the blob / layer digest),
 *   - the sha256 of the decompressed tar stream (the diff_id) and its size,
 * and extracts every entry below `dest_dirfd`.  Nothing is ever created, changed or removed
 * outside `dest_dirfd`:
 *   - absolute names and names whose ".." components would climb above the root are refused
 *     (an error naming the entry), never rewritten;
 *   - entries are created with *at() calls on directory fds walked one component at a time
 *     with O_NOFOLLOW from dest_dirfd: a symlink (or any non-directory) as a parent
 *     component is refused, so nothing is ever written through a symlink;
 *   - symlinks may point anywhere (their target is stored as given);
 *   - hardlink targets are resolved inside the root (src/fs/resolve.h) and must exist;
 *   - char/block devices are refused unless opts->allow_devices (trusted bootstrap only);
 *   - setuid/setgid bits are kept only with opts->keep_setid;
 *   - xattrs: user.* and security.capability are applied; trusted.* (trusted.overlay.*
 *     would forge overlay whiteouts/redirects) is refused; other namespaces
 *     (security.selinux, system.posix_acl_*) are skipped;
 *   - caps: entry count (opts->max_entries), name and link target length (4096), pax and
 *     GNU long-name headers (1 MiB, libarchive's limit, turned into a hard error), total
 *     uncompressed size (opts->max_size) and compression ratio (opts->max_ratio, enforced
 *     once past 64 MiB), so a decompression bomb stops early with bounded memory;
 *   - nested compression (gzip inside gzip ...) and archive formats other than tar
 *     (ustar, pax, gnu) are refused; so are unknown entry types and sockets.
 *
 * Whiteouts (".wh.NAME", ".wh..wh..opq"):
 *   BERTH_WHITEOUT_OVERLAY: ".wh.NAME" becomes a 0:0 char device NAME (overlayfs whiteout),
 *     ".wh..wh..opq" sets trusted.overlay.opaque="y" on its directory;
 *   BERTH_WHITEOUT_APPLY (copying/vfs storage, the layer applied onto a copy of the lower
 *     layers): ".wh.NAME" removes NAME (recursively, never following symlinks) and
 *     ".wh..wh..opq" removes what the directory held before this layer.
 *   A whiteout whose NAME is empty, ".", ".." or another ".wh..wh." name is refused.
 *
 * Ownership: the numeric uid/gid of each entry are applied (the caller runs as root or in a
 * user namespace that maps them).  Directory mtimes are set after all entries.
 *
 * Cost: one read of the blob, 4 MiB of read buffers, memory per directory (its path, for
 * the deferred mtime; capped at 256 MiB), and one helper thread that hashes the blob while
 * entries are written (joined before berth_layer_apply returns, on every path).
 *
 * On failure the destination holds a partial layer: THE CALLER MUST REMOVE dest (e.g.
 * berth_rm_rf_at) and not use it.  src_fd is read to its end on success; its position is
 * undefined on failure.  dest_dirfd may be O_PATH; neither fd is closed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"

enum berth_whiteout_mode {
        BERTH_WHITEOUT_OVERLAY = 0,
        BERTH_WHITEOUT_APPLY = 1,
};

#define BERTH_LAYER_DEFAULT_MAX_SIZE    (64ull << 30) /* 64 GiB uncompressed */
#define BERTH_LAYER_DEFAULT_MAX_RATIO   1000u         /* uncompressed:compressed */
#define BERTH_LAYER_RATIO_GRACE         (64ull << 20) /* ratio checked past 64 MiB */
#define BERTH_LAYER_DEFAULT_MAX_ENTRIES (4u << 20)
#define BERTH_LAYER_PATH_MAX            4096

struct berth_layer_opts {
        enum berth_whiteout_mode whiteout;
        bool allow_devices;   /* create char/block devices (trusted bootstrap layers only) */
        bool keep_setid;      /* keep setuid/setgid bits (default true, like docker) */
        uint64_t max_size;    /* uncompressed bytes; 0 = BERTH_LAYER_DEFAULT_MAX_SIZE */
        uint32_t max_ratio;   /* 0 = BERTH_LAYER_DEFAULT_MAX_RATIO */
        uint64_t max_entries; /* 0 = BERTH_LAYER_DEFAULT_MAX_ENTRIES */
};

/* "sha256:" + 64 hex digits + NUL */
#define BERTH_LAYER_DIGEST_SIZE 72

struct berth_layer_result {
        char digest[BERTH_LAYER_DIGEST_SIZE];  /* sha256 of the bytes read from src_fd */
        char diff_id[BERTH_LAYER_DIGEST_SIZE]; /* sha256 of the uncompressed tar */
        uint64_t compressed_size;              /* bytes read from src_fd */
        uint64_t uncompressed_size;            /* bytes of the tar stream */
        uint64_t entries;                      /* tar entries processed (whiteouts too) */
        const char *compression;               /* "none", "gzip" or "zstd" (static) */
};

/* Defaults: overlay whiteouts, no devices, keep_setid, default caps. */
void berth_layer_opts_init(struct berth_layer_opts *opts);

/* Apply the layer read from src_fd below dest_dirfd (see above).  opts may be NULL for the
 * defaults; res may be NULL.  Errors: -EINVAL (refused entry, bad archive, truncated
 * stream: the message names the entry or the problem), -EFBIG (size, ratio, entry or
 * header caps: "layer expands beyond ..."), -ELOOP / -ENOTDIR (a parent is a symlink or
 * not a directory), -EPERM (device node refused), -ENOENT (hardlink target missing), or
 * the errno of a failed syscall. */
int berth_layer_apply(int src_fd, int dest_dirfd, const struct berth_layer_opts *opts,
                      struct berth_layer_result *res, struct berth_error *err);
