/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fletcher.h"
#include "le.h"

/* The spec's test vector: a v1.2 PFN block with start_pad 64 MiB. */
static void test_spec_vector(void **state)
{
	(void)state;
	uint8_t b[4096] = { 0 };
	memcpy(b, "NVDIMM_PFN_INFO\0", 16);
	for (int i = 0; i < 16; i++) {
		b[16 + i] = (uint8_t)(0x01 + i);
		b[32 + i] = (uint8_t)(0x21 + i);
	}
	ps_put_le16(b + 0x34, 1);
	ps_put_le16(b + 0x36, 2);
	ps_put_le64(b + 0x38, 0x10200000);
	ps_put_le64(b + 0x40, 4111872);
	ps_put_le32(b + 0x48, 2);
	ps_put_le32(b + 0x4c, 0x4000000);
	ps_put_le32(b + 0x54, 0x200000);
	assert_int_equal(ps_fletcher64(b, sizeof(b), 0xff8, 8),
			 0x0f5f3c80c89bb6eaULL);
	/* The stored checksum field is skipped, whatever it holds. */
	ps_put_le64(b + 0xff8, 0xdeadbeefcafef00dULL);
	assert_int_equal(ps_fletcher64(b, sizeof(b), 0xff8, 8),
			 0x0f5f3c80c89bb6eaULL);
}

static void test_small_by_hand(void **state)
{
	(void)state;
	/* words 1, 2, 3: lo = 6, hi = 1 + 3 + 6 = 10 */
	uint8_t b[12] = { 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0 };
	assert_int_equal(ps_fletcher64(b, 12, 12, 0), (10ULL << 32) | 6);
	assert_int_equal(ps_fletcher64(b, 0, 0, 0), 0);
}

static void test_wraps_32_bits(void **state)
{
	(void)state;
	/* lo wraps mod 2^32 and only hi's low 32 bits survive. */
	uint8_t b[8];
	ps_put_le32(b, 0xffffffffu);
	ps_put_le32(b + 4, 2);
	/* lo1 = ffffffff, lo2 = 1; hi = ffffffff + 1 = 1_00000000 -> low 32 = 0 */
	assert_int_equal(ps_fletcher64(b, 8, 8, 0), 1ULL);
}

static void test_one_bit_changes_it(void **state)
{
	(void)state;
	uint8_t b[4096] = { 0 };
	memcpy(b, "NVDIMM_DAX_INFO\0", 16);
	uint64_t c0 = ps_fletcher64(b, 4096, 0xff8, 8);
	b[2000] ^= 0x10;
	assert_true(ps_fletcher64(b, 4096, 0xff8, 8) != c0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vector),
		cmocka_unit_test(test_small_by_hand),
		cmocka_unit_test(test_wraps_32_bits),
		cmocka_unit_test(test_one_bit_changes_it),
	};
	return cmocka_run_group_tests_name("fletcher64", tests, NULL, NULL);
}
