/*
 * internal.h: what the parts of libferry's copy core share (prefix ferry__). Not installed.
 *
 *   classify.c  the one classifier of CUDA errors: next rung, return, or context lost;
 *   view.c      views: checks, the common shape of a copy, iteration over its blocks;
 *   peer.c      the per-pair state: capability, enabling access once, the self-test;
 *   stage.c     the pinned staging rings and the staged rungs (pinned, pageable);
 *   copy.c      the ladder, the public copy calls, reports and counters;
 *   ctx.c       contexts, configuration, names of statuses and paths.
 */
#ifndef FERRY_INTERNAL_H
#define FERRY_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "ferry.h"

#define FERRY__HIDDEN __attribute__((visibility("hidden")))

/* --- classify.c ------------------------------------------------------------------------------ */

/* The step of the ladder where an error was seen: what it means depends on it. */
enum ferry__step {
	FERRY__STEP_QUERY,	  /* a capability query (can-access-peer, pointer attributes) */
	FERRY__STEP_ENABLE,	  /* enabling peer access */
	FERRY__STEP_SELF_TEST,	  /* the peer self-test's own calls */
	FERRY__STEP_PEER,	  /* a peer copy, at issue or at its synchronize */
	FERRY__STEP_SAME,	  /* a device-to-device copy on one device */
	FERRY__STEP_PINNED_ALLOC, /* allocating a pinned ring */
	FERRY__STEP_PINNED,	  /* the pinned pipeline: its streams, events, copies, syncs */
	FERRY__STEP_LAST,	  /* a rung with nothing after it (pageable, host, capture) */
	FERRY__STEP_CALLER	  /* the caller's stream (its earlier work) */
};

enum ferry__verdict {
	FERRY__NEXT,	/* this rung cannot work here: clear the error, try the next rung */
	FERRY__FAIL,	/* return the error to the caller */
	FERRY__STICKY	/* the context is lost: return it, never retry */
};

FERRY__HIDDEN enum ferry__verdict ferry__classify(cudaError_t e, enum ferry__step step);

/* --- view.c ---------------------------------------------------------------------------------- */

/* The common shape of a copy: both sides have these extents; strides per side. Dimensions
 * that are contiguous on both sides are merged, so a contiguous copy has ndim 1. */
struct ferry__shape {
	unsigned ndim;
	size_t extent[FERRY_MAX_DIMS];	/* extent[0]: bytes per row */
	size_t sstride[FERRY_MAX_DIMS];
	size_t dstride[FERRY_MAX_DIMS];
	size_t total;			/* bytes */
};

/* Checks one view; on error writes a message naming it (what: "dst" or "src") into msg. */
FERRY__HIDDEN bool ferry__view_check(const ferry_view *v, const char *what, char *msg,
				     size_t len);
/* The span of a view in bytes, from ptr to one past its last byte. */
FERRY__HIDDEN size_t ferry__view_span(const ferry_view *v);
/* The common shape of two checked views, or false with a message. */
FERRY__HIDDEN bool ferry__shape_make(const ferry_view *dst, const ferry_view *src,
				     struct ferry__shape *sh, char *msg, size_t len);
/* Blocks of k inner dimensions (k = 1..3, at most ndim): how many, and the byte offsets of
 * block number i on each side. */
FERRY__HIDDEN size_t ferry__blocks(const struct ferry__shape *sh, unsigned k);
FERRY__HIDDEN void ferry__block_offset(const struct ferry__shape *sh, unsigned k, size_t i,
				       size_t *soff, size_t *doff);

/* --- ctx.c ----------------------------------------------------------------------------------- */

struct ferry__pair {
	_Atomic int state;		/* ferry_pair_state */
	ferry_fallback reason;		/* when FERRY_PAIR_STAGED; written before state */
};

/* A staging ring: pinned slots, and per device two streams and an event per slot. */
struct ferry__ring_dev {
	bool ready;
	cudaStream_t out, in;		/* device to host, host to device */
	cudaEvent_t *ev_out, *ev_in;	/* per slot: filled, drained */
};

struct ferry__ring {
	struct ferry__ring *next;	/* in the free list */
	unsigned char *mem;		/* slots * chunk pinned bytes */
	size_t chunk;
	unsigned slots;
	struct ferry__ring_dev *dev;	/* [ndev] */
};

struct ferry_ctx {
	/* read-only after init */
	ferry_config cfg;
	int ndev;
	unsigned max_rings;

	/* pairs: [src * ndev + dst]; set-up under pair_lock */
	pthread_mutex_t pair_lock;
	struct ferry__pair *pairs;

	/* rings, under ring_lock */
	pthread_mutex_t ring_lock;
	pthread_cond_t ring_cond;
	struct ferry__ring *free_rings;
	struct ferry__ring **all_rings;
	unsigned nrings;		/* made or being made */
	bool pinned_refused;
	ferry_fallback pinned_reason;
};

/* Per-process counters (ferry_counters), as atomics. */
struct ferry__counters {
	_Atomic uint64_t copies[FERRY_PATH_COUNT];
	_Atomic uint64_t bytes[FERRY_PATH_COUNT];
	_Atomic uint64_t fallbacks[FERRY_PATH_COUNT];
	_Atomic uint64_t failures, self_tests, self_test_failures, self_test_ns, demoted_pairs;
};
extern FERRY__HIDDEN struct ferry__counters ferry__counters;

