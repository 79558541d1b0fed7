/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "basic/sha256.h"
#include "basic/sha256_internal.h"
#include "basic/banned.h"

static void hex_of(const void *data, size_t len, char out[BERTH_SHA256_HEX_SIZE])
{
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        berth_sha256(data, len, d);
        berth_sha256_hex(d, out);
}

/* FIPS 180-2 appendix B vectors and a few lengths around the padding boundary
 * (expected values cross-checked with coreutils sha256sum). */
static void test_vectors(void **state)
{
        char hex[BERTH_SHA256_HEX_SIZE];
        hex_of("", 0, hex);
        assert_string_equal(hex,
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        hex_of("abc", 3, hex);
        assert_string_equal(hex,
                            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        hex_of(two, strlen(two), hex);
        assert_string_equal(hex,
                            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        char buf[64];
        memset(buf, 'a', sizeof(buf));
        hex_of(buf, 55, hex);
        assert_string_equal(hex,
                            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
        hex_of(buf, 56, hex);
        assert_string_equal(hex,
                            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
        hex_of(buf, 64, hex);
        assert_string_equal(hex,
                            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

/* One million 'a' fed in uneven pieces: the streaming path must match the one-shot one. */
static void test_streaming(void **state)
{
        struct berth_sha256 h;
        berth_sha256_init(&h);
        char chunk[997];
        memset(chunk, 'a', sizeof(chunk));
        size_t left = 1000000;
        size_t step = 1;
        while (left > 0) {
                size_t n = step < left ? step : left;
                if (n > sizeof(chunk))
                        n = sizeof(chunk);
                berth_sha256_update(&h, chunk, n);
                left -= n;
                step = step * 7 % 1000 + 1;
        }
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        char hex[BERTH_SHA256_HEX_SIZE];
        berth_sha256_final(&h, d);
        berth_sha256_hex(d, hex);
        assert_string_equal(hex,
                            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* The same vectors through the portable block function (the default path uses SHA-NI
 * where the CPU has it). */
static void test_vectors_portable(void **state)
{
        berth_sha256_force_portable(true);
        test_vectors(state);
        berth_sha256_force_portable(false);
}

static void test_streaming_portable(void **state)
{
        berth_sha256_force_portable(true);
        test_streaming(state);
        berth_sha256_force_portable(false);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_vectors),
            cmocka_unit_test(test_streaming),
            cmocka_unit_test(test_vectors_portable),
            cmocka_unit_test(test_streaming_portable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
