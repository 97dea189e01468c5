/*
 * versions.c: FERRY_CUDA_VERSION's emulation of an older runtime over the real 13.0 one (or
 * the simulator), for what a program finds with dlsym: the way a version shim (ferry's own,
 * shim/, or a user's) reaches the functions that differ between versions.
 *
 *   - a symbol the emulated version lacks is hidden (dlsym answers NULL), with its _ptsz
 *     twin;
 *   - a symbol it had that 13.0 dropped (the _v2/_v3 names, the cudaThread* calls) is
 *     provided, by an adapter onto the 13.0 function;
 *   - a symbol whose ABI differs under the same name (batched copies in 12.8/12.9, 11.x's
 *     cudaGraphInstantiate and cudaGetDriverEntryPoint, the 3-argument
 *     cudaStreamGetCaptureInfo, the int-device cudaMemPrefetchAsync / cudaMemAdvise, the
 *     24-byte cudaPointerGetAttributes) answers an adapter with that version's ABI;
 *   - FERRY_CUDA_DRIVER below 12.8 makes batched copies answer
 *     cudaErrorCallRequiresNewerDriver (a newer runtime on an older driver).
 * The presence and ABIs are CUDA_VARIANTS.md's §3 and §4 tables; the adapters' behaviour on
 * errors is its §5 measurements of the driver's 12.8 ABI (failIdx). Calls a program binds at
 * link time keep 13.0's ABI: it was built against 13.0's header.
 *
 * Not provided: cudaGetDeviceProperties_v2 and the 12.x cudaGetDeviceProperties (their
 * struct layouts differ from 13.0's: hidden, not translated), the external-semaphore _v2
 * names, 11.8's texture and surface references.
 */
