/*
 * test_versions: the interposer's emulation of an older CUDA runtime (interpose/versions.c),
 * as a program's own dlsym sees it. Run under the interposer over the simulator with
 * FERRY_CUDA_VERSION=V (and FERRY_CUDA_DRIVER), once per version: the versions reported,
 * which symbols exist (CUDA_VARIANTS.md §4), the symbols 13.0 dropped provided, and each
 * adapter's ABI mapped both ways: arguments in, results and errors out (12.8's failIdx),
 * struct sizes with guard bytes after what the version's struct holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cuda_runtime_api.h>
#include <dlfcn.h>

static int ver, drv;	/* emulated runtime; FERRY_CUDA_DRIVER, or 0 */

static int parse(const char *v)
{
	return v ? atoi(v) * 1000 + atoi(strchr(v, '.') + 1) * 10 : 0;
}

static void *sym(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

static void test_reported_versions(void **state)
{
	int rt = 0, d = 0;

	(void)state;
	assert_int_equal(cudaRuntimeGetVersion(&rt), cudaSuccess);
	assert_int_equal(rt, ver);
	assert_int_equal(cudaDriverGetVersion(&d), cudaSuccess);
	if (drv)
		assert_int_equal(d, drv);
	else
		assert_true(d >= ver);
}

/* present from first through last (0: open) */
static const struct {
	const char *name;
	int first, last;
} presence[] = {
	{ "cudaMemcpyBatchAsync", 12080, 0 },
	{ "cudaMemcpyBatchAsync_ptsz", 12080, 0 },
	{ "cudaMemcpy3DBatchAsync", 12080, 0 },
	{ "cudaStreamGetDevice", 12080, 0 },
	{ "cudaStreamGetDevice_ptsz", 12080, 0 },
	{ "cudaStreamGetId", 12000, 0 },
	{ "cudaGraphInstantiateWithParams", 12000, 0 },
	{ "cudaStreamGetCaptureInfo_v2", 0, 12090 },
	{ "cudaStreamGetCaptureInfo_v2_ptsz", 0, 12090 },
	{ "cudaStreamGetCaptureInfo_v3", 12030, 12090 },
	{ "cudaStreamBeginCaptureToGraph", 12030, 0 },
	{ "cudaGraphAddNode", 12020, 0 },
	{ "cudaGraphAddDependencies_v2", 12030, 12090 },
	{ "cudaGraphGetEdges_v2", 12030, 12090 },
	{ "cudaStreamUpdateCaptureDependencies_v2", 12030, 12090 },
	{ "cudaGetDriverEntryPointByVersion", 12050, 0 },
	{ "cudaMemPrefetchAsync_v2", 12020, 12090 },
	{ "cudaMemAdvise_v2", 12020, 12090 },
	{ "cudaEventElapsedTime_v2", 12080, 12090 },
	{ "cudaThreadSynchronize", 0, 12090 },
	{ "cudaThreadExit", 0, 12090 },
	{ "cudaSetDoubleForHost", 0, 12090 },
	{ "cudaDeviceGetP2PAtomicCapabilities", 13000, 0 },
	{ "cudaMemPrefetchBatchAsync", 13000, 0 },
	/* the struct differs before 13.0 and is not translated: hidden there */
	{ "cudaGetDeviceProperties", 13000, 0 },
	/* the same in every version */
	{ "cudaMemcpyPeerAsync", 0, 0 },
	{ "cudaGraphInstantiateWithFlags", 0, 0 },
	{ "cudaStreamGetCaptureInfo", 0, 0 },
	{ "cudaGetDriverEntryPoint", 0, 0 },
};

static void test_presence(void **state)
{
	void *h = dlopen("libcudart.so.13", RTLD_LAZY | RTLD_NOLOAD);

	(void)state;
	for (size_t i = 0; i < sizeof(presence) / sizeof(presence[0]); i++) {
		bool want = (!presence[i].first || ver >= presence[i].first) &&
			    (!presence[i].last || ver <= presence[i].last);
		bool got = sym(presence[i].name) != NULL;

		if (want != got)
			fail_msg("%s: under %d dlsym %s it", presence[i].name, ver,
				 got ? "finds" : "does not find");
		/* a lookup in the runtime's own handle sees the same set */
		if (h && (dlsym(h, presence[i].name) != NULL) != want)
			fail_msg("%s: dlsym(libcudart handle) disagrees under %d", presence[i].name,
				 ver);
	}
	if (h)
		dlclose(h);
}

typedef cudaError_t (*v_fn)(void);
typedef cudaError_t (*limit_get_fn)(size_t *, enum cudaLimit);
typedef cudaError_t (*set_double_fn)(double *);

static void test_removed_provided(void **state)
{
	size_t a = 0, b = 1;
	double d = 1.0;

	(void)state;
	if (ver >= 13000)
		skip();
	assert_int_equal(((v_fn)(uintptr_t)sym("cudaThreadSynchronize"))(), cudaSuccess);
	assert_int_equal(((limit_get_fn)(uintptr_t)sym("cudaThreadGetLimit"))(&a,
			 cudaLimitStackSize), cudaSuccess);
	assert_int_equal(cudaDeviceGetLimit(&b, cudaLimitStackSize), cudaSuccess);
	assert_int_equal(a, b);
	assert_int_equal(((set_double_fn)(uintptr_t)sym("cudaSetDoubleForHost"))(&d), cudaSuccess);
	assert_int_equal(cudaGetLastError(), cudaSuccess);
}

typedef cudaError_t (*ptr_attrs_fn)(void *, const void *);

static void test_pointer_attrs_guarded(void **state)
{
	unsigned char buf[160];
	size_t written = ver >= 13000 ? 88 : 24;
	ptr_attrs_fn f = (ptr_attrs_fn)(uintptr_t)sym("cudaPointerGetAttributes");
	void *p = NULL;
	int type, dev;

	(void)state;
	assert_non_null(f);
	assert_int_equal(cudaSetDevice(1), cudaSuccess);
	assert_int_equal(cudaMalloc(&p, 4096), cudaSuccess);
	memset(buf, 0xcd, sizeof(buf));
	assert_int_equal(f(buf, (char *)p + 10), cudaSuccess);
	memcpy(&type, buf, 4);
	memcpy(&dev, buf + 4, 4);
	assert_int_equal(type, cudaMemoryTypeDevice);
	assert_int_equal(dev, 1);
	/* nothing written past the version's struct */
	for (size_t i = written; i < sizeof(buf); i++)
		if (buf[i] != 0xcd)
			fail_msg("byte %zu past the %zu-byte struct was written", i, written);
	/* and the struct's own bytes were (device and host pointers) */
	assert_true(memcmp(buf + 8, "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd", 8) != 0);
	cudaFree(p);
	cudaSetDevice(0);
}

typedef cudaError_t (*batch12_fn)(void *const *, const void *const *, const size_t *, size_t,
				  struct cudaMemcpyAttributes *, size_t *, size_t, size_t *,
				  cudaStream_t);
typedef cudaError_t (*batch13_fn)(void *const *, const void *const *, const size_t *, size_t,
				  struct cudaMemcpyAttributes *, size_t *, size_t, cudaStream_t);

static void test_batch_abi(void **state)
{
	void *f = sym("cudaMemcpyBatchAsync");
	unsigned char *src = NULL, *dst = NULL, host[3 * 4096];
	void *dsts[3];
	const void *srcs[3];
	size_t sizes[3] = { 4096, 100, 3000 }, zero[3] = { 4096, 0, 10 }, idx0 = 0;
	size_t fail_idx = 123;
	struct cudaMemcpyAttributes attr;
	cudaStream_t s;
	cudaError_t e;

	(void)state;
	if (ver < 12080) {
		assert_null(f);
		return;
	}
	assert_non_null(f);
	memset(&attr, 0, sizeof(attr));
	attr.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	assert_int_equal(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&src, sizeof(host)), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&dst, sizeof(host)), cudaSuccess);
	{
		uint64_t x = 0x9e3779b97f4a7c15ull;	/* no period: misplaced items show */

		for (size_t i = 0; i < sizeof(host); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			host[i] = (unsigned char)(x >> 24);
		}
	}
	assert_int_equal(cudaMemcpy(src, host, sizeof(host), cudaMemcpyHostToDevice), cudaSuccess);
	assert_int_equal(cudaMemset(dst, 0, sizeof(host)), cudaSuccess);
	for (int i = 0; i < 3; i++) {
		dsts[i] = dst + i * 4096;
		srcs[i] = src + i * 4096;
	}
	if (drv && drv < 12080) {
		/* a runtime newer than its driver */
		e = ver < 13000 ? ((batch12_fn)(uintptr_t)f)(dsts, srcs, sizes, 3, &attr, &idx0, 1,
							      &fail_idx, s)
				: ((batch13_fn)(uintptr_t)f)(dsts, srcs, sizes, 3, &attr, &idx0, 1, s);
		assert_int_equal(e, cudaErrorCallRequiresNewerDriver);
		assert_int_equal(cudaGetLastError(), cudaErrorCallRequiresNewerDriver);
		goto out;
	}
	if (ver < 13000) {
		batch12_fn b = (batch12_fn)(uintptr_t)f;

		/* success: failIdx SIZE_MAX */
		assert_int_equal(b(dsts, srcs, sizes, 3, &attr, &idx0, 1, &fail_idx, s), cudaSuccess);
		assert_int_equal(fail_idx, SIZE_MAX);
		/* a copy of 0 bytes is named */
		fail_idx = 123;
		assert_int_equal(b(dsts, srcs, zero, 3, &attr, &idx0, 1, &fail_idx, s),
				 cudaErrorInvalidValue);
		assert_int_equal(fail_idx, 1);
		/* the legacy stream is refused, failIdx untouched */
		fail_idx = 123;
		assert_int_equal(b(dsts, srcs, sizes, 3, &attr, &idx0, 1, &fail_idx, 0),
				 cudaErrorInvalidValue);
		assert_int_equal(fail_idx, 123);
		cudaGetLastError();
	} else {
		assert_int_equal(((batch13_fn)(uintptr_t)f)(dsts, srcs, sizes, 3, &attr, &idx0, 1, s),
				 cudaSuccess);
	}
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	{
		unsigned char back[3 * 4096];

		assert_int_equal(cudaMemcpy(back, dst, sizeof(back), cudaMemcpyDeviceToHost),
				 cudaSuccess);
		for (int i = 0; i < 3; i++)
			assert_memory_equal(back + i * 4096, host + i * 4096, sizes[i]);
		/* past each copy: untouched */
		assert_int_equal(back[4096 + 100], 0);
	}
