/*
 * conf_memory.c: conformance of allocation, host registration and pointer attributes.
 *
 * Divisions: device memory (cudaMalloc, cudaFree, cudaMallocAsync, pitched and 3-D
 * allocations); pinned host memory (cudaMallocHost, cudaHostAlloc, cudaHostGetFlags,
 * cudaHostGetDevicePointer, cudaFreeHost); registration (cudaHostRegister/Unregister); pointer
 * attributes (CUDA_VARIANTS.md V19 has the real 13.0 answers).
 */
#include "conformance.h"

#define BUF (64 * 1024)

/* Checks cudaPointerGetAttributes' answer for ptr, and that the last-error slot stays clean. */
static void check_attrs(const char *file, int line, const void *ptr, int type, int device,
			const void *dev_ptr, const void *host_ptr)
{
	struct cudaPointerAttributes a, b;

	memset(&a, 0xcd, sizeof(a));
	memset(&b, 0x00, sizeof(b));
	conf_check_rc(file, line, "cudaPointerGetAttributes", cudaPointerGetAttributes(&a, ptr),
		      cudaSuccess);
	conf_check_int(file, line, "attributes.type", a.type, type);
	conf_check_int(file, line, "attributes.device", a.device, device);
	conf_check_ptr(file, line, "attributes.devicePointer", a.devicePointer, dev_ptr);
	conf_check_ptr(file, line, "attributes.hostPointer", a.hostPointer, host_ptr);
	/*
	 * 13.0 writes all 88 bytes (V19), the reserved tail too, with values of its own that are
	 * neither zero nor the same from call to call (measured). So ask twice, over 0xcd and over
	 * 0x00: no byte of the tail may come back as the filling both times.
	 */
	conf_check_rc(file, line, "cudaPointerGetAttributes (again)",
		      cudaPointerGetAttributes(&b, ptr), cudaSuccess);
	{
		const unsigned char *ra = (const void *)a.reserved, *rb = (const void *)b.reserved;
		int kept = 0;

		for (size_t i = 0; i < sizeof(a.reserved); i++)
			kept += ra[i] == 0xcd && rb[i] == 0x00;
		conf_check_int(file, line, "bytes of attributes.reserved left unwritten", kept, 0);
	}
	conf_check_rc(file, line, "cudaGetLastError() after cudaPointerGetAttributes",
		      cudaGetLastError(), cudaSuccess);
}

#define CHECK_ATTRS(ptr, type, device, dev_ptr, host_ptr) \
	check_attrs(__FILE__, __LINE__, (ptr), (type), (device), (dev_ptr), (host_ptr))

/* ---- device memory --------------------------------------------------------------------------- */

