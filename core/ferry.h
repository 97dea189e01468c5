/*
 * ferry.h: the copy core of ferry (libferry), its one public header.
 *
 * ferry moves bytes between CUDA devices (and host memory) and never reports success with
 * wrong bytes. Each copy climbs down a ladder of paths until one delivers:
 *
 *   1. same device:     a device-to-device copy;
 *   2. peer:            when the destination device can access the source (checked once per
 *                       ordered pair), access enabled once, optionally proven by a self-test
 *                       with patterned data, then cudaMemcpyPeerAsync / cudaMemcpy3DPeerAsync;
 *   3. staged, pinned:  a ring of pinned host slots, device to host on a stream of the source
 *                       device and host to device on a stream of the destination, overlapped;
 *   4. staged, pageable: the same through ordinary host memory, when pinned memory is refused;
 *   5. a clear error.
 *
 * An error that means "this path does not work here" (peer access unsupported, too many
 * peers, a mapping failure, pinned memory refused; also when it surfaces only at the
 * synchronize) demotes the path and the copy is redone on the next rung; an error that means
 * "the context is lost" is returned at once. A copy between a device and the host is one
 * direct copy (FERRY_PATH_HOST). Inside a stream capture, a copy between two devices is one
 * cudaMemcpyAsync with cudaMemcpyDefault (capture-safe; cudaMemcpyPeerAsync is not): over
 * peer access when ferry enabled it for the pair (FERRY_PATH_PEER), through the driver's own
 * staging otherwise (FERRY_PATH_DRIVER_STAGED).
 *
 * Ordering: a copy is ordered after the work already queued on the caller's stream and before
 * the work queued on it after the call returns, as a cudaMemcpyAsync would be. ferry_copy
 * returns when the bytes have arrived (it synchronizes on its own work: that is how an
 * asynchronous copy failure is caught and the copy redone), except while the stream is being
 * captured into a CUDA graph: then it only records capture-safe copies into the capture and
 * returns (FERRY_PATH_* of the recorded path; nothing runs until the graph is launched).
 *
 * The last-error slot: after any ferry call, cudaGetLastError() answers cudaSuccess, except
 * after a sticky error (a lost context cannot be cleared) and except when the slot already
 * held an error when ferry was called: ferry then leaves it to its owner, copies nothing and
 * returns FERRY_E_PENDING. ferry never changes the calling thread's current device.
 *
 * Threads: a context may be shared by any number of threads copying between any pairs.
 */
#ifndef FERRY_H
#define FERRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FERRY_EXTERN __attribute__((visibility("default")))
#else
#define FERRY_EXTERN
#endif

/* The device ordinal of host memory (the same value as cudaCpuDeviceId). */
#define FERRY_HOST (-1)

/* --- statuses ------------------------------------------------------------------------------- */

/* XX(name, message): every status ferry returns. Grow at the end; never renumber. */
#define FERRY_STATUS_MAP(XX)                                                                   \
	XX(OK, "success")                                                                      \
	XX(E_INVALID, "invalid argument")                                                      \
	XX(E_PENDING, "an earlier CUDA error is pending in the last-error slot")              \
	XX(E_CUDA, "a CUDA call failed")                                                       \
	XX(E_STICKY, "the CUDA context is lost (a sticky error)")                              \
	XX(E_NOMEM, "out of memory")                                                           \
	XX(E_NO_PATH, "every path of the ladder was refused")                                  \
	XX(E_CAPTURE, "no capture-safe path for this copy")

typedef enum ferry_status {
#define FERRY_XX(name, msg) FERRY_##name,
	FERRY_STATUS_MAP(FERRY_XX)
#undef FERRY_XX
	FERRY_STATUS_COUNT
} ferry_status;

/* "FERRY_E_INVALID" ...; "FERRY_E_UNKNOWN" for a value that is none of them. */
FERRY_EXTERN const char *ferry_status_name(ferry_status s);
/* A one-line description of the status. */
FERRY_EXTERN const char *ferry_strerror(ferry_status s);

/* --- paths ------------------------------------------------------------------------------------ */

