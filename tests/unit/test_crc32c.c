/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "crc32c.h"
#include "le.h"

/* The check value of the CRC-32C catalogue and RFC 3720's (iSCSI) vectors:
 * 32 zero bytes, 32 bytes of 0xff. */
static void test_known_vectors(void **state)
{
	(void)state;
	uint8_t z[32] = { 0 }, f[32];
	memset(f, 0xff, sizeof(f));
	assert_int_equal(ps_crc32c(~0u, "123456789", 9) ^ ~0u, 0xE3069283u);
	assert_int_equal(ps_crc32c(~0u, z, sizeof(z)) ^ ~0u, 0x8A9136AAu);
	assert_int_equal(ps_crc32c(~0u, f, sizeof(f)) ^ ~0u, 0x62A8AB43u);
	/* in pieces: the same as at once */
	assert_int_equal(ps_crc32c(ps_crc32c(~0u, "1234", 4), "56789", 5),
			 ps_crc32c(~0u, "123456789", 9));
}

/* An XFS CRC: the field read as zero, the result inverted, little-endian. */
static void test_xfs_field(void **state)
{
	(void)state;
	uint8_t b[512];
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 3);
	memset(b + 224, 0, 4);
	ps_put_le32(b + 224, ~ps_crc32c(~0u, b, sizeof(b)));
	assert_true(ps_xfs_crc_ok(b, sizeof(b), 224));
	b[300] ^= 1;
	assert_false(ps_xfs_crc_ok(b, sizeof(b), 224));
	b[300] ^= 1;
	b[225] ^= 0x80;		/* the stored CRC itself */
	assert_false(ps_xfs_crc_ok(b, sizeof(b), 224));
	/* a field beyond the buffer never matches */
	assert_false(ps_xfs_crc_ok(b, 226, 224));
	assert_false(ps_xfs_crc_ok(b, 100, 224));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_xfs_field),
	};
	return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
