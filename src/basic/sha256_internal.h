/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/basic/sha256*.c (and tests): the accelerated block function. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The 64 round constants (FIPS 180-4, 4.2.2). */
extern const uint32_t berth_sha256_k[64];

/* Compress nblocks whole 64-byte blocks with SHA-NI; false (nothing done) when the CPU
 * lacks the instructions or berth_sha256_force_portable(true) is in force. */
bool berth_sha256_shani_blocks(uint32_t state[8], const uint8_t *p, size_t nblocks);
/* Tests: force the portable code (true) or go back to detection (false). */
void berth_sha256_force_portable(bool portable);
