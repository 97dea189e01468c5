/*
 * cuda_probe: asks a CUDA runtime how it answers the edge cases that libferry_sim.so must
 * reproduce, one case per process (a case that loses the context cannot spoil the next).
 *
 *   cuda_probe list          the case names
 *   cuda_probe CASE          runs one case; prints "CASE key=value ..." lines
 *   cuda_probe all           runs every case, each in a child process
 *
 * It runs unchanged on a GPU machine (the real runtime) and here under the simulator
 * (LD_PRELOAD=libferry_sim.so); tools/probe/compare.sh diffs the two outputs. What it found
 * on real GPUs is encoded as checks in tests/conformance/.
 */
#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *cur;

static struct cudaExtent ext(size_t w, size_t h, size_t d)
{
	struct cudaExtent e = { w, h, d };

	return e;
}

static struct cudaPitchedPtr pptr(void *p, size_t pitch, size_t xsize, size_t ysize)
{
	struct cudaPitchedPtr r = { p, pitch, xsize, ysize };

	return r;
}

static struct cudaPos pos(size_t x, size_t y, size_t z)
{
	struct cudaPos r = { x, y, z };

	return r;
}

#define OUT(...)                          \
	do {                              \
		printf("%s ", cur);       \
		printf(__VA_ARGS__);      \
		printf("\n");             \
		fflush(stdout);           \
	} while (0)
#define RC(label, call)                                                               \
	do {                                                                          \
		cudaError_t rc_ = (call);                                             \
		OUT("%s rc=%d(%s) last=%d", label, (int)rc_, cudaGetErrorName(rc_), \
		    (int)cudaPeekAtLastError());                                      \
		cudaGetLastError();                                                   \
	} while (0)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int ndev(void)
{
	int n = 0;

	cudaGetDeviceCount(&n);
	return n;
}

/* --- a stream held by a host function, released by a timer thread ---------------------- */

static atomic_int gate;

static void CUDART_CB hold_fn(void *arg)
{
	(void)arg;
	while (!atomic_load(&gate))
		usleep(1000);
}

static void *release_after(void *arg)
{
	usleep((useconds_t)(uintptr_t)arg * 1000);
	atomic_store(&gate, 1);
	return NULL;
}

static pthread_t hold(cudaStream_t s, unsigned ms)
{
	pthread_t t;

	atomic_store(&gate, 0);
	cudaLaunchHostFunc(s, hold_fn, NULL);
	pthread_create(&t, NULL, release_after, (void *)(uintptr_t)ms);
	return t;
}

/* --- cases ----------------------------------------------------------------------------- */

static void case_malloc(void)
{
	void *p = (void *)1;
	int x;

	RC("malloc0", cudaMalloc(&p, 0));
	OUT("malloc0 ptr_null=%d", p == NULL);
	RC("malloc_nullarg", cudaMalloc(NULL, 16));
	RC("malloc_huge", cudaMalloc(&p, (size_t)1 << 60));
	RC("free_null", cudaFree(NULL));
	RC("free_host", cudaFree(&x));
	cudaMalloc(&p, 4096);
	RC("free_interior", cudaFree((char *)p + 16));
	RC("free_ok", cudaFree(p));
	RC("free_double", cudaFree(p));
	RC("mallocasync0", cudaMallocAsync(&p, 0, 0));
	OUT("mallocasync0 ptr_null=%d", p == NULL);
	RC("freeasync_null", cudaFreeAsync(NULL, 0));
	cudaMalloc(&p, 4096);
	RC("freeasync_of_malloc", cudaFreeAsync(p, 0));
	RC("sync", cudaDeviceSynchronize());
}

static void case_meminfo(void)
{
	size_t f0, t0, f1, t1, f2, t2, pitch = 0;
	void *p;
	struct cudaPitchedPtr pp;

	RC("meminfo", cudaMemGetInfo(&f0, &t0));
	OUT("meminfo free=%zu total=%zu", f0, t0);
	cudaMalloc(&p, (size_t)1 << 30);
	cudaMemGetInfo(&f1, &t1);
	cudaFree(p);
	cudaMemGetInfo(&f2, &t2);
	OUT("meminfo drop_1g=%lld back=%lld", (long long)f0 - (long long)f1,
	    (long long)f2 - (long long)f1);
	cudaMalloc(&p, 1);
	cudaMemGetInfo(&f1, &t1);
	OUT("meminfo drop_1b=%lld", (long long)f2 - (long long)f1);
	cudaFree(p);
	RC("meminfo_null", cudaMemGetInfo(NULL, &t0));
	RC("pitch_100x10", cudaMallocPitch(&p, &pitch, 100, 10));
	OUT("pitch_100x10 pitch=%zu", pitch);
	cudaFree(p);
	RC("pitch_0x10", cudaMallocPitch(&p, &pitch, 0, 10));
	OUT("pitch_0x10 pitch=%zu ptr_null=%d", pitch, p == NULL);
	RC("pitch_1000x0", cudaMallocPitch(&p, &pitch, 1000, 0));
	OUT("pitch_1000x0 pitch=%zu ptr_null=%d", pitch, p == NULL);
	RC("malloc3d", cudaMalloc3D(&pp, ext(100, 10, 3)));
	OUT("malloc3d pitch=%zu xsize=%zu ysize=%zu", pp.pitch, pp.xsize, pp.ysize);
	cudaFree(pp.ptr);
}

static void case_bounds(void)
{
	unsigned char *d, h[8192], back[2048];

	memset(h, 0xAB, sizeof(h));
	cudaMalloc((void **)&d, 1024);
	cudaMemset(d, 0, 1024);
	cudaDeviceSynchronize();
	RC("h2d_past_end", cudaMemcpy(d, h, 2048, cudaMemcpyHostToDevice));
	memset(back, 0x11, sizeof(back));
	cudaMemcpy(back, d, 1024, cudaMemcpyDeviceToHost);
	OUT("h2d_past_end first=%02x last=%02x", back[0], back[1023]);
	RC("h2d_offset_past_end", cudaMemcpy(d + 1000, h, 100, cudaMemcpyHostToDevice));
	cudaMemcpy(back, d, 1024, cudaMemcpyDeviceToHost);
	OUT("h2d_offset_past_end at1000=%02x", back[1000]);
	RC("d2h_past_end", cudaMemcpy(h, d, 2048, cudaMemcpyDeviceToHost));
	RC("memset_past_end", cudaMemset(d, 0x77, 2048));
	cudaMemcpy(back, d, 1024, cudaMemcpyDeviceToHost);
	OUT("memset_past_end first=%02x", back[0]);
	RC("async_past_end", cudaMemcpyAsync(d, h, 2048, cudaMemcpyHostToDevice, 0));
	RC("sync", cudaDeviceSynchronize());
	cudaFree(d);
	RC("h2d_freed", cudaMemcpy(d, h, 16, cudaMemcpyHostToDevice));
	RC("sync2", cudaDeviceSynchronize());
}

