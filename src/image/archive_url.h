/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth import URL`: a root filesystem tarball downloaded over http or https with libcurl
 * and streamed (through a pipe, never held in memory) into the import.  archive_url.c is
 * linked into the berth-archive helper only, so that `berth` itself never maps libcurl.
 */
#pragma once

#include "basic/error.h"
#include "image/archive.h"
#include "image/image.h"

/* Called by the import once the whole stream has been read and stored, before anything is
 * unpacked or committed: returns < 0 (and fills err) if the producer of the stream failed,
 * so that a truncated or failed download never becomes an image. */
typedef int (*berth_import_wait_fn)(void *data, struct berth_error *err);

/* berth_image_import with the history's "Imported from SOURCE" and an optional wait hook
 * (archive_import.c).  Errors are not prefixed. */
int berth_image_import_source(struct berth_image_store *s, int fd,
                              const struct berth_import_opts *opts, const char *source,
                              berth_import_wait_fn wait, void *wait_data,
                              berth_progress_fn progress, void *userdata, char **id_out,
                              struct berth_error *err);

/* True if s is an http:// or https:// URL (case-insensitive scheme). */
bool berth_image_url_is_http(const char *s);

/* Download url (http or https only, also for redirects; at most 5 redirects; no
 * credentials, no .netrc, no proxy; connect timeout 30 s; aborts below 1 KiB/s for 60 s)
 * and import it like berth_image_import.  HTTP status >= 400 fails with
 * "import URL: HTTP 404".  Progress: ("Copying", "rootfs", bytes, total or 0). */
int berth_image_import_url(struct berth_image_store *s, const char *url,
                           const struct berth_import_opts *opts, berth_progress_fn progress,
                           void *userdata, char **id_out, struct berth_error *err);
