/*
 * conf_copy.c: conformance of the memcpy and memset families with valid arguments, and
 * of the argument checks that reject a copy before it starts.
 *
 * Divisions: 1-D copies in every kind; async copies on every kind of stream handle; 2-D
 * copies (pitches, gaps between rows untouched); 3-D copies (pitched pointers, offsets);
 * peer copies (cudaMemcpyPeer, 3-D peer, cudaMemcpyDefault across devices), with and without
 * peer access; memsets (1-D, 2-D, 3-D, async). Every copy is checked by reading back whole
 * images: the destination and the bytes around it. Copies outside an allocation, wrong kinds
 * and NULL pointers are in conf_misuse.c.
 */
#include "conformance.h"

#define N (64 * 1024)

/* A device buffer of n bytes of dev, filled with the pattern of seed; the pattern in want. */
static void *dev_patterned(const char *file, int line, const char *test, int dev, size_t n,
			   unsigned seed, void *want)
{
	void *d = conf_dev_alloc(file, line, test, dev, n);

	conf_pattern(want, n, seed);
	conf_write(file, line, test, d, want, n);
	return d;
}

#define DEV_PATTERNED(dev, n, seed, want) \
	dev_patterned(__FILE__, __LINE__, __func__, (dev), (n), (seed), (want))

/* ---- 1-D ------------------------------------------------------------------------------------- */

