/*
 * shim.h: the CUDA-version shim, inside libferry. Each capability that differs between CUDA
 * runtimes 11.8, 12.x and 13.0 is one function here; the first call picks its variant, once
 * and for every thread, from cudaRuntimeGetVersion / cudaDriverGetVersion and from what dlsym
 * finds, and never from the headers ferry was built with (core/ has no #if CUDART_VERSION).
 * A variant "absent" (the runtime lacks it, or answers cudaErrorCallRequiresNewerDriver: a
 * newer runtime on an older driver) makes the function answer cudaErrorNotSupported, and
 * the caller takes its own way round. ferry_shim_describe() (ferry.h) reports every choice.
 *
 * Names: ferry__shim_ (internal to libferry).
 */
#ifndef FERRY_SHIM_H
#define FERRY_SHIM_H

#include <cuda_runtime_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The capabilities (variants.def), in the order ferry_shim_describe() reports them. */
enum ferry__shim_cap {
#define FERRY_SHIM_CAP(id, name, v0, v1, v2, v3) FERRY__SHIM_##id,
#include "variants.def"
#undef FERRY_SHIM_CAP
	FERRY__SHIM_NCAPS
};

/* The versions the runtime reports (1000 * major + 10 * minor), read once. */
int ferry__shim_runtime_version(void);
int ferry__shim_driver_version(void);

/* The variant of cap, chosen now if not yet: its short name ("v13000", "absent" ...) and
 * what decided it. */
const char *ferry__shim_variant(enum ferry__shim_cap cap, const char **why);

/*
 * Batched copies: count copies of sizes[i] bytes from srcs[i] to dsts[i] on stream, with
 * the runtime's batched call. attrs (numAttrs, indexed by attrsIdxs as the runtime wants).
 * *fail_idx: the copy that failed (12.8/12.9 say it; SIZE_MAX when the runtime does not
 * say or nothing failed). cudaErrorNotSupported when this runtime has no batched copy.
 */
cudaError_t ferry__shim_memcpy_batch(void *const *dsts, const void *const *srcs,
				     const size_t *sizes, size_t count,
				     struct cudaMemcpyAttributes *attrs, size_t *attrs_idxs,
				     size_t num_attrs, size_t *fail_idx, cudaStream_t stream);
/* The device of stream (0, cudaStreamLegacy and cudaStreamPerThread: the current one). */
cudaError_t ferry__shim_stream_device(cudaStream_t stream, int *device);
/* A stream's capture status, and the capture's id (0 when none; and where the runtime has no
 * capture info, when cudaStreamIsCapturing answers). */
cudaError_t ferry__shim_capture_info(cudaStream_t stream, enum cudaStreamCaptureStatus *status,
				     unsigned long long *id);
/* An executable graph of graph (no flags). */
cudaError_t ferry__shim_graph_instantiate(cudaGraphExec_t *exec, cudaGraph_t graph);
/* The driver's function sym (a cu* name) at 12.0's ABI (the one the shim calls it with;
 * cudaGetDriverEntryPointByVersion would otherwise give the runtime version's, and
 * cuStreamGetCtx took a third argument from 12.5). */
cudaError_t ferry__shim_driver_entry(const char *sym, void **fn);
/* What ptr points at: its memory type and device. The runtime is never handed a buffer
 * smaller than its version's struct (24 bytes before 13.0, 88 in 13.0). */
cudaError_t ferry__shim_pointer_attrs(const void *ptr, enum cudaMemoryType *type, int *device);
/* A device attribute (in place of cudaDeviceProp fields, some of which 13.0 removed). */
cudaError_t ferry__shim_device_attr(int device, enum cudaDeviceAttr attr, int *value);
/* A peer attribute; cudaErrorNotSupported for one this runtime's version does not know. */
cudaError_t ferry__shim_p2p_attr(int src, int dst, enum cudaDeviceP2PAttr attr, int *value);
/* The allocation around ptr, on any device: [*base, *base + *size). cudaErrorNotSupported
 * where no driver entry point serves it; cudaErrorInvalidValue for memory no allocation
 * holds. */
cudaError_t ferry__shim_address_range(const void *ptr, uintptr_t *base, size_t *size);

#endif
