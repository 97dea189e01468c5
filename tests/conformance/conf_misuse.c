/*
 * conf_misuse.c: conformance of copies and memsets whose pointers do not fit the call.
 *
 * A copy or memset that reaches past the end of a cudaMalloc allocation, or into memory that
 * was freed; a copy whose kind contradicts its pointers; NULL pointers with a nonzero count.
 * The simulator's contract (DESIGN.md, sim/) is "an error, not silent damage": each test
 * checks the code AND, by reading back, that nothing was written. These live in a program of
 * their own because a runtime that mishandles them may lose its context or crash, and that
 * must not take the other areas down with it. The allocations are 2 MiB, a multiple of the
 * real runtime's allocation granularity, so "past the end" is past the end there too.
 */
#include "conformance.h"

#define ALLOC (2 * CONF_MIB)
#define SPAN (64 * 1024)

/* A device allocation of ALLOC bytes holding the pattern of seed, and a host copy of it. */
static unsigned char *patterned(const char *file, int line, const char *test, int dev,
				unsigned seed, unsigned char **want)
{
	unsigned char *d = conf_dev_alloc(file, line, test, dev, ALLOC);

	*want = conf_host_alloc(file, line, test, ALLOC);
	conf_pattern(*want, ALLOC, seed);
	conf_write(file, line, test, d, *want, ALLOC);
	return d;
}

#define PATTERNED(dev, seed, want) patterned(__FILE__, __LINE__, __func__, (dev), (seed), (want))

/* Reads the whole allocation back and checks it still holds want. */
#define CHECK_UNCHANGED(d, want)                                          \
	do {                                                              \
		unsigned char *conf_got_ = HOST_ALLOC(ALLOC);             \
		READ_BACK(conf_got_, (d), ALLOC);                         \
		CHECK_BYTES(conf_got_, (want), ALLOC);                    \
	} while (0)

