/*
 * self_test.h: the sizes of the copies the peer self-test makes (core/peer.c), in one place:
 * the enumerator (tools/fault_runs.c) damages exactly these copies, one at a time, to show that
 * the self-test catches every one. No CUDA here.
 */
#ifndef FERRY_SELF_TEST_H
#define FERRY_SELF_TEST_H

#include <stddef.h>

/* a byte, a few, a page and some, a MiB and some, past a staging chunk */
#define FERRY__SELF_TEST_NSIZES 5

static inline void ferry__self_test_sizes(size_t chunk_bytes, size_t out[FERRY__SELF_TEST_NSIZES])
{
	out[0] = 1;
	out[1] = 3;
	out[2] = 4096 + 5;
	out[3] = ((size_t)1 << 20) + 3;
	out[4] = chunk_bytes + 4097;
}

/* The first of them whose size no scenario would copy by chance (1 and 3 bytes are common):
 * those the enumerator can pick out with a size filter. */
#define FERRY__SELF_TEST_FIRST_DISTINCT 2

#endif
