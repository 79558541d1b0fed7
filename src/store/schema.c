/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema, as an ordered list of migrations.  berth_db_migrations[i] takes a database
 * from user_version i to i + 1 inside one transaction.  APPEND ONLY: a released migration
 * is never edited; a change to a table is a new migration (ALTER TABLE, or create-copy-
 * rename) after the last one.
 *
 * Conventions: digests are text "sha256:<64 hex>"; times are unix seconds (INTEGER);
 * sizes are bytes (INTEGER, >= 0).
 */
#include "store/db.h"

#include "basic/banned.h"

/* v1: images, tags, repo digests, layers, the layer stack of each image, blobs. */
static const char migration_1[] =
    /* One row per image; id is the config digest.  `size` is the sum of the unpacked sizes
     * of its layers, computed when recorded, so `berth images` reads no other table. */
    "CREATE TABLE images ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  created INTEGER NOT NULL DEFAULT 0,"
    "  added INTEGER NOT NULL,"
    "  size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),"
    "  config BLOB NOT NULL,"
    "  manifest_digest TEXT,"
    "  manifest_media_type TEXT,"
    "  platform TEXT NOT NULL,"
    "  top_chain_id TEXT"
    ");"
    /* Covers `berth images`: no table lookup per row. */
    "CREATE INDEX images_created ON images(created, id, size);"
    "CREATE INDEX images_manifest ON images(manifest_digest);"
    /* Tags: the full normalised reference, split into repo and tag for --digests joins. */
    "CREATE TABLE image_tags ("
    "  name TEXT PRIMARY KEY NOT NULL,"
    "  repo TEXT NOT NULL,"
    "  tag TEXT NOT NULL,"
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  created INTEGER NOT NULL"
    ");"
    "CREATE INDEX image_tags_image ON image_tags(image_id);"
    /* Repo digests: repo@manifest digest, as a registry names the image. */
    "CREATE TABLE image_digests ("
    "  repo TEXT NOT NULL,"
    "  digest TEXT NOT NULL,"
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (repo, digest)"
    ");"
    "CREATE INDEX image_digests_image ON image_digests(image_id, repo);"
    /* Unpacked layers, shared between images by chain id.  refcount = number of
     * image_layers rows naming the layer.  'incomplete' rows belong to writer_pid while it
     * extracts into <root>/layers/<dir>. */
    "CREATE TABLE layers ("
    "  chain_id TEXT PRIMARY KEY NOT NULL,"
    "  diff_id TEXT NOT NULL,"
    "  parent TEXT REFERENCES layers(chain_id),"
    "  blob_digest TEXT,"
    "  size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),"
    "  dir TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL CHECK (state IN ('ready', 'incomplete')),"
    "  refcount INTEGER NOT NULL DEFAULT 0 CHECK (refcount >= 0),"
    "  writer_pid INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL"
    ");"
    "CREATE INDEX layers_parent ON layers(parent);"
    "CREATE INDEX layers_state ON layers(state, refcount);"
    "CREATE INDEX layers_blob ON layers(blob_digest);"
    "CREATE TABLE image_layers ("
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL CHECK (idx >= 0),"
    "  chain_id TEXT NOT NULL REFERENCES layers(chain_id),"
    "  PRIMARY KEY (image_id, idx)"
    ");"
    "CREATE INDEX image_layers_chain ON image_layers(chain_id);"
    /* Blobs known to the store, and which image holds which blob (manifest, config,
     * compressed layers, the index it came from): a blob no image holds is garbage. */
    "CREATE TABLE blobs ("
    "  digest TEXT PRIMARY KEY NOT NULL,"
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  media_type TEXT,"
    "  added INTEGER NOT NULL"
    ");"
    "CREATE TABLE image_blobs ("
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  digest TEXT NOT NULL REFERENCES blobs(digest),"
    "  PRIMARY KEY (image_id, digest)"
    ");"
    "CREATE INDEX image_blobs_digest ON image_blobs(digest);";

/* v2: containers.  Unlike the image tables, the container times (created, started_at,
 * finished_at) are unix nanoseconds, 0 when not yet reached.  name is stored without
 * Docker's leading '/'; its UNIQUE constraint is the index for lookups by name.  An image
 * cannot be deleted while a container refers to it (no ON DELETE): `rmi` asks
 * berth_containers_image_in_use() first.  config, host_config and labels are JSON text
 * (Docker's Config and HostConfig objects as inspect shows them, labels an object). */
static const char migration_2[] =
    "CREATE TABLE containers ("
    "  id TEXT PRIMARY KEY NOT NULL"
    "    CHECK (length(id) = 64 AND id NOT GLOB '*[^0-9a-f]*'),"
    "  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),"
    "  image_id TEXT NOT NULL REFERENCES images(id),"
    "  image_ref TEXT,"
    "  created INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'created' CHECK (state IN ('created', 'running', 'paused',"
    "    'restarting', 'exited', 'dead')),"
    "  pid INTEGER NOT NULL DEFAULT 0 CHECK (pid >= 0),"
    "  exit_code INTEGER NOT NULL DEFAULT 0,"
    "  started_at INTEGER NOT NULL DEFAULT 0,"
    "  finished_at INTEGER NOT NULL DEFAULT 0,"
    "  oom_killed INTEGER NOT NULL DEFAULT 0 CHECK (oom_killed IN (0, 1)),"
    "  restart_count INTEGER NOT NULL DEFAULT 0 CHECK (restart_count >= 0),"
    "  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),"
    "  host_config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(host_config)),"
    "  labels TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(labels)),"
    "  storage_driver TEXT,"
    "  rw_layer TEXT"
    ");"
    "CREATE INDEX containers_image ON containers(image_id);"
    "CREATE INDEX containers_state ON containers(state);"
    /* `ps` lists newest first. */
    "CREATE INDEX containers_created ON containers(created, id);";

const char *const berth_db_migrations[] = {
    migration_1,
    migration_2,
};

const unsigned berth_db_n_migrations = sizeof(berth_db_migrations) / sizeof(berth_db_migrations[0]);