/* XX(name, text): the rungs of the ladder. Grow at the end; never renumber or rename. */
#define FERRY_PATH_MAP(XX)                                                                     \
	XX(NONE, "none")                                                                       \
	XX(SAME_DEVICE, "same-device")                                                         \
	XX(PEER, "peer")                                                                       \
	XX(STAGED_PINNED, "staged-pinned")                                                     \
	XX(STAGED_PAGEABLE, "staged-pageable")                                                 \
	XX(HOST, "host")                                                                       \
	XX(DRIVER_STAGED, "driver-staged")

typedef enum ferry_path {
#define FERRY_XX(name, text) FERRY_PATH_##name,
	FERRY_PATH_MAP(FERRY_XX)
#undef FERRY_XX
	FERRY_PATH_COUNT
} ferry_path;

/* "peer", "staged-pinned" ...; "unknown" for a value that is none of them. */
FERRY_EXTERN const char *ferry_path_name(ferry_path p);

/* --- the CUDA-version shim -------------------------------------------------------------------- */

/* The variant of one capability that differs between CUDA runtimes, as the shim chose it. */
typedef struct ferry_shim_choice {
	const char *capability;	/* "batch", "stream-device", "capture-info", "instantiate",
				 * "driver-entry", "pointer-attrs", "device-attrs", "p2p-attrs",
				 * "address-range" */
	const char *variant;	/* a short stable name: "v12080", "absent", "struct-24" ... */
	const char *why;	/* what decided it, in words */
} ferry_shim_choice;

/* Chooses every capability's variant not chosen yet (from the runtime's versions and what
 * dlsym finds) and writes up to max of them into out; returns how many capabilities there
 * are. runtime and driver (may be NULL) receive the versions the runtime reports. Static
 * strings: valid for the life of the process. */
FERRY_EXTERN size_t ferry_shim_describe(ferry_shim_choice *out, size_t max, int *runtime,
					int *driver);

/* Portable queries, through the shim's variants: what a multi-GPU program asks the runtime
 * in a way that works from CUDA 11.8 to 13.0. Each returns the runtime's error, or
 * cudaErrorInvalidValue for a NULL out-argument, and leaves nothing in the last-error slot
 * that it did not return. */

/* The device stream belongs to: cudaStreamGetDevice (12.8+), else the driver's context of the
 * stream, else an event of each device recorded on it (capability stream-device). 0,
 * cudaStreamLegacy and cudaStreamPerThread: the calling thread's current device. */
FERRY_EXTERN cudaError_t ferry_stream_device(cudaStream_t stream, int *device);
/* Whether stream is capturing, and the capture's id (0 when it is not, and where the runtime
 * exports no cudaStreamGetCaptureInfo: then cudaStreamIsCapturing answers); id may be NULL
 * (capability capture-info). */
FERRY_EXTERN cudaError_t ferry_stream_capture(cudaStream_t stream,
					      enum cudaStreamCaptureStatus *status,
					      unsigned long long *id);
/* A device attribute, never through cudaDeviceProp (whose layout changed and lost fields in
 * 13.0); cudaErrorNotSupported where the runtime lacks the query (capability device-attrs). */
FERRY_EXTERN cudaError_t ferry_device_attribute(int device, enum cudaDeviceAttr attr, int *value);
/* A peer attribute of src -> dst; cudaErrorNotSupported for one this runtime's version does
 * not know (5 before 13.0), or where it lacks the query (capability p2p-attrs). */
FERRY_EXTERN cudaError_t ferry_p2p_attribute(int src, int dst, enum cudaDeviceP2PAttr attr,
					     int *value);

/* --- configuration and context --------------------------------------------------------------- */

/* Policies (ferry_config.flags). */
#define FERRY_NEVER_PEER 0x1u	 /* never use the peer path */
#define FERRY_ALWAYS_STAGE 0x2u	 /* stage every device-to-device copy, even on one device */
#define FERRY_NO_SELF_TEST 0x4u	 /* trust a pair that reports peer access without testing it */
#define FERRY_NO_PINNED 0x8u	 /* never allocate pinned memory: stage through pageable */
#define FERRY_NO_BATCH 0x10u	 /* ferry_copy_batch: never the runtime's batched copy */