static void case_kinds(void)
{
	unsigned char *d, *d2, *pin, h[256], h2[256], back[256];

	for (int i = 0; i < 256; i++)
		h[i] = (unsigned char)i;
	cudaMalloc((void **)&d, 256);
	cudaMalloc((void **)&d2, 256);
	cudaMallocHost((void **)&pin, 256);
	RC("kind7", cudaMemcpy(d, h, 16, (enum cudaMemcpyKind)7));
	RC("kind_neg", cudaMemcpy(d, h, 16, (enum cudaMemcpyKind)-1));
	RC("count0_null", cudaMemcpy(NULL, NULL, 0, cudaMemcpyHostToDevice));
	RC("null_dst", cudaMemcpy(NULL, h, 16, cudaMemcpyHostToDevice));
	RC("null_src", cudaMemcpy(d, NULL, 16, cudaMemcpyHostToDevice));
	RC("null_dst_h2h", cudaMemcpy(NULL, h, 16, cudaMemcpyHostToHost));
	RC("h2d_ok", cudaMemcpy(d, h, 256, cudaMemcpyHostToDevice));
	/* wrong kinds */
	memset(h2, 0, sizeof(h2));
	RC("h2d_both_host", cudaMemcpy(h2, h, 256, cudaMemcpyHostToDevice));
	OUT("h2d_both_host copied=%d", memcmp(h2, h, 256) == 0);
	RC("d2h_both_dev", cudaMemcpy(d2, d, 256, cudaMemcpyDeviceToHost));
	cudaMemcpy(back, d2, 256, cudaMemcpyDeviceToHost);
	OUT("d2h_both_dev copied=%d", memcmp(back, h, 256) == 0);
	RC("h2h_devptrs", cudaMemcpy(d2, d, 256, cudaMemcpyHostToHost));
	RC("d2d_hostptrs", cudaMemcpy(h2, h, 256, cudaMemcpyDeviceToDevice));
	RC("h2d_reversed", cudaMemcpy(h2, d, 256, cudaMemcpyHostToDevice));
	RC("d2h_reversed", cudaMemcpy(d2, h, 256, cudaMemcpyDeviceToHost));
	RC("h2d_pinned_dst", cudaMemcpy(pin, h, 256, cudaMemcpyHostToDevice));
	RC("default_h2h", cudaMemcpy(h2, h, 256, cudaMemcpyDefault));
	RC("h2h_pageable", cudaMemcpy(h2, h, 256, cudaMemcpyHostToHost));
	RC("async_kind7", cudaMemcpyAsync(d, h, 16, (enum cudaMemcpyKind)7, 0));
	RC("async_null_dst", cudaMemcpyAsync(NULL, h, 16, cudaMemcpyHostToDevice, 0));
	RC("sync", cudaDeviceSynchronize());
	cudaFree(d);
	cudaFree(d2);
	cudaFreeHost(pin);
}

static void case_memset(void)
{
	unsigned char *pin, h[64];

	cudaMallocHost((void **)&pin, 4096);
	RC("memset_pageable", cudaMemset(h, 1, 64));
	RC("memset_pinned", cudaMemset(pin, 2, 64));
	OUT("memset_pinned value=%d", pin[0]);
	RC("memset_null", cudaMemset(NULL, 0, 16));
	RC("memset_null0", cudaMemset(NULL, 0, 0));
	RC("sync", cudaDeviceSynchronize());
	cudaFreeHost(pin);
}

static void case_2d3d(void)
{
	unsigned char *d, h[4096];
	size_t pitch;
	struct cudaMemcpy3DParms p;

	memset(h, 1, sizeof(h));
	cudaMallocPitch((void **)&d, &pitch, 64, 8);
	OUT("pitch=%zu", pitch);
	RC("2d_spitch_lt_width", cudaMemcpy2D(d, pitch, h, 32, 64, 8, cudaMemcpyHostToDevice));
	RC("2d_dpitch_lt_width", cudaMemcpy2D(d, 32, h, 64, 64, 8, cudaMemcpyHostToDevice));
	RC("2d_width0", cudaMemcpy2D(d, pitch, h, 64, 0, 8, cudaMemcpyHostToDevice));
	RC("2d_height0", cudaMemcpy2D(d, pitch, h, 64, 64, 0, cudaMemcpyHostToDevice));
	RC("2d_past_end", cudaMemcpy2D(d, pitch, h, 64, 64, 100, cudaMemcpyHostToDevice));
	RC("2d_pitch_huge", cudaMemcpy2D(d, (size_t)1 << 40, h, 64, 64, 2,
					 cudaMemcpyHostToDevice));
	RC("2d_ok", cudaMemcpy2D(d, pitch, h, 64, 64, 8, cudaMemcpyHostToDevice));
	RC("memset2d_ok", cudaMemset2D(d, pitch, 0, 64, 8));
	RC("memset2d_pitch_lt_width", cudaMemset2D(d, 32, 0, 64, 8));
	memset(&p, 0, sizeof(p));
	RC("3d_zero_params", cudaMemcpy3D(&p));
	p.srcPtr = pptr(h, 64, 64, 8);
	p.dstPtr = pptr(d, pitch, 64, 8);
	p.extent = ext(64, 8, 1);
	p.kind = cudaMemcpyHostToDevice;
	RC("3d_ok", cudaMemcpy3D(&p));
	p.extent = ext(0, 8, 1);
	RC("3d_width0", cudaMemcpy3D(&p));
	p.extent = ext(64, 8, 0);
	RC("3d_depth0", cudaMemcpy3D(&p));
	p.extent = ext(64, 8, 1);
	p.srcPos = pos(1, 0, 0);
	RC("3d_srcpos", cudaMemcpy3D(&p));
	p.srcPos = pos(0, 0, 0);
	p.dstPtr.pitch = 32;
	RC("3d_dpitch_lt_width", cudaMemcpy3D(&p));
	p.dstPtr.pitch = pitch;
	p.kind = (enum cudaMemcpyKind)9;
	RC("3d_kind9", cudaMemcpy3D(&p));
	RC("3d_null", cudaMemcpy3D(NULL));
	p.kind = cudaMemcpyHostToDevice;
	p.extent = ext(64, 8, 2);
	RC("3d_depth2_past_end", cudaMemcpy3D(&p));
	RC("sync", cudaDeviceSynchronize());
	cudaFree(d);
}

