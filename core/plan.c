/*
 * plan.c: copy plans. A copy that repeats with the same pointers and size (every step of a
 * decode loop) is decided once, built once into a CUDA graph of memcpy nodes, instantiated
 * through the version shim, and replayed with one launch and one wait.
 *
 * The graph is the rung ferry_copy would take for the copy at creation: one node for a copy
 * on one device or over the peer path (cudaMemcpyDefault: what a capture records too); for
 * pinned staging, the pipeline as nodes: a device-to-host node D(i) into slot i mod slots of
 * the plan's own pinned buffer and a host-to-device node H(i) out of it, H(i) after D(i), and
 * D(i + slots) after H(i) (the slot is free again). Where no graph serves (pageable staging,
 * host endpoints, a runtime without graphs, a build that failed) the plan is "unplanned" and
 * each launch is a ferry_copy. A launch that fails falls back to ferry_copy, and the plan
 * drops its graph (a failed peer launch demotes the pair, as a failed peer copy does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "shim.h"

struct ferry_plan {
	ferry_ctx *ctx;
	void *dst;
	const void *src;
	int dst_dev, src_dev;
	size_t bytes;
	ferry_path path;		/* the rung the graph is of; NONE: unplanned */
	cudaGraph_t graph;
	cudaGraphExec_t exec;
	unsigned char *pinned;		/* a staged plan's slots */
	char why[128];			/* unplanned: why */
};

/* The graph of the plan's path; cudaSuccess, or the failing call's error in *call. */
static cudaError_t build(struct ferry_plan *p, const char **call)
{
	cudaError_t e;

	*call = "cudaGraphCreate";
	e = cudaGraphCreate(&p->graph, 0);
	if (e != cudaSuccess)
		return e;
	if (p->path != FERRY_PATH_STAGED_PINNED) {
		cudaGraphNode_t n;

		*call = "cudaGraphAddMemcpyNode1D";
		return cudaGraphAddMemcpyNode1D(&n, p->graph, NULL, 0, p->dst, p->src, p->bytes,
						cudaMemcpyDefault);
	}
	{
		size_t chunk = p->ctx->cfg.chunk_bytes, slots = p->ctx->cfg.slots;
		size_t npieces = (p->bytes + chunk - 1) / chunk;
		cudaGraphNode_t *d = calloc(npieces, sizeof(*d)), *h = calloc(npieces, sizeof(*h));

		/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
		if (!d || !h) {
			free(d), free(h);
			return cudaErrorMemoryAllocation;
		}
		/* GCOVR_EXCL_STOP */
		*call = "cudaHostAlloc";
		e = cudaHostAlloc((void **)&p->pinned, chunk * (npieces < slots ? npieces : slots),
				  cudaHostAllocPortable);
		for (size_t i = 0; e == cudaSuccess && i < npieces; i++) {
			size_t off = i * chunk, n = p->bytes - off < chunk ? p->bytes - off : chunk;
			unsigned char *slot = p->pinned + (i % slots) * chunk;

			*call = "cudaGraphAddMemcpyNode1D";
			/* the slot is free once the piece before in it has gone out */
			e = cudaGraphAddMemcpyNode1D(&d[i], p->graph, i >= slots ? &h[i - slots] : NULL,
						     i >= slots ? 1 : 0, slot,
						     (const unsigned char *)p->src + off, n,
						     cudaMemcpyDefault);
			if (e == cudaSuccess)
				e = cudaGraphAddMemcpyNode1D(&h[i], p->graph, &d[i], 1,
							     (unsigned char *)p->dst + off, slot, n,
							     cudaMemcpyDefault);
		}
		free(d), free(h);
		return e;
	}
}

static void drop_graph(struct ferry_plan *p, const char *why)
{
	if (p->exec)
		cudaGraphExecDestroy(p->exec);
	if (p->graph)
		cudaGraphDestroy(p->graph);
	if (p->pinned)
		cudaFreeHost(p->pinned);
	cudaGetLastError();
	p->exec = NULL;
	p->graph = NULL;
	p->pinned = NULL;
	p->path = FERRY_PATH_NONE;
	snprintf(p->why, sizeof(p->why), "%s", why);
}

