/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The archive verbs' table entries: load, save, import, image bootstrap.  Their bodies need
 * libarchive (through src/image/archive.h), which costs ~3 MB of resident memory just to
 * map; so `berth` parses and checks their flags and then hands the whole command line to
 * the berth-archive helper (cli_archive_exec.c), which is the same program with the bodies
 * linked in (image_archive.c).  Every other verb runs in `berth` without libarchive.
 */
#include <stddef.h>

#include "cli/berth/cli.h"
#include "cli/berth/verbs.h"
#include "basic/banned.h"

static const struct berth_cli_opt load_opts[] = {
    {"input", 'i', BERTH_OPT_STRING, "string", "Read from tar archive file, instead of STDIN",
     NULL},
    {"quiet", 'q', BERTH_OPT_BOOL, NULL, "Suppress the load output", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct berth_cli_opt save_opts[] = {
    {"format", 0, BERTH_OPT_STRING, "string",
     "Archive format: docker-archive, oci-archive or oci-dir (a directory, with -o)",
     "\"docker-archive\""},
    {"output", 'o', BERTH_OPT_STRING, "string", "Write to a file, instead of STDOUT", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct berth_cli_opt import_opts[] = {
    {"change", 'c', BERTH_OPT_STRV, "list", "Apply Dockerfile instruction to the created image",
     NULL},
    {"message", 'm', BERTH_OPT_STRING, "string", "Set commit message for imported image", NULL},
    {"platform", 0, BERTH_OPT_STRING, "string", "Set platform (os/arch[/variant])", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct berth_cli_opt bootstrap_opts[] = {
    {"tag", 't', BERTH_OPT_STRING, "string", "Tag the image as this reference",
     "\"busybox:latest\""},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct berth_cli_verb berth_verb_image_load = {
    .names = (const char *const[]){"image load", "load", NULL},
    .usage = "[OPTIONS]",
    .summary = "Load an image from a tar archive or STDIN",
    .opts = load_opts,
    .min_args = 0,
    .max_args = 0,
    .run = berth_cli_archive_run,
};

const struct berth_cli_verb berth_verb_image_save = {
    .names = (const char *const[]){"image save", "save", NULL},
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
    .opts = save_opts,
    .min_args = 1,
    .max_args = -1,
    .run = berth_cli_archive_run,
};

const struct berth_cli_verb berth_verb_image_import = {
    .names = (const char *const[]){"image import", "import", NULL},
    .usage = "[OPTIONS] FILE|-|http(s)://URL|file://PATH [REPOSITORY[:TAG]]",
    .summary = "Import the contents from a tarball (a file, STDIN or a URL) to create a "
               "filesystem image",
    .opts = import_opts,
    .min_args = 1,
    .max_args = 2,
    .run = berth_cli_archive_run,
};

const struct berth_cli_verb berth_verb_image_bootstrap = {
    .names = (const char *const[]){"image bootstrap", NULL},
    .usage = "[OPTIONS] busybox",
    .summary = "Make one of berth's built-in images without a registry",
    .opts = bootstrap_opts,
    .min_args = 1,
    .max_args = 1,
    .run = berth_cli_archive_run,
};