static void case_host(void)
{
	void *p = (void *)1, *dp;
	unsigned flags;
	char *buf = malloc(1 << 20);
	char *pin;
	int x;

	RC("hostalloc0", cudaHostAlloc(&p, 0, 0));
	OUT("hostalloc0 ptr_null=%d", p == NULL);
	RC("mallochost0", cudaMallocHost(&p, 0));
	RC("hostalloc_badflags", cudaHostAlloc(&p, 64, 0x100));
	RC("hostalloc_nullarg", cudaHostAlloc(NULL, 64, 0));
	RC("freehost_malloc", cudaFreeHost(buf));
	RC("freehost_null", cudaFreeHost(NULL));
	cudaMalloc(&dp, 64);
	RC("freehost_dev", cudaFreeHost(dp));
	cudaFree(dp);
	cudaHostAlloc((void **)&pin, 4096, cudaHostAllocDefault);
	RC("freehost_interior", cudaFreeHost(pin + 8));
	RC("getflags_default", cudaHostGetFlags(&flags, pin));
	OUT("getflags_default flags=%u", flags);
	RC("getflags_interior", cudaHostGetFlags(&flags, pin + 100));
	RC("getdevptr", cudaHostGetDevicePointer(&dp, pin, 0));
	OUT("getdevptr same=%d", dp == pin);
	RC("getdevptr_interior", cudaHostGetDevicePointer(&dp, pin + 100, 0));
	OUT("getdevptr_interior same=%d", dp == pin + 100);
	RC("getdevptr_flags1", cudaHostGetDevicePointer(&dp, pin, 1));
	RC("getdevptr_malloc", cudaHostGetDevicePointer(&dp, buf, 0));
	RC("register_in_pinned", cudaHostRegister(pin + 64, 64, 0));
	RC("unregister_pinned", cudaHostUnregister(pin));
	cudaFreeHost(pin);
	cudaHostAlloc((void **)&pin, 4096, cudaHostAllocMapped | cudaHostAllocPortable);
	cudaHostGetFlags(&flags, pin);
	OUT("getflags_mapped_portable flags=%u", flags);
	cudaFreeHost(pin);
	cudaHostAlloc((void **)&pin, 4096, cudaHostAllocWriteCombined);
	cudaHostGetFlags(&flags, pin);
	OUT("getflags_wc flags=%u", flags);
	cudaFreeHost(pin);
	RC("register_null", cudaHostRegister(NULL, 64, 0));
	RC("register_size0", cudaHostRegister(buf, 0, 0));
	RC("register_badflags", cudaHostRegister(buf, 4096, 0x100));
	RC("register_ok", cudaHostRegister(buf, 65536, 0));
	RC("register_twice", cudaHostRegister(buf, 65536, 0));
	RC("register_overlap", cudaHostRegister(buf + 4096, 65536, 0));
	RC("register_inside", cudaHostRegister(buf + 4096, 4096, 0));
	RC("register_adjacent", cudaHostRegister(buf + 65536, 4096, 0));
	RC("getflags_registered", cudaHostGetFlags(&flags, buf));
	OUT("getflags_registered flags=%u", flags);
	RC("getdevptr_registered", cudaHostGetDevicePointer(&dp, buf, 0));
	RC("unregister_interior", cudaHostUnregister(buf + 8));
	RC("unregister_ok", cudaHostUnregister(buf));
	RC("unregister_twice", cudaHostUnregister(buf));
	RC("unregister_adjacent", cudaHostUnregister(buf + 65536));
	RC("unregister_stack", cudaHostUnregister(&x));
	RC("unregister_null", cudaHostUnregister(NULL));
	RC("register_unaligned", cudaHostRegister(buf + 3, 1000, 0));
	RC("unregister_unaligned", cudaHostUnregister(buf + 3));
	RC("register_readonly", cudaHostRegister(buf, 4096, cudaHostRegisterReadOnly));
	RC("unregister_readonly", cudaHostUnregister(buf));
	free(buf);
}

static void case_attrs(void)
{
	struct cudaPointerAttributes a;
	void *d, *pin;
	char *buf = malloc(8192);

	cudaMalloc(&d, 4096);
	cudaMallocHost(&pin, 4096);
	cudaHostRegister(buf, 8192, 0);
	memset(&a, 0xCD, sizeof(a));
	RC("attr_interior", cudaPointerGetAttributes(&a, (char *)d + 100));
	OUT("attr_interior type=%d dev=%d dp_off=%td hp_null=%d", a.type, a.device,
	    (char *)a.devicePointer - (char *)d, a.hostPointer == NULL);
	RC("attr_end", cudaPointerGetAttributes(&a, (char *)d + 4096));
	OUT("attr_end type=%d dev=%d", a.type, a.device);
	RC("attr_reg_interior", cudaPointerGetAttributes(&a, buf + 100));
	OUT("attr_reg_interior type=%d dev=%d dp_same=%d hp_same=%d", a.type, a.device,
	    a.devicePointer == buf + 100, a.hostPointer == buf + 100);
	RC("attr_pinned", cudaPointerGetAttributes(&a, pin));
	OUT("attr_pinned type=%d dev=%d", a.type, a.device);
	RC("attr_nullarg", cudaPointerGetAttributes(NULL, d));
	cudaFree(d);
	memset(&a, 0xCD, sizeof(a));
	RC("attr_freed", cudaPointerGetAttributes(&a, d));
	OUT("attr_freed type=%d dev=%d", a.type, a.device);
	if (ndev() > 1) {
		cudaSetDevice(1);
		cudaMallocHost(&pin, 64);
		cudaPointerGetAttributes(&a, pin);
		OUT("attr_pinned_on_dev1 type=%d dev=%d", a.type, a.device);
		cudaSetDevice(0);
		cudaPointerGetAttributes(&a, pin);
		OUT("attr_pinned_on_dev1_from0 type=%d dev=%d", a.type, a.device);
	}
	cudaHostUnregister(buf);
	free(buf);
}

static void case_device(void)
{
	int v = -7, d;
	unsigned u;
	char bus[64];
	struct cudaDeviceProp prop;

	RC("setdev_neg", cudaSetDevice(-1));
	RC("setdev_count", cudaSetDevice(ndev()));
	RC("getdev_null", cudaGetDevice(NULL));
	RC("count_null", cudaGetDeviceCount(NULL));
	RC("props_null", cudaGetDeviceProperties(NULL, 0));
	RC("props_bad", cudaGetDeviceProperties(&prop, 99));
	RC("attr0", cudaDeviceGetAttribute(&v, (enum cudaDeviceAttr)0, 0));
	RC("attr1000", cudaDeviceGetAttribute(&v, (enum cudaDeviceAttr)1000, 0));
	RC("attr_null", cudaDeviceGetAttribute(NULL, cudaDevAttrWarpSize, 0));
	RC("attr_baddev", cudaDeviceGetAttribute(&v, cudaDevAttrWarpSize, 99));
	RC("busid", cudaDeviceGetPCIBusId(bus, sizeof(bus), 0));
	OUT("busid value=%s", bus);
	RC("busid_len5", cudaDeviceGetPCIBusId(bus, 5, 0));
	OUT("busid_len5 value=%s", bus);
	RC("busid_len0", cudaDeviceGetPCIBusId(bus, 0, 0));
	RC("busid_baddev", cudaDeviceGetPCIBusId(bus, 64, 99));
	cudaDeviceGetPCIBusId(bus, sizeof(bus), 0);
	RC("bybusid", cudaDeviceGetByPCIBusId(&d, bus));
	OUT("bybusid dev=%d", d);
	RC("bybusid_garbage", cudaDeviceGetByPCIBusId(&d, "garbage"));
	RC("bybusid_unknown", cudaDeviceGetByPCIBusId(&d, "0000:ff:1f.0"));
	RC("getflags", cudaGetDeviceFlags(&u));
	OUT("getflags value=%u", u);
	RC("setflags_bad", cudaSetDeviceFlags(0x1000));
	RC("setflags_ok", cudaSetDeviceFlags(cudaDeviceScheduleBlockingSync));
	cudaGetDeviceFlags(&u);
	OUT("getflags_after value=%u", u);
	RC("initdevice", cudaInitDevice(0, 0, 0));
	RC("initdevice_bad", cudaInitDevice(99, 0, 0));
	for (int l = 0; l < 12; l++) {
		size_t val = 0;
		char label[32];

		snprintf(label, sizeof(label), "limit%d", l);
		RC(label, cudaDeviceGetLimit(&val, (enum cudaLimit)l));
		OUT("%s value=%zu", label, val);
	}
	RC("prio", cudaDeviceGetStreamPriorityRange(&v, &d));
	OUT("prio least=%d greatest=%d", v, d);
}