out:
	cudaFree(src);
	cudaFree(dst);
	cudaStreamDestroy(s);
}

typedef cudaError_t (*capinfo3_fn)(cudaStream_t, enum cudaStreamCaptureStatus *,
				   unsigned long long *);
typedef cudaError_t (*capinfo6_fn)(cudaStream_t, enum cudaStreamCaptureStatus *,
				   unsigned long long *, cudaGraph_t *, const cudaGraphNode_t **,
				   size_t *);
typedef cudaError_t (*capinfo7_fn)(cudaStream_t, enum cudaStreamCaptureStatus *,
				   unsigned long long *, cudaGraph_t *, const cudaGraphNode_t **,
				   const cudaGraphEdgeData **, size_t *);

/* Each form of cudaStreamGetCaptureInfo the version has, outside and inside a capture. */
static void check_capinfo(cudaStream_t s, bool capturing)
{
	enum cudaStreamCaptureStatus want = capturing ? cudaStreamCaptureStatusActive
						      : cudaStreamCaptureStatusNone;
	enum cudaStreamCaptureStatus st = (enum cudaStreamCaptureStatus)99;
	unsigned long long id = 0;
	cudaGraph_t g = NULL;
	size_t nd = 99;
	const cudaGraphNode_t *deps = NULL;
	void *plain = sym("cudaStreamGetCaptureInfo"), *v2 = sym("cudaStreamGetCaptureInfo_v2");
	void *v3 = sym("cudaStreamGetCaptureInfo_v3");

	if (ver < 13000) {
		assert_int_equal(((capinfo3_fn)(uintptr_t)plain)(s, &st, &id), cudaSuccess);
		assert_int_equal(st, want);
		assert_true(capturing ? id != 0 : true);
		st = (enum cudaStreamCaptureStatus)99;
		assert_int_equal(((capinfo6_fn)(uintptr_t)v2)(s, &st, &id, &g, &deps, &nd),
				 cudaSuccess);
		assert_int_equal(st, want);
		if (capturing)
			assert_non_null(g);
	} else {
		assert_int_equal(((capinfo7_fn)(uintptr_t)plain)(s, &st, &id, &g, &deps, NULL, &nd),
				 cudaSuccess);
		assert_int_equal(st, want);
	}
	if (v3) {
		const cudaGraphEdgeData *edges = NULL;

		st = (enum cudaStreamCaptureStatus)99;
		assert_int_equal(((capinfo7_fn)(uintptr_t)v3)(s, &st, &id, &g, &deps, &edges, &nd),
				 cudaSuccess);
		assert_int_equal(st, want);
	}
}

