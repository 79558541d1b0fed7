/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Moving images in and out of the store without a registry: load and save archives
 * (docker-archive, oci-archive, an OCI layout directory), import a root filesystem tarball,
 * and bootstrap berth's built-in images.
 *
 * Every operation that adds to the store follows the store's protocol (src/image/image.h):
 * blobs written and verified first, layers claimed, unpacked with berth_layer_apply and
 * marked ready, then the image recorded in one transaction, so a process killed at any
 * point leaves the store as it was plus garbage that berth_image_gc() collects.
 * Progress is reported through an optional callback; library code never prints.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"
#include "image/image.h"

/* Called as work advances: `what` is a short id ("sha256:ab12..." of a layer, or a step
 * name), done/total in bytes (total 0 when unknown), `phase` "Loading layer", "Copying",
 * "Writing manifest", "Loaded image: busybox:latest" (done == total == 0 for a message). */
typedef void (*berth_progress_fn)(void *userdata, const char *phase, const char *what,
                                  uint64_t done, uint64_t total);

enum berth_archive_format {
        BERTH_ARCHIVE_AUTO,    /* load: detect from content */
        BERTH_ARCHIVE_DOCKER,  /* docker-archive: manifest.json + <id>.json + layer tars */
        BERTH_ARCHIVE_OCI,     /* oci-archive: a tar of an OCI image layout */
        BERTH_ARCHIVE_OCI_DIR, /* an OCI image layout directory (save only: path is a dir) */
};

struct berth_load_result {
        char **images; /* references loaded ("docker.io/library/busybox:latest"), or image
                          ids ("sha256:...") for untagged ones; NULL-terminated */
};
void berth_load_result_clear(struct berth_load_result *r);

/* Load every image in the archive read from fd (a file or a pipe: stream it; do not need
 * to seek).  Tags inside the archive are kept (docker-archive RepoTags, OCI
 * org.opencontainers.image.ref.name / io.containerd.image.name annotations).  Digests are
 * verified; anything malformed is refused with a message naming it, and nothing already
 * stored changes. */
int berth_image_load(struct berth_image_store *s, int fd, enum berth_archive_format fmt,
                     berth_progress_fn progress, void *userdata, struct berth_load_result *out,
                     struct berth_error *err);

/* Save the named images (references or ids; one archive may hold several) to fd, or for
 * BERTH_ARCHIVE_OCI_DIR into the directory dir_path (created if missing).  The bytes of
 * manifests, configs and layers are written exactly as stored, so image ids and digests
 * survive a save/load round trip unchanged. */
int berth_image_save(struct berth_image_store *s, char *const *names, enum berth_archive_format fmt,
                     int fd, const char *dir_path, berth_progress_fn progress, void *userdata,
                     struct berth_error *err);

struct berth_import_opts {
        char **changes;       /* Dockerfile-like "CMD [\"sh\"]", "ENV A=b", "WORKDIR /x", "EXPOSE
                                 80/tcp", "USER u", "LABEL k=v", "VOLUME /data", "ENTRYPOINT ..." */
        const char *message;  /* -m: the history comment */
        const char *tag;      /* reference to tag the result, or NULL */
        const char *platform; /* "linux/amd64" default: the host */
};

/* Import a root filesystem tarball (plain, gzip or zstd) read from fd as a one-layer image.
 * *id_out gets the new image id ("sha256:..."). */
int berth_image_import(struct berth_image_store *s, int fd, const struct berth_import_opts *opts,
                       berth_progress_fn progress, void *userdata, char **id_out,
                       struct berth_error *err);

/* Make one of berth's built-in images with no registry: "busybox" (from Debian's
 * busybox-static: /bin/busybox and one link per applet, /etc/passwd and group, Cmd ["sh"])
 * tagged as `tag` (default "docker.io/library/busybox:latest").  The result is
 * reproducible: the same busybox binary gives the same image id.
 * "debian:bookworm" (or "debian"): `debootstrap --variant=minbase bookworm` from
 * deb.debian.org (needs the debootstrap package and that archive; takes ~40 s; not
 * reproducible), Cmd ["bash"], default tag "docker.io/library/debian:bookworm".
 * Unknown names are -ENOENT listing the known ones. */
int berth_image_bootstrap(struct berth_image_store *s, const char *name, const char *tag,
                          char **id_out, struct berth_error *err);