ferry_status ferry_plan_create(ferry_ctx *ctx, ferry_plan **out, void *dst, int dst_dev,
			       const void *src, int src_dev, size_t nbytes, ferry_report *report)
{
	ferry_report local;
	ferry_report *rep = report ? report : &local;
	struct ferry__op op;
	struct ferry_plan *p;
	ferry_status st;
	const char *call = "";
	cudaError_t e;
	uintptr_t end;
	bool use = false;

	ferry__report_init(rep);
	if (out)
		*out = NULL;
	if (!ctx || !out)
		return ferry__invalid(rep, !ctx ? "the context is NULL" : "out is NULL");
	if (!nbytes)
		return ferry__invalid(rep, "a plan of 0 bytes");
	if (!dst || !src)
		return ferry__invalid(rep, !dst ? "dst: the pointer is NULL" : "src: the pointer is NULL");
	if (__builtin_add_overflow((uintptr_t)dst, nbytes, &end) ||
	    __builtin_add_overflow((uintptr_t)src, nbytes, &end))
		return ferry__invalid(rep, "the copy's span overflows the address space");
	if (!ferry__dev_ok(ctx, dst_dev) || !ferry__dev_ok(ctx, src_dev))
		return ferry__invalid(rep, "a device is not a device of this process nor FERRY_HOST");
	if ((uintptr_t)dst < (uintptr_t)src + nbytes && (uintptr_t)src < (uintptr_t)dst + nbytes)
		return ferry__invalid(rep, "dst and src overlap");
	st = ferry__pending(rep);
	if (st != FERRY_OK)
		return ferry__failed(st);
	ferry__op_init(&op, ctx, dst, dst_dev, src, src_dev, 0, rep);
	op.sh.ndim = 1;
	op.sh.extent[0] = op.sh.total = nbytes;
	st = ferry__check_side(&op, dst, dst_dev, "dst", &op.dst_type);
	if (st == FERRY_OK)
		st = ferry__check_side(&op, src, src_dev, "src", &op.src_type);
	if (st != FERRY_OK)
		return ferry__failed(st);
	p = calloc(1, sizeof(*p));
	/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
	if (!p) {
		snprintf(rep->message, sizeof(rep->message), "out of host memory for a plan");
		return ferry__failed(FERRY_E_NOMEM);
	}
	/* GCOVR_EXCL_STOP */
	p->ctx = ctx;
	p->dst = dst;
	p->src = src;
	p->dst_dev = dst_dev;
	p->src_dev = src_dev;
	p->bytes = nbytes;
	/* the rung, decided as ferry_copy decides it */
	if (dst_dev == FERRY_HOST || src_dev == FERRY_HOST) {
		drop_graph(p, "a host endpoint: each launch is a ferry_copy");
	} else if (dst_dev == src_dev && !(ctx->cfg.flags & FERRY_ALWAYS_STAGE)) {
		p->path = FERRY_PATH_SAME_DEVICE;
	} else if (dst_dev != src_dev &&
		   !(ctx->cfg.flags & (FERRY_NEVER_PEER | FERRY_ALWAYS_STAGE))) {
		st = ferry__pair_prepare(&op, &use);
		if (st != FERRY_OK) {
			free(p);
			return ferry__failed(st);
		}
		p->path = use ? FERRY_PATH_PEER : FERRY_PATH_STAGED_PINNED;
	} else {
		p->path = FERRY_PATH_STAGED_PINNED;
	}
	if (p->path == FERRY_PATH_STAGED_PINNED && (ctx->cfg.flags & FERRY_NO_PINNED))
		drop_graph(p, "pinned memory is refused by policy: each launch is a ferry_copy");
	if (p->path != FERRY_PATH_NONE) {
		e = build(p, &call);
		if (e == cudaSuccess) {
			call = "cudaGraphInstantiate";
			e = ferry__shim_graph_instantiate(&p->exec, p->graph);
		}
		if (e != cudaSuccess) {
			char why[128];

			if (ferry__classify(e, FERRY__STEP_LAST) == FERRY__STICKY) {
				rep->error = e;
				rep->error_call = call;
				snprintf(rep->message, sizeof(rep->message), "%s: %s", call,
					 cudaGetErrorName(e));
				drop_graph(p, "");
				free(p);
				return ferry__failed(FERRY_E_STICKY);
			}
			snprintf(why, sizeof(why), "%s answered %s: each launch is a ferry_copy", call,
				 cudaGetErrorName(e));
			FERRY__TOOK(PLAN_BUILD_FAILED);
			drop_graph(p, why);
		}
	}
	rep->path = p->path;
	rep->via = p->exec ? "graph" : "unplanned";
	if (!p->exec)
		snprintf(rep->message, sizeof(rep->message), "%s", p->why);
	*out = p;
	return FERRY_OK;
}

