/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hash the blob's bytes on a second thread while the main thread extracts: a ring of
 * LAYER_HASHER_NBUF read buffers; the reader fills buffer k, hands it over, and before it
 * reuses a buffer waits until the hasher is done with it.  libarchive only keeps the block
 * returned by the latest read callback, so a buffer four reads old is free on that side.
 * If the thread cannot be started, hashing happens inline.  The thread never outlives
 * berth_layer_apply (layer_hasher_stop joins it on every path).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "basic/sha256.h"
#include "image/layer_internal.h"
#include "basic/banned.h"

static void *hasher_main(void *arg)
{
        struct layer_hasher *hs = arg;
        pthread_mutex_lock(&hs->lock);
        for (;;) {
                while (hs->done == hs->submitted && !hs->stop)
                        pthread_cond_wait(&hs->cond, &hs->lock);
                if (hs->done == hs->submitted)
                        break; /* stop, and nothing left */
                size_t i = hs->done % LAYER_HASHER_NBUF;
                size_t len = hs->len[i];
                pthread_mutex_unlock(&hs->lock);
                berth_sha256_update(hs->h, hs->bufs + i * hs->bufsize, len);
                pthread_mutex_lock(&hs->lock);
                hs->done++;
                pthread_cond_broadcast(&hs->cond);
        }
        pthread_mutex_unlock(&hs->lock);
        return NULL;
}

int layer_hasher_start(struct layer_hasher *hs, struct berth_sha256 *h, size_t bufsize)
{
        memset(hs, 0, sizeof(*hs));
        hs->h = h;
        hs->bufsize = bufsize;
        hs->bufs = malloc(LAYER_HASHER_NBUF * bufsize);
        if (!hs->bufs)
                return -ENOMEM;
        pthread_mutex_init(&hs->lock, NULL);
        pthread_cond_init(&hs->cond, NULL);
        hs->threaded = pthread_create(&hs->thread, NULL, hasher_main, hs) == 0;
        return 0;
}

uint8_t *layer_hasher_buffer(struct layer_hasher *hs)
{
        if (!hs->threaded)
                return hs->bufs;
        pthread_mutex_lock(&hs->lock);
        while (hs->submitted - hs->done >= LAYER_HASHER_NBUF)
                pthread_cond_wait(&hs->cond, &hs->lock);
        pthread_mutex_unlock(&hs->lock);
        return hs->bufs + (hs->submitted % LAYER_HASHER_NBUF) * hs->bufsize;
}

void layer_hasher_submit(struct layer_hasher *hs, size_t len)
{
        if (!hs->threaded) {
                berth_sha256_update(hs->h, hs->bufs, len);
                return;
        }
        if (len == 0)
                return;
        pthread_mutex_lock(&hs->lock);
        hs->len[hs->submitted % LAYER_HASHER_NBUF] = len;
        hs->submitted++;
        pthread_cond_broadcast(&hs->cond);
        pthread_mutex_unlock(&hs->lock);
}

void layer_hasher_stop(struct layer_hasher *hs)
{
        if (!hs->bufs)
                return;
        if (hs->threaded) {
                pthread_mutex_lock(&hs->lock);
                hs->stop = true;
                pthread_cond_broadcast(&hs->cond);
                pthread_mutex_unlock(&hs->lock);
                pthread_join(hs->thread, NULL);
                hs->threaded = false;
        }
        pthread_cond_destroy(&hs->cond);
        pthread_mutex_destroy(&hs->lock);
        free(hs->bufs);
        hs->bufs = NULL;
}
