/* Internet checksum (RFC 1071/1624) and CRC-32. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/csum.h"

/* RFC 1071 1.3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2. */
static void test_rfc1071_example(void **state)
{
    (void)state;
    const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    uint32_t s = csum_partial(d, sizeof(d), 0);
    assert_int_equal(csum_fold(s), (uint16_t)~0xddf2);
    assert_int_equal(csum_buf(d, sizeof(d)), 0x220d);
}

static void test_crc32_check_value(void **state)
{
    (void)state;
    assert_int_equal(crc32_ieee("123456789", 9), 0xCBF43926u);
    assert_int_equal(crc32_ieee("", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_example),
        cmocka_unit_test(test_crc32_check_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