typedef cudaError_t (*inst11_fn)(cudaGraphExec_t *, cudaGraph_t, cudaGraphNode_t *, char *,
				 size_t);
typedef cudaError_t (*inst12_fn)(cudaGraphExec_t *, cudaGraph_t, unsigned long long);

static void test_capture_and_instantiate(void **state)
{
	cudaStream_t s;
	cudaGraph_t g = NULL;
	cudaGraphExec_t ex = NULL;
	unsigned char *a = NULL, *b = NULL, host[8192], back[8192];
	void *inst = sym("cudaGraphInstantiate");

	(void)state;
	for (size_t i = 0; i < sizeof(host); i++)
		host[i] = (unsigned char)(i * 13 + 5);
	assert_int_equal(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&a, sizeof(host)), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&b, sizeof(host)), cudaSuccess);
	assert_int_equal(cudaMemcpy(a, host, sizeof(host), cudaMemcpyHostToDevice), cudaSuccess);
	assert_int_equal(cudaMemset(b, 0, sizeof(host)), cudaSuccess);
	check_capinfo(s, false);
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), cudaSuccess);
	check_capinfo(s, true);
	assert_int_equal(cudaMemcpyAsync(b, a, sizeof(host), cudaMemcpyDeviceToDevice, s),
			 cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	assert_non_null(inst);
	if (ver < 12000) {
		char log[64];
		cudaGraphNode_t bad = (cudaGraphNode_t)(uintptr_t)1;

		memset(log, 'x', sizeof(log));
		assert_int_equal(((inst11_fn)(uintptr_t)inst)(&ex, g, &bad, log, sizeof(log)),
				 cudaSuccess);
		assert_null(bad);
		assert_int_equal(log[0], '\0');
	} else {
		assert_int_equal(((inst12_fn)(uintptr_t)inst)(&ex, g, 0), cudaSuccess);
	}
	assert_int_equal(cudaGraphLaunch(ex, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	assert_int_equal(cudaMemcpy(back, b, sizeof(back), cudaMemcpyDeviceToHost), cudaSuccess);
	assert_memory_equal(back, host, sizeof(host));
	cudaGraphExecDestroy(ex);
	cudaGraphDestroy(g);
	cudaFree(a);
	cudaFree(b);
	cudaStreamDestroy(s);
}

typedef cudaError_t (*deps12_fn)(cudaGraph_t, const cudaGraphNode_t *, const cudaGraphNode_t *,
				 size_t);
typedef cudaError_t (*deps13_fn)(cudaGraph_t, const cudaGraphNode_t *, const cudaGraphNode_t *,
				 const cudaGraphEdgeData *, size_t);

/* An edge added through the version's cudaGraphAddDependencies (and _v2 where the version has
 * it): a -> b instantiates; b -> a then makes a cycle, which instantiation refuses. A wrong
 * ABI would add no edge, or the wrong one. */
static void add_edge(void *f, bool v13, cudaGraph_t g, cudaGraphNode_t from, cudaGraphNode_t to)
{
	if (v13)
		assert_int_equal(((deps13_fn)(uintptr_t)f)(g, &from, &to, NULL, 1), cudaSuccess);
	else
		assert_int_equal(((deps12_fn)(uintptr_t)f)(g, &from, &to, 1), cudaSuccess);
}

static void check_edges_through(void *f, bool v13)
{
	cudaGraph_t g;
	cudaGraphNode_t a, b;
	cudaGraphExec_t ex;

	assert_int_equal(cudaGraphCreate(&g, 0), cudaSuccess);
	assert_int_equal(cudaGraphAddEmptyNode(&a, g, NULL, 0), cudaSuccess);
	assert_int_equal(cudaGraphAddEmptyNode(&b, g, NULL, 0), cudaSuccess);
	add_edge(f, v13, g, a, b);
	assert_int_equal(cudaGraphInstantiate(&ex, g, 0), cudaSuccess);
	cudaGraphExecDestroy(ex);
	add_edge(f, v13, g, b, a);
	assert_int_not_equal(cudaGraphInstantiate(&ex, g, 0), cudaSuccess);
	cudaGetLastError();
	cudaGraphDestroy(g);
}

static void test_graph_edges_abi(void **state)
{
	void *plain = sym("cudaGraphAddDependencies"), *v2 = sym("cudaGraphAddDependencies_v2");

	(void)state;
	assert_non_null(plain);
	check_edges_through(plain, ver >= 13000);
	if (v2)
		check_edges_through(v2, true);
}

typedef cudaError_t (*exec_update11_fn)(cudaGraphExec_t, cudaGraph_t, cudaGraphNode_t *,
					enum cudaGraphExecUpdateResult *);

/* 11.8's cudaGraphExecUpdate writes the error node and the result through its third and
 * fourth arguments (the simulator does not update graphs: it refuses, through that ABI). */
static void test_exec_update_abi(void **state)
{
	void *f = sym("cudaGraphExecUpdate");
	cudaGraphNode_t node = (cudaGraphNode_t)(uintptr_t)1;
	enum cudaGraphExecUpdateResult res = (enum cudaGraphExecUpdateResult)77;

	(void)state;
	if (ver >= 12000)
		skip();
	assert_non_null(f);
	assert_int_not_equal(((exec_update11_fn)(uintptr_t)f)(NULL, NULL, &node, &res),
			     cudaSuccess);
	cudaGetLastError();
	assert_null(node);
	assert_int_not_equal(res, 77);
}

typedef cudaError_t (*entry11_fn)(const char *, void **, unsigned long long);
typedef cudaError_t (*entry12_fn)(const char *, void **, unsigned long long,
				  enum cudaDriverEntryPointQueryResult *);

/* Each form through the version's ABI (a wrong ABI would crash or write through the wrong
 * argument). A symbol the driver lacks is not found (cudaSuccess, the query result
 * SymbolNotFound where the version has one, a NULL function); cuPointerGetAttributes is
 * found (the simulator's driver has it too, for the range attributes) and answers the
 * allocation around an address, another device's too; host memory no allocation holds
 * leaves the range empty. cuStreamGetCtx and the context calls find a stream's device (on
 * the simulator's driver as on a real one). */
typedef int (*cu_attrs_fn)(unsigned int, int *, void **, unsigned long long);

/* cuPointerGetAttributes' range start (11) and size (12) of p, the outputs preset to
 * preset; the CUresult */
static int range_of(void *fn, const void *p, unsigned long long *base, size_t *size,
		    unsigned preset)
{
	int attrs[2] = { 11, 12 };
	void *data[2] = { base, size };

	*base = preset;
	*size = preset;
	return ((cu_attrs_fn)(uintptr_t)fn)(2, attrs, data, (unsigned long long)(uintptr_t)p);
}
typedef cudaError_t (*entry_ver_fn)(const char *, void **, unsigned int, unsigned long long,
				    enum cudaDriverEntryPointQueryResult *);

static cudaError_t entry_through(void *f, const char *name, void **fn,
				 enum cudaDriverEntryPointQueryResult *q)
{
	*fn = (void *)(uintptr_t)1;
	*q = (enum cudaDriverEntryPointQueryResult)77;
	if (ver < 12000)
		return ((entry11_fn)(uintptr_t)f)(name, fn, cudaEnableDefault);
	return ((entry12_fn)(uintptr_t)f)(name, fn, cudaEnableDefault, q);
}

typedef int (*cu_stream_ctx_fn)(cudaStream_t, void **);
typedef int (*cu_ctx_fn)(void *);
typedef int (*cu_ctx_pop_fn)(void **);
typedef int (*cu_ctx_dev_fn)(int *);

/* A stream's device through the driver (the shim's way before 12.8): the stream's context,
 * pushed, asked its device, popped; a stream of device 1 with device 0 current. */
static void check_stream_ctx(void *entry)
{
	void *get = NULL, *push = NULL, *pop = NULL, *dev = NULL, *ctx = NULL, *popped = NULL;
	enum cudaDriverEntryPointQueryResult q;
	cudaStream_t s;
	int d = -1;

	assert_int_equal(entry_through(entry, "cuStreamGetCtx", &get, &q), cudaSuccess);
	assert_int_equal(entry_through(entry, "cuCtxPushCurrent", &push, &q), cudaSuccess);
	assert_int_equal(entry_through(entry, "cuCtxPopCurrent", &pop, &q), cudaSuccess);
	assert_int_equal(entry_through(entry, "cuCtxGetDevice", &dev, &q), cudaSuccess);
	assert_true(get && push && pop && dev);
	assert_int_equal(cudaSetDevice(1), cudaSuccess);
	assert_int_equal(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
	assert_int_equal(((cu_stream_ctx_fn)(uintptr_t)get)(s, &ctx), 0);
	assert_non_null(ctx);
	assert_int_equal(((cu_ctx_fn)(uintptr_t)push)(ctx), 0);
	assert_int_equal(((cu_ctx_dev_fn)(uintptr_t)dev)(&d), 0);
	assert_int_equal(d, 1);
	assert_int_equal(((cu_ctx_pop_fn)(uintptr_t)pop)(&popped), 0);
	assert_ptr_equal(popped, ctx);
	d = -1;
	assert_int_equal(((cu_ctx_dev_fn)(uintptr_t)dev)(&d), 0);
	assert_int_equal(d, 0);	/* the current device's context again */
	cudaStreamDestroy(s);
}

static void test_driver_entry_abi(void **state)
{
	void *f = sym("cudaGetDriverEntryPoint"), *fn;
	enum cudaDriverEntryPointQueryResult q;
	unsigned long long base = 0;
	size_t size = 0;
	unsigned char *p;

	(void)state;
	assert_non_null(f);
	check_stream_ctx(f);
	assert_int_equal(entry_through(f, "cuFerryNoSuchFunction", &fn, &q), cudaSuccess);
	assert_null(fn);
	if (ver >= 12000)
		assert_int_equal(q, cudaDriverEntryPointSymbolNotFound);

	assert_int_equal(entry_through(f, "cuPointerGetAttributes", &fn, &q), cudaSuccess);
	assert_non_null(fn);
	if (ver >= 12000)
		assert_int_equal(q, cudaDriverEntryPointSuccess);
	/* an allocation of device 1 asked with device 0 current */
	assert_int_equal(cudaSetDevice(1), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&p, 3000), cudaSuccess);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
	assert_int_equal(range_of(fn, p + 2999, &base, &size, 77), 0);
	assert_int_equal(base, (uintptr_t)p);
	assert_true(size >= 3000);
	/* no allocation: success, and a size left 0 (a real 13.0 driver leaves the range
	 * unwritten: preset 77 came back; the shim presets 0) */
	assert_int_equal(range_of(fn, &base, &base, &size, 0), 0);
	assert_int_equal(size, 0);
	cudaFree(p);
	cudaGetLastError();
}

/* Values a version did not know yet (CUDA_VARIANTS.md T33, T36, T24): device attributes
 * added later, peer attribute 5 (13.0), a driver entry point asked at a version newer than
 * the runtime's: cudaErrorInvalidValue, in the last-error slot too; the versions that know
 * them answer. */
static void expect_attr(enum cudaDeviceAttr attr, int since)
{
	int value = -1;
	cudaError_t e = cudaDeviceGetAttribute(&value, attr, 0);

	if (ver < since) {
		if (e != cudaErrorInvalidValue)
			fail_msg("attribute %d (since %d) under %d: %d, not cudaErrorInvalidValue",
				 (int)attr, since, ver, (int)e);
		assert_int_equal(cudaGetLastError(), cudaErrorInvalidValue);
	} else {
		if (e != cudaSuccess)
			fail_msg("attribute %d (since %d) under %d: %d", (int)attr, since, ver,
				 (int)e);
		assert_int_not_equal(value, -1);
	}
}

static void test_values_by_version(void **state)
{
	void *by_version = sym("cudaGetDriverEntryPointByVersion");
	int value = -1;
	cudaError_t e;

	(void)state;
	expect_attr(cudaDevAttrMultiProcessorCount, 0);
	expect_attr(cudaDevAttrClusterLaunch, 11080);
	expect_attr(cudaDevAttrMemSyncDomainCount, 12000);
	expect_attr(cudaDevAttrGpuPciDeviceId, 12080);
	expect_attr(cudaDevAttrHostMemoryPoolsSupported, 13000);

	assert_int_equal(cudaDeviceGetP2PAttribute(&value, cudaDevP2PAttrAccessSupported, 0, 1),
			 cudaSuccess);
	e = cudaDeviceGetP2PAttribute(&value, cudaDevP2PAttrOnlyPartialNativeAtomicSupported, 0,
				      1);
	if (ver < 13000) {
		assert_int_equal(e, cudaErrorInvalidValue);
		assert_int_equal(cudaGetLastError(), cudaErrorInvalidValue);
	} else {
		assert_int_equal(e, cudaSuccess);
	}

	if (ver < 12050) {
		assert_null(by_version);
		return;
	}
	assert_non_null(by_version);
	{
		entry_ver_fn f = (entry_ver_fn)(uintptr_t)by_version;
		enum cudaDriverEntryPointQueryResult q;
		void *fn = NULL;

		assert_int_equal(f("cuPointerGetAttributes", &fn, (unsigned)ver, cudaEnableDefault,
				   &q),
				 cudaSuccess);
		assert_non_null(fn);
		if (ver < 13000) {
			fn = NULL;
			assert_int_equal(f("cuPointerGetAttributes", &fn, (unsigned)ver + 10,
					   cudaEnableDefault, &q),
					 cudaErrorInvalidValue);
			assert_null(fn);
			assert_int_equal(cudaGetLastError(), cudaErrorInvalidValue);
		}
	}
}

/* --- adapters call the interposer's wrappers, as the program ----------------------------- */

/* the interposer's control API (interpose/ferry_inject.h), found as a program that may run
 * without it finds it */
static long long matched(unsigned rule)
{
	long long (*f)(unsigned) =
		(long long (*)(unsigned))(uintptr_t)sym("ferry_inject_rule_matched");

	return f ? f(rule) : -1;
}

static unsigned rule_count(void)
{
	unsigned (*f)(void) = (unsigned (*)(void))(uintptr_t)sym("ferry_inject_rule_count");

	return f ? f() : 0;
}

/* versions_rules.txt's rules, in order: each counts one wrapped function's calls from this
 * program */
enum { R_CAPINFO = 1, R_INSTANTIATE, R_ADD_DEPS, R_ELAPSED, R_GET_LIMIT, R_BATCH, R_PTR_ATTRS,
       R_COUNT = R_PTR_ATTRS };

typedef cudaError_t (*capinfo3_fn)(cudaStream_t, enum cudaStreamCaptureStatus *,
				   unsigned long long *);
typedef cudaError_t (*capinfo_v2_fn)(cudaStream_t, enum cudaStreamCaptureStatus *,
				     unsigned long long *, cudaGraph_t *, const cudaGraphNode_t **,
				     size_t *);
typedef cudaError_t (*capinfo13_fn)(cudaStream_t, enum cudaStreamCaptureStatus *,
				    unsigned long long *, cudaGraph_t *, const cudaGraphNode_t **,
				    const cudaGraphEdgeData **, size_t *);
typedef cudaError_t (*elapsed_fn)(float *, cudaEvent_t, cudaEvent_t);
typedef cudaError_t (*get_limit_fn)(size_t *, enum cudaLimit);
typedef cudaError_t (*batch12_fn)(void *const *, const void *const *, const size_t *, size_t,
				  struct cudaMemcpyAttributes *, size_t *, size_t, size_t *,
				  cudaStream_t);
typedef cudaError_t (*batch13_fn)(void *const *, const void *const *, const size_t *, size_t,
				  struct cudaMemcpyAttributes *, size_t *, size_t, cudaStream_t);

/* Calls name through what the program's dlsym finds (the version's adapter, or the function
 * itself) and checks that exactly one call reached the interposer's wrapper of the function
 * rule R counts, as this program's (from(test_versions)). The call's own answer is checked
 * by the ABI tests above; here it must merely not crash. */
#define THROUGH(R, name, type, args)                                                         \
	do {                                                                                 \
		void *f_ = sym(name);                                                        \
		long long before_ = matched(R);                            \
                                                                                             \
		if (f_) {                                                                    \
			(void)((type)(uintptr_t)f_) args;                                    \
			cudaGetLastError();                                                  \
			if (matched(R) != before_ + 1)                     \
				fail_msg("%s under %d: %lld calls reached the wrapper as the " \
					 "program's, not 1", name, ver,                      \
					 matched(R) - before_);            \
			checked++;                                                           \
		}                                                                            \
	} while (0)

static void test_adapters_reach_rules(void **state)
{
	cudaStream_t s;
	cudaEvent_t e0, e1;
	cudaGraph_t g;
	cudaGraphNode_t a, b;
	cudaGraphExec_t ex = NULL;
	enum cudaStreamCaptureStatus st;
	unsigned long long id;
	const cudaGraphNode_t *deps;
	size_t n, limit, fail_idx;
	float ms;
	char log[16];
	unsigned char *src, *dst, attrs[128];
	size_t size = 4096;
	int checked = 0;

	(void)state;
	if (rule_count() != R_COUNT)
		fail_msg("run with FERRY_FAULTS_FILE=tests/unit/versions_rules.txt (%u rules)",
			 rule_count());
	assert_int_equal(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
	assert_int_equal(cudaEventCreate(&e0), cudaSuccess);
	assert_int_equal(cudaEventCreate(&e1), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&src, size), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&dst, size), cudaSuccess);

	if (ver < 13000)
		THROUGH(R_CAPINFO, "cudaStreamGetCaptureInfo", capinfo3_fn, (s, &st, &id));
	else
		THROUGH(R_CAPINFO, "cudaStreamGetCaptureInfo", capinfo13_fn,
			(s, &st, &id, NULL, NULL, NULL, NULL));
	THROUGH(R_CAPINFO, "cudaStreamGetCaptureInfo_v2", capinfo_v2_fn,
		(s, &st, &id, NULL, &deps, &n));
	THROUGH(R_CAPINFO, "cudaStreamGetCaptureInfo_v3", capinfo13_fn,
		(s, &st, &id, NULL, &deps, NULL, &n));

	assert_int_equal(cudaGraphCreate(&g, 0), cudaSuccess);
	assert_int_equal(cudaGraphAddEmptyNode(&a, g, NULL, 0), cudaSuccess);
	assert_int_equal(cudaGraphAddEmptyNode(&b, g, NULL, 0), cudaSuccess);
	if (ver < 13000)
		THROUGH(R_ADD_DEPS, "cudaGraphAddDependencies", deps12_fn, (g, &a, &b, 1));
	else
		THROUGH(R_ADD_DEPS, "cudaGraphAddDependencies", deps13_fn, (g, &a, &b, NULL, 1));
	THROUGH(R_ADD_DEPS, "cudaGraphAddDependencies_v2", deps13_fn, (g, &b, &a, NULL, 0));
	if (ver < 12000)
		THROUGH(R_INSTANTIATE, "cudaGraphInstantiate", inst11_fn,
			(&ex, g, NULL, log, sizeof(log)));
	else
		THROUGH(R_INSTANTIATE, "cudaGraphInstantiate", inst12_fn, (&ex, g, 0));
	if (ex)
		cudaGraphExecDestroy(ex);
	cudaGraphDestroy(g);

	assert_int_equal(cudaEventRecord(e0, s), cudaSuccess);
	assert_int_equal(cudaEventRecord(e1, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	THROUGH(R_ELAPSED, "cudaEventElapsedTime_v2", elapsed_fn, (&ms, e0, e1));
	THROUGH(R_GET_LIMIT, "cudaThreadGetLimit", get_limit_fn, (&limit, cudaLimitStackSize));
	THROUGH(R_PTR_ATTRS, "cudaPointerGetAttributes", cudaError_t(*)(void *, const void *),
		(attrs, src));

	if (!(drv && drv < 12080)) {
		void *const dsts[1] = { dst };
		const void *const srcs[1] = { src };
		struct cudaMemcpyAttributes at;

		memset(&at, 0, sizeof(at));
		at.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
		if (ver < 13000)
			THROUGH(R_BATCH, "cudaMemcpyBatchAsync", batch12_fn,
				(dsts, srcs, &size, 1, &at, &(size_t){ 0 }, 1, &fail_idx, s));
		else
			THROUGH(R_BATCH, "cudaMemcpyBatchAsync", batch13_fn,
				(dsts, srcs, &size, 1, &at, &(size_t){ 0 }, 1, s));
		assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	}
	/* the plain names exist in every version: at least capture info, dependencies,
	 * instantiate and the pointer attributes were checked */
	assert_true(checked >= 4);
	cudaFree(src);
	cudaFree(dst);
	cudaEventDestroy(e0);
	cudaEventDestroy(e1);
	cudaStreamDestroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reported_versions),
		cmocka_unit_test(test_presence),
		cmocka_unit_test(test_removed_provided),
		cmocka_unit_test(test_pointer_attrs_guarded),
		cmocka_unit_test(test_batch_abi),
		cmocka_unit_test(test_capture_and_instantiate),
		cmocka_unit_test(test_driver_entry_abi),
		cmocka_unit_test(test_graph_edges_abi),
		cmocka_unit_test(test_exec_update_abi),
		cmocka_unit_test(test_adapters_reach_rules),
		cmocka_unit_test(test_values_by_version),
	};

	ver = parse(getenv("FERRY_CUDA_VERSION"));
	drv = parse(getenv("FERRY_CUDA_DRIVER"));
	if (!ver) {
		fprintf(stderr, "test_versions: run under FERRY_CUDA_VERSION (ctest does)\n");
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