static void case_streams(void)
{
	cudaStream_t s, s1;
	unsigned flags;
	int prio, dev;
	unsigned long long id;

	RC("create_flags2", cudaStreamCreateWithFlags(&s, 2));
	RC("create_null", cudaStreamCreate(NULL));
	RC("destroy_0", cudaStreamDestroy(0));
	RC("destroy_perthread", cudaStreamDestroy(cudaStreamPerThread));
	RC("destroy_legacy", cudaStreamDestroy(cudaStreamLegacy));
	RC("create_prio100", cudaStreamCreateWithPriority(&s, 0, 100));
	cudaStreamGetPriority(s, &prio);
	OUT("create_prio100 prio=%d", prio);
	cudaStreamDestroy(s);
	RC("create_prio_neg100", cudaStreamCreateWithPriority(&s, 0, -100));
	cudaStreamGetPriority(s, &prio);
	OUT("create_prio_neg100 prio=%d", prio);
	cudaStreamGetFlags(s, &flags);
	OUT("flags default=%u", flags);
	cudaStreamDestroy(s);
	cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
	cudaStreamGetFlags(s, &flags);
	OUT("flags nonblocking=%u", flags);
	RC("getflags_0", cudaStreamGetFlags(0, &flags));
	OUT("getflags_0 value=%u", flags);
	RC("getprio_0", cudaStreamGetPriority(0, &prio));
	OUT("getprio_0 value=%d", prio);
	RC("getid_0", cudaStreamGetId(0, &id));
	OUT("getid_0 value=%llu", id);
	RC("getid_legacy", cudaStreamGetId(cudaStreamLegacy, &id));
	OUT("getid_legacy value=%llu", id);
	RC("getid_perthread", cudaStreamGetId(cudaStreamPerThread, &id));
	OUT("getid_perthread value=%llu", id);
	RC("getid_user", cudaStreamGetId(s, &id));
	OUT("getid_user value=%llu", id);
	RC("getdev_user", cudaStreamGetDevice(s, &dev));
	RC("addcallback_flags1", cudaStreamAddCallback(s, NULL, NULL, 1));
	RC("hostfunc_null", cudaLaunchHostFunc(s, NULL, NULL));
	RC("waitevent_null", cudaStreamWaitEvent(s, NULL, 0));
	cudaStreamDestroy(s);
	if (ndev() > 1) {
		cudaEvent_t e0;

		cudaSetDevice(1);
		cudaStreamCreate(&s1);
		cudaSetDevice(0);
		cudaEventCreate(&e0);
		RC("record_ev0_on_s1", cudaEventRecord(e0, s1));
		cudaEventRecord(e0, 0);
		RC("wait_s1_on_ev0", cudaStreamWaitEvent(s1, e0, 0));
		RC("query_s1_from_dev0", cudaStreamQuery(s1));
		RC("sync_s1_from_dev0", cudaStreamSynchronize(s1));
		RC("getdev_s1", cudaStreamGetDevice(s1, &dev));
		OUT("getdev_s1 value=%d", dev);
		RC("destroy_s1_from_dev0", cudaStreamDestroy(s1));
		cudaEventDestroy(e0);
	}
}

static void case_events(void)
{
	cudaEvent_t a, b, nt;
	float ms = -1;

	RC("create_interprocess_timing", cudaEventCreateWithFlags(&a, cudaEventInterprocess));
	RC("create_flags8", cudaEventCreateWithFlags(&a, 8));
	RC("create_null", cudaEventCreate(NULL));
	cudaEventCreate(&a);
	cudaEventCreate(&b);
	cudaEventCreateWithFlags(&nt, cudaEventDisableTiming);
	RC("query_unrecorded", cudaEventQuery(a));
	RC("sync_unrecorded", cudaEventSynchronize(a));
	RC("elapsed_unrecorded", cudaEventElapsedTime(&ms, a, b));
	cudaEventRecord(a, 0);
	RC("elapsed_one_unrecorded", cudaEventElapsedTime(&ms, a, b));
	cudaEventRecord(b, 0);
	cudaEventSynchronize(b);
	RC("elapsed_ok", cudaEventElapsedTime(&ms, a, b));
	OUT("elapsed_ok ms_nonneg=%d", ms >= 0);
	RC("elapsed_nullms", cudaEventElapsedTime(NULL, a, b));
	cudaEventRecord(nt, 0);
	cudaEventSynchronize(nt);
	RC("elapsed_notiming", cudaEventElapsedTime(&ms, a, nt));
	RC("record_flags_ext", cudaEventRecordWithFlags(a, 0, cudaEventRecordExternal));
	RC("record_flags_bad", cudaEventRecordWithFlags(a, 0, 0x10));
	RC("destroy_null", cudaEventDestroy(NULL));
	{
		cudaStream_t s;
		pthread_t t;

		cudaStreamCreate(&s);
		t = hold(s, 300);
		cudaEventRecord(a, s);
		RC("query_held", cudaEventQuery(a));
		RC("elapsed_held", cudaEventElapsedTime(&ms, b, a));
		RC("streamquery_held", cudaStreamQuery(s));
		RC("after_notready_getlast", cudaGetLastError());
		pthread_join(t, NULL);
		cudaStreamSynchronize(s);
		cudaStreamDestroy(s);
	}
}

/* How long a call blocks when its stream is held for 300 ms. */
#define TIMED(label, call)                                                          \
	do {                                                                        \
		double t0_ = now_ms();                                              \
		cudaError_t rc_ = (call);                                           \
		OUT("%s rc=%d blocked_ms=%.0f", label, (int)rc_, now_ms() - t0_); \
	} while (0)

