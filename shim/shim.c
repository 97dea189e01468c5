/*
 * shim.c: the CUDA-version shim (shim.h). Every runtime function whose presence or ABI
 * differs between versions is reached through dlsym, so that what the process's runtime
 * exports decides, not the headers ferry was built with: a process under the interposer's
 * version emulation (FERRY_CUDA_VERSION) sees exactly that version's set, adapters
 * included. The ABIs below are CUDA_VARIANTS.md's (V01, V03, V07, V11, V16, V18, V19).
 */
#include "shim.h"

#include "ferry.h"
#include "internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* --- the ABIs ------------------------------------------------------------------------------- */

/* V01: cudaMemcpyBatchAsync, 12.8 and 12.9 (failIdx) and 13.0 (without). */
typedef cudaError_t (*batch_12080_fn)(void *const *, const void *const *, const size_t *, size_t,
				      struct cudaMemcpyAttributes *, size_t *, size_t, size_t *,
				      cudaStream_t);
typedef cudaError_t (*batch_13000_fn)(void *const *, const void *const *, const size_t *, size_t,
				      struct cudaMemcpyAttributes *, size_t *, size_t, cudaStream_t);
/* V16 */
typedef cudaError_t (*stream_device_fn)(cudaStream_t, int *);
/* V07: the 3-argument legacy form, _v2 (6), and _v3 / 13.0 (7, with edge data) */
typedef cudaError_t (*capinfo_3_fn)(cudaStream_t, enum cudaStreamCaptureStatus *,
				    unsigned long long *);
typedef cudaError_t (*capinfo_6_fn)(cudaStream_t, enum cudaStreamCaptureStatus *,
				    unsigned long long *, cudaGraph_t *, const cudaGraphNode_t **,
				    size_t *);
typedef cudaError_t (*capinfo_7_fn)(cudaStream_t, enum cudaStreamCaptureStatus *,
				    unsigned long long *, cudaGraph_t *, const cudaGraphNode_t **,
				    const cudaGraphEdgeData **, size_t *);
/* V03 / V04: 11.x (error node, log buffer), 12.0+ (flags); WithFlags, the same since 11.4 */
typedef cudaError_t (*inst_11_fn)(cudaGraphExec_t *, cudaGraph_t, cudaGraphNode_t *, char *,
				  size_t);
typedef cudaError_t (*inst_flags_fn)(cudaGraphExec_t *, cudaGraph_t, unsigned long long);
/* V11: 11.x (3), 12.x (4, with the query result), ByVersion (12.5+) */
typedef cudaError_t (*entry_3_fn)(const char *, void **, unsigned long long);
typedef cudaError_t (*entry_4_fn)(const char *, void **, unsigned long long,
				  enum cudaDriverEntryPointQueryResult *);
typedef cudaError_t (*entry_ver_fn)(const char *, void **, unsigned int, unsigned long long,
				    enum cudaDriverEntryPointQueryResult *);
/* V19: the struct is 24 bytes before 13.0 and 88 in 13.0; the shim hands it 128 */
typedef cudaError_t (*ptr_attrs_fn)(void *, const void *);
#define PTR_ATTRS_BUF 128
/* V18 */
typedef cudaError_t (*p2p_attr_fn)(int *, enum cudaDeviceP2PAttr, int, int);
/* driver functions for the stream-device fallback (CUresult is an int; 0 is success) */
typedef int (*cu_stream_get_ctx_fn)(cudaStream_t, void **);
typedef int (*cu_ctx_push_fn)(void *);
typedef int (*cu_ctx_pop_fn)(void **);
typedef int (*cu_ctx_get_device_fn)(int *);
typedef int (*cu_pointer_get_attributes_fn)(unsigned int, int *, void **, unsigned long long);
#define CU_POINTER_ATTRIBUTE_RANGE_START_ADDR 11	/* cuda.h's CUpointer_attribute */
#define CU_POINTER_ATTRIBUTE_RANGE_SIZE 12

/* --- choices --------------------------------------------------------------------------------- */

struct choice {
	_Atomic int chosen;
	_Atomic int variant;	/* per capability, below */
	void *fn[4];		/* the functions the variant calls */
	char why[160];
	_Atomic int downgraded;	/* answered cudaErrorCallRequiresNewerDriver: why2 says */
	char why2[160];
};