/* Named paths (named_paths.def): FERRY__TOOK(ID) records that ID was taken. */
enum ferry__named {
#define FERRY_NAMED(id, name, meaning) FERRY__NP_##id,
#include "named_paths.def"
#undef FERRY_NAMED
	FERRY__NP_COUNT
};
extern FERRY__HIDDEN _Atomic uint64_t ferry__named_taken[FERRY__NP_COUNT];
#define FERRY__TOOK(id) \
	atomic_fetch_add_explicit(&ferry__named_taken[FERRY__NP_##id], 1, memory_order_relaxed)
/* The rung's named path, taken (FERRY_PATH_NONE: nothing). */
FERRY__HIDDEN void ferry__took_rung(ferry_path p);
/* The shim's variants as named paths (shim.c): up to max into out; how many there are. */
FERRY__HIDDEN size_t ferry__shim_named(ferry_named_path *out, size_t max);
FERRY__HIDDEN void ferry__shim_named_reset(void);

/* --- copy.c: one copy in flight ------------------------------------------------------------- */

struct ferry__op {
	ferry_ctx *ctx;
	struct ferry__shape sh;
	char *dst;
	const char *src;
	int dst_dev, src_dev;
	cudaStream_t stream;
	ferry_report *rep;
	enum cudaMemoryType src_type, dst_type;	/* what the pointers are */
	bool capturing;			/* the stream is being captured */
};

/* Records a failed CUDA call of the op at step: its verdict is returned (and kept in
 * op->verdict); a NEXT or FAIL error is cleared from the last-error slot, and the report's
 * error fields and message are set. */
FERRY__HIDDEN enum ferry__verdict ferry__fail(struct ferry__op *op, enum ferry__step step,
					      cudaError_t e, const char *call, ferry_path rung);
/* How a rung was passed over: tried and abandoned by this copy, skipped without trying
 * (a policy, a capability that answered no), or skipped for a reason an earlier copy found. */
enum ferry__fb { FERRY__FB_TRIED, FERRY__FB_SKIPPED, FERRY__FB_REMEMBERED };
/* Appends a fallback entry to the report and counts it. */
FERRY__HIDDEN void ferry__fallback(struct ferry__op *op, ferry_path path, cudaError_t e,
				   const char *call, enum ferry__fb how);
/* Makes dev the current device, saving the caller's into *saved for restore_device. */
FERRY__HIDDEN cudaError_t ferry__on_device(int dev, int *saved);
FERRY__HIDDEN void ferry__restore_device(int saved);
/* Nanoseconds of CLOCK_MONOTONIC. */
FERRY__HIDDEN uint64_t ferry__now_ns(void);

/* The checks and steps every copy call shares (copy.c). */
FERRY__HIDDEN ferry_status ferry__verdict_status(enum ferry__verdict v);
/* FERRY_E_INVALID with what as the report's message. */
FERRY__HIDDEN ferry_status ferry__invalid(ferry_report *rep, const char *what);
/* st, an error a public call returns, counted once in ferry_counters' failures. */
FERRY__HIDDEN ferry_status ferry__failed(ferry_status st);
FERRY__HIDDEN void ferry__report_init(ferry_report *r);
/* dev is a device of the context, or FERRY_HOST. */
FERRY__HIDDEN bool ferry__dev_ok(const ferry_ctx *ctx, int dev);
/* FERRY_OK, or the status for an error an earlier call left in the last-error slot. */
FERRY__HIDDEN ferry_status ferry__pending(ferry_report *rep);
/* The first byte at ptr is memory of dev (what: "dst" or "src", for the message); *type. */
FERRY__HIDDEN ferry_status ferry__check_side(struct ferry__op *op, const void *ptr, int dev,
					     const char *what, enum cudaMemoryType *type);
/* Waits for a stream after a failure: true when a sticky error surfaced. */
FERRY__HIDDEN bool ferry__drain_sticky(cudaStream_t s);
FERRY__HIDDEN void ferry__op_init(struct ferry__op *op, ferry_ctx *ctx, void *dst, int dst_dev,
				  const void *src, int src_dev, cudaStream_t stream,
				  ferry_report *rep);
/* A copy whose op is set: the runtime checks, then the ladder; dspan, sspan: the bytes each
 * side spans. */
FERRY__HIDDEN ferry_status ferry__execute(ferry_ctx *ctx, struct ferry__op *op, size_t dspan,
					  size_t sspan);

/* --- peer.c ---------------------------------------------------------------------------------- */

/* Decides whether the op's pair may use the peer path now, setting it up (enable, self-test)
 * at its first use. FERRY_OK with *use set, or an error status (the op's report says why). */
FERRY__HIDDEN ferry_status ferry__pair_prepare(struct ferry__op *op, bool *use);
/* Demotes the op's pair to staging, for reason. */
FERRY__HIDDEN void ferry__pair_demote(ferry_ctx *ctx, int src, int dst, cudaError_t e,
				      const char *call);

/* --- stage.c --------------------------------------------------------------------------------- */

/* The staged rungs: FERRY_OK when delivered; FERRY_E_NO_PATH when the rung cannot work here
 * (the report has the fallback); another status to return. */
FERRY__HIDDEN ferry_status ferry__stage_pinned(struct ferry__op *op);
FERRY__HIDDEN ferry_status ferry__stage_pageable(struct ferry__op *op);
FERRY__HIDDEN void ferry__rings_fini(ferry_ctx *ctx);

#endif