#define FERRY_DEFAULT_CHUNK_BYTES ((size_t)4 << 20)

typedef struct ferry_config {
	size_t chunk_bytes;	/* staging slot size; default FERRY_DEFAULT_CHUNK_BYTES, 4 MiB */
	unsigned slots;		/* slots per staging ring (2..64); default 4 */
	size_t pinned_budget;	/* pinned bytes the context may hold in all (a ring is
				 * chunk_bytes * slots; a copy waits for a free ring when the
				 * budget allows no more); default 4 rings */
	unsigned flags;		/* FERRY_NEVER_PEER | ... */
	unsigned self_test_timeout_ms;	/* a peer self-test that has not finished after so
					 * long of polling pauses demotes its pair (P2P writes
					 * that never land, field failure F03); default 10000 */
} ferry_config;

typedef struct ferry_ctx ferry_ctx;

/* Fills cfg with the defaults. */
FERRY_EXTERN void ferry_config_default(ferry_config *cfg);

/* FERRY_OK when cfg is usable; else FERRY_E_INVALID, with a message naming the field, its
 * value and the range allowed written into msg (when msg is not NULL). */
FERRY_EXTERN ferry_status ferry_config_check(const ferry_config *cfg, char *msg, size_t len);

/* Creates a context; cfg NULL means the defaults. Allocates no CUDA resources yet (they are
 * made at first use). FERRY_E_INVALID for a config out of range (ferry_config_check says
 * why), with no context made. */
FERRY_EXTERN ferry_status ferry_ctx_init(ferry_ctx **out, const ferry_config *cfg);

/* Releases every resource of the context (pinned rings, streams, events). No copy may be
 * running on it. NULL is allowed. */
FERRY_EXTERN void ferry_ctx_fini(ferry_ctx *ctx);

/* --- reports --------------------------------------------------------------------------------- */

#define FERRY_MAX_FALLBACKS 6

/* One rung given up by a copy. */
typedef struct ferry_fallback {
	ferry_path path;	/* the rung given up */
	cudaError_t error;	/* the CUDA error that made it give up; cudaSuccess when the
				 * reason is a policy or a self-test that found wrong bytes */
	const char *call;	/* what failed: a CUDA function name, "self-test", "policy",
				 * "budget" (static strings) */
	bool remembered;	/* decided by an earlier copy (the pair was demoted then) */
} ferry_fallback;

/* What one copy did. Fill-in only: the caller's values are overwritten. */
typedef struct ferry_report {
	ferry_path path;		/* the rung that delivered (PATH_NONE on failure) */
	unsigned retries;		/* rungs tried and abandoned by this copy */
	unsigned nfallbacks;		/* entries in fallbacks (rungs passed over or abandoned) */
	ferry_fallback fallbacks[FERRY_MAX_FALLBACKS];
	cudaError_t error;		/* on failure: the CUDA error returned, if any */
	const char *error_call;		/* ... and the call that returned it (or NULL) */
	size_t bytes;			/* bytes delivered */
	uint64_t self_test_ns;		/* time spent by a peer self-test in this copy, or 0 */
	bool captured;			/* recorded into a stream capture, not run */
	const char *via;		/* ferry_copy_batch: how its items went: "batch" (the
					 * runtime's batched copy, one call), "loop" (a copy call
					 * per item, one wait), "per-item" (each item its own
					 * ladder); plans: "graph" or "unplanned"; NULL for the
					 * other calls */
	char message[256];		/* on failure: what went wrong and where, in words */
} ferry_report;

/* --- copies ---------------------------------------------------------------------------------- */

/*
 * Copies nbytes from src (memory of device src_dev, or host memory with FERRY_HOST) to dst
 * (of dst_dev), ordered on stream (a stream of any device, or 0). report may be NULL.
 * Returns FERRY_OK only when every byte has arrived (or, in a capture, when the copy is
 * recorded). nbytes 0 is a successful no-op. A pointer that is not memory of the device
 * named for it is FERRY_E_INVALID, and nothing is copied. After FERRY_E_INVALID,
 * FERRY_E_PENDING and FERRY_E_CAPTURE nothing was written; after another error the
 * destination may hold part of the copy, as after any failed CUDA copy.
 */