static void case_blocking(void)
{
	unsigned char *d, *d2, *pin, *pg = malloc(1 << 20), back[16];
	cudaStream_t s;
	pthread_t t;

	cudaMalloc((void **)&d, 1 << 20);
	cudaMalloc((void **)&d2, 1 << 20);
	cudaMallocHost((void **)&pin, 1 << 20);
	cudaStreamCreate(&s);

	memset(pg, 1, 1 << 20);
	t = hold(s, 300);
	TIMED("async_h2d_pageable", cudaMemcpyAsync(d, pg, 1 << 20, cudaMemcpyHostToDevice, s));
	memset(pg, 2, 1 << 20);
	pthread_join(t, NULL);
	cudaStreamSynchronize(s);
	cudaMemcpy(back, d, 16, cudaMemcpyDeviceToHost);
	OUT("async_h2d_pageable value_after_overwrite=%d", back[0]);

	memset(pg, 3, 4096);
	t = hold(s, 300);
	TIMED("async_h2d_pageable_small", cudaMemcpyAsync(d, pg, 4096, cudaMemcpyHostToDevice, s));
	memset(pg, 4, 4096);
	pthread_join(t, NULL);
	cudaStreamSynchronize(s);
	cudaMemcpy(back, d, 16, cudaMemcpyDeviceToHost);
	OUT("async_h2d_pageable_small value_after_overwrite=%d", back[0]);

	t = hold(s, 300);
	TIMED("async_d2h_pageable", cudaMemcpyAsync(pg, d, 1 << 20, cudaMemcpyDeviceToHost, s));
	pthread_join(t, NULL);
	cudaStreamSynchronize(s);

	memset(pin, 5, 1 << 20);
	t = hold(s, 300);
	TIMED("async_h2d_pinned", cudaMemcpyAsync(d, pin, 1 << 20, cudaMemcpyHostToDevice, s));
	memset(pin, 6, 1 << 20);
	pthread_join(t, NULL);
	cudaStreamSynchronize(s);
	cudaMemcpy(back, d, 16, cudaMemcpyDeviceToHost);
	OUT("async_h2d_pinned value_after_overwrite=%d", back[0]);

	t = hold(s, 300);
	TIMED("async_h2h_pageable", cudaMemcpyAsync(pg, pg + 4096, 4096, cudaMemcpyHostToHost, s));
	pthread_join(t, NULL);
	cudaStreamSynchronize(s);

	t = hold(s, 300);
	TIMED("async_memset", cudaMemsetAsync(d, 0, 1 << 20, s));
	pthread_join(t, NULL);
	cudaStreamSynchronize(s);

	/* The legacy stream, held: the synchronous API. */
	t = hold(0, 300);
	TIMED("sync_memset_dev", cudaMemset(d, 7, 1 << 20));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(0, 300);
	TIMED("sync_memcpy_d2d", cudaMemcpy(d2, d, 1 << 20, cudaMemcpyDeviceToDevice));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(0, 300);
	TIMED("sync_memcpy_h2d_pinned", cudaMemcpy(d2, pin, 1 << 20, cudaMemcpyHostToDevice));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(0, 300);
	TIMED("sync_memcpy_h2d_pageable", cudaMemcpy(d2, pg, 1 << 20, cudaMemcpyHostToDevice));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(0, 300);
	TIMED("sync_memcpy_h2h", cudaMemcpy(pg, pg + 8192, 4096, cudaMemcpyHostToHost));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(s, 300);
	TIMED("sync_memcpy_d2h_other_stream_held", cudaMemcpy(back, d, 16, cudaMemcpyDeviceToHost));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(0, 300);
	TIMED("sync_memcpypeer_same", cudaMemcpyPeer(d2, 0, d, 0, 1 << 20));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(s, 300);
	TIMED("free_with_stream_held", cudaFree(d2));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(s, 300);
	TIMED("malloc_with_stream_held", cudaMalloc((void **)&d2, 4096));
	pthread_join(t, NULL);
	t = hold(s, 300);
	TIMED("freehost_with_stream_held", cudaFreeHost(pin));
	pthread_join(t, NULL);
	t = hold(s, 300);
	TIMED("eventcreate_with_stream_held", cudaStreamQuery(s));
	pthread_join(t, NULL);
	{
		cudaStream_t nb;

		cudaStreamCreateWithFlags(&nb, cudaStreamNonBlocking);
		t = hold(nb, 300);
		TIMED("sync_memcpy_d2h_nonblocking_held", cudaMemcpy(back, d, 16,
								     cudaMemcpyDeviceToHost));
		pthread_join(t, NULL);
		cudaDeviceSynchronize();
		t = hold(s, 300);
		TIMED("streamdestroy_held", cudaStreamDestroy(s));
		pthread_join(t, NULL);
		cudaDeviceSynchronize();
		cudaStreamDestroy(nb);
	}
	cudaFree(d);
	free(pg);
}

static atomic_int hostfn_rc = -1;

static void CUDART_CB call_from_hostfn(void *arg)
{
	int n;

	(void)arg;
	atomic_store(&hostfn_rc, (int)cudaGetDeviceCount(&n));
}

static void CUDART_CB malloc_from_hostfn(void *arg)
{
	void *p;

	(void)arg;
	atomic_store(&hostfn_rc, (int)cudaMalloc(&p, 16));
}

static void case_hostfn(void)
{
	cudaLaunchHostFunc(0, call_from_hostfn, NULL);
	cudaDeviceSynchronize();
	OUT("getdevicecount_in_hostfn rc=%d", atomic_load(&hostfn_rc));
	cudaLaunchHostFunc(0, malloc_from_hostfn, NULL);
	cudaDeviceSynchronize();
	OUT("malloc_in_hostfn rc=%d", atomic_load(&hostfn_rc));
	RC("after", cudaGetLastError());
}

static void case_peer(void)
{
	int v = -1;
	void *a, *b;

	if (ndev() < 2) {
		OUT("skipped one device");
		return;
	}
	RC("can_self", cudaDeviceCanAccessPeer(&v, 0, 0));
	OUT("can_self value=%d", v);
	RC("can_01", cudaDeviceCanAccessPeer(&v, 0, 1));
	OUT("can_01 value=%d", v);
	RC("can_bad", cudaDeviceCanAccessPeer(&v, 0, 99));
	RC("can_null", cudaDeviceCanAccessPeer(NULL, 0, 1));
	RC("enable_self", cudaDeviceEnablePeerAccess(0, 0));
	RC("enable_bad", cudaDeviceEnablePeerAccess(99, 0));
	RC("enable_flags1", cudaDeviceEnablePeerAccess(1, 1));
	RC("disable_not_enabled", cudaDeviceDisablePeerAccess(1));
	RC("enable_ok", cudaDeviceEnablePeerAccess(1, 0));
	RC("enable_again", cudaDeviceEnablePeerAccess(1, 0));
	OUT("enable_again peek_after_clear=%d", (int)cudaPeekAtLastError());
	RC("disable_ok", cudaDeviceDisablePeerAccess(1));
	RC("disable_again", cudaDeviceDisablePeerAccess(1));
	RC("disable_self", cudaDeviceDisablePeerAccess(0));
	RC("disable_bad", cudaDeviceDisablePeerAccess(99));
	for (int at = 0; at <= 6; at++) {
		char label[32];

		snprintf(label, sizeof(label), "p2pattr%d", at);
		v = -1;
		RC(label, cudaDeviceGetP2PAttribute(&v, (enum cudaDeviceP2PAttr)at, 0, 1));
		OUT("%s value=%d", label, v);
	}
	RC("p2pattr_self", cudaDeviceGetP2PAttribute(&v, cudaDevP2PAttrAccessSupported, 0, 0));
	RC("p2pattr_bad", cudaDeviceGetP2PAttribute(&v, cudaDevP2PAttrAccessSupported, 0, 9));
	RC("p2pattr_null", cudaDeviceGetP2PAttribute(NULL, cudaDevP2PAttrAccessSupported, 0, 1));
	/* copies */
	cudaSetDevice(0);
	cudaMalloc(&a, 4096);
	cudaSetDevice(1);
	cudaMalloc(&b, 4096);
	cudaSetDevice(0);
	RC("peer_copy_noaccess", cudaMemcpyPeer(b, 1, a, 0, 4096));
	RC("peer_copy_same_dev", cudaMemcpyPeer(a, 0, a, 0, 16));
	RC("peer_copy_bad_dev", cudaMemcpyPeer(b, 9, a, 0, 16));
	RC("peer_copy_wrong_dev_arg", cudaMemcpyPeer(b, 0, a, 0, 16));
	RC("peer_copy_past_end", cudaMemcpyPeer(b, 1, a, 0, 8192));
	RC("peer_copy_host_src", cudaMemcpyPeer(b, 1, &v, 0, 4));
	RC("default_cross_dev", cudaMemcpy(b, a, 4096, cudaMemcpyDefault));
	RC("d2d_cross_dev", cudaMemcpy(b, a, 4096, cudaMemcpyDeviceToDevice));
	{
		cudaStream_t s1;
		unsigned char h[64] = { 9 }, back[64];

		cudaSetDevice(1);
		cudaStreamCreate(&s1);
		cudaSetDevice(0);
		RC("async_on_other_dev_stream", cudaMemcpyAsync(b, h, 64, cudaMemcpyHostToDevice, s1));
		RC("peerasync_on_dst_stream", cudaMemcpyPeerAsync(b, 1, a, 0, 64, s1));
		RC("async_dev0_mem_on_dev1_stream",
		   cudaMemcpyAsync(a, h, 64, cudaMemcpyHostToDevice, s1));
		cudaStreamSynchronize(s1);
		cudaMemcpy(back, a, 64, cudaMemcpyDeviceToHost);
		OUT("async_dev0_mem_on_dev1_stream ok=%d", back[0] == 9);
		RC("memsetasync_dev0_mem_on_dev1_stream", cudaMemsetAsync(a, 1, 64, s1));
		cudaStreamSynchronize(s1);
		cudaStreamDestroy(s1);
	}
	/* 9 peers: only with >= 10 devices. */
	RC("sync", cudaDeviceSynchronize());
	{
		struct cudaPointerAttributes at;

		cudaPointerGetAttributes(&at, b);
		OUT("attr_dev1_from_dev0 type=%d dev=%d", at.type, at.device);
	}
	RC("reset", cudaDeviceReset());
	RC("after_reset_free_dev1_mem", cudaFree(b));
}