static struct choice choices[FERRY__SHIM_NCAPS];
/* each variant's choices in this process, as named paths (ferry__shim_named) */
static _Atomic uint64_t taken[FERRY__SHIM_NCAPS][4];
static pthread_mutex_t choose_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int versions_read;
static int runtime_version, driver_version;

enum { V_ABSENT, V_A, V_B, V_C };	/* a capability's variants, oldest ABI first */

static const char *const variant_names[FERRY__SHIM_NCAPS][4] = {
#define FERRY_SHIM_CAP(id, name, v0, v1, v2, v3) [FERRY__SHIM_##id] = { v0, v1, v2, v3 },
#include "variants.def"
#undef FERRY_SHIM_CAP
};

static const char *const cap_names[FERRY__SHIM_NCAPS] = {
#define FERRY_SHIM_CAP(id, name, v0, v1, v2, v3) [FERRY__SHIM_##id] = name,
#include "variants.def"
#undef FERRY_SHIM_CAP
};

/* A runtime function as this process's dynamic linker resolves it (a preloaded simulator or
 * interposer first); in the runtime's own handle when ferry was loaded with RTLD_LOCAL. */
static void *lookup(const char *name)
{
	void *f = dlsym(RTLD_DEFAULT, name);

	if (!f) {
		void *h = dlopen("libcudart.so.13", RTLD_LAZY | RTLD_NOLOAD);

		if (h) {
			f = dlsym(h, name);
			dlclose(h);
		}
	}
	return f;
}

static void read_versions(void)
{
	if (atomic_load_explicit(&versions_read, memory_order_acquire))
		return;
	pthread_mutex_lock(&choose_lock);
	/* GCOVR_EXCL_BR_START: double-checked: false only when another thread got here first */
	if (!atomic_load_explicit(&versions_read, memory_order_relaxed)) {
		/* GCOVR_EXCL_BR_STOP */
		if (cudaRuntimeGetVersion(&runtime_version) != cudaSuccess)
			runtime_version = 0;
		if (cudaDriverGetVersion(&driver_version) != cudaSuccess)
			driver_version = 0;
		cudaGetLastError();	/* a query that failed leaves nothing behind */
		atomic_store_explicit(&versions_read, 1, memory_order_release);
	}
	pthread_mutex_unlock(&choose_lock);
}

int ferry__shim_runtime_version(void)
{
	read_versions();
	return runtime_version;
}

int ferry__shim_driver_version(void)
{
	read_versions();
	return driver_version;
}

static void set(struct choice *c, int variant, const char *what)
{
	atomic_store_explicit(&c->variant, variant, memory_order_relaxed);
	snprintf(c->why, sizeof(c->why), "runtime %d.%d, driver %d.%d: %s", runtime_version / 1000,
		 runtime_version % 1000 / 10, driver_version / 1000, driver_version % 1000 / 10,
		 what);
}

/* A runtime that did not say its version (rt 0): a function whose arguments changed
 * between versions under one name is not called, whatever its name finds. */
#define UNKNOWN_ABI "the runtime did not say its version: no way to know the arguments"

