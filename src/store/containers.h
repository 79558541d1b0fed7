/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container records in the state database (table `containers`, schema migration 2).
 *
 * Pure storage: no lifecycle, no processes.  Every function runs in its own transaction or,
 * when the caller has one open (berth_db_begin), inside it as a savepoint.
 *
 * Identity: the id is 64 lower-case hex characters from getrandom(2).  The name is stored
 * without Docker's leading '/' and must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading '/'
 * is accepted and dropped).  Lookups (berth_containers_get) take a full id, a name with
 * or without the '/', or a unique id prefix, in that order of precedence.
 *
 * Times are unix nanoseconds, 0 when not reached.  State is one of "created", "running",
 * "paused", "restarting", "exited", "dead".
 *
 * Errors: -EEXIST for a name in use, with Docker's wording:
 *   Conflict. The container name "/web" is already in use by container "<id>". You have to
 *   remove (or rename) that container to be able to reuse that name.
 * -ENOENT "no such container: <x>" (and "no such image: <id>" from insert); -EINVAL for a
 * bad name, state or JSON text, or an ambiguous id prefix; others as in store/db.h.  The
 * schema's foreign key also refuses a row naming an unknown image, and an image row cannot
 * be deleted while a container refers to it (-EINVAL from SQLite).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "store/db.h"

#define BERTH_CONTAINER_ID_LEN 64

/* One container.  Every string is owned by the record (malloc'ed; NULL when unset). */
struct berth_container_rec {
        char *id;        /* 64 hex */
        char *name;      /* without the leading '/' */
        char *image_id;  /* images.id ("sha256:<hex>") */
        char *image_ref; /* what the user typed, e.g. "busybox" (may be NULL) */
        int64_t created; /* ns */
        char *state;     /* see above */
        int64_t pid;     /* 0 when not running */
        int64_t exit_code;
        int64_t started_at;  /* ns */
        int64_t finished_at; /* ns */
        bool oom_killed;
        int64_t restart_count;
        char *config;      /* JSON object text; "{}" when inserted as NULL */
        char *host_config; /* JSON object text; "{}" when inserted as NULL */
        char *labels;      /* JSON object text; "{}" when inserted as NULL */
        char *storage_driver;
        char *rw_layer;
};

/* Frees the strings and zeroes the record (NULL fine). */
void berth_container_rec_clear(struct berth_container_rec *rec);
/* Clears each of n records and frees the array (NULL fine). */
void berth_container_recs_free(struct berth_container_rec *recs, size_t n);

/* Docker's name rule [a-zA-Z0-9][a-zA-Z0-9_.-]+ (so at least two characters), without
 * the leading '/'.  At most 255 characters. */
bool berth_container_name_valid(const char *name);
bool berth_container_state_valid(const char *state);

/* Record a new container.  In: rec->image_id (required, must be in images), rec->name
 * (NULL: generated "adjective_noun", with a numeric suffix if taken), rec->state (NULL:
 * "created"), rec->created (0: now), and the other fields as given (NULL JSON -> "{}").
 * rec->id must be NULL: a fresh id is generated.  On success rec->id and rec->name (without
 * '/') are filled and owned by rec; on failure rec is as it was. */
int berth_containers_insert(struct berth_db *db, struct berth_container_rec *rec,
                            struct berth_error *err);

/* Look up by full id, by name ("/web" or "web"), or by a unique prefix of the id.  *out is
 * filled (owned: berth_container_rec_clear).  -ENOENT "no such container: x"; -EINVAL for
 * a prefix matching several containers. */
int berth_containers_get(struct berth_db *db, const char *ref, struct berth_container_rec *out,
                         struct berth_error *err);

/* All containers (running_only false) or only those up (state running, paused or
 * restarting, as `docker ps` without -a), newest first (created, then id, descending).
 * *out is an array of *n_out records (NULL when 0): berth_container_recs_free. */
int berth_containers_list(struct berth_db *db, bool running_only, struct berth_container_rec **out,
                          size_t *n_out, struct berth_error *err);

/* The state columns set by the lifecycle. */
struct berth_container_status {
        const char *state; /* required */
        int64_t pid;
        int64_t exit_code;
        int64_t started_at;
        int64_t finished_at;
        bool oom_killed;
        int64_t restart_count;
};

/* Overwrite the state columns of container `id` (full id).  -ENOENT when there is none. */
int berth_containers_update_state(struct berth_db *db, const char *id,
                                  const struct berth_container_status *st, struct berth_error *err);

/* Rename container `id` (full id) to new_name ('/' optional).  -EINVAL for a bad name or
 * the container's current name, -EEXIST (Docker's conflict message) when taken, -ENOENT
 * when there is no such container. */
int berth_containers_rename(struct berth_db *db, const char *id, const char *new_name,
                            struct berth_error *err);

/* Delete the record of container `id` (full id).  -ENOENT when there is none. */
int berth_containers_remove(struct berth_db *db, const char *id, struct berth_error *err);

/* 1 when a container uses image_id (then *container_out, if not NULL, is the id of the
 * newest such container, owned by the caller), 0 when none does, or a negative errno. */
int berth_containers_image_in_use(struct berth_db *db, const char *image_id, char **container_out,
                                  struct berth_error *err);