FERRY_EXTERN ferry_status ferry_copy(ferry_ctx *ctx, void *dst, int dst_dev, const void *src,
				     int src_dev, size_t nbytes, cudaStream_t stream,
				     ferry_report *report);

#define FERRY_MAX_DIMS 8

/*
 * A strided view of memory: ndim dimensions, the innermost contiguous. extent[0] is the
 * width of a row in bytes; extent[i] (i >= 1) is the number of elements of dimension i, which
 * are stride[i] bytes apart (stride[0] is ignored). A row-pitched 2-D view is
 * {ndim 2, extent {width, height}, stride {0, pitch}}; a 3-D one adds {depth} and the slice
 * pitch. Strides may be any size at least as large as the span of the dimension below
 * (views far larger than their data are fine); a view that overlaps itself, and a dst whose
 * span (first to last byte) overlaps src's, are FERRY_E_INVALID.
 */
typedef struct ferry_view {
	void *ptr;
	int dev;		/* a device ordinal, or FERRY_HOST */
	unsigned ndim;		/* 1 .. FERRY_MAX_DIMS */
	size_t extent[FERRY_MAX_DIMS];
	size_t stride[FERRY_MAX_DIMS];
} ferry_view;

/* Helpers that fill a view. */
FERRY_EXTERN ferry_view ferry_view_1d(void *ptr, int dev, size_t bytes);
FERRY_EXTERN ferry_view ferry_view_2d(void *ptr, int dev, size_t width, size_t height,
				      size_t pitch);
FERRY_EXTERN ferry_view ferry_view_3d(void *ptr, int dev, size_t width, size_t height,
				      size_t depth, size_t pitch, size_t slice_pitch);

/*
 * Copies the elements of src to those of dst. The two views have the same shape, or one of
 * them is a contiguous 1-D view of as many bytes (a packing or unpacking copy). The bytes
 * between the rows of dst are never written. Same ladder, ordering and report as ferry_copy;
 * row-pitched 2-D and 3-D views go through the 2-D/3-D copies of CUDA without a packing pass.
 */
FERRY_EXTERN ferry_status ferry_copy_strided(ferry_ctx *ctx, const ferry_view *dst,
					     const ferry_view *src, cudaStream_t stream,
					     ferry_report *report);

/* One copy of a batch: bytes from src to dst. */
typedef struct ferry_batch_item {
	void *dst;
	const void *src;
	size_t bytes;
} ferry_batch_item;

/*
 * Copies n items (KV-cache pages, many small tensors) from src_dev's memory (or host memory,
 * FERRY_HOST) to dst_dev's, ordered on stream, all delivered when FERRY_OK is returned. The
 * same ladder as ferry_copy, taken once for the whole batch: where the peer path (or one
 * device) serves, through the runtime's batched copy when it has one (cudaMemcpyBatchAsync,
 * 12.8+, through the version shim) and the stream allows it, else one copy call per item
 * and one wait; never the batched copy on a capturing stream (it would be dropped from the
 * graph): there each item is recorded as ferry_copy records it. Where that fails, or the
 * pair stages, each item takes its own ladder. Every item's pointers are checked as
 * ferry_copy checks them; two items whose destinations overlap, or a destination that
 * overlaps a source, are FERRY_E_INVALID and nothing is copied. report->via says which way
 * the items went, report->path the rung furthest down the ladder that an item took;
 * report->bytes counts them all.
 */
FERRY_EXTERN ferry_status ferry_copy_batch(ferry_ctx *ctx, const ferry_batch_item *items,
					   size_t n, int dst_dev, int src_dev, cudaStream_t stream,
					   ferry_report *report);