/* Picks cap's variant; called under choose_lock. rt, drv: the versions (0: unknown). */
static void pick(enum ferry__shim_cap cap, struct choice *c, int rt, int drv)
{
	switch (cap) {
	case FERRY__SHIM_BATCH:
		c->fn[0] = lookup("cudaMemcpyBatchAsync");
		if (rt < 12080)
			set(c, V_ABSENT, rt ? "has none (12.8 added it)" :
			    "the runtime did not say its version: a batched copy is not tried");
		else if (!c->fn[0])
			set(c, V_ABSENT, "does not export cudaMemcpyBatchAsync");
		else if (drv && drv < 12080)
			set(c, V_ABSENT, "a driver older than 12.8: it would answer "
			    "cudaErrorCallRequiresNewerDriver");
		else if (rt < 13000)
			set(c, V_A, "cudaMemcpyBatchAsync with failIdx");
		else
			set(c, V_B, "cudaMemcpyBatchAsync without failIdx");
		break;
	case FERRY__SHIM_STREAM_DEVICE:
		c->fn[0] = lookup("cudaStreamGetDevice");
		if (rt >= 12080 && c->fn[0]) {
			set(c, V_B, "exports cudaStreamGetDevice");
			break;
		}
		c->fn[0] = NULL;
		if (ferry__shim_driver_entry("cuStreamGetCtx", &c->fn[0]) == cudaSuccess &&
		    ferry__shim_driver_entry("cuCtxPushCurrent", &c->fn[1]) == cudaSuccess &&
		    ferry__shim_driver_entry("cuCtxPopCurrent", &c->fn[2]) == cudaSuccess &&
		    ferry__shim_driver_entry("cuCtxGetDevice", &c->fn[3]) == cudaSuccess &&
		    c->fn[0] && c->fn[1] && c->fn[2] && c->fn[3]) {
			set(c, V_A, "lacks cudaStreamGetDevice; the driver's "
			    "cuStreamGetCtx answers");
			break;
		}
		cudaGetLastError();
		set(c, V_ABSENT, "lacks cudaStreamGetDevice and no driver entry "
		    "point answers: an event recorded on the stream finds its device");
		break;
	case FERRY__SHIM_CAPTURE_INFO:
		if (rt >= 13000 && (c->fn[0] = lookup("cudaStreamGetCaptureInfo")))
			set(c, V_C, "cudaStreamGetCaptureInfo, 7 arguments");
		else if ((c->fn[0] = lookup("cudaStreamGetCaptureInfo_v3")))
			set(c, V_C, "cudaStreamGetCaptureInfo_v3");
		else if ((c->fn[0] = lookup("cudaStreamGetCaptureInfo_v2")))
			set(c, V_B, "cudaStreamGetCaptureInfo_v2");
		else if (rt && (c->fn[0] = lookup("cudaStreamGetCaptureInfo")))
			set(c, V_A, "cudaStreamGetCaptureInfo, 3 arguments");
		else
			set(c, V_ABSENT, rt ? "exports no cudaStreamGetCaptureInfo: "
			    "cudaStreamIsCapturing answers, without the capture's id" :
			    UNKNOWN_ABI ": cudaStreamIsCapturing answers, without the capture's id");
		break;
	case FERRY__SHIM_INSTANTIATE:
		if (rt >= 12000 && (c->fn[0] = lookup("cudaGraphInstantiate")))
			set(c, V_C, "cudaGraphInstantiate with flags");
		else if ((c->fn[0] = lookup("cudaGraphInstantiateWithFlags")))
			set(c, V_B, "cudaGraphInstantiateWithFlags (11.4+)");
		else if (rt && (c->fn[0] = lookup("cudaGraphInstantiate")))
			set(c, V_A, "cudaGraphInstantiate, 11.x form");
		else
			set(c, V_ABSENT, rt ? "exports no cudaGraphInstantiate" :
			    UNKNOWN_ABI " of cudaGraphInstantiate");
		break;
	case FERRY__SHIM_DRIVER_ENTRY:
		if (rt >= 12050 && (c->fn[0] = lookup("cudaGetDriverEntryPointByVersion")))
			set(c, V_C, "cudaGetDriverEntryPointByVersion");
		else if (rt && (c->fn[0] = lookup("cudaGetDriverEntryPoint")))
			set(c, rt >= 12000 ? V_B : V_A, rt >= 12000 ?
			    "cudaGetDriverEntryPoint with the query result" :
			    "cudaGetDriverEntryPoint, 11.x form");
		else
			set(c, V_ABSENT, rt ? "exports no driver entry point lookup" :
			    UNKNOWN_ABI " of cudaGetDriverEntryPoint");
		break;
	case FERRY__SHIM_POINTER_ATTRS:
		c->fn[0] = lookup("cudaPointerGetAttributes");
		if (!c->fn[0])
			set(c, V_ABSENT, "exports no cudaPointerGetAttributes");
		else
			set(c, rt >= 13000 ? V_B : V_A, rt >= 13000 ?
			    "writes 88 bytes (the shim gives 128)" :
			    "writes 24 bytes (the shim gives 128)");
		break;
	case FERRY__SHIM_DEVICE_ATTRS:
		if ((c->fn[0] = lookup("cudaDeviceGetAttribute")))
			set(c, V_A, "attributes, never cudaDeviceProp (13.0 removed "
			    "fields)");
		else
			set(c, V_ABSENT, "exports no cudaDeviceGetAttribute");
		break;
	case FERRY__SHIM_P2P_ATTRS:
		c->fn[0] = lookup("cudaDeviceGetP2PAttribute");
		if (!c->fn[0])
			set(c, V_ABSENT, "exports no cudaDeviceGetP2PAttribute");
		else
			set(c, rt >= 13000 ? V_B : V_A, rt >= 13000 ?
			    "knows peer attributes 1..5" :
			    "knows peer attributes 1..4");
		break;
	case FERRY__SHIM_NCAPS:	/* no capability: choose() is never asked for it */
	case FERRY__SHIM_ADDRESS_RANGE:
		if (ferry__shim_driver_entry("cuPointerGetAttributes", &c->fn[0]) == cudaSuccess &&
		    c->fn[0]) {
			set(c, V_A, "the driver's cuPointerGetAttributes (range start and size): "
			    "a batch checks each allocation once");
			break;
		}
		cudaGetLastError();
		c->fn[0] = NULL;
		set(c, V_ABSENT, "no driver entry point answers cuPointerGetAttributes: a "
		    "batch checks each item's pointers");
		break;
	}
}