static void test_memory_malloc_basic(void **state)
{
	void *a = NULL, *b = NULL;

	(void)state;
	CHECK_RC(cudaMalloc(&a, BUF), cudaSuccess);
	conf_track(CONF_RES_DEV, a, 0);
	CHECK_RC(cudaMalloc(&b, 1), cudaSuccess);
	conf_track(CONF_RES_DEV, b, 0);
	CHECK_TRUE(a != NULL);
	CHECK_TRUE(b != NULL);
	CHECK_TRUE(a != b);
	CHECK_UINT((uintptr_t)a % 256, 0);
	CHECK_UINT((uintptr_t)b % 256, 0);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_malloc_zero_bytes(void **state)
{
	void *p = (void *)(uintptr_t)0x1234;

	(void)state;
	CHECK_RC(cudaMalloc(&p, 0), cudaSuccess);
	CHECK_PTR(p, NULL);
	CHECK_RC(cudaFree(p), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_malloc_null_arg(void **state)
{
	(void)state;
	CHECK_RC(cudaMalloc(NULL, BUF), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_malloc_huge_fails(void **state)
{
	void *p = NULL;

	(void)state;
	CHECK_RC(cudaMalloc(&p, (size_t)1 << 60), cudaErrorMemoryAllocation);
	CHECK_PEEK(cudaErrorMemoryAllocation);
	CHECK_LAST(cudaErrorMemoryAllocation);
	/* Not sticky: the next allocation works. */
	p = NULL;
	CHECK_RC(cudaMalloc(&p, BUF), cudaSuccess);
	conf_track(CONF_RES_DEV, p, 0);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_free_null(void **state)
{
	(void)state;
	CHECK_RC(cudaFree(NULL), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_free_host_pointer(void **state)
{
	void *h = HOST_ALLOC(BUF);
	char stack[64] = { 0 };

	(void)state;
	CHECK_RC(cudaFree(h), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaFree(stack), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_free_interior_pointer(void **state)
{
	unsigned char *d = DEV_ALLOC(0, BUF);
	unsigned char in[256], out[256];

	(void)state;
	CHECK_RC(cudaFree(d + 256), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	/* The allocation is still there and whole. */
	conf_pattern(in, sizeof(in), 1);
	CHECK_RC(cudaMemcpy(d + BUF - 256, in, sizeof(in), cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_RC(cudaMemcpy(out, d + BUF - 256, sizeof(out), cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK_BYTES(out, in, sizeof(in));
	CONF_DONE();
}

static void test_memory_free_twice(void **state)
{
	void *p = NULL;

	(void)state;
	REQUIRE_RC(cudaMalloc(&p, BUF), cudaSuccess);
	CHECK_RC(cudaFree(p), cudaSuccess);
	CHECK_RC(cudaFree(p), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_free_pinned_pointer(void **state)
{
	void *h = PINNED_ALLOC(BUF, cudaHostAllocDefault);

	(void)state;
	CHECK_RC(cudaFree(h), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	/* Still pinned memory, which cudaFreeHost in the teardown releases. */
	CHECK_ATTRS(h, cudaMemoryTypeHost, 0, h, h);
	CONF_DONE();
}

static void test_memory_malloc_async_roundtrip(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned char *in = PINNED_ALLOC(BUF, 0), *out = PINNED_ALLOC(BUF, 0);
	void *d = NULL;

	(void)state;
	conf_pattern(in, BUF, 2);
	memset(out, 0, BUF);
	CHECK_RC(cudaMallocAsync(&d, BUF, s), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(d, in, BUF, cudaMemcpyHostToDevice, s), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(out, d, BUF, cudaMemcpyDeviceToHost, s), cudaSuccess);
	CHECK_RC(cudaFreeAsync(d, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_BYTES(out, in, BUF);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_malloc_async_null_arg(void **state)
{
	cudaStream_t s = STREAM_NEW(0, 0);

	(void)state;
	CHECK_RC(cudaMallocAsync(NULL, BUF, s), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_malloc_async_attributes(void **state)
{
	cudaStream_t s = STREAM_NEW(0, 0);
	void *d = NULL;

	(void)state;
	REQUIRE_RC(cudaMallocAsync(&d, BUF, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_ATTRS(d, cudaMemoryTypeDevice, 0, d, NULL);
	CHECK_RC(cudaFreeAsync(d, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CONF_DONE();
}

static void test_memory_malloc_async_on_device1(void **state)
{
	cudaStream_t s;
	void *d = NULL;

	(void)state;
	CONF_NEED_DEVICES(2);
	s = STREAM_NEW(1, 0);
	/* The pool is the stream's device's, whatever device is current. */
	REQUIRE_RC(cudaMallocAsync(&d, BUF, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	/* devicePointer is for the current device: NULL while device 0 cannot reach it. */
	CHECK_ATTRS(d, cudaMemoryTypeDevice, 1, NULL, NULL);
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_ATTRS(d, cudaMemoryTypeDevice, 1, d, NULL);
	CHECK_RC(cudaSetDevice(0), cudaSuccess);
	CHECK_RC(cudaFreeAsync(d, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CONF_DONE();
}

static void test_memory_malloc_pitch(void **state)
{
	static const size_t widths[] = { 1, 100, 512, 513, 4096 };
	int align = 0;

	(void)state;
	CHECK_RC(cudaDeviceGetAttribute(&align, cudaDevAttrTexturePitchAlignment, 0), cudaSuccess);
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		void *p = NULL;
		size_t pitch = 0;

		CHECK_RC(cudaMallocPitch(&p, &pitch, widths[i], 10), cudaSuccess);
		conf_track(CONF_RES_DEV, p, 0);
		CHECK_TRUE(pitch >= widths[i]);
		CHECK_TRUE(align > 0 && pitch % (size_t)align == 0);
		CHECK_UINT(pitch % 512, 0);
		CHECK_UINT((uintptr_t)p % 256, 0);
	}
	CONF_DONE();
}

static void test_memory_malloc_pitch_null_args(void **state)
{
	void *p = NULL;
	size_t pitch = 0;

	(void)state;
	CHECK_RC(cudaMallocPitch(NULL, &pitch, 64, 4), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaMallocPitch(&p, NULL, 64, 4), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_malloc_3d(void **state)
{
	struct cudaPitchedPtr pp;

	(void)state;
	memset(&pp, 0, sizeof(pp));
	CHECK_RC(cudaMalloc3D(&pp, conf_extent(100, 10, 4)), cudaSuccess);
	conf_track(CONF_RES_DEV, pp.ptr, 0);
	CHECK_TRUE(pp.ptr != NULL);
	CHECK_TRUE(pp.pitch >= 100);
	CHECK_UINT(pp.xsize, 100);
	CHECK_UINT(pp.ysize, 10);
	CHECK_ATTRS(pp.ptr, cudaMemoryTypeDevice, 0, pp.ptr, NULL);
	CONF_DONE();
}

/* ---- pinned host memory ---------------------------------------------------------------------- */

static void test_memory_malloc_host_roundtrip(void **state)
{
	unsigned char *h = NULL, *d = DEV_ALLOC(0, BUF);
	unsigned char want[BUF];

	(void)state;
	CHECK_RC(cudaMallocHost((void **)&h, BUF), cudaSuccess);
	REQUIRE_TRUE(h != NULL);
	conf_pattern(want, BUF, 3);
	memcpy(h, want, BUF);
	CHECK_RC(cudaMemcpy(d, h, BUF, cudaMemcpyHostToDevice), cudaSuccess);
	memset(h, 0, BUF);
	CHECK_RC(cudaMemcpy(h, d, BUF, cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK_BYTES(h, want, BUF);
	CHECK_RC(cudaFreeHost(h), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_malloc_host_edge_sizes(void **state)
{
	void *h = (void *)(uintptr_t)0x1234;

	(void)state;
	CHECK_RC(cudaMallocHost(&h, 0), cudaSuccess);
	CHECK_PTR(h, NULL);
	CHECK_RC(cudaFreeHost(h), cudaSuccess);
	h = NULL;
	CHECK_RC(cudaHostAlloc(&h, (size_t)1 << 50, 0), cudaErrorMemoryAllocation);
	CHECK_LAST(cudaErrorMemoryAllocation);
	CONF_DONE();
}

static void test_memory_malloc_async_huge_fails(void **state)
{
	cudaStream_t s = STREAM_NEW(0, 0);
	void *d = NULL;

	(void)state;
	CHECK_RC(cudaMallocAsync(&d, (size_t)1 << 60, s), cudaErrorMemoryAllocation);
	CHECK_LAST(cudaErrorMemoryAllocation);
	/* The stream is not poisoned by the refusal. */
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CONF_DONE();
}

static void test_memory_host_alloc_flags_reported(void **state)
{
	static const unsigned flags[] = { cudaHostAllocPortable, cudaHostAllocMapped,
					  cudaHostAllocWriteCombined,
					  cudaHostAllocPortable | cudaHostAllocMapped };

	(void)state;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		void *h = PINNED_ALLOC(BUF, flags[i]);
		unsigned got = 0;

		CHECK_RC(cudaHostGetFlags(&got, h), cudaSuccess);
		if (!CHECK_UINT(got & flags[i], flags[i]))
			printf("    cudaHostAlloc flags 0x%x, cudaHostGetFlags 0x%x\n", flags[i],
			       got);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_host_get_flags_default(void **state)
{
	void *h = NULL;
	unsigned got = 0xdead;

	(void)state;
	REQUIRE_RC(cudaMallocHost(&h, BUF), cudaSuccess);
	conf_track(CONF_RES_PINNED, h, 0);
	CHECK_RC(cudaHostGetFlags(&got, h), cudaSuccess);
	/* With unified addressing, pinned memory is mapped whatever was asked (measured: 0x2). */
	CHECK_UINT(got, cudaHostAllocMapped);
	/* An interior pointer answers the same. */
	got = 0xdead;
	CHECK_RC(cudaHostGetFlags(&got, (char *)h + 100), cudaSuccess);
	CHECK_UINT(got, cudaHostAllocMapped);
	CONF_DONE();
}

static void test_memory_host_get_flags_unpinned(void **state)
{
	void *h = HOST_ALLOC(BUF), *d = DEV_ALLOC(0, BUF);
	unsigned got = 0;

	(void)state;
	CHECK_RC(cudaHostGetFlags(&got, h), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaHostGetFlags(&got, d), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_host_alloc_invalid_flags(void **state)
{
	void *h = NULL;

	(void)state;
	CHECK_RC(cudaHostAlloc(&h, BUF, 0x100), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaHostAlloc(NULL, BUF, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_free_host_null(void **state)
{
	(void)state;
	CHECK_RC(cudaFreeHost(NULL), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_free_host_unpinned(void **state)
{
	void *h = HOST_ALLOC(BUF), *d = DEV_ALLOC(0, BUF);

	(void)state;
	CHECK_RC(cudaFreeHost(h), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaFreeHost(d), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_host_get_device_pointer_pinned(void **state)
{
	char *h = PINNED_ALLOC(BUF, cudaHostAllocMapped);
	void *dp = NULL;

	(void)state;
	CHECK_RC(cudaHostGetDevicePointer(&dp, h, 0), cudaSuccess);
	CHECK_PTR(dp, h);
	dp = NULL;
	CHECK_RC(cudaHostGetDevicePointer(&dp, h + 64, 0), cudaSuccess);
	CHECK_PTR(dp, h + 64);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_host_get_device_pointer_bad_args(void **state)
{
	void *h = PINNED_ALLOC(BUF, 0), *p = HOST_ALLOC(BUF), *dp = NULL;

	(void)state;
	CHECK_RC(cudaHostGetDevicePointer(&dp, h, 1), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaHostGetDevicePointer(&dp, p, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaHostGetDevicePointer(NULL, h, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

/* ---- registration ---------------------------------------------------------------------------- */

static void *register_buf(const char *file, int line, const char *test, size_t n)
{
	void *p = conf_host_alloc(file, line, test, n);

	conf_require(file, line, test, "cudaHostRegister",
		     cudaHostRegister(p, n, cudaHostRegisterDefault));
	conf_track(CONF_RES_REGISTERED, p, 0);
	return p;
}

#define REGISTERED_ALLOC(n) register_buf(__FILE__, __LINE__, __func__, (n))

static void test_memory_host_register_roundtrip(void **state)
{
	unsigned char *h = HOST_ALLOC(BUF), *d = DEV_ALLOC(0, BUF);
	unsigned char want[BUF];
	cudaStream_t s = STREAM_NEW(0, 0);

	(void)state;
	CHECK_RC(cudaHostRegister(h, BUF, cudaHostRegisterDefault), cudaSuccess);
	conf_pattern(want, BUF, 4);
	memcpy(h, want, BUF);
	CHECK_RC(cudaMemcpyAsync(d, h, BUF, cudaMemcpyHostToDevice, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	memset(h, 0, BUF);
	CHECK_RC(cudaMemcpyAsync(h, d, BUF, cudaMemcpyDeviceToHost, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_BYTES(h, want, BUF);
	CHECK_RC(cudaHostUnregister(h), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_host_register_flags(void **state)
{
	static const unsigned flags[] = { cudaHostRegisterPortable, cudaHostRegisterMapped,
					  cudaHostRegisterPortable | cudaHostRegisterMapped,
					  cudaHostRegisterReadOnly };

	(void)state;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		char *h = HOST_ALLOC(BUF);
		void *dp = NULL;

		if (!CHECK_RC(cudaHostRegister(h, BUF, flags[i]), cudaSuccess)) {
			printf("    flags 0x%x\n", flags[i]);
			continue;
		}
		conf_track(CONF_RES_REGISTERED, h, 0);
		CHECK_RC(cudaHostGetDevicePointer(&dp, h, 0), cudaSuccess);
		CHECK_PTR(dp, h);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_host_register_twice(void **state)
{
	void *h = REGISTERED_ALLOC(BUF);

	(void)state;
	CHECK_RC(cudaHostRegister(h, BUF, cudaHostRegisterDefault),
		 cudaErrorHostMemoryAlreadyRegistered);
	CHECK_LAST(cudaErrorHostMemoryAlreadyRegistered);
	CONF_DONE();
}

static void test_memory_host_register_overlap(void **state)
{
	char *h = HOST_ALLOC(4 * BUF);

	(void)state;
	REQUIRE_RC(cudaHostRegister(h + BUF, BUF, 0), cudaSuccess);
	conf_track(CONF_RES_REGISTERED, h + BUF, 0);
	/* Overlapping the end, overlapping the start, and covering the whole range. */
	CHECK_RC(cudaHostRegister(h + BUF + BUF / 2, BUF, 0), cudaErrorHostMemoryAlreadyRegistered);
	CHECK_LAST(cudaErrorHostMemoryAlreadyRegistered);
	CHECK_RC(cudaHostRegister(h + BUF / 2, BUF, 0), cudaErrorHostMemoryAlreadyRegistered);
	CHECK_LAST(cudaErrorHostMemoryAlreadyRegistered);
	CHECK_RC(cudaHostRegister(h, 4 * BUF, 0), cudaErrorHostMemoryAlreadyRegistered);
	CHECK_LAST(cudaErrorHostMemoryAlreadyRegistered);
	CONF_DONE();
}

static void test_memory_host_register_adjacent_ranges(void **state)
{
	char *h = HOST_ALLOC(4 * BUF);

	(void)state;
	/* Page-aligned neighbours in one buffer do not overlap. */
	CHECK_RC(cudaHostRegister(h, BUF, 0), cudaSuccess);
	conf_track(CONF_RES_REGISTERED, h, 0);
	CHECK_RC(cudaHostRegister(h + BUF, BUF, 0), cudaSuccess);
	conf_track(CONF_RES_REGISTERED, h + BUF, 0);
	CHECK_RC(cudaHostRegister(h + 3 * BUF, BUF, 0), cudaSuccess);
	conf_track(CONF_RES_REGISTERED, h + 3 * BUF, 0);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_memory_host_unregister_unknown(void **state)
{
	char *h = HOST_ALLOC(BUF);
	char stack[64] = { 0 };

	(void)state;
	CHECK_RC(cudaHostUnregister(h), cudaErrorHostMemoryNotRegistered);
	CHECK_LAST(cudaErrorHostMemoryNotRegistered);
	CHECK_RC(cudaHostUnregister(stack), cudaErrorHostMemoryNotRegistered);
	CHECK_LAST(cudaErrorHostMemoryNotRegistered);
	CONF_DONE();
}

static void test_memory_host_unregister_twice(void **state)
{
	char *h = HOST_ALLOC(BUF);

	(void)state;
	REQUIRE_RC(cudaHostRegister(h, BUF, 0), cudaSuccess);
	CHECK_RC(cudaHostUnregister(h), cudaSuccess);
	CHECK_RC(cudaHostUnregister(h), cudaErrorHostMemoryNotRegistered);
	CHECK_LAST(cudaErrorHostMemoryNotRegistered);
	CONF_DONE();
}

static void test_memory_host_unregister_interior(void **state)
{
	char *h = REGISTERED_ALLOC(4 * BUF);

	(void)state;
	/* Only the registered base pointer unregisters; an interior one is refused as invalid. */
	CHECK_RC(cudaHostUnregister(h + BUF), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_ATTRS(h, cudaMemoryTypeHost, 0, h, h);
	CONF_DONE();
}

static void test_memory_host_unregister_pinned(void **state)
{
	void *h = PINNED_ALLOC(BUF, 0);

	(void)state;
	/* Pinned memory is known to the runtime, but not as registered: invalid, not 713. */
	CHECK_RC(cudaHostUnregister(h), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_host_register_bad_args(void **state)
{
	char *h = HOST_ALLOC(BUF);

	(void)state;
	CHECK_RC(cudaHostRegister(h, 0, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaHostRegister(NULL, BUF, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaHostRegister(h, BUF, 0x100), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	/* None of those registered anything. */
	CHECK_RC(cudaHostUnregister(h), cudaErrorHostMemoryNotRegistered);
	CHECK_LAST(cudaErrorHostMemoryNotRegistered);
	CONF_DONE();
}

static void test_memory_host_register_pinned(void **state)
{
	void *h = PINNED_ALLOC(BUF, 0);

	(void)state;
	/* Memory that cudaHostAlloc pinned cannot be registered: invalid, not 712 (measured). */
	CHECK_RC(cudaHostRegister(h, BUF, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_memory_host_get_device_pointer_registered(void **state)
{
	char *h = REGISTERED_ALLOC(BUF);
	void *dp = NULL;

	(void)state;
	/* CanUseHostPointerForRegisteredMem is 1: the device alias is the host address. */
	CHECK_RC(cudaHostGetDevicePointer(&dp, h, 0), cudaSuccess);
	CHECK_PTR(dp, h);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

/* ---- pointer attributes ---------------------------------------------------------------------- */

static void test_memory_attributes_pageable(void **state)
{
	char *h = malloc(BUF);

	(void)state;
	REQUIRE_TRUE(h != NULL);
	CHECK_ATTRS(h, cudaMemoryTypeUnregistered, cudaInvalidDeviceId, NULL, h);
	CHECK_ATTRS(h + 100, cudaMemoryTypeUnregistered, cudaInvalidDeviceId, NULL, h + 100);
	free(h);
	CONF_DONE();
}

static void test_memory_attributes_stack(void **state)
{
	char stack[64] = { 0 };

	(void)state;
	CHECK_ATTRS(stack, cudaMemoryTypeUnregistered, cudaInvalidDeviceId, NULL, stack);
	CONF_DONE();
}

static void test_memory_attributes_null(void **state)
{
	(void)state;
	CHECK_ATTRS(NULL, cudaMemoryTypeUnregistered, cudaInvalidDeviceId, NULL, NULL);
	CONF_DONE();
}

static void test_memory_attributes_device(void **state)
{
	char *d = DEV_ALLOC(0, BUF);

	(void)state;
	CHECK_ATTRS(d, cudaMemoryTypeDevice, 0, d, NULL);
	CONF_DONE();
}

static void test_memory_attributes_device_interior(void **state)
{
	char *d = DEV_ALLOC(0, BUF);

	(void)state;
	CHECK_ATTRS(d + 4096 + 3, cudaMemoryTypeDevice, 0, d + 4096 + 3, NULL);
	CHECK_ATTRS(d + BUF - 1, cudaMemoryTypeDevice, 0, d + BUF - 1, NULL);
	CONF_DONE();
}

static void test_memory_attributes_pinned(void **state)
{
	char *h = NULL;

	(void)state;
	REQUIRE_RC(cudaMallocHost((void **)&h, BUF), cudaSuccess);
	conf_track(CONF_RES_PINNED, h, 0);
	CHECK_ATTRS(h, cudaMemoryTypeHost, 0, h, h);
	CHECK_ATTRS(h + 10, cudaMemoryTypeHost, 0, h + 10, h + 10);
	CONF_DONE();
}

static void test_memory_attributes_registered(void **state)
{
	char *h = REGISTERED_ALLOC(BUF);

	(void)state;
	CHECK_ATTRS(h, cudaMemoryTypeHost, 0, h, h);
	CONF_DONE();
}

static void test_memory_attributes_unregistered_again(void **state)
{
	char *h = HOST_ALLOC(BUF);

	(void)state;
	REQUIRE_RC(cudaHostRegister(h, BUF, 0), cudaSuccess);
	CHECK_RC(cudaHostUnregister(h), cudaSuccess);
	CHECK_ATTRS(h, cudaMemoryTypeUnregistered, cudaInvalidDeviceId, NULL, h);
	CONF_DONE();
}

static void test_memory_attributes_device1(void **state)
{
	char *d;

	(void)state;
	CONF_NEED_DEVICES(2);
	d = DEV_ALLOC(1, BUF);
	/*
	 * device names the owner whatever device is current; devicePointer is the address for
	 * the current device, NULL while it cannot reach the memory (measured: no peer access).
	 */
	CHECK_ATTRS(d, cudaMemoryTypeDevice, 1, NULL, NULL);
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_ATTRS(d + 8, cudaMemoryTypeDevice, 1, d + 8, NULL);
	CONF_DONE();
}

static void test_memory_attributes_null_struct(void **state)
{
	char *d = DEV_ALLOC(0, BUF);

	(void)state;
	CHECK_RC(cudaPointerGetAttributes(NULL, d), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static const struct CMUnitTest tests[] = {
	CONF_TEST(test_memory_malloc_basic),
	CONF_TEST(test_memory_malloc_zero_bytes),
	CONF_TEST(test_memory_malloc_null_arg),
	CONF_TEST(test_memory_malloc_huge_fails),
	CONF_TEST(test_memory_free_null),
	CONF_TEST(test_memory_free_host_pointer),
	CONF_TEST(test_memory_free_interior_pointer),
	CONF_TEST(test_memory_free_twice),
	CONF_TEST(test_memory_free_pinned_pointer),
	CONF_TEST(test_memory_malloc_async_roundtrip),
	CONF_TEST(test_memory_malloc_async_null_arg),
	CONF_TEST(test_memory_malloc_async_attributes),
	CONF_TEST(test_memory_malloc_async_on_device1),
	CONF_TEST(test_memory_malloc_pitch),
	CONF_TEST(test_memory_malloc_pitch_null_args),
	CONF_TEST(test_memory_malloc_3d),
	CONF_TEST(test_memory_malloc_host_roundtrip),
	CONF_TEST(test_memory_malloc_host_edge_sizes),
	CONF_TEST(test_memory_malloc_async_huge_fails),
	CONF_TEST(test_memory_host_alloc_flags_reported),
	CONF_TEST(test_memory_host_get_flags_default),
	CONF_TEST(test_memory_host_get_flags_unpinned),
	CONF_TEST(test_memory_host_alloc_invalid_flags),
	CONF_TEST(test_memory_free_host_null),
	CONF_TEST(test_memory_free_host_unpinned),
	CONF_TEST(test_memory_host_get_device_pointer_pinned),
	CONF_TEST(test_memory_host_get_device_pointer_bad_args),
	CONF_TEST(test_memory_host_register_roundtrip),
	CONF_TEST(test_memory_host_register_flags),
	CONF_TEST(test_memory_host_register_twice),
	CONF_TEST(test_memory_host_register_overlap),
	CONF_TEST(test_memory_host_register_adjacent_ranges),
	CONF_TEST(test_memory_host_unregister_unknown),
	CONF_TEST(test_memory_host_unregister_twice),
	CONF_TEST(test_memory_host_unregister_interior),
	CONF_TEST(test_memory_host_unregister_pinned),
	CONF_TEST(test_memory_host_register_bad_args),
	CONF_TEST(test_memory_host_register_pinned),
	CONF_TEST(test_memory_host_get_device_pointer_registered),
	CONF_TEST(test_memory_attributes_pageable),
	CONF_TEST(test_memory_attributes_stack),
	CONF_TEST(test_memory_attributes_null),
	CONF_TEST(test_memory_attributes_device),
	CONF_TEST(test_memory_attributes_device_interior),
	CONF_TEST(test_memory_attributes_pinned),
	CONF_TEST(test_memory_attributes_registered),
	CONF_TEST(test_memory_attributes_unregistered_again),
	CONF_TEST(test_memory_attributes_device1),
	CONF_TEST(test_memory_attributes_null_struct),
};

CONF_MAIN("conf_memory", tests)
