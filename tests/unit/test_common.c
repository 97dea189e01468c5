/*
 * test_common: the parsers shared by the simulator and the interposer (common/common.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"

static void test_common_parse_u64_bounds(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_true(ferry__parse_u64("0", 0, 10, &v));
	assert_int_equal(v, 0);
	assert_true(ferry__parse_u64("10", 0, 10, &v));
	assert_int_equal(v, 10);
	assert_false(ferry__parse_u64("11", 0, 10, &v));
	assert_false(ferry__parse_u64("", 0, 10, &v));
	assert_false(ferry__parse_u64("-1", 0, 10, &v));
	assert_false(ferry__parse_u64("3x", 0, 10, &v));
	assert_false(ferry__parse_u64(" 3", 0, 10, &v));
	assert_false(ferry__parse_u64("99999999999999999999999", 0, UINT64_MAX, &v));
	assert_true(ferry__parse_u64("18446744073709551615", 0, UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
}

static void test_common_parse_size_units(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_true(ferry__parse_size("4096", &v));
	assert_int_equal(v, 4096);
	assert_true(ferry__parse_size("4K", &v));
	assert_int_equal(v, 4096);
	assert_true(ferry__parse_size("2m", &v));
	assert_int_equal(v, 2 << 20);
	assert_true(ferry__parse_size("80G", &v));
	assert_true(v == 80ULL << 30);
	assert_true(ferry__parse_size("1TiB", &v));
	assert_true(v == 1ULL << 40);
	assert_true(ferry__parse_size("3MB", &v));
	assert_int_equal(v, 3 << 20);
}

static void test_common_parse_size_rejects(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_false(ferry__parse_size("", &v));
	assert_false(ferry__parse_size("G", &v));
	assert_false(ferry__parse_size("12Q", &v));
	assert_false(ferry__parse_size("1GG", &v));
	assert_false(ferry__parse_size("1.5G", &v));
	assert_false(ferry__parse_size("-1", &v));
	assert_false(ferry__parse_size("99999999999T", &v)); /* overflows 64 bits */
}

static void test_common_peers_all_none(void **state)
{
	bool m[16];

	(void)state;
	char err[256];
	assert_true(ferry__parse_peers("all", 4, m, err, sizeof(err)));
	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 4; b++)
			assert_int_equal(m[a * 4 + b], a != b);
	assert_true(ferry__parse_peers("none", 4, m, err, sizeof(err)));
	for (int i = 0; i < 16; i++)
		assert_false(m[i]);
}

static void test_common_peers_list(void **state)
{
	bool m[16];
	char err[256];

	(void)state;
	assert_true(ferry__parse_peers("0-1,2-3,1>2", 4, m, err, sizeof(err)));
	assert_true(m[0 * 4 + 1] && m[1 * 4 + 0]);
	assert_true(m[2 * 4 + 3] && m[3 * 4 + 2]);
	assert_true(m[1 * 4 + 2]);
	assert_false(m[2 * 4 + 1]);	/* one way only */
	assert_false(m[0 * 4 + 2]);	/* unlisted */
}

static void test_common_peers_errors_name_position(void **state)
{
	bool m[16];
	char err[256];

	(void)state;
	assert_false(ferry__parse_peers("0-1,2-9", 4, m, err, sizeof(err)));
	assert_non_null(strstr(err, "position 5"));
	assert_non_null(strstr(err, "'0-1,2-9'"));
	assert_false(ferry__parse_peers("0-0", 4, m, err, sizeof(err)));
	assert_non_null(strstr(err, "A != B"));
	assert_false(ferry__parse_peers("0-1,", 4, m, err, sizeof(err)));
	assert_false(ferry__parse_peers("0~1", 4, m, err, sizeof(err)));
	assert_false(ferry__parse_peers("0-1 ", 4, m, err, sizeof(err)));
	assert_false(ferry__parse_peers("", 4, m, err, sizeof(err)));
	assert_false(ferry__parse_peers("some", 4, m, err, sizeof(err)));
}

static void test_common_nearest(void **state)
{
	static const char *const names[] = { "FERRY_SIM_DEVICES", "FERRY_SIM_MEM",
					     "FERRY_SIM_SEED" };

	(void)state;
	assert_string_equal(ferry__nearest("FERRY_SIM_DEVICE", names, 3), "FERRY_SIM_DEVICES");
	assert_string_equal(ferry__nearest("ferry_sim_seed", names, 3), "FERRY_SIM_SEED");
	assert_null(ferry__nearest("SOMETHING_ELSE_ENTIRELY", names, 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_parse_u64_bounds),
		cmocka_unit_test(test_common_parse_size_units),
		cmocka_unit_test(test_common_parse_size_rejects),
		cmocka_unit_test(test_common_peers_all_none),
		cmocka_unit_test(test_common_peers_list),
		cmocka_unit_test(test_common_peers_errors_name_position),
		cmocka_unit_test(test_common_nearest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