static struct choice *choose(enum ferry__shim_cap cap)
{
	struct choice *c = &choices[cap];

	if (atomic_load_explicit(&c->chosen, memory_order_acquire))
		return c;
	read_versions();
	pthread_mutex_lock(&choose_lock);
	/* GCOVR_EXCL_BR_START: double-checked: false only when another thread got here first */
	if (!atomic_load_explicit(&c->chosen, memory_order_relaxed)) {
		/* GCOVR_EXCL_BR_STOP */
		pthread_mutex_unlock(&choose_lock);
		/* picking may itself use another capability (the driver entry point) */
		{
			struct choice tmp;

			memset(&tmp, 0, sizeof(tmp));
			pick(cap, &tmp, runtime_version, driver_version);
			pthread_mutex_lock(&choose_lock);
			/* GCOVR_EXCL_BR_START: picked outside the lock: false when another thread stored first */
			if (!atomic_load_explicit(&c->chosen, memory_order_relaxed)) {
				/* GCOVR_EXCL_BR_STOP */
				atomic_store_explicit(&c->variant,
						      atomic_load_explicit(&tmp.variant,
									   memory_order_relaxed),
						      memory_order_relaxed);
				memcpy(c->fn, tmp.fn, sizeof(c->fn));
				memcpy(c->why, tmp.why, sizeof(c->why));
				atomic_fetch_add(&taken[cap][atomic_load_explicit(
					&tmp.variant, memory_order_relaxed)], 1);
				atomic_store_explicit(&c->chosen, 1, memory_order_release);
			}
		}
	}
	pthread_mutex_unlock(&choose_lock);
	return c;
}

const char *ferry__shim_variant(enum ferry__shim_cap cap, const char **why)
{
	struct choice *c = choose(cap);
	bool down = atomic_load_explicit(&c->downgraded, memory_order_acquire);

	if (why)
		*why = down ? c->why2 : c->why;
	return variant_names[cap][atomic_load_explicit(&c->variant, memory_order_relaxed)];
}

/* A newer runtime on an older driver: the capability is absent from now on. */
static void now_absent(enum ferry__shim_cap cap, const char *call)
{
	struct choice *c = &choices[cap];

	pthread_mutex_lock(&choose_lock);
	/* GCOVR_EXCL_BR_START: once: false only when another thread's call answered 36 too */
	if (!atomic_load_explicit(&c->downgraded, memory_order_relaxed)) {
		/* GCOVR_EXCL_BR_STOP */
		snprintf(c->why2, sizeof(c->why2), "%s answered cudaErrorCallRequiresNewerDriver "
			 "(a newer runtime on an older driver)", call);
		atomic_store_explicit(&c->variant, V_ABSENT, memory_order_relaxed);
		atomic_store_explicit(&c->downgraded, 1, memory_order_release);
		atomic_fetch_add(&taken[cap][V_ABSENT], 1);
	}
	pthread_mutex_unlock(&choose_lock);
}

/* --- capabilities ----------------------------------------------------------------------------- */