/* Round 2: the kind rules on more pointer pairs, legacy-stream waits, host-function calls. */
static void case_kinds2(void)
{
	unsigned char *d, *d2, *pin, *pin2, h[256];

	cudaMalloc((void **)&d, 256);
	cudaMalloc((void **)&d2, 256);
	cudaMallocHost((void **)&pin, 256);
	cudaMallocHost((void **)&pin2, 256);
	memset(h, 1, sizeof(h));
	RC("h2d_src_dev_dst_dev", cudaMemcpy(d2, d, 256, cudaMemcpyHostToDevice));
	RC("h2d_src_pinned_dst_pinned", cudaMemcpy(pin2, pin, 256, cudaMemcpyHostToDevice));
	RC("d2h_src_pinned_dst_pageable", cudaMemcpy(h, pin, 256, cudaMemcpyDeviceToHost));
	RC("d2h_src_dev_dst_pinned", cudaMemcpy(pin, d, 256, cudaMemcpyDeviceToHost));
	RC("d2d_pinned_pinned", cudaMemcpy(pin2, pin, 256, cudaMemcpyDeviceToDevice));
	RC("d2d_dev_pinned", cudaMemcpy(d, pin, 256, cudaMemcpyDeviceToDevice));
	RC("h2h_pinned_dev", cudaMemcpy(pin, d, 256, cudaMemcpyHostToHost));
	RC("kind7_count0", cudaMemcpy(d, h, 0, (enum cudaMemcpyKind)7));
	RC("kind7_null", cudaMemcpy(NULL, h, 16, (enum cudaMemcpyKind)7));
	RC("2d_h1_spitch_lt_width", cudaMemcpy2D(d, 256, h, 8, 16, 1, cudaMemcpyHostToDevice));
	RC("2d_h1_pitch0", cudaMemcpy2D(d, 0, h, 0, 16, 1, cudaMemcpyHostToDevice));
	RC("2d_width0_pitch_lt", cudaMemcpy2D(d, 0, h, 0, 0, 4, cudaMemcpyHostToDevice));
	RC("memset2d_h1_pitch_lt_width", cudaMemset2D(d, 8, 0, 16, 1));
	{
		struct cudaMemcpy3DParms p;

		memset(&p, 0, sizeof(p));
		p.srcPtr = pptr(h, 64, 64, 1);
		p.dstPtr = pptr(d, 64, 64, 1);
		p.extent = ext(64, 2, 1);
		p.kind = cudaMemcpyHostToDevice;
		RC("3d_ysize_lt_height_depth1", cudaMemcpy3D(&p));
		p.extent = ext(64, 2, 2);
		p.srcPtr = pptr(h, 64, 64, 2);
		p.dstPtr = pptr(d, 64, 64, 1);
		RC("3d_dst_ysize_lt_height_depth2", cudaMemcpy3D(&p));
		p.dstPtr = pptr(d, 64, 64, 0);
		p.extent = ext(64, 1, 1);
		RC("3d_ysize0_depth1", cudaMemcpy3D(&p));
		p.dstPtr = pptr(d, 64, 64, 1);
		p.srcPtr = pptr(h, 64, 64, 1);
		p.dstPos = pos(0, 1, 0);
		RC("3d_dstpos_y_past_ysize", cudaMemcpy3D(&p));
	}
	{
		int dv = -1;
		char bus[32];

		if (ndev() > 1) {
			cudaDeviceGetAttribute(&dv, cudaDevAttrPciDeviceId, 1);
			cudaDeviceGetPCIBusId(bus, sizeof(bus), 1);
			OUT("dev1 pcidevice=%d busid=%s", dv, bus);
			cudaDeviceGetAttribute(&dv, cudaDevAttrMultiGpuBoardGroupID, 1);
			OUT("dev1 boardgroup=%d", dv);
		}
	}
	RC("register_iomemory", cudaHostRegister(h, sizeof(h), cudaHostRegisterIoMemory));
	RC("waitevent_flags2", cudaStreamWaitEvent(0, NULL, 2));
	RC("sync", cudaDeviceSynchronize());
}

