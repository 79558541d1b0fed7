/* SPDX-License-Identifier: Apache-2.0 */
/* berth_runspec_build(): the image config's runtime defaults as a berth_runspec_image. */
#include "engine/runspec.h"
#include "image/manifest.h"
#include "basic/banned.h"

int berth_runspec_build(const struct berth_image_config *img, const struct berth_run_opts *o,
                        int rootfs_fd, const struct berth_runspec_host *host, json_t **out,
                        struct berth_error *err)
{
        struct berth_runspec_image view = {0};
        if (img) {
                view.env = img->env;
                view.entrypoint = img->entrypoint;
                view.cmd = img->cmd;
                view.user = img->user;
                view.working_dir = img->working_dir;
        }
        return berth_runspec_build_from(img ? &view : NULL, o, rootfs_fd, host, out, err);
}