cudaError_t ferry__shim_memcpy_batch(void *const *dsts, const void *const *srcs,
				     const size_t *sizes, size_t count,
				     struct cudaMemcpyAttributes *attrs, size_t *attrs_idxs,
				     size_t num_attrs, size_t *fail_idx, cudaStream_t stream)
{
	struct choice *c = choose(FERRY__SHIM_BATCH);
	size_t idx = SIZE_MAX;
	cudaError_t e;
	int v = atomic_load_explicit(&c->variant, memory_order_relaxed);

	if (fail_idx)
		*fail_idx = SIZE_MAX;
	if (v == V_ABSENT)
		return cudaErrorNotSupported;
	if (v == V_A)
		e = ((batch_12080_fn)c->fn[0])(dsts, srcs, sizes, count, attrs, attrs_idxs,
						num_attrs, &idx, stream);
	else
		e = ((batch_13000_fn)c->fn[0])(dsts, srcs, sizes, count, attrs, attrs_idxs,
						num_attrs, stream);
	if (e == cudaErrorCallRequiresNewerDriver) {
		cudaGetLastError();
		now_absent(FERRY__SHIM_BATCH, "cudaMemcpyBatchAsync");
		return cudaErrorNotSupported;
	}
	if (fail_idx)
		*fail_idx = idx;
	return e;
}

/* The device of a stream, by recording an event of each device on it: only the stream's
 * own device's event can be recorded there. */
static cudaError_t stream_device_probe(cudaStream_t stream, int *device)
{
	int n = 0, saved = 0;
	cudaError_t e = cudaGetDeviceCount(&n);

	if (e != cudaSuccess)
		return e;
	e = cudaGetDevice(&saved);
	if (e != cudaSuccess)
		return e;
	for (int d = 0; d < n; d++) {
		cudaEvent_t ev;
		cudaError_t r;

		if (cudaSetDevice(d) != cudaSuccess ||
		    cudaEventCreateWithFlags(&ev, cudaEventDisableTiming) != cudaSuccess) {
			cudaGetLastError();
			continue;
		}
		r = cudaEventRecord(ev, stream);
		cudaEventDestroy(ev);
		cudaGetLastError();
		if (r == cudaSuccess) {
			/* the caller's device back, or the error that kept it from coming back */
			e = cudaSetDevice(saved);
			if (e == cudaSuccess)
				*device = d;
			return e;
		}
	}
	e = cudaSetDevice(saved);
	return e != cudaSuccess ? e : cudaErrorInvalidResourceHandle;
}

cudaError_t ferry__shim_stream_device(cudaStream_t stream, int *device)
{
	struct choice *c;
	int v;

	if (stream == 0 || stream == cudaStreamLegacy || stream == cudaStreamPerThread)
		return cudaGetDevice(device);
	c = choose(FERRY__SHIM_STREAM_DEVICE);
	v = atomic_load_explicit(&c->variant, memory_order_relaxed);
	if (v == V_B)
		return ((stream_device_fn)c->fn[0])(stream, device);
	if (v == V_A) {
		void *ctx = NULL, *popped = NULL;
		int r = ((cu_stream_get_ctx_fn)c->fn[0])(stream, &ctx);

		if (r == 0 && (r = ((cu_ctx_push_fn)c->fn[1])(ctx)) == 0) {
			r = ((cu_ctx_get_device_fn)c->fn[3])(device);
			((cu_ctx_pop_fn)c->fn[2])(&popped);
		}
		/* CUresult and cudaError_t agree on the codes these calls return */
		return r == 0 ? cudaSuccess : (cudaError_t)r;
	}
	return stream_device_probe(stream, device);
}

cudaError_t ferry__shim_capture_info(cudaStream_t stream, enum cudaStreamCaptureStatus *status,
				     unsigned long long *id)
{
	struct choice *c = choose(FERRY__SHIM_CAPTURE_INFO);
	unsigned long long cid = 0;
	cudaError_t e;

	switch (atomic_load_explicit(&c->variant, memory_order_relaxed)) {
	case V_C:
		e = ((capinfo_7_fn)c->fn[0])(stream, status, &cid, NULL, NULL, NULL, NULL);
		break;
	case V_B:
		e = ((capinfo_6_fn)c->fn[0])(stream, status, &cid, NULL, NULL, NULL);
		break;
	case V_A:
		e = ((capinfo_3_fn)c->fn[0])(stream, status, &cid);
		break;
	default:
		e = cudaStreamIsCapturing(stream, status);
		break;
	}
	if (id)
		*id = e == cudaSuccess && *status != cudaStreamCaptureStatusNone ? cid : 0;
	return e;
}