static void case_legacy(void)
{
	cudaStream_t s, nb;
	cudaEvent_t e;
	pthread_t t;
	unsigned char *d, *pin, *pg = malloc(1 << 20);

	cudaMalloc((void **)&d, 1 << 20);
	cudaMallocHost((void **)&pin, 1 << 20);
	cudaStreamCreate(&s);
	cudaStreamCreateWithFlags(&nb, cudaStreamNonBlocking);
	cudaEventCreate(&e);
	t = hold(s, 300);
	TIMED("streamquery_legacy_blocking_held", cudaStreamQuery(0));
	TIMED("streamsync_legacy_blocking_held", cudaStreamSynchronize(0));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(s, 300);
	cudaEventRecord(e, 0);
	TIMED("event_on_legacy_blocking_held_query", cudaEventQuery(e));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(nb, 300);
	cudaEventRecord(e, 0);
	TIMED("event_on_legacy_nonblocking_held_query", cudaEventQuery(e));
	TIMED("d2d_sync_nonblocking_held", cudaMemcpy(d, d + 4096, 4096, cudaMemcpyDeviceToDevice));
	TIMED("d2h_pinned_sync_nonblocking_held", cudaMemcpy(pin, d, 4096, cudaMemcpyDeviceToHost));
	TIMED("h2d_pageable_sync_nonblocking_held", cudaMemcpy(d, pg, 4096, cudaMemcpyHostToDevice));
	TIMED("memset_pinned_sync_nonblocking_held", cudaMemset(pin, 0, 4096));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(0, 300);
	TIMED("memset_pinned_sync_legacy_held", cudaMemset(pin, 0, 4096));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(s, 300);
	TIMED("async_pageable_to_pinned", cudaMemcpyAsync(pin, pg, 4096, cudaMemcpyDefault, s));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(s, 300);
	TIMED("async_pinned_to_pinned", cudaMemcpyAsync(pin, pin + 8192, 4096, cudaMemcpyDefault, s));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	t = hold(s, 300);
	TIMED("memsetasync_pinned", cudaMemsetAsync(pin, 0, 4096, s));
	pthread_join(t, NULL);
	cudaDeviceSynchronize();
	if (ndev() > 1) {
		void *d1;
		cudaStream_t s1;

		cudaSetDevice(1);
		cudaMalloc(&d1, 4096);
		cudaStreamCreate(&s1);
		cudaSetDevice(0);
		t = hold(s1, 300);
		TIMED("memcpypeer_dst_dev_stream_held", cudaMemcpyPeer(d1, 1, d, 0, 4096));
		TIMED("d2h_after_peer_from_dev0", cudaMemcpy(pg, d, 16, cudaMemcpyDeviceToHost));
		pthread_join(t, NULL);
		cudaDeviceSynchronize();
		t = hold(s1, 300);
		TIMED("d2h_of_dev1_mem_from_dev0_dev1_held", cudaMemcpy(pg, d1, 16,
									cudaMemcpyDeviceToHost));
		pthread_join(t, NULL);
		cudaSetDevice(1);
		t = hold(0, 300);
		cudaSetDevice(0);
		TIMED("d2h_dev0_legacy_while_dev1_legacy_held", cudaMemcpy(pg, d, 16,
									   cudaMemcpyDeviceToHost));
		TIMED("devsync0_while_dev1_legacy_held", cudaDeviceSynchronize());
		pthread_join(t, NULL);
		cudaSetDevice(1);
		cudaDeviceSynchronize();
		cudaSetDevice(0);
	}
	free(pg);
}

static atomic_int in_fn_rc[8];

static void CUDART_CB many_calls(void *arg)
{
	int v;
	cudaEvent_t e = arg;
	struct cudaPointerAttributes a;

	atomic_store(&in_fn_rc[0], (int)cudaGetLastError());
	atomic_store(&in_fn_rc[1], (int)cudaStreamQuery(0));
	atomic_store(&in_fn_rc[2], (int)cudaSetDevice(0));
	atomic_store(&in_fn_rc[3], (int)cudaGetDevice(&v));
	atomic_store(&in_fn_rc[4], (int)cudaPointerGetAttributes(&a, &v));
	atomic_store(&in_fn_rc[5], (int)cudaEventQuery(e));
	atomic_store(&in_fn_rc[6], (int)cudaDeviceGetAttribute(&v, cudaDevAttrWarpSize, 0));
	atomic_store(&in_fn_rc[7], (int)cudaMemGetInfo(NULL, NULL));
}

static void case_hostfn2(void)
{
	cudaEvent_t e;
	static const char *names[8] = { "getlasterror", "streamquery", "setdevice", "getdevice",
					"pointerattrs", "eventquery", "deviceattr", "meminfo" };

	cudaEventCreate(&e);
	cudaLaunchHostFunc(0, many_calls, e);
	cudaDeviceSynchronize();
	for (int i = 0; i < 8; i++)
		OUT("in_hostfn %s rc=%d", names[i], atomic_load(&in_fn_rc[i]));
	RC("after", cudaGetLastError());
}

static void case_reset_pinned(void)
{
	unsigned char *pin;
	void *d;

	cudaMallocHost((void **)&pin, 4096);
	cudaMalloc(&d, 4096);
	RC("reset", cudaDeviceReset());
	RC("free_old_dev", cudaFree(d));
	RC("getflags_old_pinned", cudaHostGetFlags(&(unsigned){ 0 }, pin));
	RC("freehost_old_pinned", cudaFreeHost(pin));
}

static void case_errors(void)
{
	void *p;

	RC("getlast_clean", cudaGetLastError());
	cudaMalloc(&p, (size_t)1 << 60);
	OUT("peek1=%d", (int)cudaPeekAtLastError());
	OUT("peek2=%d", (int)cudaPeekAtLastError());
	OUT("get1=%d", (int)cudaGetLastError());
	OUT("get2=%d", (int)cudaGetLastError());
	cudaSetDevice(-1);
	cudaMalloc(&p, 16);
	OUT("after_success_call last=%d", (int)cudaGetLastError());
	cudaFree(p);
}

struct probe_case {
	const char *name;
	void (*fn)(void);
};

/*
 * Round 3: an invalid argument to each function the probes above and the conformance suite
 * touch least, one call a process (a NULL out-pointer can crash a real runtime: it did for
 * cudaStreamGetDevice, which is therefore not here).
 */