/*
 * Copy plans: a copy that repeats with the same pointers and size (each step of a decode
 * loop) decided once and built once into a CUDA graph (the staged pipeline included, with
 * pinned slots of the plan's own), replayed by each launch with one graph launch and one
 * wait. ferry_plan_create takes the rung ferry_copy would take now (report->path; via
 * "graph", or "unplanned" where no graph serves, with why in report->message: each launch is
 * then a ferry_copy). ferry_plan_launch is ordered on stream and finished when it returns;
 * in a capture it records ferry_copy's copy; a launch that fails falls back to ferry_copy and
 * the plan drops its graph. The buffers must stay allocated while the plan lives.
 */
typedef struct ferry_plan ferry_plan;

FERRY_EXTERN ferry_status ferry_plan_create(ferry_ctx *ctx, ferry_plan **out, void *dst,
					    int dst_dev, const void *src, int src_dev,
					    size_t nbytes, ferry_report *report);
FERRY_EXTERN ferry_status ferry_plan_launch(ferry_plan *plan, cudaStream_t stream,
					    ferry_report *report);
/* Releases the plan's graph and slots. NULL is allowed. */
FERRY_EXTERN void ferry_plan_destroy(ferry_plan *plan);

/*
 * Allocates nbytes on dst_dev (cudaMalloc there, or malloc for FERRY_HOST) and copies src
 * into it. On success *out owns the new buffer (free it with ferry_free); on failure *out is
 * NULL and nothing stays allocated.
 */
FERRY_EXTERN ferry_status ferry_move(ferry_ctx *ctx, void **out, int dst_dev, const void *src,
				     int src_dev, size_t nbytes, cudaStream_t stream,
				     ferry_report *report);

/* Frees a buffer from ferry_move (cudaFree, or free for FERRY_HOST). NULL is allowed. */
FERRY_EXTERN ferry_status ferry_free(void *ptr, int dev);

/* --- per-process counters -------------------------------------------------------------------- */

typedef struct ferry_counters {
	uint64_t copies[FERRY_PATH_COUNT];	/* copies delivered by each path */
	uint64_t bytes[FERRY_PATH_COUNT];	/* bytes delivered by each path */
	uint64_t fallbacks[FERRY_PATH_COUNT];	/* times each path was tried and abandoned */
	uint64_t failures;			/* copies that returned an error */
	uint64_t self_tests;			/* peer self-tests run */
	uint64_t self_test_failures;		/* ... that found wrong bytes or failed */
	uint64_t self_test_ns;			/* their total time */
	uint64_t demoted_pairs;			/* ordered pairs demoted from peer to staging */
} ferry_counters;

/* A snapshot of the counters of this process (all contexts together). */
FERRY_EXTERN void ferry_counters_get(ferry_counters *out);
/* Sets them to zero. */
FERRY_EXTERN void ferry_counters_reset(void);

/* --- named paths ------------------------------------------------------------------------------ */

/* A named path: a rung that delivered, a way from one rung to the next, a recovery branch
 * (core/named_paths.def), or a variant the version shim chose ("shim.CAP.VARIANT"). Names
 * are stable. */
typedef struct ferry_named_path {
	const char *name;	/* "rung.peer", "pair.self-test-wrong-bytes", "shim.batch.v12080" */
	const char *meaning;	/* in words */
	uint64_t taken;		/* times this process took it (a shim variant: chosen) */
} ferry_named_path;

/* Every named path with how often this process took it: writes up to max of them into out
 * (may be NULL) and returns how many there are. Static strings. ferry_counters_reset() sets
 * the counts to zero too. */
FERRY_EXTERN size_t ferry_named_paths(ferry_named_path *out, size_t max);

/* The state of an ordered pair in a context, as the ladder sees it now. */
typedef enum ferry_pair_state {
	FERRY_PAIR_UNKNOWN,	/* no copy between them yet */
	FERRY_PAIR_PEER,	/* peer access enabled (and self-tested, unless disabled) */
	FERRY_PAIR_STAGED	/* served by staging: see ferry_pair_reason */
} ferry_pair_state;

/* The state of the pair src_dev -> dst_dev; with reason non-NULL, why it is staged. */
FERRY_EXTERN ferry_pair_state ferry_pair_get(ferry_ctx *ctx, int src_dev, int dst_dev,
					     ferry_fallback *reason);

#ifdef __cplusplus
}
#endif

#endif