static void test_copy_host_to_host(void **state)
{
	unsigned char *a = HOST_ALLOC(N), *b = HOST_ALLOC(N);

	(void)state;
	conf_pattern(a, N, 1);
	memset(b, 0, N);
	CHECK_RC(cudaMemcpy(b, a, N, cudaMemcpyHostToHost), cudaSuccess);
	CHECK_BYTES(b, a, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_host_device_roundtrip(void **state)
{
	unsigned char *a = HOST_ALLOC(N), *b = HOST_ALLOC(N), *d = DEV_ALLOC(0, N);

	(void)state;
	conf_pattern(a, N, 2);
	memset(b, 0, N);
	CHECK_RC(cudaMemcpy(d, a, N, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_RC(cudaMemcpy(b, d, N, cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK_BYTES(b, a, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_device_to_device(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *src = DEV_PATTERNED(0, N, 3, want), *dst = DEV_ALLOC(0, N);

	(void)state;
	CHECK_RC(cudaMemset(dst, 0, N), cudaSuccess);
	CHECK_RC(cudaMemcpy(dst + 100, src + 200, N - 300, cudaMemcpyDeviceToDevice), cudaSuccess);
	READ_BACK(got, dst, N);
	CHECK_FILL(got, 0, 100);
	CHECK_BYTES(got + 100, want + 200, N - 300);
	CHECK_FILL(got + N - 200, 0, 200);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_default_kind(void **state)
{
	unsigned char *a = HOST_ALLOC(N), *b = HOST_ALLOC(N), *c = HOST_ALLOC(N);
	unsigned char *d1 = DEV_ALLOC(0, N), *d2 = DEV_ALLOC(0, N);

	(void)state;
	conf_pattern(a, N, 4);
	memset(b, 0, N);
	memset(c, 0, N);
	CHECK_RC(cudaMemcpy(d1, a, N, cudaMemcpyDefault), cudaSuccess);
	CHECK_RC(cudaMemcpy(d2, d1, N, cudaMemcpyDefault), cudaSuccess);
	CHECK_RC(cudaMemcpy(b, d2, N, cudaMemcpyDefault), cudaSuccess);
	CHECK_RC(cudaMemcpy(c, b, N, cudaMemcpyDefault), cudaSuccess);
	CHECK_BYTES(b, a, N);
	CHECK_BYTES(c, a, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_pinned_roundtrip(void **state)
{
	unsigned char *a = PINNED_ALLOC(N, 0), *b = PINNED_ALLOC(N, cudaHostAllocWriteCombined);
	unsigned char *c = PINNED_ALLOC(N, 0), *d = DEV_ALLOC(0, N);

	(void)state;
	conf_pattern(a, N, 5);
	memset(c, 0, N);
	/* Pinned to device, pinned to pinned (write-combined), device to pinned. */
	CHECK_RC(cudaMemcpy(d, a, N, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_RC(cudaMemcpy(b, a, N, cudaMemcpyHostToHost), cudaSuccess);
	CHECK_RC(cudaMemcpy(c, d, N, cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK_BYTES(c, a, N);
	memset(c, 0, N);
	CHECK_RC(cudaMemcpy(c, b, N, cudaMemcpyHostToHost), cudaSuccess);
	CHECK_BYTES(c, a, N);
	CONF_DONE();
}

static void test_copy_invalid_kind(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *d = DEV_PATTERNED(0, N, 6, want), *h = HOST_ALLOC(N);

	(void)state;
	memset(h, 0x3c, N);
	CHECK_RC(cudaMemcpy(d, h, N, (enum cudaMemcpyKind)7), cudaErrorInvalidMemcpyDirection);
	CHECK_LAST(cudaErrorInvalidMemcpyDirection);
	CHECK_RC(cudaMemcpy(d, h, N, (enum cudaMemcpyKind)-1), cudaErrorInvalidMemcpyDirection);
	CHECK_LAST(cudaErrorInvalidMemcpyDirection);
	CHECK_RC(cudaMemcpyAsync(d, h, N, (enum cudaMemcpyKind)7, 0),
		 cudaErrorInvalidMemcpyDirection);
	CHECK_LAST(cudaErrorInvalidMemcpyDirection);
	READ_BACK(got, d, N);
	CHECK_BYTES(got, want, N);
	CONF_DONE();
}

static void test_copy_zero_count(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *d = DEV_PATTERNED(0, N, 7, want), *h = HOST_ALLOC(N);
	cudaStream_t s = STREAM_NEW(0, 0);

	(void)state;
	memset(h, 0x3c, N);
	CHECK_RC(cudaMemcpy(d, h, 0, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_RC(cudaMemcpy(h, d, 0, cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK_RC(cudaMemcpy(d, d + 8, 0, cudaMemcpyDeviceToDevice), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(d, h, 0, cudaMemcpyDefault, s), cudaSuccess);
	CHECK_RC(cudaMemcpyPeer(d, 0, d + 8, 0, 0), cudaSuccess);
	CHECK_RC(cudaMemcpyPeerAsync(d, 0, d + 8, 0, 0, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_FILL(h, 0x3c, N);
	READ_BACK(got, d, N);
	CHECK_BYTES(got, want, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

/* ---- async copies on each kind of stream handle ---------------------------------------------- */

static void async_roundtrip(const char *file, int line, const char *test, cudaStream_t s,
			    unsigned seed)
{
	unsigned char *a = conf_pinned_alloc(file, line, test, N, 0);
	unsigned char *b = conf_pinned_alloc(file, line, test, N, 0);
	unsigned char *d1 = conf_dev_alloc(file, line, test, 0, N);
	unsigned char *d2 = conf_dev_alloc(file, line, test, 0, N);

	conf_pattern(a, N, seed);
	memset(b, 0, N);
	conf_check_rc(file, line, "cudaMemcpyAsync H2D",
		      cudaMemcpyAsync(d1, a, N, cudaMemcpyHostToDevice, s), cudaSuccess);
	conf_check_rc(file, line, "cudaMemcpyAsync D2D",
		      cudaMemcpyAsync(d2, d1, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	conf_check_rc(file, line, "cudaMemcpyAsync D2H",
		      cudaMemcpyAsync(b, d2, N, cudaMemcpyDeviceToHost, s), cudaSuccess);
	conf_check_rc(file, line, "cudaStreamSynchronize", cudaStreamSynchronize(s), cudaSuccess);
	conf_check_bytes(file, line, "read-back after async copies", b, a, N);
	conf_check_rc(file, line, "cudaGetLastError()", cudaGetLastError(), cudaSuccess);
}

#define ASYNC_ROUNDTRIP(s, seed) async_roundtrip(__FILE__, __LINE__, __func__, (s), (seed))

static void test_copy_async_user_stream(void **state)
{
	(void)state;
	ASYNC_ROUNDTRIP(STREAM_NEW(0, cudaStreamDefault), 8);
	CONF_DONE();
}

static void test_copy_async_non_blocking_stream(void **state)
{
	(void)state;
	ASYNC_ROUNDTRIP(STREAM_NEW(0, cudaStreamNonBlocking), 9);
	CONF_DONE();
}

static void test_copy_async_stream_0(void **state)
{
	(void)state;
	ASYNC_ROUNDTRIP(0, 10);
	CONF_DONE();
}

static void test_copy_async_legacy_stream(void **state)
{
	(void)state;
	ASYNC_ROUNDTRIP(cudaStreamLegacy, 11);
	CONF_DONE();
}

static void test_copy_async_per_thread_stream(void **state)
{
	(void)state;
	ASYNC_ROUNDTRIP(cudaStreamPerThread, 12);
	CONF_DONE();
}

static void test_copy_async_pageable(void **state)
{
	unsigned char *a = HOST_ALLOC(N), *b = HOST_ALLOC(N), *d = DEV_ALLOC(0, N);
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);

	(void)state;
	conf_pattern(a, N, 13);
	memset(b, 0, N);
	CHECK_RC(cudaMemcpyAsync(d, a, N, cudaMemcpyHostToDevice, s), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(b, d, N, cudaMemcpyDeviceToHost, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_BYTES(b, a, N);
	CONF_DONE();
}

static void test_copy_async_stream_order(void **state)
{
	unsigned char *a = PINNED_ALLOC(N, 0), *b = PINNED_ALLOC(N, 0), *out = PINNED_ALLOC(N, 0);
	unsigned char *d = DEV_ALLOC(0, N);
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);

	(void)state;
	/* Two writes to one place, then a read: the read sees the second write. */
	conf_pattern(a, N, 14);
	conf_pattern(b, N, 15);
	CHECK_RC(cudaMemcpyAsync(d, a, N, cudaMemcpyHostToDevice, s), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(d, b, N, cudaMemcpyHostToDevice, s), cudaSuccess);
	CHECK_RC(cudaMemsetAsync(d, 0x77, 16, s), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(out, d, N, cudaMemcpyDeviceToHost, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_FILL(out, 0x77, 16);
	CHECK_BYTES(out + 16, b + 16, N - 16);
	CONF_DONE();
}

/* ---- 2-D ------------------------------------------------------------------------------------- */

#define W 100
#define H 7
#define SP 128 /* host source pitch */
#define DP 160 /* host destination pitch */

static void test_copy_2d_roundtrip_gaps(void **state)
{
	unsigned char src[SP * H], dst[DP * H], want[DP * H];
	unsigned char *dimg, *dwant;
	void *d = NULL;
	size_t pitch = 0;

	(void)state;
	REQUIRE_RC(cudaMallocPitch(&d, &pitch, W, H), cudaSuccess);
	conf_track(CONF_RES_DEV, d, 0);
	dimg = HOST_ALLOC(pitch * H);
	dwant = HOST_ALLOC(pitch * H);
	conf_pattern(src, sizeof(src), 16);
	CHECK_RC(cudaMemset(d, 0x11, pitch * H), cudaSuccess);
	CHECK_RC(cudaMemcpy2D(d, pitch, src, SP, W, H, cudaMemcpyHostToDevice), cudaSuccess);
	/* The device image: rows of W bytes, the padding up to the pitch untouched. */
	memset(dwant, 0x11, pitch * H);
	conf_ref_copy3d(dwant, pitch, H, conf_pos(0, 0, 0), src, SP, H, conf_pos(0, 0, 0),
			conf_extent(W, H, 1));
	READ_BACK(dimg, d, pitch * H);
	CHECK_BYTES(dimg, dwant, pitch * H);
	/* And back into a wider host image whose gaps hold a guard. */
	memset(dst, 0xee, sizeof(dst));
	memset(want, 0xee, sizeof(want));
	CHECK_RC(cudaMemcpy2D(dst, DP, d, pitch, W, H, cudaMemcpyDeviceToHost), cudaSuccess);
	conf_ref_copy3d(want, DP, H, conf_pos(0, 0, 0), src, SP, H, conf_pos(0, 0, 0),
			conf_extent(W, H, 1));
	CHECK_BYTES(dst, want, sizeof(dst));
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_2d_device_to_device(void **state)
{
	unsigned char want_src[SP * H], got[DP * H], want[DP * H];
	unsigned char *s = DEV_PATTERNED(0, SP * H, 17, want_src), *d = DEV_ALLOC(0, DP * H);

	(void)state;
	CHECK_RC(cudaMemset(d, 0x22, DP * H), cudaSuccess);
	CHECK_RC(cudaMemcpy2D(d + 4, DP, s + 8, SP, W, H - 1, cudaMemcpyDeviceToDevice),
		 cudaSuccess);
	memset(want, 0x22, sizeof(want));
	conf_ref_copy3d(want, DP, H, conf_pos(4, 0, 0), want_src, SP, H, conf_pos(8, 0, 0),
			conf_extent(W, H - 1, 1));
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CONF_DONE();
}

static void test_copy_2d_host_to_host(void **state)
{
	unsigned char src[SP * H], dst[DP * H], want[DP * H];

	(void)state;
	conf_pattern(src, sizeof(src), 18);
	memset(dst, 0xee, sizeof(dst));
	memset(want, 0xee, sizeof(want));
	CHECK_RC(cudaMemcpy2D(dst, DP, src, SP, W, H, cudaMemcpyHostToHost), cudaSuccess);
	conf_ref_copy3d(want, DP, H, conf_pos(0, 0, 0), src, SP, H, conf_pos(0, 0, 0),
			conf_extent(W, H, 1));
	CHECK_BYTES(dst, want, sizeof(dst));
	CONF_DONE();
}

static void test_copy_2d_async(void **state)
{
	unsigned char *src = PINNED_ALLOC(SP * H, 0), *dst = PINNED_ALLOC(DP * H, 0);
	unsigned char *d = DEV_ALLOC(0, SP * H), want[DP * H];
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);

	(void)state;
	conf_pattern(src, SP * H, 19);
	memset(dst, 0xee, DP * H);
	memset(want, 0xee, sizeof(want));
	CHECK_RC(cudaMemcpy2DAsync(d, SP, src, SP, W, H, cudaMemcpyHostToDevice, s), cudaSuccess);
	CHECK_RC(cudaMemcpy2DAsync(dst, DP, d, SP, W, H, cudaMemcpyDeviceToHost, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	conf_ref_copy3d(want, DP, H, conf_pos(0, 0, 0), src, SP, H, conf_pos(0, 0, 0),
			conf_extent(W, H, 1));
	CHECK_BYTES(dst, want, DP * H);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_2d_pitch_too_small(void **state)
{
	unsigned char want[DP * H], got[DP * H], src[SP * H];
	unsigned char *d = DEV_PATTERNED(0, DP * H, 20, want);

	(void)state;
	conf_pattern(src, sizeof(src), 21);
	CHECK_RC(cudaMemcpy2D(d, DP, src, W - 1, W, H, cudaMemcpyHostToDevice),
		 cudaErrorInvalidPitchValue);
	CHECK_LAST(cudaErrorInvalidPitchValue);
	CHECK_RC(cudaMemcpy2D(d, W - 1, src, SP, W, H, cudaMemcpyHostToDevice),
		 cudaErrorInvalidPitchValue);
	CHECK_LAST(cudaErrorInvalidPitchValue);
	CHECK_RC(cudaMemcpy2DAsync(d, DP, src, W - 1, W, H, cudaMemcpyHostToDevice, 0),
		 cudaErrorInvalidPitchValue);
	CHECK_LAST(cudaErrorInvalidPitchValue);
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CONF_DONE();
}

static void test_copy_2d_empty(void **state)
{
	unsigned char want[DP * H], got[DP * H], src[SP * H];
	unsigned char *d = DEV_PATTERNED(0, DP * H, 22, want);

	(void)state;
	conf_pattern(src, sizeof(src), 23);
	CHECK_RC(cudaMemcpy2D(d, DP, src, SP, 0, H, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_RC(cudaMemcpy2D(d, DP, src, SP, W, 0, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_RC(cudaMemcpy2DAsync(d, DP, src, SP, 0, 0, cudaMemcpyHostToDevice, 0), cudaSuccess);
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_2d_invalid_kind(void **state)
{
	unsigned char want[DP * H], got[DP * H], src[SP * H];
	unsigned char *d = DEV_PATTERNED(0, DP * H, 24, want);

	(void)state;
	conf_pattern(src, sizeof(src), 25);
	CHECK_RC(cudaMemcpy2D(d, DP, src, SP, W, H, (enum cudaMemcpyKind)7),
		 cudaErrorInvalidMemcpyDirection);
	CHECK_LAST(cudaErrorInvalidMemcpyDirection);
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CONF_DONE();
}

/* ---- 3-D ------------------------------------------------------------------------------------- */

#define XW 40 /* bytes per row copied */
#define YH 5
#define ZD 3
#define HSP 64 /* host source pitch and rows per slice */
#define HSY 6
#define HDP 48 /* host destination pitch and rows per slice */
#define HDY 7

static void test_copy_3d_roundtrip(void **state)
{
	unsigned char src[HSP * HSY * ZD], dst[HDP * HDY * ZD], want[HDP * HDY * ZD];
	struct cudaPitchedPtr pp;
	struct cudaMemcpy3DParms p;

	(void)state;
	memset(&pp, 0, sizeof(pp));
	REQUIRE_RC(cudaMalloc3D(&pp, conf_extent(XW, YH, ZD)), cudaSuccess);
	conf_track(CONF_RES_DEV, pp.ptr, 0);
	conf_pattern(src, sizeof(src), 26);

	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(src, HSP, XW, HSY);
	p.dstPtr = pp;
	p.extent = conf_extent(XW, YH, ZD);
	p.kind = cudaMemcpyHostToDevice;
	CHECK_RC(cudaMemcpy3D(&p), cudaSuccess);

	memset(dst, 0xee, sizeof(dst));
	memset(&p, 0, sizeof(p));
	p.srcPtr = pp;
	p.dstPtr = conf_pitched(dst, HDP, XW, HDY);
	p.extent = conf_extent(XW, YH, ZD);
	p.kind = cudaMemcpyDeviceToHost;
	CHECK_RC(cudaMemcpy3D(&p), cudaSuccess);

	memset(want, 0xee, sizeof(want));
	conf_ref_copy3d(want, HDP, HDY, conf_pos(0, 0, 0), src, HSP, HSY, conf_pos(0, 0, 0),
			conf_extent(XW, YH, ZD));
	CHECK_BYTES(dst, want, sizeof(dst));
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_3d_offsets(void **state)
{
	unsigned char src[HSP * HSY * ZD], got[HDP * HDY * ZD], want[HDP * HDY * ZD];
	unsigned char *d = DEV_ALLOC(0, sizeof(got));
	struct cudaMemcpy3DParms p;
	const struct cudaPos spos = { 4, 2, 0 }, dpos = { 8, 1, 1 };
	const struct cudaExtent e = { 16, 3, 2 };

	(void)state;
	conf_pattern(src, sizeof(src), 27);
	CHECK_RC(cudaMemset(d, 0x44, sizeof(got)), cudaSuccess);
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(src, HSP, HSP, HSY);
	p.srcPos = spos;
	p.dstPtr = conf_pitched(d, HDP, HDP, HDY);
	p.dstPos = dpos;
	p.extent = e;
	p.kind = cudaMemcpyHostToDevice;
	CHECK_RC(cudaMemcpy3D(&p), cudaSuccess);
	memset(want, 0x44, sizeof(want));
	conf_ref_copy3d(want, HDP, HDY, dpos, src, HSP, HSY, spos, e);
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CONF_DONE();
}

static void test_copy_3d_device_to_device_default(void **state)
{
	unsigned char src[HSP * HSY * ZD], got[HDP * HDY * ZD], want[HDP * HDY * ZD];
	unsigned char *s = DEV_PATTERNED(0, sizeof(src), 28, src), *d = DEV_ALLOC(0, sizeof(got));
	struct cudaMemcpy3DParms p;

	(void)state;
	CHECK_RC(cudaMemset(d, 0x55, sizeof(got)), cudaSuccess);
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(s, HSP, HSP, HSY);
	p.dstPtr = conf_pitched(d, HDP, HDP, HDY);
	p.extent = conf_extent(XW, YH, ZD);
	p.kind = cudaMemcpyDefault;
	CHECK_RC(cudaMemcpy3D(&p), cudaSuccess);
	memset(want, 0x55, sizeof(want));
	conf_ref_copy3d(want, HDP, HDY, conf_pos(0, 0, 0), src, HSP, HSY, conf_pos(0, 0, 0),
			conf_extent(XW, YH, ZD));
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CONF_DONE();
}

static void test_copy_3d_async(void **state)
{
	unsigned char *src = PINNED_ALLOC(HSP * HSY * ZD, 0);
	unsigned char *dst = PINNED_ALLOC(HDP * HDY * ZD, 0);
	unsigned char *d = DEV_ALLOC(0, HSP * HSY * ZD), want[HDP * HDY * ZD];
	cudaStream_t s = STREAM_NEW(0, 0);
	struct cudaMemcpy3DParms p;

	(void)state;
	conf_pattern(src, HSP * HSY * ZD, 29);
	memset(dst, 0xee, HDP * HDY * ZD);
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(src, HSP, XW, HSY);
	p.dstPtr = conf_pitched(d, HSP, XW, HSY);
	p.extent = conf_extent(XW, YH, ZD);
	p.kind = cudaMemcpyHostToDevice;
	CHECK_RC(cudaMemcpy3DAsync(&p, s), cudaSuccess);
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(d, HSP, XW, HSY);
	p.dstPtr = conf_pitched(dst, HDP, XW, HDY);
	p.extent = conf_extent(XW, YH, ZD);
	p.kind = cudaMemcpyDeviceToHost;
	CHECK_RC(cudaMemcpy3DAsync(&p, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	memset(want, 0xee, sizeof(want));
	conf_ref_copy3d(want, HDP, HDY, conf_pos(0, 0, 0), src, HSP, HSY, conf_pos(0, 0, 0),
			conf_extent(XW, YH, ZD));
	CHECK_BYTES(dst, want, sizeof(want));
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_3d_invalid_params(void **state)
{
	unsigned char want[HDP * HDY * ZD], got[HDP * HDY * ZD], src[HSP * HSY * ZD];
	unsigned char *d = DEV_PATTERNED(0, sizeof(got), 30, want);
	struct cudaMemcpy3DParms p;

	(void)state;
	conf_pattern(src, sizeof(src), 31);
	/* No destination at all. */
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(src, HSP, XW, HSY);
	p.extent = conf_extent(XW, YH, ZD);
	p.kind = cudaMemcpyHostToDevice;
	CHECK_RC(cudaMemcpy3D(&p), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	/* No source. */
	memset(&p, 0, sizeof(p));
	p.dstPtr = conf_pitched(d, HDP, XW, HDY);
	p.extent = conf_extent(XW, YH, ZD);
	p.kind = cudaMemcpyHostToDevice;
	CHECK_RC(cudaMemcpy3D(&p), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	/* A row wider than the source pitch. */
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(src, XW - 1, XW, HSY);
	p.dstPtr = conf_pitched(d, HDP, XW, HDY);
	p.extent = conf_extent(XW, YH, ZD);
	p.kind = cudaMemcpyHostToDevice;
	CHECK_RC(cudaMemcpy3D(&p), cudaErrorInvalidPitchValue);
	CHECK_LAST(cudaErrorInvalidPitchValue);
	/* A kind that does not exist. */
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(src, HSP, XW, HSY);
	p.dstPtr = conf_pitched(d, HDP, XW, HDY);
	p.extent = conf_extent(XW, YH, ZD);
	p.kind = (enum cudaMemcpyKind)7;
	CHECK_RC(cudaMemcpy3D(&p), cudaErrorInvalidMemcpyDirection);
	CHECK_LAST(cudaErrorInvalidMemcpyDirection);
	CHECK_RC(cudaMemcpy3D(NULL), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CONF_DONE();
}

static void test_copy_3d_empty_extent(void **state)
{
	unsigned char want[HDP * HDY * ZD], got[HDP * HDY * ZD], src[HSP * HSY * ZD];
	unsigned char *d = DEV_PATTERNED(0, sizeof(got), 32, want);
	struct cudaMemcpy3DParms p;

	(void)state;
	conf_pattern(src, sizeof(src), 33);
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(src, HSP, XW, HSY);
	p.dstPtr = conf_pitched(d, HDP, XW, HDY);
	p.extent = conf_extent(XW, YH, 0);
	p.kind = cudaMemcpyHostToDevice;
	CHECK_RC(cudaMemcpy3D(&p), cudaSuccess);
	p.extent = conf_extent(0, YH, ZD);
	CHECK_RC(cudaMemcpy3D(&p), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CONF_DONE();
}

/* ---- peer copies ----------------------------------------------------------------------------- */

static void test_copy_peer_same_device(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *s = DEV_PATTERNED(0, N, 34, want), *d = DEV_ALLOC(0, N);

	(void)state;
	CHECK_RC(cudaMemcpyPeer(d, 0, s, 0, N), cudaSuccess);
	READ_BACK(got, d, N);
	CHECK_BYTES(got, want, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void peer_both_ways(const char *file, int line, const char *test, unsigned seed)
{
	unsigned char want[N], got[N];
	unsigned char *a = dev_patterned(file, line, test, 0, N, seed, want);
	unsigned char *b = conf_dev_alloc(file, line, test, 1, N);
	unsigned char *c = conf_dev_alloc(file, line, test, 0, N);

	conf_check_rc(file, line, "cudaMemcpyPeer 0 -> 1", cudaMemcpyPeer(b, 1, a, 0, N),
		      cudaSuccess);
	conf_check_rc(file, line, "cudaMemcpyPeer 1 -> 0", cudaMemcpyPeer(c, 0, b, 1, N),
		      cudaSuccess);
	memset(got, 0, N);
	conf_require(file, line, test, "read-back", cudaMemcpy(got, b, N, cudaMemcpyDefault));
	conf_check_bytes(file, line, "device 1 copy", got, want, N);
	memset(got, 0, N);
	conf_require(file, line, test, "read-back", cudaMemcpy(got, c, N, cudaMemcpyDefault));
	conf_check_bytes(file, line, "device 0 copy of the copy", got, want, N);
	conf_check_rc(file, line, "cudaGetLastError()", cudaGetLastError(), cudaSuccess);
}

static void test_copy_peer_without_access(void **state)
{
	(void)state;
	CONF_NEED_DEVICES(2);
	peer_both_ways(__FILE__, __LINE__, __func__, 35);
	CONF_DONE();
}

static void test_copy_peer_with_access(void **state)
{
	(void)state;
	CONF_NEED_PEER(0, 1);
	CONF_NEED_PEER(1, 0);
	REQUIRE_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	REQUIRE_RC(cudaSetDevice(1), cudaSuccess);
	REQUIRE_RC(cudaDeviceEnablePeerAccess(0, 0), cudaSuccess);
	REQUIRE_RC(cudaSetDevice(0), cudaSuccess);
	peer_both_ways(__FILE__, __LINE__, __func__, 36);
	CONF_DONE();
}

static void test_copy_peer_async(void **state)
{
	unsigned char want[N];
	unsigned char *a, *b, *out;
	cudaStream_t s0, s1;

	(void)state;
	CONF_NEED_DEVICES(2);
	a = DEV_PATTERNED(0, N, 37, want);
	b = DEV_ALLOC(1, N);
	out = PINNED_ALLOC(N, 0);
	s0 = STREAM_NEW(0, cudaStreamNonBlocking);
	s1 = STREAM_NEW(1, cudaStreamNonBlocking);
	memset(out, 0, N);
	/* On a stream of the source device, then read back on one of the destination's. */
	CHECK_RC(cudaMemcpyPeerAsync(b, 1, a, 0, N, s0), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s0), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(out, b, N, cudaMemcpyDeviceToHost, s1), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s1), cudaSuccess);
	CHECK_BYTES(out, want, N);
	/* On a stream of the destination device (cleared first with device 1 current). */
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_RC(cudaMemset(b, 0, N), cudaSuccess);
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	CHECK_RC(cudaSetDevice(0), cudaSuccess);
	CHECK_RC(cudaMemcpyPeerAsync(b, 1, a, 0, N, s1), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(out, b, N, cudaMemcpyDeviceToHost, s1), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s1), cudaSuccess);
	CHECK_BYTES(out, want, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_peer_invalid_device(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *a = DEV_PATTERNED(0, N, 38, want), *b = DEV_ALLOC(0, N);
	int n = conf_device_count();

	(void)state;
	CHECK_RC(cudaMemset(b, 0, N), cudaSuccess);
	CHECK_RC(cudaMemcpyPeer(b, n, a, 0, N), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaMemcpyPeer(b, 0, a, -1, N), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaMemcpyPeerAsync(b, 0, a, n, N, 0), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	READ_BACK(got, b, N);
	CHECK_FILL(got, 0, N);
	CONF_DONE();
}

static void peer_3d(const char *file, int line, const char *test, bool async, unsigned seed)
{
	unsigned char src[HSP * HSY * ZD], got[HDP * HDY * ZD], want[HDP * HDY * ZD];
	unsigned char *s = dev_patterned(file, line, test, 0, sizeof(src), seed, src);
	unsigned char *d = conf_dev_alloc(file, line, test, 1, sizeof(got));
	const struct cudaPos spos = { 2, 1, 0 }, dpos = { 4, 0, 1 };
	const struct cudaExtent e = { XW - 4, YH - 1, ZD - 1 };
	struct cudaMemcpy3DPeerParms p;
	cudaStream_t st = conf_stream_new(file, line, test, 1, 0);

	cudaSetDevice(1);
	conf_check_rc(file, line, "cudaMemset", cudaMemset(d, 0x66, sizeof(got)), cudaSuccess);
	cudaSetDevice(0);
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(s, HSP, HSP, HSY);
	p.srcPos = spos;
	p.srcDevice = 0;
	p.dstPtr = conf_pitched(d, HDP, HDP, HDY);
	p.dstPos = dpos;
	p.dstDevice = 1;
	p.extent = e;
	if (async) {
		conf_check_rc(file, line, "cudaMemcpy3DPeerAsync", cudaMemcpy3DPeerAsync(&p, st),
			      cudaSuccess);
		conf_check_rc(file, line, "cudaStreamSynchronize", cudaStreamSynchronize(st),
			      cudaSuccess);
	} else {
		conf_check_rc(file, line, "cudaMemcpy3DPeer", cudaMemcpy3DPeer(&p), cudaSuccess);
	}
	memset(want, 0x66, sizeof(want));
	conf_ref_copy3d(want, HDP, HDY, dpos, src, HSP, HSY, spos, e);
	conf_require(file, line, test, "read-back", cudaMemcpy(got, d, sizeof(got),
							       cudaMemcpyDefault));
	conf_check_bytes(file, line, "3-D peer destination image", got, want, sizeof(got));
	conf_check_rc(file, line, "cudaGetLastError()", cudaGetLastError(), cudaSuccess);
}

static void test_copy_3d_peer(void **state)
{
	(void)state;
	CONF_NEED_DEVICES(2);
	peer_3d(__FILE__, __LINE__, __func__, false, 39);
	CONF_DONE();
}

static void test_copy_3d_peer_async(void **state)
{
	(void)state;
	CONF_NEED_DEVICES(2);
	peer_3d(__FILE__, __LINE__, __func__, true, 40);
	CONF_DONE();
}

static void test_copy_3d_peer_invalid_device(void **state)
{
	unsigned char *a = DEV_ALLOC(0, N), *b = DEV_ALLOC(0, N);
	struct cudaMemcpy3DPeerParms p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.srcPtr = conf_pitched(a, 256, 256, 4);
	p.srcDevice = 0;
	p.dstPtr = conf_pitched(b, 256, 256, 4);
	p.dstDevice = conf_device_count();
	p.extent = conf_extent(256, 4, 2);
	CHECK_RC(cudaMemcpy3DPeer(&p), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_copy_default_between_devices(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *a, *b, *c;
	cudaStream_t s;

	(void)state;
	CONF_NEED_DEVICES(2);
	a = DEV_PATTERNED(0, N, 41, want);
	b = DEV_ALLOC(1, N);
	c = DEV_ALLOC(0, N);
	s = STREAM_NEW(1, 0);
	/* Unified addressing: the runtime finds the devices from the pointers. */
	CHECK_RC(cudaMemcpy(b, a, N, cudaMemcpyDefault), cudaSuccess);
	/* A device-to-device cudaMemcpy may return before it is done: wait, then read b on s. */
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(c, b, N, cudaMemcpyDefault, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	READ_BACK(got, b, N);
	CHECK_BYTES(got, want, N);
	READ_BACK(got, c, N);
	CHECK_BYTES(got, want, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_device_kind_between_devices(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *a, *b;

	(void)state;
	CONF_NEED_DEVICES(2);
	a = DEV_PATTERNED(0, N, 42, want);
	b = DEV_ALLOC(1, N);
	CHECK_RC(cudaMemcpy(b, a, N, cudaMemcpyDeviceToDevice), cudaSuccess);
	READ_BACK(got, b, N);
	CHECK_BYTES(got, want, N);
	CONF_DONE();
}

static void test_copy_host_device1_roundtrip(void **state)
{
	unsigned char *a = HOST_ALLOC(N), *b = HOST_ALLOC(N), *d;

	(void)state;
	CONF_NEED_DEVICES(2);
	d = DEV_ALLOC(1, N);
	conf_pattern(a, N, 43);
	memset(b, 0, N);
	/* Device 0 current, memory on device 1: explicit kinds and Default. */
	CHECK_RC(cudaMemcpy(d, a, N, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_RC(cudaMemcpy(b, d, N, cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK_BYTES(b, a, N);
	memset(b, 0, N);
	CHECK_RC(cudaMemcpy(b, d, N, cudaMemcpyDefault), cudaSuccess);
	CHECK_BYTES(b, a, N);
	CONF_DONE();
}

/* ---- memset ---------------------------------------------------------------------------------- */

static void test_copy_memset_basic(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *d = DEV_PATTERNED(0, N, 44, want);

	(void)state;
	CHECK_RC(cudaMemset(d + 100, 0xab, 200), cudaSuccess);
	memset(want + 100, 0xab, 200);
	/* Only the low byte of value counts. */
	CHECK_RC(cudaMemset(d + 1000, 0x1cd, 3), cudaSuccess);
	memset(want + 1000, 0xcd, 3);
	READ_BACK(got, d, N);
	CHECK_BYTES(got, want, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_memset_zero_count(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *d = DEV_PATTERNED(0, N, 45, want);

	(void)state;
	CHECK_RC(cudaMemset(d, 0xab, 0), cudaSuccess);
	CHECK_RC(cudaMemsetAsync(d, 0xab, 0, 0), cudaSuccess);
	CHECK_RC(cudaMemset2D(d, 256, 0xab, 0, 4), cudaSuccess);
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	READ_BACK(got, d, N);
	CHECK_BYTES(got, want, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_memset_async(void **state)
{
	unsigned char want[N];
	unsigned char *d = DEV_PATTERNED(0, N, 46, want), *out = PINNED_ALLOC(N, 0);
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);

	(void)state;
	CHECK_RC(cudaMemsetAsync(d + 7, 0x5a, N - 14, s), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(out, d, N, cudaMemcpyDeviceToHost, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	memset(want + 7, 0x5a, N - 14);
	CHECK_BYTES(out, want, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_memset_2d_gaps(void **state)
{
	unsigned char want[DP * H], got[DP * H];
	unsigned char *d = DEV_PATTERNED(0, DP * H, 47, want);

	(void)state;
	CHECK_RC(cudaMemset2D(d + 3, DP, 0x99, W, H - 1), cudaSuccess);
	conf_ref_fill3d(want, DP, H, conf_pos(3, 0, 0), 0x99, conf_extent(W, H - 1, 1));
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_memset_2d_async(void **state)
{
	unsigned char want[DP * H];
	unsigned char *d = DEV_PATTERNED(0, DP * H, 48, want), *out = PINNED_ALLOC(DP * H, 0);
	cudaStream_t s = STREAM_NEW(0, 0);

	(void)state;
	CHECK_RC(cudaMemset2DAsync(d, DP, 0x42, W, H, s), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(out, d, DP * H, cudaMemcpyDeviceToHost, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	conf_ref_fill3d(want, DP, H, conf_pos(0, 0, 0), 0x42, conf_extent(W, H, 1));
	CHECK_BYTES(out, want, DP * H);
	CONF_DONE();
}

static void test_copy_memset_2d_pitch_too_small(void **state)
{
	unsigned char want[DP * H], got[DP * H];
	unsigned char *d = DEV_PATTERNED(0, DP * H, 49, want);

	(void)state;
	CHECK_RC(cudaMemset2D(d, W - 1, 0x42, W, H), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CONF_DONE();
}

static void test_copy_memset_3d(void **state)
{
	unsigned char want[HDP * HDY * ZD], got[HDP * HDY * ZD];
	unsigned char *d = DEV_PATTERNED(0, sizeof(got), 50, want);

	(void)state;
	CHECK_RC(cudaMemset3D(conf_pitched(d, HDP, XW, HDY), 0x31, conf_extent(XW, YH, ZD)),
		 cudaSuccess);
	conf_ref_fill3d(want, HDP, HDY, conf_pos(0, 0, 0), 0x31, conf_extent(XW, YH, ZD));
	READ_BACK(got, d, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_copy_memset_3d_async(void **state)
{
	unsigned char want[HDP * HDY * ZD];
	unsigned char *d = DEV_PATTERNED(0, sizeof(want), 51, want);
	unsigned char *out = PINNED_ALLOC(sizeof(want), 0);
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);

	(void)state;
	CHECK_RC(cudaMemset3DAsync(conf_pitched(d, HDP, XW, HDY), 0x13, conf_extent(XW, YH - 2, 2),
				   s),
		 cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(out, d, sizeof(want), cudaMemcpyDeviceToHost, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	conf_ref_fill3d(want, HDP, HDY, conf_pos(0, 0, 0), 0x13, conf_extent(XW, YH - 2, 2));
	CHECK_BYTES(out, want, sizeof(want));
	CONF_DONE();
}

static void test_copy_memset_other_device_memory(void **state)
{
	unsigned char want[N], got[N];
	unsigned char *d;
	cudaStream_t s1;

	(void)state;
	CONF_NEED_DEVICES(2);
	d = DEV_PATTERNED(1, N, 52, want);
	s1 = STREAM_NEW(1, 0);
	/*
	 * Unlike a copy, a memset runs on the current device: device 0 cannot reach device 1's
	 * memory without peer access, so it is refused (measured) and nothing is written.
	 */
	CHECK_RC(cudaMemset(d, 0x6b, N), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaMemsetAsync(d, 0x6b, N, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	READ_BACK(got, d, N);
	CHECK_BYTES(got, want, N);
	/* On a stream of device 1 with device 0 current. */
	CHECK_RC(cudaMemsetAsync(d, 0x6c, N, s1), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s1), cudaSuccess);
	READ_BACK(got, d, N);
	CHECK_FILL(got, 0x6c, N);
	/* With device 1 current. */
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_RC(cudaMemset(d, 0x6b, N), cudaSuccess);
	READ_BACK(got, d, N);
	CHECK_FILL(got, 0x6b, N);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static const struct CMUnitTest tests[] = {
	CONF_TEST(test_copy_host_to_host),
	CONF_TEST(test_copy_host_device_roundtrip),
	CONF_TEST(test_copy_device_to_device),
	CONF_TEST(test_copy_default_kind),
	CONF_TEST(test_copy_pinned_roundtrip),
	CONF_TEST(test_copy_invalid_kind),
	CONF_TEST(test_copy_zero_count),
	CONF_TEST(test_copy_async_user_stream),
	CONF_TEST(test_copy_async_non_blocking_stream),
	CONF_TEST(test_copy_async_stream_0),
	CONF_TEST(test_copy_async_legacy_stream),
	CONF_TEST(test_copy_async_per_thread_stream),
	CONF_TEST(test_copy_async_pageable),
	CONF_TEST(test_copy_async_stream_order),
	CONF_TEST(test_copy_2d_roundtrip_gaps),
	CONF_TEST(test_copy_2d_device_to_device),
	CONF_TEST(test_copy_2d_host_to_host),
	CONF_TEST(test_copy_2d_async),
	CONF_TEST(test_copy_2d_pitch_too_small),
	CONF_TEST(test_copy_2d_empty),
	CONF_TEST(test_copy_2d_invalid_kind),
	CONF_TEST(test_copy_3d_roundtrip),
	CONF_TEST(test_copy_3d_offsets),
	CONF_TEST(test_copy_3d_device_to_device_default),
	CONF_TEST(test_copy_3d_async),
	CONF_TEST(test_copy_3d_invalid_params),
	CONF_TEST(test_copy_3d_empty_extent),
	CONF_TEST(test_copy_peer_same_device),
	CONF_TEST(test_copy_peer_without_access),
	CONF_TEST(test_copy_peer_with_access),
	CONF_TEST(test_copy_peer_async),
	CONF_TEST(test_copy_peer_invalid_device),
	CONF_TEST(test_copy_3d_peer),
	CONF_TEST(test_copy_3d_peer_async),
	CONF_TEST(test_copy_3d_peer_invalid_device),
	CONF_TEST(test_copy_default_between_devices),
	CONF_TEST(test_copy_device_kind_between_devices),
	CONF_TEST(test_copy_host_device1_roundtrip),
	CONF_TEST(test_copy_memset_basic),
	CONF_TEST(test_copy_memset_zero_count),
	CONF_TEST(test_copy_memset_async),
	CONF_TEST(test_copy_memset_2d_gaps),
	CONF_TEST(test_copy_memset_2d_async),
	CONF_TEST(test_copy_memset_2d_pitch_too_small),
	CONF_TEST(test_copy_memset_3d),
	CONF_TEST(test_copy_memset_3d_async),
	CONF_TEST(test_copy_memset_other_device_memory),
};

CONF_MAIN("conf_copy", tests)