#define ARG_CASE(id, decl, call)              \
	static void arg_##id(void)             \
	{                                      \
		decl;                          \
		RC(#id, call);                 \
		RC(#id "_then_sync", cudaDeviceSynchronize()); \
	}

ARG_CASE(iscapturing_null, cudaStream_t s = 0, cudaStreamIsCapturing(s, NULL))
ARG_CASE(iscapturing_ok, enum cudaStreamCaptureStatus st = cudaStreamCaptureStatusActive,
	 cudaStreamIsCapturing(0, &st))
ARG_CASE(getid_null, cudaStream_t s = 0, cudaStreamGetId(s, NULL))
ARG_CASE(getflags_null, cudaStream_t s = 0, cudaStreamGetFlags(s, NULL))
ARG_CASE(getprio_null, cudaStream_t s = 0, cudaStreamGetPriority(s, NULL))
ARG_CASE(priorange_null, (void)0, cudaDeviceGetStreamPriorityRange(NULL, NULL))
ARG_CASE(devflags_null, (void)0, cudaGetDeviceFlags(NULL))
ARG_CASE(setlimit_bad, (void)0, cudaDeviceSetLimit((enum cudaLimit)10, 1))
ARG_CASE(setlimit_unsupported, (void)0, cudaDeviceSetLimit(cudaLimitDevRuntimeSyncDepth, 4))
ARG_CASE(getlimit_null, (void)0, cudaDeviceGetLimit(NULL, cudaLimitStackSize))
ARG_CASE(rtversion_null, (void)0, cudaRuntimeGetVersion(NULL))
ARG_CASE(drvversion_null, (void)0, cudaDriverGetVersion(NULL))
ARG_CASE(hostgetflags_null, unsigned char *pin = NULL; cudaMallocHost((void **)&pin, 64),
	 cudaHostGetFlags(NULL, pin))
ARG_CASE(hostgetdevptr_null, unsigned char *pin = NULL; cudaMallocHost((void **)&pin, 64),
	 cudaHostGetDevicePointer(NULL, pin, 0))
ARG_CASE(mallochost_null, (void)0, cudaMallocHost(NULL, 64))
ARG_CASE(mallocpitch_null, size_t pitch = 0, cudaMallocPitch(NULL, &pitch, 64, 4))
ARG_CASE(mallocpitch_nullpitch, void *p = NULL, cudaMallocPitch(&p, NULL, 64, 4))
ARG_CASE(malloc3d_null, (void)0, cudaMalloc3D(NULL, ext(64, 4, 2)))
ARG_CASE(malloc3d_zero, struct cudaPitchedPtr pp = pptr((void *)1, 7, 7, 7),
	 cudaMalloc3D(&pp, ext(0, 4, 2)))
ARG_CASE(mallocasync_null, (void)0, cudaMallocAsync(NULL, 64, 0))
ARG_CASE(freeasync_interior, unsigned char *d = NULL; cudaMalloc((void **)&d, 64),
	 cudaFreeAsync(d + 8, 0))
ARG_CASE(freeasync_host, int x = 0, cudaFreeAsync(&x, 0))
ARG_CASE(eventcreateflags_null, (void)0, cudaEventCreateWithFlags(NULL, 0))
ARG_CASE(eventquery_null, (void)0, cudaEventQuery(NULL))
ARG_CASE(eventsync_null, (void)0, cudaEventSynchronize(NULL))
ARG_CASE(eventrecord_null, (void)0, cudaEventRecord(NULL, 0))
ARG_CASE(elapsed_null_events, float ms = 0, cudaEventElapsedTime(&ms, NULL, NULL))
ARG_CASE(memset3d_null, (void)0, cudaMemset3D(pptr(NULL, 512, 64, 4), 0, ext(64, 4, 2)))
ARG_CASE(memset3d_pitch, unsigned char *d = NULL; cudaMalloc((void **)&d, 8192),
	 cudaMemset3D(pptr(d, 32, 64, 4), 0, ext(64, 4, 2)))
ARG_CASE(memset3d_past_end, unsigned char *d = NULL; cudaMalloc((void **)&d, 4096),
	 cudaMemset3D(pptr(d, 512, 64, 4), 0, ext(64, 4, 4)))
ARG_CASE(memset2dasync_null, (void)0, cudaMemset2DAsync(NULL, 512, 0, 64, 4, 0))
ARG_CASE(memset3dasync_ok, unsigned char *d = NULL; cudaMalloc((void **)&d, 8192),
	 cudaMemset3DAsync(pptr(d, 512, 64, 4), 1, ext(64, 4, 4), 0))
ARG_CASE(peer3d_null, (void)0, cudaMemcpy3DPeer(NULL))
ARG_CASE(peer3dasync_null, (void)0, cudaMemcpy3DPeerAsync(NULL, 0))
ARG_CASE(peer3d_baddev, struct cudaMemcpy3DPeerParms p; memset(&p, 0, sizeof(p));
	 p.srcDevice = 0; p.dstDevice = 9, cudaMemcpy3DPeer(&p))
ARG_CASE(peer3d_zero_extent, struct cudaMemcpy3DPeerParms p; memset(&p, 0, sizeof(p)),
	 cudaMemcpy3DPeer(&p))
ARG_CASE(memcpy3dasync_null, (void)0, cudaMemcpy3DAsync(NULL, 0))
ARG_CASE(hostfunc_bad_flags_cb, (void)0, cudaStreamAddCallback(0, NULL, NULL, 0))
ARG_CASE(initdevice_flags, (void)0, cudaInitDevice(0, 0, 2))
ARG_CASE(initdevice_devflags, (void)0, cudaInitDevice(0, 0x100, 0))
ARG_CASE(getdevice_props_ok, struct cudaDeviceProp pr, cudaGetDeviceProperties(&pr, 0))
ARG_CASE(streamwait_unrecorded, cudaEvent_t e = NULL; cudaEventCreate(&e),
	 cudaStreamWaitEvent(0, e, 0))
ARG_CASE(destroy_recorded_event, cudaEvent_t e = NULL; cudaEventCreate(&e);
	 cudaEventRecord(e, 0), cudaEventDestroy(e))
ARG_CASE(setlimit_stack, size_t v = 0; cudaDeviceSetLimit(cudaLimitStackSize, 4096);
	 cudaDeviceGetLimit(&v, cudaLimitStackSize); OUT("stack=%zu", v), cudaSuccess)

#define ARG(id) { "arg_" #id, arg_##id }

static const struct probe_case cases[] = {
	{ "malloc", case_malloc },   { "meminfo", case_meminfo },  { "bounds", case_bounds },
	{ "kinds", case_kinds },     { "memset", case_memset },    { "2d3d", case_2d3d },
	{ "host", case_host },	     { "attrs", case_attrs },	   { "device", case_device },
	{ "streams", case_streams }, { "events", case_events },    { "blocking", case_blocking },
	{ "hostfn", case_hostfn },   { "peer", case_peer },	   { "errors", case_errors },
	{ "kinds2", case_kinds2 },   { "legacy", case_legacy },    { "hostfn2", case_hostfn2 },
	{ "reset_pinned", case_reset_pinned },
	ARG(iscapturing_null), ARG(iscapturing_ok), ARG(getid_null), ARG(getflags_null),
	ARG(getprio_null), ARG(priorange_null), ARG(devflags_null), ARG(setlimit_bad),
	ARG(setlimit_unsupported), ARG(getlimit_null), ARG(rtversion_null), ARG(drvversion_null),
	ARG(hostgetflags_null), ARG(hostgetdevptr_null), ARG(mallochost_null),
	ARG(mallocpitch_null), ARG(mallocpitch_nullpitch), ARG(malloc3d_null), ARG(malloc3d_zero),
	ARG(mallocasync_null), ARG(freeasync_interior), ARG(freeasync_host),
	ARG(eventcreateflags_null), ARG(eventquery_null), ARG(eventsync_null),
	ARG(eventrecord_null), ARG(elapsed_null_events), ARG(memset3d_null), ARG(memset3d_pitch),
	ARG(memset3d_past_end), ARG(memset2dasync_null), ARG(memset3dasync_ok), ARG(peer3d_null),
	ARG(peer3dasync_null), ARG(peer3d_baddev), ARG(peer3d_zero_extent),
	ARG(memcpy3dasync_null), ARG(hostfunc_bad_flags_cb), ARG(initdevice_flags),
	ARG(initdevice_devflags), ARG(getdevice_props_ok), ARG(streamwait_unrecorded),
	ARG(destroy_recorded_event), ARG(setlimit_stack),
};

int main(int argc, char **argv)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);

	if (argc != 2) {
		fprintf(stderr, "usage: cuda_probe list|all|CASE\n");
		return 2;
	}
	if (strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (strcmp(argv[1], "all") == 0) {
		int bad = 0;

		for (size_t i = 0; i < n; i++) {
			pid_t pid;
			int st;

			fflush(stdout);
			pid = fork();
			if (pid == 0) {
				execl("/proc/self/exe", argv[0], cases[i].name, (char *)NULL);
				_exit(127);
			}
			waitpid(pid, &st, 0);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				printf("%s CRASHED status=%d\n", cases[i].name, st);
				bad = 1;
			}
		}
		return bad;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], cases[i].name) == 0) {
			cur = cases[i].name;
			cases[i].fn();
			return 0;
		}
	}
	fprintf(stderr, "cuda_probe: no case '%s'\n", argv[1]);
	return 2;
}