cudaError_t ferry__shim_graph_instantiate(cudaGraphExec_t *exec, cudaGraph_t graph)
{
	struct choice *c = choose(FERRY__SHIM_INSTANTIATE);

	switch (atomic_load_explicit(&c->variant, memory_order_relaxed)) {
	case V_C:
	case V_B:
		return ((inst_flags_fn)c->fn[0])(exec, graph, 0);
	case V_A: {
		char log[256];

		return ((inst_11_fn)c->fn[0])(exec, graph, NULL, log, sizeof(log));
	}
	default:
		return cudaErrorNotSupported;
	}
}

/* The driver ABI of the functions the shim calls (cuStreamGetCtx, cuCtxPushCurrent,
 * cuCtxPopCurrent, cuCtxGetDevice, cuPointerGetAttributes): 12.0's. */
#define DRIVER_ABI 12000u

cudaError_t ferry__shim_driver_entry(const char *sym, void **fn)
{
	struct choice *c = choose(FERRY__SHIM_DRIVER_ENTRY);
	enum cudaDriverEntryPointQueryResult q = cudaDriverEntryPointSuccess;
	cudaError_t e;

	*fn = NULL;
	switch (atomic_load_explicit(&c->variant, memory_order_relaxed)) {
	case V_C:
		/* at the ABI the shim calls them with, 12.0's: asked at the runtime's version,
		 * cuStreamGetCtx is 12.5's cuStreamGetCtx_v2, which takes a third argument (a
		 * 12.6 runtime over a real driver crashed on it) */
		e = ((entry_ver_fn)c->fn[0])(sym, fn, DRIVER_ABI, cudaEnableDefault, &q);
		break;
	case V_B:
		e = ((entry_4_fn)c->fn[0])(sym, fn, cudaEnableDefault, &q);
		break;
	case V_A:
		e = ((entry_3_fn)c->fn[0])(sym, fn, cudaEnableDefault);
		break;
	default:
		return cudaErrorNotSupported;
	}
	if (e == cudaSuccess && (q != cudaDriverEntryPointSuccess || !*fn)) {
		*fn = NULL;
		return cudaErrorSymbolNotFound;
	}
	return e;
}

cudaError_t ferry__shim_pointer_attrs(const void *ptr, enum cudaMemoryType *type, int *device)
{
	struct choice *c = choose(FERRY__SHIM_POINTER_ATTRS);
	/* both layouts begin { enum cudaMemoryType type; int device; void *devicePointer;
	 * void *hostPointer; }; 13.0 adds 64 reserved bytes */
	union {
		unsigned char bytes[PTR_ATTRS_BUF];
		struct {
			int type, device;
			void *dptr, *hptr;
		} head;
		long long align;
	} buf;
	cudaError_t e;

	if (atomic_load_explicit(&c->variant, memory_order_relaxed) == V_ABSENT)
		return cudaErrorNotSupported;
	memset(&buf, 0, sizeof(buf));
	e = ((ptr_attrs_fn)c->fn[0])(&buf, ptr);
	if (e == cudaSuccess) {
		*type = (enum cudaMemoryType)buf.head.type;
		*device = buf.head.device;
	}
	return e;
}

cudaError_t ferry__shim_device_attr(int device, enum cudaDeviceAttr attr, int *value)
{
	struct choice *c = choose(FERRY__SHIM_DEVICE_ATTRS);

	if (atomic_load_explicit(&c->variant, memory_order_relaxed) != V_A)
		return cudaErrorNotSupported;
	return ((cudaError_t (*)(int *, enum cudaDeviceAttr, int))c->fn[0])(value, attr, device);
}

cudaError_t ferry__shim_p2p_attr(int src, int dst, enum cudaDeviceP2PAttr attr, int *value)
{
	struct choice *c = choose(FERRY__SHIM_P2P_ATTRS);
	int v = atomic_load_explicit(&c->variant, memory_order_relaxed);
	int max = v == V_B ? 5 : 4;

	if (v == V_ABSENT || (int)attr < 1 || (int)attr > max)
		return cudaErrorNotSupported;
	return ((p2p_attr_fn)c->fn[0])(value, attr, src, dst);
}