ferry_status ferry_plan_launch(ferry_plan *p, cudaStream_t stream, ferry_report *report)
{
	ferry_report local;
	ferry_report *rep = report ? report : &local;
	enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
	struct ferry__op op;
	ferry_status st;
	const char *call;
	cudaError_t e;
	enum ferry__verdict v;

	ferry__report_init(rep);
	if (!p)
		return ferry__invalid(rep, "the plan is NULL");
	st = ferry__pending(rep);
	if (st != FERRY_OK)
		return ferry__failed(st);
	e = cudaStreamIsCapturing(stream, &cs);
	if (e != cudaSuccess)
		cudaGetLastError();
	/* a capture records ferry_copy's copy (a graph launched into a capture is refused) */
	if (!p->exec || e != cudaSuccess || cs != cudaStreamCaptureStatusNone) {
		if (cs != cudaStreamCaptureStatusNone)
			FERRY__TOOK(PLAN_CAPTURE);
		else
			FERRY__TOOK(PLAN_UNPLANNED);
		st = ferry_copy(p->ctx, p->dst, p->dst_dev, p->src, p->src_dev, p->bytes, stream, rep);
		rep->via = "unplanned";
		return st;
	}
	ferry__op_init(&op, p->ctx, p->dst, p->dst_dev, p->src, p->src_dev, stream, rep);
	op.sh.ndim = 1;
	op.sh.extent[0] = op.sh.total = p->bytes;
	call = "cudaGraphLaunch";
	e = cudaGraphLaunch(p->exec, stream);
	if (e == cudaSuccess) {
		call = "cudaStreamSynchronize";
		e = cudaStreamSynchronize(stream);
	} else if (ferry__drain_sticky(stream)) {
		e = cudaErrorIllegalAddress;	/* the context is lost: never retried */
	}
	if (e == cudaSuccess) {
		rep->path = p->path;
		rep->via = "graph";
		rep->bytes = p->bytes;
		atomic_fetch_add_explicit(&ferry__counters.copies[p->path], 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&ferry__counters.bytes[p->path], p->bytes,
					  memory_order_relaxed);
		ferry__took_rung(p->path);
		FERRY__TOOK(PLAN_GRAPH);
		return FERRY_OK;
	}
	v = ferry__fail(&op, p->path == FERRY_PATH_PEER ? FERRY__STEP_PEER :
			     p->path == FERRY_PATH_SAME_DEVICE ? FERRY__STEP_SAME : FERRY__STEP_PINNED,
			e, call, p->path);
	if (v == FERRY__STICKY)
		return ferry__failed(FERRY_E_STICKY);
	/* the graph is an optimization: whatever failed in it (short of a lost context), the
	 * copy is made as ferry_copy makes it now, which returns its own error where it cannot
	 * be; the graph is dropped */
	FERRY__TOOK(PLAN_LAUNCH_FAILED);
	ferry__fallback(&op, p->path, e, call, FERRY__FB_TRIED);
	if (p->path == FERRY_PATH_PEER)
		ferry__pair_demote(p->ctx, p->src_dev, p->dst_dev, e, call);
	drop_graph(p, "a launch failed: each launch is a ferry_copy");
	{
		ferry_report r;

		st = ferry_copy(p->ctx, p->dst, p->dst_dev, p->src, p->src_dev, p->bytes, stream, &r);
		/* the failed launch may have written part of the copy: a status that promises
		 * nothing was written would say otherwise */
		if (st == FERRY_E_INVALID || st == FERRY_E_PENDING || st == FERRY_E_CAPTURE)
			st = FERRY_E_CUDA;
		for (unsigned f = 0; f < r.nfallbacks && rep->nfallbacks < FERRY_MAX_FALLBACKS; f++)
			rep->fallbacks[rep->nfallbacks++] = r.fallbacks[f];
		rep->retries += r.retries;
		rep->path = r.path;
		rep->bytes = r.bytes;
		rep->error = r.error;
		rep->error_call = r.error_call;
		memcpy(rep->message, r.message, sizeof(rep->message));
	}
	rep->via = "unplanned";
	return st;
}

void ferry_plan_destroy(ferry_plan *p)
{
	if (!p)
		return;
	drop_graph(p, "");
	free(p);
}