#include "inject.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A 13.0 function behind the interposer, by name (real.c's lookup), once. */
#define REAL_FN(type, name)                                                                  \
	static type real_##name(void)                                                        \
	{                                                                                    \
		static _Atomic(void *) f;                                                    \
		void *p = atomic_load_explicit(&f, memory_order_acquire);                   \
		if (!p) {                                                                    \
			p = inj_real_named(#name);                                           \
			atomic_store_explicit(&f, p, memory_order_release);                  \
		}                                                                            \
		return (type)p;                                                              \
	}

/* --- the 13.0 functions the adapters call ------------------------------------------------- */

typedef cudaError_t (*batch3d13_fn)(size_t, struct cudaMemcpy3DBatchOp *, unsigned long long,
				    cudaStream_t);
typedef cudaError_t (*entry_ver_fn)(const char *, void **, unsigned int, unsigned long long,
				    enum cudaDriverEntryPointQueryResult *);
typedef cudaError_t (*prefetch13_fn)(const void *, size_t, struct cudaMemLocation, unsigned int,
				     cudaStream_t);
typedef cudaError_t (*advise13_fn)(const void *, size_t, enum cudaMemoryAdvise,
				   struct cudaMemLocation);
typedef cudaError_t (*cache_set_fn)(enum cudaFuncCache);
typedef cudaError_t (*cache_get_fn)(enum cudaFuncCache *);

REAL_FN(batch3d13_fn, cudaMemcpy3DBatchAsync)
REAL_FN(batch3d13_fn, cudaMemcpy3DBatchAsync_ptsz)
REAL_FN(entry_ver_fn, cudaGetDriverEntryPointByVersion)
REAL_FN(entry_ver_fn, cudaGetDriverEntryPointByVersion_ptsz)
REAL_FN(prefetch13_fn, cudaMemPrefetchAsync)
REAL_FN(prefetch13_fn, cudaMemPrefetchAsync_ptsz)
REAL_FN(advise13_fn, cudaMemAdvise)
typedef cudaError_t (*deps13_fn)(cudaGraph_t, const cudaGraphNode_t *, const cudaGraphNode_t *,
				 const cudaGraphEdgeData *, size_t);
typedef cudaError_t (*edges13_fn)(cudaGraph_t, cudaGraphNode_t *, cudaGraphNode_t *,
				  cudaGraphEdgeData *, size_t *);
typedef cudaError_t (*nodedeps13_fn)(cudaGraphNode_t, cudaGraphNode_t *, cudaGraphEdgeData *,
				     size_t *);
typedef cudaError_t (*addnode13_fn)(cudaGraphNode_t *, cudaGraph_t, const cudaGraphNode_t *,
				    const cudaGraphEdgeData *, size_t,
				    struct cudaGraphNodeParams *);
typedef cudaError_t (*updcap13_fn)(cudaStream_t, cudaGraphNode_t *, const cudaGraphEdgeData *,
				   size_t, unsigned int);
typedef cudaError_t (*execupd13_fn)(cudaGraphExec_t, cudaGraph_t,
				    cudaGraphExecUpdateResultInfo *);
typedef cudaError_t (*copyattr13_fn)(cudaGraphNode_t, cudaGraphNode_t);

REAL_FN(deps13_fn, cudaGraphRemoveDependencies)
REAL_FN(edges13_fn, cudaGraphGetEdges)
REAL_FN(nodedeps13_fn, cudaGraphNodeGetDependencies)
REAL_FN(nodedeps13_fn, cudaGraphNodeGetDependentNodes)
REAL_FN(addnode13_fn, cudaGraphAddNode)
REAL_FN(updcap13_fn, cudaStreamUpdateCaptureDependencies)
REAL_FN(updcap13_fn, cudaStreamUpdateCaptureDependencies_ptsz)
REAL_FN(execupd13_fn, cudaGraphExecUpdate)
REAL_FN(copyattr13_fn, cudaGraphKernelNodeCopyAttributes)
REAL_FN(cache_set_fn, cudaDeviceSetCacheConfig)
REAL_FN(cache_get_fn, cudaDeviceGetCacheConfig)

/* the interposer's own exports of the per-thread twins (wrappers.c) */
cudaError_t cudaMemcpyBatchAsync_ptsz(void *const *dsts, const void *const *srcs,
				      const size_t *sizes, size_t count,
				      struct cudaMemcpyAttributes *attrs, size_t *attrsIdxs,
				      size_t numAttrs, cudaStream_t stream);
cudaError_t cudaStreamGetCaptureInfo_ptsz(cudaStream_t stream,
					  enum cudaStreamCaptureStatus *captureStatus_out,
					  unsigned long long *id_out, cudaGraph_t *graph_out,
					  const cudaGraphNode_t **dependencies_out,
					  const cudaGraphEdgeData **edgeData_out,
					  size_t *numDependencies_out);

#define CALL(name, args) (real_##name() ? real_##name() args : cudaErrorInsufficientDriver)

/* A function the interposer wraps, called through its own export, so that rules apply to the
 * program's call and from(LIB) sees the program: only in the adapter the program called. */
#define OWN(name, args) (inj_tls.adapter_caller = __builtin_return_address(0), name args)

/* A driver older than 12.8 cannot serve batched copies. */
static bool driver_lacks_batch(void)
{
	return inj.cuda_driver && inj.cuda_driver < 12080;
}

/* --- adapters: 12.8 / 12.9 batched copies (failIdx) ----------------------------------------- */

static bool legacy_stream(cudaStream_t s)
{
	return s == 0 || s == cudaStreamLegacy;
}

/* The 12.8 ABI's answers as the driver's measured them (CUDA_VARIANTS.md §5): the legacy
 * stream is refused with failIdx untouched; a copy of 0 bytes is refused naming it; a
 * success, or another error, leaves failIdx SIZE_MAX. */
static cudaError_t batch12(void *const *dsts, const void *const *srcs, const size_t *sizes,
			   size_t count, struct cudaMemcpyAttributes *attrs, size_t *attrs_idxs,
			   size_t num_attrs, size_t *fail_idx, cudaStream_t stream, bool ptsz,
			   void *caller)
{
	cudaError_t e;

	if (driver_lacks_batch())
		return inj_fail(cudaErrorCallRequiresNewerDriver);
	if (!ptsz && legacy_stream(stream))
		return inj_fail(cudaErrorInvalidValue);
	for (size_t i = 0; sizes && i < count; i++) {
		if (sizes[i] == 0) {
			if (fail_idx)
				*fail_idx = i;
			return inj_fail(cudaErrorInvalidValue);
		}
	}
	/* the interposer's own (rules apply), for the program's call */
	inj_tls.adapter_caller = caller;
	e = ptsz ? cudaMemcpyBatchAsync_ptsz(dsts, srcs, sizes, count, attrs, attrs_idxs,
					     num_attrs, stream)
		 : cudaMemcpyBatchAsync(dsts, srcs, sizes, count, attrs, attrs_idxs, num_attrs,
					stream);
	if (fail_idx)
		*fail_idx = SIZE_MAX;
	return e;
}

static cudaError_t ad_batch12(void *const *dsts, const void *const *srcs, const size_t *sizes,
			      size_t count, struct cudaMemcpyAttributes *attrs, size_t *attrs_idxs,
			      size_t num_attrs, size_t *fail_idx, cudaStream_t stream)
{
	return batch12(dsts, srcs, sizes, count, attrs, attrs_idxs, num_attrs, fail_idx, stream,
		       false, __builtin_return_address(0));
}

static cudaError_t ad_batch12_ptsz(void *const *dsts, const void *const *srcs,
				   const size_t *sizes, size_t count,
				   struct cudaMemcpyAttributes *attrs, size_t *attrs_idxs,
				   size_t num_attrs, size_t *fail_idx, cudaStream_t stream)
{
	return batch12(dsts, srcs, sizes, count, attrs, attrs_idxs, num_attrs, fail_idx, stream,
		       true, __builtin_return_address(0));
}

static cudaError_t ad_batch3d12(size_t n, struct cudaMemcpy3DBatchOp *ops, size_t *fail_idx,
				unsigned long long flags, cudaStream_t stream)
{
	cudaError_t e;

	if (driver_lacks_batch())
		return inj_fail(cudaErrorCallRequiresNewerDriver);
	if (legacy_stream(stream))
		return inj_fail(cudaErrorInvalidValue);
	e = CALL(cudaMemcpy3DBatchAsync, (n, ops, flags, stream));
	if (fail_idx)
		*fail_idx = SIZE_MAX;
	return e;
}

static cudaError_t ad_batch3d12_ptsz(size_t n, struct cudaMemcpy3DBatchOp *ops,
				     size_t *fail_idx, unsigned long long flags,
				     cudaStream_t stream)
{
	cudaError_t e;

	if (driver_lacks_batch())
		return inj_fail(cudaErrorCallRequiresNewerDriver);
	e = CALL(cudaMemcpy3DBatchAsync_ptsz, (n, ops, flags, stream));
	if (fail_idx)
		*fail_idx = SIZE_MAX;
	return e;
}

/* 13.0's ABI on a driver older than 12.8 */
static cudaError_t ad_batch13_old_driver(void *const *dsts, const void *const *srcs,
					 const size_t *sizes, size_t count,
					 struct cudaMemcpyAttributes *attrs, size_t *attrs_idxs,
					 size_t num_attrs, cudaStream_t stream)
{
	(void)dsts, (void)srcs, (void)sizes, (void)count, (void)attrs, (void)attrs_idxs;
	(void)num_attrs, (void)stream;
	return inj_fail(cudaErrorCallRequiresNewerDriver);
}

/* --- adapters: capture info ------------------------------------------------------------------ */

/* the plain name before 13.0: stream, status, id */
static cudaError_t ad_capinfo3(cudaStream_t s, enum cudaStreamCaptureStatus *st,
			       unsigned long long *id)
{
	return OWN(cudaStreamGetCaptureInfo, (s, st, id, NULL, NULL, NULL, NULL));
}

static cudaError_t ad_capinfo3_ptsz(cudaStream_t s, enum cudaStreamCaptureStatus *st,
				    unsigned long long *id)
{
	return OWN(cudaStreamGetCaptureInfo_ptsz, (s, st, id, NULL, NULL, NULL, NULL));
}

/* _v2 (11.3 ... 12.9): no edge data */
static cudaError_t ad_capinfo_v2(cudaStream_t s, enum cudaStreamCaptureStatus *st,
				 unsigned long long *id, cudaGraph_t *g,
				 const cudaGraphNode_t **deps, size_t *ndeps)
{
	return OWN(cudaStreamGetCaptureInfo, (s, st, id, g, deps, NULL, ndeps));
}

static cudaError_t ad_capinfo_v2_ptsz(cudaStream_t s, enum cudaStreamCaptureStatus *st,
				      unsigned long long *id, cudaGraph_t *g,
				      const cudaGraphNode_t **deps, size_t *ndeps)
{
	return OWN(cudaStreamGetCaptureInfo_ptsz, (s, st, id, g, deps, NULL, ndeps));
}

/* _v3 (12.3 ... 12.9): 13.0's plain ABI */
static cudaError_t ad_capinfo_v3(cudaStream_t s, enum cudaStreamCaptureStatus *st,
				 unsigned long long *id, cudaGraph_t *g,
				 const cudaGraphNode_t **deps, const cudaGraphEdgeData **edges,
				 size_t *ndeps)
{
	return OWN(cudaStreamGetCaptureInfo, (s, st, id, g, deps, edges, ndeps));
}

static cudaError_t ad_capinfo_v3_ptsz(cudaStream_t s, enum cudaStreamCaptureStatus *st,
				      unsigned long long *id, cudaGraph_t *g,
				      const cudaGraphNode_t **deps,
				      const cudaGraphEdgeData **edges, size_t *ndeps)
{
	return OWN(cudaStreamGetCaptureInfo_ptsz, (s, st, id, g, deps, edges, ndeps));
}

/* --- adapters: graphs, driver entry points ---------------------------------------------------- */

/* 11.x: error node and log buffer instead of flags */
static cudaError_t ad_instantiate11(cudaGraphExec_t *exec, cudaGraph_t g, cudaGraphNode_t *err_node,
				    char *log, size_t log_size)
{
	cudaError_t e = OWN(cudaGraphInstantiate, (exec, g, 0));

	if (err_node)
		*err_node = NULL;
	if (log && log_size) {
		if (e == cudaSuccess)
			log[0] = '\0';
		else
			snprintf(log, log_size, "cudaGraphInstantiate: error %d", (int)e);
	}
	return e;
}

static cudaError_t entry(const char *sym, void **fn, unsigned long long flags,
			 enum cudaDriverEntryPointQueryResult *status)
{
	enum cudaDriverEntryPointQueryResult q = cudaDriverEntryPointSuccess;
	cudaError_t e = CALL(cudaGetDriverEntryPointByVersion,
			     (sym, fn, (unsigned)inj.cuda_version, flags, &q));

	if (status)
		*status = q;
	return e;
}

/* 12.5 ... 12.9: entry points of a version newer than the runtime's are refused (T24) */
static cudaError_t ad_entry_by_version(const char *sym, void **fn, unsigned int version,
				       unsigned long long flags,
				       enum cudaDriverEntryPointQueryResult *status)
{
	if ((int)version > inj.cuda_version)
		return inj_fail(cudaErrorInvalidValue);
	return CALL(cudaGetDriverEntryPointByVersion, (sym, fn, version, flags, status));
}

static cudaError_t ad_entry_by_version_ptsz(const char *sym, void **fn, unsigned int version,
					    unsigned long long flags,
					    enum cudaDriverEntryPointQueryResult *status)
{
	if ((int)version > inj.cuda_version)
		return inj_fail(cudaErrorInvalidValue);
	return CALL(cudaGetDriverEntryPointByVersion_ptsz, (sym, fn, version, flags, status));
}

/* 11.x: no query result */
static cudaError_t ad_entry11(const char *sym, void **fn, unsigned long long flags)
{
	return entry(sym, fn, flags, NULL);
}

static cudaError_t ad_entry11_ptsz(const char *sym, void **fn, unsigned long long flags)
{
	return entry(sym, fn, flags | cudaEnablePerThreadDefaultStream, NULL);
}

/* 12.0 ... 12.9: with it; entry points of the emulated version's ABI */
static cudaError_t ad_entry12(const char *sym, void **fn, unsigned long long flags,
			      enum cudaDriverEntryPointQueryResult *status)
{
	return entry(sym, fn, flags, status);
}

static cudaError_t ad_entry12_ptsz(const char *sym, void **fn, unsigned long long flags,
				   enum cudaDriverEntryPointQueryResult *status)
{
	return entry(sym, fn, flags | cudaEnablePerThreadDefaultStream, status);
}

/* --- adapters: graph topology without edge data (before 13.0; the _v2 names of 12.3 ... 12.9
 * have 13.0's ABI) -------------------------------------------------------------------------- */

static cudaError_t ad_add_deps12(cudaGraph_t g, const cudaGraphNode_t *from,
				 const cudaGraphNode_t *to, size_t n)
{
	return OWN(cudaGraphAddDependencies, (g, from, to, NULL, n));
}

static cudaError_t ad_remove_deps12(cudaGraph_t g, const cudaGraphNode_t *from,
				    const cudaGraphNode_t *to, size_t n)
{
	return CALL(cudaGraphRemoveDependencies, (g, from, to, NULL, n));
}

static cudaError_t ad_get_edges12(cudaGraph_t g, cudaGraphNode_t *from, cudaGraphNode_t *to,
				  size_t *n)
{
	return CALL(cudaGraphGetEdges, (g, from, to, NULL, n));
}

static cudaError_t ad_node_deps12(cudaGraphNode_t node, cudaGraphNode_t *deps, size_t *n)
{
	return CALL(cudaGraphNodeGetDependencies, (node, deps, NULL, n));
}

static cudaError_t ad_node_dependents12(cudaGraphNode_t node, cudaGraphNode_t *deps, size_t *n)
{
	return CALL(cudaGraphNodeGetDependentNodes, (node, deps, NULL, n));
}

static cudaError_t ad_add_node12(cudaGraphNode_t *node, cudaGraph_t g,
				 const cudaGraphNode_t *deps, size_t n,
				 struct cudaGraphNodeParams *params)
{
	return CALL(cudaGraphAddNode, (node, g, deps, NULL, n, params));
}

static cudaError_t ad_update_capdeps12(cudaStream_t s, cudaGraphNode_t *deps, size_t n,
				       unsigned int flags)
{
	return CALL(cudaStreamUpdateCaptureDependencies, (s, deps, NULL, n, flags));
}

static cudaError_t ad_update_capdeps12_ptsz(cudaStream_t s, cudaGraphNode_t *deps, size_t n,
					    unsigned int flags)
{
	return CALL(cudaStreamUpdateCaptureDependencies_ptsz, (s, deps, NULL, n, flags));
}

/* 13.0's ABI under the _v2 names */
static cudaError_t ad_add_deps_v2(cudaGraph_t g, const cudaGraphNode_t *from,
				  const cudaGraphNode_t *to, const cudaGraphEdgeData *e, size_t n)
{
	return OWN(cudaGraphAddDependencies, (g, from, to, e, n));
}

static cudaError_t ad_remove_deps_v2(cudaGraph_t g, const cudaGraphNode_t *from,
				     const cudaGraphNode_t *to, const cudaGraphEdgeData *e,
				     size_t n)
{
	return CALL(cudaGraphRemoveDependencies, (g, from, to, e, n));
}

static cudaError_t ad_get_edges_v2(cudaGraph_t g, cudaGraphNode_t *from, cudaGraphNode_t *to,
				   cudaGraphEdgeData *e, size_t *n)
{
	return CALL(cudaGraphGetEdges, (g, from, to, e, n));
}

static cudaError_t ad_node_deps_v2(cudaGraphNode_t node, cudaGraphNode_t *deps,
				   cudaGraphEdgeData *e, size_t *n)
{
	return CALL(cudaGraphNodeGetDependencies, (node, deps, e, n));
}

static cudaError_t ad_node_dependents_v2(cudaGraphNode_t node, cudaGraphNode_t *deps,
					 cudaGraphEdgeData *e, size_t *n)
{
	return CALL(cudaGraphNodeGetDependentNodes, (node, deps, e, n));
}

static cudaError_t ad_add_node_v2(cudaGraphNode_t *node, cudaGraph_t g,
				  const cudaGraphNode_t *deps, const cudaGraphEdgeData *e, size_t n,
				  struct cudaGraphNodeParams *params)
{
	return CALL(cudaGraphAddNode, (node, g, deps, e, n, params));
}

static cudaError_t ad_update_capdeps_v2(cudaStream_t s, cudaGraphNode_t *deps,
					const cudaGraphEdgeData *e, size_t n, unsigned int flags)
{
	return CALL(cudaStreamUpdateCaptureDependencies, (s, deps, e, n, flags));
}

static cudaError_t ad_update_capdeps_v2_ptsz(cudaStream_t s, cudaGraphNode_t *deps,
					     const cudaGraphEdgeData *e, size_t n,
					     unsigned int flags)
{
	return CALL(cudaStreamUpdateCaptureDependencies_ptsz, (s, deps, e, n, flags));
}

/* 11.x: the error node and the result as out-parameters; 12.0 gathered them in a struct */
static cudaError_t ad_exec_update11(cudaGraphExec_t ex, cudaGraph_t g, cudaGraphNode_t *err_node,
				    enum cudaGraphExecUpdateResult *result)
{
	cudaGraphExecUpdateResultInfo info;
	cudaError_t e;

	memset(&info, 0, sizeof(info));
	e = CALL(cudaGraphExecUpdate, (ex, g, &info));
	if (err_node)
		*err_node = info.errorNode;
	if (result)
		*result = info.result;
	return e;
}

/* before 13.0 the source came first */
static cudaError_t ad_copy_attrs12(cudaGraphNode_t src, cudaGraphNode_t dst)
{
	return CALL(cudaGraphKernelNodeCopyAttributes, (dst, src));
}

/* --- adapters: prefetch and advise with a device number --------------------------------------- */

static struct cudaMemLocation location(int device)
{
	struct cudaMemLocation l;

	memset(&l, 0, sizeof(l));
	if (device == cudaCpuDeviceId) {
		l.type = cudaMemLocationTypeHost;
	} else {
		l.type = cudaMemLocationTypeDevice;
		l.id = device;
	}
	return l;
}

static cudaError_t ad_prefetch12(const void *p, size_t n, int device, cudaStream_t s)
{
	return CALL(cudaMemPrefetchAsync, (p, n, location(device), 0, s));
}

static cudaError_t ad_prefetch12_ptsz(const void *p, size_t n, int device, cudaStream_t s)
{
	return CALL(cudaMemPrefetchAsync_ptsz, (p, n, location(device), 0, s));
}

/* _v2 (12.2 ... 12.9): 13.0's plain ABI */
static cudaError_t ad_prefetch_v2(const void *p, size_t n, struct cudaMemLocation l,
				  unsigned int flags, cudaStream_t s)
{
	return CALL(cudaMemPrefetchAsync, (p, n, l, flags, s));
}

static cudaError_t ad_prefetch_v2_ptsz(const void *p, size_t n, struct cudaMemLocation l,
				       unsigned int flags, cudaStream_t s)
{
	return CALL(cudaMemPrefetchAsync_ptsz, (p, n, l, flags, s));
}

static cudaError_t ad_advise12(const void *p, size_t n, enum cudaMemoryAdvise advice, int device)
{
	return CALL(cudaMemAdvise, (p, n, advice, location(device)));
}

static cudaError_t ad_advise_v2(const void *p, size_t n, enum cudaMemoryAdvise advice,
				struct cudaMemLocation l)
{
	return CALL(cudaMemAdvise, (p, n, advice, l));
}

/* --- adapters: the 24-byte pointer attributes -------------------------------------------------- */

/* Before 13.0 the struct was { type, device, devicePointer, hostPointer }: 24 bytes. 13.0
 * writes 88; the caller's buffer is never handed to it. */
static cudaError_t ad_pointer_attrs24(void *attrs, const void *ptr)
{
	struct cudaPointerAttributes a;
	cudaError_t e;

	memset(&a, 0, sizeof(a));
	/* the interposer's own: rules apply, to the program's call */
	inj_tls.adapter_caller = __builtin_return_address(0);
	e = cudaPointerGetAttributes(&a, ptr);
	if (e == cudaSuccess && attrs)
		memcpy(attrs, &a, 24);
	return e;
}

/* --- adapters: what 13.0 removed ----------------------------------------------------------------- */

static cudaError_t ad_thread_sync(void)
{
	inj_tls.adapter_caller = __builtin_return_address(0);
	return cudaDeviceSynchronize();
}

static cudaError_t ad_thread_exit(void)
{
	return OWN(cudaDeviceReset, ());
}

static cudaError_t ad_thread_set_limit(enum cudaLimit l, size_t v)
{
	return OWN(cudaDeviceSetLimit, (l, v));
}

static cudaError_t ad_thread_get_limit(size_t *v, enum cudaLimit l)
{
	return OWN(cudaDeviceGetLimit, (v, l));
}

static cudaError_t ad_thread_set_cache(enum cudaFuncCache c)
{
	return CALL(cudaDeviceSetCacheConfig, (c));
}

static cudaError_t ad_thread_get_cache(enum cudaFuncCache *c)
{
	return CALL(cudaDeviceGetCacheConfig, (c));
}

static cudaError_t ad_set_double(void *p)
{
	(void)p;	/* a no-op since CUDA 7.5 */
	return cudaSuccess;
}

static cudaError_t ad_coop_multi(void *params, unsigned n, unsigned flags)
{
	(void)params, (void)n, (void)flags;
	return inj_fail(cudaErrorNotSupported);
}

static cudaError_t ad_elapsed_v2(float *ms, cudaEvent_t a, cudaEvent_t b)
{
	return OWN(cudaEventElapsedTime, (ms, a, b));
}

/* --- the table -------------------------------------------------------------------------------------- */

/*
 * Each symbol whose presence or ABI depends on the version: present from `first` through
 * `last` (0: before 11.8 / through 13.0). Before 13.0 (`old_below`), an emulated version
 * gets `old` instead of the real symbol (NULL: the real one, same ABI); a symbol 13.0 lacks
 * always needs an adapter. Names listed once; a _ptsz twin with its own adapter is listed
 * too.
 */
struct vsym {
	const char *name;
	int first, last;
	int old_below;		/* versions below this one get `old` */
	void *old;
};

#define A(f) ((void *)(uintptr_t)(f))

static const struct vsym vsyms[] = {
	/* V01, V02 */
	{ "cudaMemcpyBatchAsync", 12080, 0, 13000, A(ad_batch12) },
	{ "cudaMemcpyBatchAsync_ptsz", 12080, 0, 13000, A(ad_batch12_ptsz) },
	{ "cudaMemcpy3DBatchAsync", 12080, 0, 13000, A(ad_batch3d12) },
	{ "cudaMemcpy3DBatchAsync_ptsz", 12080, 0, 13000, A(ad_batch3d12_ptsz) },
	/* V03, V05 */
	{ "cudaGraphInstantiate", 0, 0, 12000, A(ad_instantiate11) },
	{ "cudaGraphInstantiateWithParams", 12000, 0, 0, NULL },
	{ "cudaGraphInstantiateWithParams_ptsz", 12000, 0, 0, NULL },
	{ "cudaGraphExecGetFlags", 12000, 0, 0, NULL },
	/* V07, V08, V09 */
	{ "cudaStreamGetCaptureInfo", 0, 0, 13000, A(ad_capinfo3) },
	{ "cudaStreamGetCaptureInfo_ptsz", 0, 0, 13000, A(ad_capinfo3_ptsz) },
	{ "cudaStreamGetCaptureInfo_v2", 0, 12090, 0, A(ad_capinfo_v2) },
	{ "cudaStreamGetCaptureInfo_v2_ptsz", 0, 12090, 0, A(ad_capinfo_v2_ptsz) },
	{ "cudaStreamGetCaptureInfo_v3", 12030, 12090, 0, A(ad_capinfo_v3) },
	{ "cudaStreamGetCaptureInfo_v3_ptsz", 12030, 12090, 0, A(ad_capinfo_v3_ptsz) },
	{ "cudaStreamBeginCaptureToGraph", 12030, 0, 0, NULL },
	{ "cudaStreamBeginCaptureToGraph_ptsz", 12030, 0, 0, NULL },
	/* V10, V24: graph topology gained edge data in 13.0 (the _v2 names, 12.3 ... 12.9,
	 * had it already) */
	{ "cudaGraphAddNode", 12020, 0, 13000, A(ad_add_node12) },
	{ "cudaGraphAddNode_v2", 12030, 12090, 0, A(ad_add_node_v2) },
	{ "cudaGraphAddDependencies", 0, 0, 13000, A(ad_add_deps12) },
	{ "cudaGraphAddDependencies_v2", 12030, 12090, 0, A(ad_add_deps_v2) },
	{ "cudaGraphRemoveDependencies", 0, 0, 13000, A(ad_remove_deps12) },
	{ "cudaGraphRemoveDependencies_v2", 12030, 12090, 0, A(ad_remove_deps_v2) },
	{ "cudaGraphGetEdges", 0, 0, 13000, A(ad_get_edges12) },
	{ "cudaGraphGetEdges_v2", 12030, 12090, 0, A(ad_get_edges_v2) },
	{ "cudaGraphNodeGetDependencies", 0, 0, 13000, A(ad_node_deps12) },
	{ "cudaGraphNodeGetDependencies_v2", 12030, 12090, 0, A(ad_node_deps_v2) },
	{ "cudaGraphNodeGetDependentNodes", 0, 0, 13000, A(ad_node_dependents12) },
	{ "cudaGraphNodeGetDependentNodes_v2", 12030, 12090, 0, A(ad_node_dependents_v2) },
	{ "cudaStreamUpdateCaptureDependencies", 0, 0, 13000, A(ad_update_capdeps12) },
	{ "cudaStreamUpdateCaptureDependencies_ptsz", 0, 0, 13000, A(ad_update_capdeps12_ptsz) },
	{ "cudaStreamUpdateCaptureDependencies_v2", 12030, 12090, 0, A(ad_update_capdeps_v2) },
	{ "cudaStreamUpdateCaptureDependencies_v2_ptsz", 12030, 12090, 0,
	  A(ad_update_capdeps_v2_ptsz) },
	{ "cudaGraphExecUpdate", 0, 0, 12000, A(ad_exec_update11) },
	{ "cudaGraphKernelNodeCopyAttributes", 0, 0, 13000, A(ad_copy_attrs12) },
	/* V11 */
	{ "cudaGetDriverEntryPoint", 0, 0, 13000, A(ad_entry12) },
	{ "cudaGetDriverEntryPoint_ptsz", 0, 0, 13000, A(ad_entry12_ptsz) },
	{ "cudaGetDriverEntryPointByVersion", 12050, 0, 13000, A(ad_entry_by_version) },
	{ "cudaGetDriverEntryPointByVersion_ptsz", 12050, 0, 13000, A(ad_entry_by_version_ptsz) },
	/* V12, V13 */
	{ "cudaMemPrefetchAsync", 0, 0, 13000, A(ad_prefetch12) },
	{ "cudaMemPrefetchAsync_ptsz", 0, 0, 13000, A(ad_prefetch12_ptsz) },
	{ "cudaMemPrefetchAsync_v2", 12020, 12090, 0, A(ad_prefetch_v2) },
	{ "cudaMemPrefetchAsync_v2_ptsz", 12020, 12090, 0, A(ad_prefetch_v2_ptsz) },
	{ "cudaMemAdvise", 0, 0, 13000, A(ad_advise12) },
	{ "cudaMemAdvise_v2", 12020, 12090, 0, A(ad_advise_v2) },
	/* V14: before 13.0 the struct's layout differs (728 bytes in 11.8, 1032 in 12.x's
	 * _v2; 13.0 writes 1008): not translated, so hidden there rather than handed a buffer
	 * of the wrong shape */
	{ "cudaGetDeviceProperties", 13000, 0, 0, NULL },
	{ "cudaGetDeviceProperties_v2", 13000, 0, 0, NULL },
	/* V16, V17 */
	{ "cudaStreamGetDevice", 12080, 0, 0, NULL },
	{ "cudaStreamGetDevice_ptsz", 12080, 0, 0, NULL },
	{ "cudaStreamGetId", 12000, 0, 0, NULL },
	{ "cudaStreamGetId_ptsz", 12000, 0, 0, NULL },
	{ "cudaInitDevice", 12000, 0, 0, NULL },
	/* V18 */
	{ "cudaDeviceGetP2PAtomicCapabilities", 13000, 0, 0, NULL },
	{ "cudaDeviceGetHostAtomicCapabilities", 13000, 0, 0, NULL },
	/* V19 */
	{ "cudaPointerGetAttributes", 0, 0, 13000, A(ad_pointer_attrs24) },
	/* V22 */
	{ "cudaEventElapsedTime_v2", 12080, 12090, 0, A(ad_elapsed_v2) },
	/* §3: removed in 13.0 */
	{ "cudaThreadSynchronize", 0, 12090, 0, A(ad_thread_sync) },
	{ "cudaThreadExit", 0, 12090, 0, A(ad_thread_exit) },
	{ "cudaThreadSetLimit", 0, 12090, 0, A(ad_thread_set_limit) },
	{ "cudaThreadGetLimit", 0, 12090, 0, A(ad_thread_get_limit) },
	{ "cudaThreadSetCacheConfig", 0, 12090, 0, A(ad_thread_set_cache) },
	{ "cudaThreadGetCacheConfig", 0, 12090, 0, A(ad_thread_get_cache) },
	{ "cudaSetDoubleForDevice", 0, 12090, 0, A(ad_set_double) },
	{ "cudaSetDoubleForHost", 0, 12090, 0, A(ad_set_double) },
	{ "cudaLaunchCooperativeKernelMultiDevice", 0, 12090, 0, A(ad_coop_multi) },
	/* §3: added in 13.0 */
	{ "cudaMemPrefetchBatchAsync", 13000, 0, 0, NULL },
	{ "cudaMemPrefetchBatchAsync_ptsz", 13000, 0, 0, NULL },
	{ "cudaMemDiscardBatchAsync", 13000, 0, 0, NULL },
	{ "cudaMemDiscardBatchAsync_ptsz", 13000, 0, 0, NULL },
	{ "cudaMemDiscardAndPrefetchBatchAsync", 13000, 0, 0, NULL },
	{ "cudaMemDiscardAndPrefetchBatchAsync_ptsz", 13000, 0, 0, NULL },
	{ "cudaMemGetDefaultMemPool", 13000, 0, 0, NULL },
	{ "cudaMemGetMemPool", 13000, 0, 0, NULL },
	{ "cudaMemSetMemPool", 13000, 0, 0, NULL },
	{ "cudaLogsRegisterCallback", 13000, 0, 0, NULL },
	{ "cudaLogsUnregisterCallback", 13000, 0, 0, NULL },
	{ "cudaLogsCurrent", 13000, 0, 0, NULL },
	{ "cudaLogsDumpToFile", 13000, 0, 0, NULL },
	{ "cudaLogsDumpToMemory", 13000, 0, 0, NULL },
};

/* 11.x's cudaGetDriverEntryPoint has no query result */
static void *entry_for(int v, bool ptsz)
{
	if (v < 12000)
		return ptsz ? A(ad_entry11_ptsz) : A(ad_entry11);
	return ptsz ? A(ad_entry12_ptsz) : A(ad_entry12);
}

bool inj_hidden(const char *name)
{
	size_t n = strlen(name);

	if (n > 5 && (strcmp(name + n - 5, "_ptsz") == 0 || strcmp(name + n - 5, "_ptds") == 0))
		n -= 5;
	for (unsigned i = 0; i < inj.nhide; i++)
		if (strlen(inj.hide[i]) == n && strncmp(inj.hide[i], name, n) == 0)
			return true;
	return false;
}

/* --- FERRY_HIDE: driver symbols hidden from the runtime's entry points ---------------------- */

/* The entry-point function the program would have found without FERRY_HIDE's driver names
 * (the emulated version's adapter, or the runtime's own), per name: plain, plain _ptsz,
 * ByVersion, ByVersion _ptsz. */
static _Atomic(void *) entry_inner[4];

typedef cudaError_t (*entry3_fn)(const char *, void **, unsigned long long);
typedef cudaError_t (*entry4_fn)(const char *, void **, unsigned long long,
				 enum cudaDriverEntryPointQueryResult *);

/* a hidden driver symbol: not found, as a runtime answers for a symbol its driver lacks */
static bool entry_hidden(const char *sym, void **fn, enum cudaDriverEntryPointQueryResult *q)
{
	if (!sym || !fn || !inj_hidden(sym))
		return false;
	*fn = NULL;
	if (q)
		*q = cudaDriverEntryPointSymbolNotFound;
	return true;
}

/* What the inner lookup found, translated for virtual devices (driver.c). */
static cudaError_t found(cudaError_t e, const char *sym, void **fn)
{
	if (e == cudaSuccess && fn)
		*fn = inj_driver_translated(sym, *fn);
	return e;
}

static cudaError_t hide_entry3(const char *sym, void **fn, unsigned long long flags)
{
	if (entry_hidden(sym, fn, NULL))
		return cudaSuccess;
	return found(((entry3_fn)atomic_load(&entry_inner[0]))(sym, fn, flags), sym, fn);
}

static cudaError_t hide_entry3_ptsz(const char *sym, void **fn, unsigned long long flags)
{
	if (entry_hidden(sym, fn, NULL))
		return cudaSuccess;
	return found(((entry3_fn)atomic_load(&entry_inner[1]))(sym, fn, flags), sym, fn);
}

static cudaError_t hide_entry4(const char *sym, void **fn, unsigned long long flags,
			       enum cudaDriverEntryPointQueryResult *q)
{
	if (entry_hidden(sym, fn, q))
		return cudaSuccess;
	return found(((entry4_fn)atomic_load(&entry_inner[0]))(sym, fn, flags, q), sym, fn);
}

static cudaError_t hide_entry4_ptsz(const char *sym, void **fn, unsigned long long flags,
				    enum cudaDriverEntryPointQueryResult *q)
{
	if (entry_hidden(sym, fn, q))
		return cudaSuccess;
	return found(((entry4_fn)atomic_load(&entry_inner[1]))(sym, fn, flags, q), sym, fn);
}

static cudaError_t hide_entry_ver(const char *sym, void **fn, unsigned int version,
				  unsigned long long flags, enum cudaDriverEntryPointQueryResult *q)
{
	if (entry_hidden(sym, fn, q))
		return cudaSuccess;
	return found(((entry_ver_fn)atomic_load(&entry_inner[2]))(sym, fn, version, flags, q),
		     sym, fn);
}

static cudaError_t hide_entry_ver_ptsz(const char *sym, void **fn, unsigned int version,
				       unsigned long long flags,
				       enum cudaDriverEntryPointQueryResult *q)
{
	if (entry_hidden(sym, fn, q))
		return cudaSuccess;
	return found(((entry_ver_fn)atomic_load(&entry_inner[3]))(sym, fn, version, flags, q),
		     sym, fn);
}

/* name's answer with FERRY_HIDE's driver names filtered out of it: inner is what the lookup
 * found otherwise (NULL: the version lacks the function) */
static void *hide_entry_answer(const char *name, void *inner)
{
	bool by_version = name[23] == 'B', ptsz = strstr(name, "_ptsz") != NULL;
	int slot = (by_version ? 2 : 0) + (ptsz ? 1 : 0);

	if (!inner)
		return NULL;
	atomic_store(&entry_inner[slot], inner);
	if (by_version)
		return ptsz ? A(hide_entry_ver_ptsz) : A(hide_entry_ver);
	if (inj.cuda_version && inj.cuda_version < 12000)
		return ptsz ? A(hide_entry3_ptsz) : A(hide_entry3);
	return ptsz ? A(hide_entry4_ptsz) : A(hide_entry4);
}

static bool version_lookup(const char *name, void **out);

bool inj_version_lookup(const char *name, void **out)
{
	if (inj.nhide && inj_hidden(name)) {
		*out = NULL;
		return true;
	}
	/* the entry points' answers filtered: FERRY_HIDE's driver names not found, and the
	 * context calls translated for virtual devices */
	if ((inj.hide_driver || inj_vd.active) && strncmp(name, "cudaGetDriverEntryPoint", 23) == 0) {
		void *inner;

		if (!version_lookup(name, &inner))
			inner = inj_real_named(name);
		*out = hide_entry_answer(name, inner);
		return true;
	}
	return version_lookup(name, out);
}

/* FERRY_CUDA_VERSION's answer for name: true when it is the emulation's to give (*out) */
static bool version_lookup(const char *name, void **out)
{
	int v = inj.cuda_version;

	if (!v || strncmp(name, "cuda", 4) != 0)
		return false;
	for (size_t i = 0; i < sizeof(vsyms) / sizeof(vsyms[0]); i++) {
		const struct vsym *s = &vsyms[i];

		if (strcmp(name, s->name) != 0)
			continue;
		if ((s->first && v < s->first) || (s->last && v > s->last)) {
			*out = NULL;	/* the emulated version lacks it */
			return true;
		}
		if (strncmp(name, "cudaMemcpyBatchAsync", 20) == 0 && v >= 13000 &&
		    driver_lacks_batch()) {
			*out = A(ad_batch13_old_driver);
			return true;
		}
		if (strncmp(name, "cudaGetDriverEntryPoint", 23) == 0 && name[23] != 'B' &&
		    v < 13000) {
			*out = entry_for(v, strstr(name, "_ptsz") != NULL);
			return true;
		}
		if (s->old && (s->old_below ? v < s->old_below : true)) {
			*out = s->old;
			return true;
		}
		return false;	/* the real symbol: the same in this version */
	}
	return false;
}

char inj_version_pass;

void *inj_version_answer(const char *name)
{
	void *out;

	return inj_version_lookup(name, &out) ? out : INJ_VERSION_PASS;
}

/* --- values a version does not know (CUDA_VARIANTS.md V15, V18: T33, T36) -------------------- */

/* cudaDeviceAttr enumerants and the version that added them (V15) */
static const struct {
	int attr, since;
} attr_since[] = {
	{ 114, 11050 }, { 120, 11080 }, { 121, 11060 }, { 125, 12000 }, { 126, 12000 },
	{ 130, 12020 }, { 131, 12020 }, { 133, 12030 }, { 134, 12020 }, { 135, 12050 },
	{ 138, 12090 }, { 139, 12080 }, { 140, 12080 }, { 142, 12090 }, { 143, 12080 },
	{ 144, 13000 }, { 147, 13000 },
};

bool inj_version_refuses_device_attr(int attr)
{
	int v = inj.cuda_version;

	for (size_t i = 0; v && i < sizeof(attr_since) / sizeof(attr_since[0]); i++)
		if (attr_since[i].attr == attr)
			return v < attr_since[i].since;
	return false;
}

/* cudaDevP2PAttrOnlyPartialNativeAtomicSupported (5) is 13.0's */
bool inj_version_refuses_p2p_attr(int attr)
{
	return inj.cuda_version && inj.cuda_version < 13000 && attr == 5;
}
