/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references, parsed and normalised the way Docker does it:
 *
 *   busybox                       -> docker.io/library/busybox:latest
 *   me/app:1.0                    -> docker.io/me/app:1.0
 *   localhost:5000/app            -> localhost:5000/app:latest
 *   quay.io/x/y@sha256:<64 hex>   -> quay.io/x/y@sha256:...   (no tag is added)
 *   app:1.0@sha256:...            -> docker.io/library/app:1.0@sha256:...
 *
 * Grammar (the distribution reference grammar):
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] component ( "/" component )*
 *   domain     := host [ ":" port ]; host is DNS labels joined by "." or "[ipv6]"
 *   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" encoded; sha256 needs 64 lowercase hex characters
 * The first part before "/" is a domain when it contains "." or ":" or is "localhost",
 * or when it has any uppercase letter; otherwise the name is on docker.io.  The name is at
 * most 255 characters.
 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"

#define BERTH_REF_NAME_MAX       255
#define BERTH_REF_TAG_MAX        128
#define BERTH_REF_DEFAULT_DOMAIN "docker.io"
#define BERTH_REF_DEFAULT_TAG    "latest"

struct berth_reference {
        char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
        char *path;   /* "library/busybox" */
        char *tag;    /* NULL when a digest was given without a tag */
        char *digest; /* "sha256:<hex>" or NULL */
};

/* Parse and normalise `s`.  With `default_tag` a reference that has neither tag nor
 * digest gets "latest".  Errors (-EINVAL) say what is wrong, in Docker's words where they
 * exist: "invalid reference format: repository name must be lowercase". */
int berth_reference_parse(const char *s, bool default_tag, struct berth_reference *out,
                          struct berth_error *err);

/* Full normalised string "domain/path[:tag][@digest]" (malloc'ed; NULL on ENOMEM). */
char *berth_reference_string(const struct berth_reference *r);
/* "domain/path" only. */
char *berth_reference_name(const struct berth_reference *r);
/* The short form Docker shows: "busybox:latest", "me/app:1.0", "quay.io/x/y:1". */
char *berth_reference_familiar(const struct berth_reference *r);

/* Validate a digest string "algorithm:encoded" (sha256 and sha512 with exact lengths, other
 * registered-shape algorithms refused: berth only verifies sha256/sha512). */
int berth_digest_validate(const char *digest, struct berth_error *err);
/* A tag on its own (for `berth tag`, --tag). */
bool berth_reference_tag_valid(const char *tag);

void berth_reference_clear(struct berth_reference *r);
