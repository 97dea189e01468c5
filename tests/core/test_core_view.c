/*
 * test_core_view: strided views of the copy core (core/view.c): what a view may be, the
 * common shape of two views (merging contiguous dimensions, packing and unpacking, shapes
 * that differ), and the walk over blocks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static char buf[1 << 16];

static void test_view_checks(void **state)
{
	char msg[192];
	ferry_view v = ferry_view_2d(buf, 0, 10, 5, 4);

	assert_false(ferry__view_check(&v, "src", msg, sizeof(msg)));
	assert_string_equal(msg, "src: stride[1] = 4 is smaller than the 10 bytes spanned by the "
				 "dimensions below it (the view overlaps itself)");
	v = ferry_view_2d(buf, 0, 10, 1, 4);	/* one row: its pitch does not matter */
	assert_true(ferry__view_check(&v, "src", msg, sizeof(msg)));
	v.ndim = 0;
	assert_false(ferry__view_check(&v, "dst", msg, sizeof(msg)));
	assert_string_equal(msg, "dst: ndim 0 is out of range (1..8)");
	v = ferry_view_1d(NULL, 0, 5);
	assert_false(ferry__view_check(&v, "dst", msg, sizeof(msg)));
	assert_string_equal(msg, "dst: the pointer is NULL");
	v = ferry_view_1d(NULL, 0, 0);		/* nothing to copy: NULL is fine */
	assert_true(ferry__view_check(&v, "dst", msg, sizeof(msg)));
	v = ferry_view_2d(buf, 0, SIZE_MAX / 2, 3, SIZE_MAX / 2);
	assert_false(ferry__view_check(&v, "src", msg, sizeof(msg)));
	assert_string_equal(msg, "src: the extents overflow size_t");
	assert_false(ferry__view_check(NULL, "src", msg, sizeof(msg)));
	v = ferry_view_3d(buf, 0, 4, 3, 2, 8, 30);
	assert_true(ferry__view_check(&v, "src", msg, sizeof(msg)));
	assert_int_equal(ferry__view_span(&v), 30 + 2 * 8 + 4);
}

static void test_shape_merges_contiguous_dims(void **state)
{
	struct ferry__shape sh;
	char msg[192];
	ferry_view d = ferry_view_3d(buf, 0, 16, 4, 3, 16, 64);	/* contiguous */
	ferry_view s = ferry_view_3d(buf, 0, 16, 4, 3, 32, 128);

	assert_true(ferry__shape_make(&d, &s, &sh, msg, sizeof(msg)));
	/* src's slices are whole rows apart: rows and slices merge into 12 rows */
	assert_int_equal(sh.ndim, 2);
	assert_int_equal(sh.total, 16 * 4 * 3);
	assert_int_equal(sh.extent[1], 12);
	/* d is contiguous: packed strides in src's shape */
	assert_int_equal(sh.dstride[1], 16);
	assert_int_equal(sh.sstride[1], 32);
	/* slices that are not whole rows apart stay a dimension */
	s = ferry_view_3d(buf, 0, 16, 4, 3, 32, 130);
	assert_true(ferry__shape_make(&d, &s, &sh, msg, sizeof(msg)));
	assert_int_equal(sh.ndim, 3);
	assert_int_equal(sh.dstride[2], 64);
	assert_int_equal(sh.sstride[2], 130);
	/* both contiguous: one dimension */
	s = ferry_view_2d(buf, 0, 16, 4, 16);
	d = ferry_view_1d(buf, 0, 64);
	assert_true(ferry__shape_make(&d, &s, &sh, msg, sizeof(msg)));
	assert_int_equal(sh.ndim, 1);
	assert_int_equal(sh.extent[0], 64);
	assert_int_equal(ferry__blocks(&sh, 1), 1);
}

static void test_shape_mismatch_named(void **state)
{
	struct ferry__shape sh;
	char msg[192];
	ferry_view d = ferry_view_2d(buf, 0, 8, 6, 16);
	ferry_view s = ferry_view_2d(buf, 0, 12, 4, 16);

	assert_false(ferry__shape_make(&d, &s, &sh, msg, sizeof(msg)));
	assert_string_equal(msg, "dst and src have different shapes (2 and 2 dimensions after "
				 "merging the contiguous ones) and neither is contiguous");
	s = ferry_view_2d(buf, 0, 8, 5, 16);
	assert_false(ferry__shape_make(&d, &s, &sh, msg, sizeof(msg)));
	assert_string_equal(msg, "dst holds 48 bytes but src holds 40");
}

static void test_blocks_walk_every_row(void **state)
{
	struct ferry__shape sh;
	char msg[192];
	ferry_view d, s;
	size_t so, doff;

	memset(&d, 0, sizeof(d));
	d.ptr = buf;
	d.ndim = 4;
	d.extent[0] = 2;
	d.extent[1] = 3;
	d.extent[2] = 2;
	d.extent[3] = 2;
	d.stride[1] = 4;
	d.stride[2] = 20;
	d.stride[3] = 50;
	s = ferry_view_1d(buf + 1000, 0, 24);
	assert_true(ferry__shape_make(&d, &s, &sh, msg, sizeof(msg)));
	assert_int_equal(sh.ndim, 4);
	assert_int_equal(ferry__blocks(&sh, 1), 12);
	assert_int_equal(ferry__blocks(&sh, 2), 4);
	assert_int_equal(ferry__blocks(&sh, 3), 2);
	ferry__block_offset(&sh, 1, 5, &so, &doff);	/* row 2 of slice 1 of block 0 */
	assert_int_equal(doff, 2 * 4 + 1 * 20);
	assert_int_equal(so, 5 * 2);
	ferry__block_offset(&sh, 2, 3, &so, &doff);
	assert_int_equal(doff, 20 + 50);
	assert_int_equal(so, 3 * 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_checks),
		cmocka_unit_test(test_shape_merges_contiguous_dims),
		cmocka_unit_test(test_shape_mismatch_named),
		cmocka_unit_test(test_blocks_walk_every_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