/* --- the portable queries (ferry.h) ---------------------------------------------------------- */

cudaError_t ferry_stream_device(cudaStream_t stream, int *device)
{
	return device ? ferry__shim_stream_device(stream, device) : cudaErrorInvalidValue;
}

cudaError_t ferry_stream_capture(cudaStream_t stream, enum cudaStreamCaptureStatus *status,
				 unsigned long long *id)
{
	return status ? ferry__shim_capture_info(stream, status, id) : cudaErrorInvalidValue;
}

cudaError_t ferry_device_attribute(int device, enum cudaDeviceAttr attr, int *value)
{
	return value ? ferry__shim_device_attr(device, attr, value) : cudaErrorInvalidValue;
}

cudaError_t ferry_p2p_attribute(int src, int dst, enum cudaDeviceP2PAttr attr, int *value)
{
	return value ? ferry__shim_p2p_attr(src, dst, attr, value) : cudaErrorInvalidValue;
}

/* --- named paths: the variants ---------------------------------------------------------------- */

static char named_names[FERRY__SHIM_NCAPS][4][64];
static pthread_once_t named_once = PTHREAD_ONCE_INIT;

static void name_variants(void)
{
	for (size_t c = 0; c < FERRY__SHIM_NCAPS; c++)
		for (size_t v = 0; v < 4; v++)
			if (variant_names[c][v])
				snprintf(named_names[c][v], sizeof(named_names[c][v]),
					 FERRY_SHIM_PATH_FORMAT,
					 cap_names[c], variant_names[c][v]);
}

size_t ferry__shim_named(ferry_named_path *out, size_t max)
{
	size_t n = 0;

	pthread_once(&named_once, name_variants);
	for (size_t c = 0; c < FERRY__SHIM_NCAPS; c++) {
		for (size_t v = 0; v < 4; v++) {
			if (!variant_names[c][v])
				continue;
			if (out && n < max) {
				out[n].name = named_names[c][v];
				out[n].meaning = "the version shim chose this variant of the capability";
				out[n].taken = atomic_load(&taken[c][v]);
			}
			n++;
		}
	}
	return n;
}

void ferry__shim_named_reset(void)
{
	for (size_t c = 0; c < FERRY__SHIM_NCAPS; c++)
		for (size_t v = 0; v < 4; v++)
			atomic_store(&taken[c][v], 0);
}

/* --- ferry_shim_describe ----------------------------------------------------------------------- */

size_t ferry_shim_describe(ferry_shim_choice *out, size_t max, int *runtime, int *driver)
{
	for (size_t i = 0; i < FERRY__SHIM_NCAPS; i++) {
		const char *why;
		const char *v = ferry__shim_variant((enum ferry__shim_cap)i, &why);

		if (i < max && out) {
			out[i].capability = cap_names[i];
			out[i].variant = v;
			out[i].why = why;
		}
	}
	if (runtime)
		*runtime = ferry__shim_runtime_version();
	if (driver)
		*driver = ferry__shim_driver_version();
	return FERRY__SHIM_NCAPS;
}

cudaError_t ferry__shim_address_range(const void *ptr, uintptr_t *base, size_t *size)
{
	struct choice *c = choose(FERRY__SHIM_ADDRESS_RANGE);
	int attrs[2] = { CU_POINTER_ATTRIBUTE_RANGE_START_ADDR, CU_POINTER_ATTRIBUTE_RANGE_SIZE };
	unsigned long long b = 0;
	size_t n = 0;
	void *data[2] = { &b, &n };

	if (atomic_load_explicit(&c->variant, memory_order_relaxed) != V_A)
		return cudaErrorNotSupported;
	/* any device's allocation (cuMemGetAddressRange knows the current context's only); an
	 * address no allocation holds answers 0 and 0 */
	/* GCOVR_EXCL_START: defensive: asked of memory the runtime said is a device's */
	if (((cu_pointer_get_attributes_fn)c->fn[0])(2, attrs, data,
						     (unsigned long long)(uintptr_t)ptr) ||
	    !n)
		return cudaErrorInvalidValue;
	/* GCOVR_EXCL_STOP */
	*base = (uintptr_t)b;
	*size = n;
	return cudaSuccess;
}