static void test_misuse_copy_h2d_past_end(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 1, &want), *h = HOST_ALLOC(SPAN);

	(void)state;
	memset(h, 0xe1, SPAN);
	CHECK_RC(cudaMemcpy(d + ALLOC - 4096, h, SPAN, cudaMemcpyHostToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_copy_d2h_past_end(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 2, &want), *h = HOST_ALLOC(SPAN);

	(void)state;
	memset(h, 0xe2, SPAN);
	CHECK_RC(cudaMemcpy(h, d + ALLOC - 4096, SPAN, cudaMemcpyDeviceToHost),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_FILL(h, 0xe2, SPAN);
	CONF_DONE();
}

static void test_misuse_copy_d2d_past_end(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 3, &want);
	unsigned char *want2, *s = PATTERNED(0, 4, &want2);

	(void)state;
	/* Destination too short, then source too short. */
	CHECK_RC(cudaMemcpy(d + ALLOC - 4096, s, SPAN, cudaMemcpyDeviceToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaMemcpy(d, s + ALLOC - 4096, SPAN, cudaMemcpyDeviceToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_copy_default_past_end(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 5, &want), *h = HOST_ALLOC(SPAN);

	(void)state;
	memset(h, 0xe5, SPAN);
	CHECK_RC(cudaMemcpy(d + ALLOC - 1, h, 2, cudaMemcpyDefault),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_copy_async_past_end(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 6, &want), *h = PINNED_ALLOC(SPAN, 0);
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);

	(void)state;
	memset(h, 0xe6, SPAN);
	/* Refused when enqueued, not reported later: the stream stays clean. */
	CHECK_RC(cudaMemcpyAsync(d + ALLOC - 4096, h, SPAN, cudaMemcpyHostToDevice, s),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_copy_2d_past_end(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 7, &want), *h = HOST_ALLOC(16 * 1024);
	const size_t pitch = 1024, rows = 16;

	(void)state;
	memset(h, 0xe7, 16 * 1024);
	/* The first rows fit; the last ones run past the end. */
	CHECK_RC(cudaMemcpy2D(d + ALLOC - 8 * pitch, pitch, h, pitch, 512, rows,
			      cudaMemcpyHostToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_copy_3d_past_end(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 8, &want), *h = HOST_ALLOC(64 * 1024);
	struct cudaMemcpy3DParms p;

	(void)state;
	memset(h, 0xe8, 64 * 1024);
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(h, 1024, 1024, 8);
	p.dstPtr = conf_pitched(d, 1024, 1024, 8);
	p.dstPos = conf_pos(0, 0, ALLOC / (1024 * 8) - 2);
	p.extent = conf_extent(512, 8, 4);
	p.kind = cudaMemcpyHostToDevice;
	CHECK_RC(cudaMemcpy3D(&p), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_memset_past_end(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 9, &want);

	(void)state;
	CHECK_RC(cudaMemset(d + ALLOC - 4096, 0x5e, SPAN), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaMemsetAsync(d + ALLOC - 1, 0x5e, 2, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_memset_2d_past_end(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 10, &want);

	(void)state;
	CHECK_RC(cudaMemset2D(d + ALLOC - 4 * 1024, 1024, 0x5f, 512, 8),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_copy_peer_past_end(void **state)
{
	unsigned char *want0, *want1, *a, *b;

	(void)state;
	CONF_NEED_DEVICES(2);
	a = PATTERNED(0, 11, &want0);
	b = PATTERNED(1, 12, &want1);
	CHECK_RC(cudaMemcpyPeer(b + ALLOC - 4096, 1, a, 0, SPAN),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_UNCHANGED(b, want1);
	CONF_DONE();
}

static void test_misuse_copy_peer_wrong_device(void **state)
{
	unsigned char *want0, *want1, *a, *b;

	(void)state;
	CONF_NEED_DEVICES(2);
	a = PATTERNED(0, 19, &want0);
	b = PATTERNED(0, 20, &want1);
	/*
	 * b is device 0's memory, named as device 1's: the real runtime goes by the pointers
	 * (unified addressing) and copies (measured).
	 */
	CHECK_RC(cudaMemcpyPeer(b, 1, a, 0, SPAN), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	memcpy(want1, want0, SPAN);
	CHECK_UNCHANGED(b, want1);
	CONF_DONE();
}

static void test_misuse_copy_into_freed(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 13, &want), *h = HOST_ALLOC(SPAN);
	void *gone = NULL;

	(void)state;
	REQUIRE_RC(cudaMalloc(&gone, ALLOC), cudaSuccess);
	REQUIRE_RC(cudaFree(gone), cudaSuccess);
	memset(h, 0xed, SPAN);
	CHECK_RC(cudaMemcpy(gone, h, SPAN, cudaMemcpyHostToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaMemset(gone, 0, SPAN), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	/* The live allocation beside it is untouched. */
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_copy_null_pointers(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 14, &want), *h = HOST_ALLOC(SPAN);

	(void)state;
	memset(h, 0xee, SPAN);
	/* NULL where the kind says device memory. */
	CHECK_RC(cudaMemcpy(NULL, h, SPAN, cudaMemcpyHostToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaMemcpy(h, NULL, SPAN, cudaMemcpyDeviceToHost),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaMemcpy(d, NULL, SPAN, cudaMemcpyDeviceToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaMemset(NULL, 0, SPAN), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_FILL(h, 0xee, SPAN);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_copy_zero_count_null(void **state)
{
	(void)state;
	/* Nothing to copy: the pointers are not looked at. */
	CHECK_RC(cudaMemcpy(NULL, NULL, 0, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_RC(cudaMemcpy(NULL, NULL, 0, cudaMemcpyDefault), cudaSuccess);
	CHECK_RC(cudaMemset(NULL, 0, 0), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_misuse_copy_wrong_kind_host_as_device(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 15, &want), *h = HOST_ALLOC(SPAN);

	(void)state;
	memset(h, 0xe9, SPAN);
	/* Pageable host memory where the kind says device memory. */
	CHECK_RC(cudaMemcpy(d, h, SPAN, cudaMemcpyDeviceToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaMemcpy(h, d, SPAN, cudaMemcpyHostToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_FILL(h, 0xe9, SPAN);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_copy_wrong_kind_device_as_host(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 16, &want);
	unsigned char *want2, *s = PATTERNED(0, 17, &want2);

	(void)state;
	/*
	 * A device source where the kind says host memory (HostToDevice between two device
	 * buffers): the real runtime goes by the pointers and copies (measured). Only the
	 * reverse, host memory where device memory is expected, is refused.
	 */
	CHECK_RC(cudaMemcpy(d, s, SPAN, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	memcpy(want, want2, SPAN);
	CHECK_UNCHANGED(d, want);
	CONF_DONE();
}

static void test_misuse_context_still_usable(void **state)
{
	unsigned char *want, *d = PATTERNED(0, 18, &want), *h = HOST_ALLOC(ALLOC);

	(void)state;
	/* After every refusal above, the device still copies: none of them was sticky. */
	CHECK_RC(cudaMemcpy(d + ALLOC - 4096, h, 8192, cudaMemcpyHostToDevice),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	CHECK_RC(cudaMemcpy(h, d, ALLOC, cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK_BYTES(h, want, ALLOC);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static const struct CMUnitTest tests[] = {
	CONF_TEST(test_misuse_copy_h2d_past_end),
	CONF_TEST(test_misuse_copy_d2h_past_end),
	CONF_TEST(test_misuse_copy_d2d_past_end),
	CONF_TEST(test_misuse_copy_default_past_end),
	CONF_TEST(test_misuse_copy_async_past_end),
	CONF_TEST(test_misuse_copy_2d_past_end),
	CONF_TEST(test_misuse_copy_3d_past_end),
	CONF_TEST(test_misuse_memset_past_end),
	CONF_TEST(test_misuse_memset_2d_past_end),
	CONF_TEST(test_misuse_copy_peer_past_end),
	CONF_TEST(test_misuse_copy_peer_wrong_device),
	CONF_TEST(test_misuse_copy_into_freed),
	CONF_TEST(test_misuse_copy_null_pointers),
	CONF_TEST(test_misuse_copy_zero_count_null),
	CONF_TEST(test_misuse_copy_wrong_kind_host_as_device),
	CONF_TEST(test_misuse_copy_wrong_kind_device_as_host),
	CONF_TEST(test_misuse_context_still_usable),
};

CONF_MAIN("conf_misuse", tests)
