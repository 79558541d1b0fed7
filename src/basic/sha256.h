/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4), streaming: init, update any number of times, final.  Used for the
 * seccomp cache key and for content digests.  No allocation; the context is plain data.
 *
 *     struct berth_sha256 h;
 *     uint8_t d[BERTH_SHA256_DIGEST_SIZE];
 *     berth_sha256_init(&h);
 *     berth_sha256_update(&h, buf, len);
 *     berth_sha256_final(&h, d);
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define BERTH_SHA256_DIGEST_SIZE 32
#define BERTH_SHA256_HEX_SIZE    65 /* 64 hex digits and the NUL */

struct berth_sha256 {
        uint32_t state[8];
        uint64_t total; /* bytes fed so far */
        uint8_t block[64];
        size_t fill; /* bytes waiting in block */
};

void berth_sha256_init(struct berth_sha256 *h);
void berth_sha256_update(struct berth_sha256 *h, const void *data, size_t len);
/* Writes the digest; the context must be re-initialised before reuse. */
void berth_sha256_final(struct berth_sha256 *h, uint8_t out[BERTH_SHA256_DIGEST_SIZE]);

/* One-shot helpers. */
void berth_sha256(const void *data, size_t len, uint8_t out[BERTH_SHA256_DIGEST_SIZE]);
/* Lower-case hex of a digest into out (BERTH_SHA256_HEX_SIZE bytes, NUL-terminated). */
void berth_sha256_hex(const uint8_t digest[BERTH_SHA256_DIGEST_SIZE],
                      char out[BERTH_SHA256_HEX_SIZE]);
