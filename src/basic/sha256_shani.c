/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 whole-block compression with the x86 SHA extensions (SHA-NI), for hashing blobs
 * and layers at disk speed: the portable code in sha256.c runs at ~350 MB/s, slower than
 * extracting an uncompressed layer.  berth_sha256_update() sends whole 64-byte blocks
 * here when the CPU has the instructions (checked once).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "basic/sha256.h"
#include "basic/sha256_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define BERTH_HAVE_SHANI 1
#endif

#include "basic/banned.h"

#ifdef BERTH_HAVE_SHANI

static bool cpu_has_shani(void)
{
        unsigned a, b, c, d;
        if (!__get_cpuid(1, &a, &b, &c, &d))
                return false;
        bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
        if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
                return false;
        return ssse3 && sse41 && (b & (1u << 29));
}

/* The instructions keep the state as two registers, (A,B,E,F) and (C,D,G,H), highest
 * element first; four rounds per group of four message words, the schedule extended with
 * sha256msg1/msg2. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
shani_blocks(uint32_t s[8], const uint8_t *p, size_t nblocks)
{
        const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bll, 0x0405060700010203ll);
        __m128i t = _mm_loadu_si128((const __m128i *)&s[0]); /* a b c d */
        __m128i u = _mm_loadu_si128((const __m128i *)&s[4]); /* e f g h */
        t = _mm_shuffle_epi32(t, 0xB1);                      /* b a d c */
        u = _mm_shuffle_epi32(u, 0x1B);                      /* h g f e */
        __m128i abef = _mm_alignr_epi8(t, u, 8);             /* f e b a */
        __m128i cdgh = _mm_blend_epi16(u, t, 0xF0);          /* h g d c */

        for (; nblocks > 0; nblocks--, p += 64) {
                __m128i save_abef = abef, save_cdgh = cdgh;
                __m128i m[4];
                for (int i = 0; i < 4; i++)
                        m[i] =
                            _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
                for (int g = 0; g < 16; g++) {
                        __m128i w;
                        if (g < 4) {
                                w = m[g];
                        } else {
                                __m128i x = _mm_sha256msg1_epu32(m[g & 3], m[(g + 1) & 3]);
                                x = _mm_add_epi32(
                                    x, _mm_alignr_epi8(m[(g + 3) & 3], m[(g + 2) & 3], 4));
                                w = m[g & 3] = _mm_sha256msg2_epu32(x, m[(g + 3) & 3]);
                        }
                        __m128i k = _mm_add_epi32(
                            w, _mm_loadu_si128((const __m128i *)&berth_sha256_k[4 * g]));
                        /* Two rounds each: the first result is the new (A,B,E,F) and the old
                         * one becomes (C,D,G,H); after the second call the variables hold
                         * their names again. */
                        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
                        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(k, 0x0E));
                }
                abef = _mm_add_epi32(abef, save_abef);
                cdgh = _mm_add_epi32(cdgh, save_cdgh);
        }

        t = _mm_shuffle_epi32(abef, 0x1B);  /* a b e f */
        u = _mm_shuffle_epi32(cdgh, 0xB1);  /* g h c d */
        abef = _mm_blend_epi16(t, u, 0xF0); /* a b c d */
        cdgh = _mm_alignr_epi8(u, t, 8);    /* e f g h */
        _mm_storeu_si128((__m128i *)&s[0], abef);
        _mm_storeu_si128((__m128i *)&s[4], cdgh);
}

static int shani_state = -1; /* -1 unknown, 0 no, 1 yes; benign race: same answer */

bool berth_sha256_shani_blocks(uint32_t state[8], const uint8_t *p, size_t nblocks)
{
        if (shani_state < 0)
                shani_state = cpu_has_shani();
        if (!shani_state)
                return false;
        shani_blocks(state, p, nblocks);
        return true;
}

void berth_sha256_force_portable(bool portable)
{
        shani_state = portable ? 0 : -1;
}

#else

bool berth_sha256_shani_blocks(uint32_t state[8], const uint8_t *p, size_t nblocks)
{
        (void)state, (void)p, (void)nblocks;
        return false;
}

void berth_sha256_force_portable(bool portable)
{
        (void)portable;
}

#endif
