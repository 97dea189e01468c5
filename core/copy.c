/*
 * copy.c: the ladder and the public copy calls.
 *
 *   - reports and counters: ferry__fail, ferry__fallback, finishing a copy;
 *   - checks before a copy: views, devices, the last-error slot, pointers, capture;
 *   - the direct rungs (same device, peer, host, capture): one copy call per block of the
 *     shape on the caller's stream, then its synchronize;
 *   - the ladder, ferry_copy, ferry_copy_strided, ferry_move, ferry_free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "shim.h"

/* The largest row pitch the 2-D/3-D copies accept (cudaDevAttrMaxPitch on every GPU seen);
 * views with larger strides are copied row by row. */
#define FERRY__MAX_PITCH ((size_t)0x7fffffff)

/* --- reports ---------------------------------------------------------------------------------- */

static const char *dev_text(int dev, char *buf, size_t len)
{
	if (dev == FERRY_HOST)
		snprintf(buf, len, "host");
	else
		snprintf(buf, len, "device %d", dev);
	return buf;
}

enum ferry__verdict ferry__fail(struct ferry__op *op, enum ferry__step step, cudaError_t e,
				const char *call, ferry_path rung)
{
	enum ferry__verdict v = ferry__classify(e, step);
	char a[32], b[32];

	if (v != FERRY__STICKY)
		cudaGetLastError();	/* ours to clear: never leaks to the caller (F05) */
	op->rep->error = e;
	op->rep->error_call = call;
	snprintf(op->rep->message, sizeof(op->rep->message),
		 "%s failed on the %s path (%s -> %s): %s: %s", call, ferry_path_name(rung),
		 dev_text(op->src_dev, a, sizeof(a)), dev_text(op->dst_dev, b, sizeof(b)),
		 cudaGetErrorName(e), cudaGetErrorString(e));
	return v;
}

void ferry__fallback(struct ferry__op *op, ferry_path path, cudaError_t e, const char *call,
		     enum ferry__fb how)
{
	ferry_report *r = op->rep;

	if (r->nfallbacks < FERRY_MAX_FALLBACKS) {
		ferry_fallback *f = &r->fallbacks[r->nfallbacks++];

		f->path = path;
		f->error = e;
		f->call = call;
		f->remembered = how == FERRY__FB_REMEMBERED;
	}
	if (how == FERRY__FB_TRIED) {
		r->retries++;
		atomic_fetch_add(&ferry__counters.fallbacks[path], 1);
	}
}

ferry_status ferry__verdict_status(enum ferry__verdict v)
{
	switch (v) {
	case FERRY__NEXT:
		return FERRY_E_NO_PATH;
	case FERRY__STICKY:
		return FERRY_E_STICKY;
	case FERRY__FAIL:
		break;
	}
	return FERRY_E_CUDA;
}

ferry_status ferry__invalid(ferry_report *rep, const char *what)
{
	snprintf(rep->message, sizeof(rep->message), "%s", what);
	return ferry__failed(FERRY_E_INVALID);
}

ferry_status ferry__failed(ferry_status st)
{
	atomic_fetch_add(&ferry__counters.failures, 1);
	return st;
}

/* --- checks ----------------------------------------------------------------------------------- */

static const char *mem_text(const struct cudaPointerAttributes *a, char *buf, size_t len)
{
	switch (a->type) {
	case cudaMemoryTypeDevice:
		snprintf(buf, len, "memory of device %d", a->device);
		break;
	case cudaMemoryTypeHost:
		snprintf(buf, len, "pinned host memory");
		break;
	default:	/* managed memory is every device's and the host's: never refused */
		snprintf(buf, len, "host memory unknown to CUDA");
		break;
	}
	return buf;
}

/* Checks that the first byte of a side is memory of the device named for it. (Whether the
 * whole span lies in one allocation the runtime checks when it copies: a copy past the end
 * of an allocation fails. Asking about the last byte too would double the cost of the
 * checks, a quarter of ferry's overhead on a small peer copy.) */
ferry_status ferry__check_side(struct ferry__op *op, const void *ptr, int dev, const char *what,
			       enum cudaMemoryType *type)
{
	struct cudaPointerAttributes a;
	cudaError_t e;
	char got[64], devs[32];
	bool ok;

	memset(&a, 0, sizeof(a));
	/* through the shim: the struct's size differs between versions */
	e = ferry__shim_pointer_attrs(ptr, &a.type, &a.device);
	if (e == cudaErrorInvalidValue) {
		/* runtimes before 11.0 answer so for memory unknown to CUDA */
		cudaGetLastError();
		a.type = cudaMemoryTypeUnregistered;
	} else if (e != cudaSuccess) {
		return ferry__verdict_status(ferry__fail(op, FERRY__STEP_LAST, e,
						  "cudaPointerGetAttributes", FERRY_PATH_NONE));
	}
	if (dev == FERRY_HOST)
		ok = a.type != cudaMemoryTypeDevice;
	else
		ok = (a.type == cudaMemoryTypeDevice && a.device == dev) ||
		     a.type == cudaMemoryTypeManaged;
	if (!ok) {
		snprintf(op->rep->message, sizeof(op->rep->message),
			 "%s: the first byte at %p is %s, not memory of %s", what, ptr,
			 mem_text(&a, got, sizeof(got)), dev_text(dev, devs, sizeof(devs)));
		return FERRY_E_INVALID;
	}
	*type = a.type;
	return FERRY_OK;
}

bool ferry__dev_ok(const ferry_ctx *ctx, int dev)
{
	return dev == FERRY_HOST || (dev >= 0 && dev < ctx->ndev);
}

/* An error left in the last-error slot by an earlier call is its owner's: ferry neither
 * clears it nor copies over it. */
ferry_status ferry__pending(ferry_report *rep)
{
	cudaError_t e = cudaPeekAtLastError();

	if (e == cudaSuccess)
		return FERRY_OK;
	FERRY__TOOK(ERROR_PENDING);
	rep->error = e;
	rep->error_call = "cudaPeekAtLastError";
	snprintf(rep->message, sizeof(rep->message),
		 "the last-error slot already holds %s from an earlier call: ferry leaves it to "
		 "its owner and copies nothing",
		 cudaGetErrorName(e));
	return ferry__classify(e, FERRY__STEP_LAST) == FERRY__STICKY ? FERRY_E_STICKY
								     : FERRY_E_PENDING;
}


/* --- direct rungs ----------------------------------------------------------------------------- */

/* How many inner dimensions one copy call covers: 3 when both sides' slice strides are whole
 * rows (cudaMemcpy3D's pitched pointers), 2 for row-pitched planes, 1 (rows one by one) when
 * a pitch is beyond what the 2-D copies take. */
static unsigned block_dims(const struct ferry__shape *sh)
{
	if (sh->ndim == 1)
		return 1;
	if (sh->sstride[1] > FERRY__MAX_PITCH || sh->dstride[1] > FERRY__MAX_PITCH)
		return 1;
	if (sh->ndim >= 3 && sh->sstride[2] % sh->sstride[1] == 0 &&
	    sh->dstride[2] % sh->dstride[1] == 0)
		return 3;
	return 2;
}

/* Issues the op's copy on its stream: with the peer calls (peer), or with the cudaMemcpyDefault
 * ones. Returns the first error, with *call naming the function. */
static cudaError_t issue(struct ferry__op *op, bool peer, const char **call)
{
	const struct ferry__shape *sh = &op->sh;
	unsigned k = block_dims(sh);
	size_t n = ferry__blocks(sh, k);
	size_t w = sh->extent[0];
	size_t h = k >= 2 ? sh->extent[1] : 1, d = k == 3 ? sh->extent[2] : 1;

	for (size_t i = 0; i < n; i++) {
		size_t so, dof;
		char *dst;
		const char *src;
		cudaError_t e;

		ferry__block_offset(sh, k, i, &so, &dof);
		dst = op->dst + dof;
		src = op->src + so;
		if (k == 1 && peer) {
			*call = "cudaMemcpyPeerAsync";
			e = cudaMemcpyPeerAsync(dst, op->dst_dev, src, op->src_dev, w, op->stream);
		} else if (k == 1) {
			*call = "cudaMemcpyAsync";
			e = cudaMemcpyAsync(dst, src, w, cudaMemcpyDefault, op->stream);
		} else if (k == 2 && !peer) {
			*call = "cudaMemcpy2DAsync";
			e = cudaMemcpy2DAsync(dst, sh->dstride[1], src, sh->sstride[1], w, h,
					      cudaMemcpyDefault, op->stream);
		} else {
			size_t sy = k == 3 ? sh->sstride[2] / sh->sstride[1] : h;
			size_t dy = k == 3 ? sh->dstride[2] / sh->dstride[1] : h;
			struct cudaPitchedPtr sp = { (void *)src, sh->sstride[1], w, sy };
			struct cudaPitchedPtr dp = { dst, sh->dstride[1], w, dy };
			struct cudaExtent ext = { w, h, d };

			if (peer) {
				struct cudaMemcpy3DPeerParms p;

				memset(&p, 0, sizeof(p));
				p.srcPtr = sp;
				p.srcDevice = op->src_dev;
				p.dstPtr = dp;
				p.dstDevice = op->dst_dev;
				p.extent = ext;
				*call = "cudaMemcpy3DPeerAsync";
				e = cudaMemcpy3DPeerAsync(&p, op->stream);
			} else {
				struct cudaMemcpy3DParms p;

				memset(&p, 0, sizeof(p));
				p.srcPtr = sp;
				p.dstPtr = dp;
				p.extent = ext;
				p.kind = cudaMemcpyDefault;
				*call = "cudaMemcpy3DAsync";
				e = cudaMemcpy3DAsync(&p, op->stream);
			}
		}
		if (e != cudaSuccess)
			return e;
	}
	return cudaSuccess;
}

/* Waits for what is queued on a stream after a failure, so that nothing of an abandoned rung
 * lands after the next rung wrote; errors there are cleared (the failure is already kept),
 * except a sticky one, which is returned. */
bool ferry__drain_sticky(cudaStream_t s)
{
	cudaError_t e = cudaStreamSynchronize(s);

	if (e != cudaSuccess && ferry__classify(e, FERRY__STEP_LAST) == FERRY__STICKY)
		return true;
	cudaGetLastError();
	return false;
}

/* A rung that is one copy on the caller's stream: FERRY_OK, FERRY_E_NO_PATH (the report
 * has the fallback), or the status to return. */
static ferry_status direct(struct ferry__op *op, ferry_path rung, bool peer, enum ferry__step step)
{
	const char *call = "";
	cudaError_t e = issue(op, peer, &call);
	enum ferry__verdict v;

	if (e == cudaSuccess && op->capturing)
		return FERRY_OK;
	if (e == cudaSuccess) {
		call = "cudaStreamSynchronize";
		e = cudaStreamSynchronize(op->stream);
		if (e == cudaSuccess)
			return FERRY_OK;
		v = ferry__fail(op, step, e, call, rung);
	} else {
		v = ferry__fail(op, step, e, call, rung);
		if (!op->capturing && ferry__drain_sticky(op->stream))
			v = FERRY__STICKY;
	}
	if (v == FERRY__NEXT)
		ferry__fallback(op, rung, e, call, FERRY__FB_TRIED);
	return ferry__verdict_status(v);
}

/* --- the ladder ------------------------------------------------------------------------------- */

static ferry_status capture_copy(struct ferry__op *op)
{
	ferry_ctx *ctx = op->ctx;
	ferry_path path = FERRY_PATH_SAME_DEVICE;
	ferry_status st;

	if ((op->src_dev == FERRY_HOST && op->src_type != cudaMemoryTypeHost) ||
	    (op->dst_dev == FERRY_HOST && op->dst_type != cudaMemoryTypeHost)) {
		snprintf(op->rep->message, sizeof(op->rep->message),
			 "the stream is capturing and the host side is pageable memory: a "
			 "capture records copies of pinned host memory only");
		FERRY__TOOK(CAPTURE_REFUSED_PAGEABLE);
		return FERRY_E_CAPTURE;
	}
	if (op->src_dev == FERRY_HOST || op->dst_dev == FERRY_HOST) {
		path = FERRY_PATH_HOST;
	} else if (op->src_dev != op->dst_dev) {
		ferry_fallback why;
		ferry_pair_state ps = ferry_pair_get(ctx, op->src_dev, op->dst_dev, &why);

		if (ps == FERRY_PAIR_STAGED && why.call && strncmp(why.call, "self-test", 9) == 0) {
			snprintf(op->rep->message, sizeof(op->rep->message),
				 "the stream is capturing and peer copies from device %d to %d "
				 "failed the self-test: no capture-safe path avoids them",
				 op->src_dev, op->dst_dev);
			FERRY__TOOK(CAPTURE_REFUSED_SELF_TEST);
			return FERRY_E_CAPTURE;
		}
		path = ps == FERRY_PAIR_PEER ? FERRY_PATH_PEER : FERRY_PATH_DRIVER_STAGED;
	}
	st = direct(op, path, false, FERRY__STEP_LAST);
	if (st == FERRY_OK) {
		op->rep->path = path;
		op->rep->captured = true;
	}
	return st;
}

static ferry_status ladder(struct ferry__op *op)
{
	unsigned flags = op->ctx->cfg.flags;
	ferry_status st;

	if (op->capturing)
		return capture_copy(op);
	if (op->src_dev == FERRY_HOST || op->dst_dev == FERRY_HOST) {
		st = direct(op, FERRY_PATH_HOST, false, FERRY__STEP_LAST);
		if (st == FERRY_OK)
			op->rep->path = FERRY_PATH_HOST;
		return st;
	}
	if (op->src_dev == op->dst_dev && (flags & FERRY_ALWAYS_STAGE)) {
		FERRY__TOOK(POLICY_ALWAYS_STAGE);
		ferry__fallback(op, FERRY_PATH_SAME_DEVICE, cudaSuccess, "policy",
				FERRY__FB_SKIPPED);
	} else if (op->src_dev == op->dst_dev) {
		st = direct(op, FERRY_PATH_SAME_DEVICE, false, FERRY__STEP_SAME);
		if (st == FERRY_OK)
			op->rep->path = FERRY_PATH_SAME_DEVICE;
		if (st != FERRY_E_NO_PATH)
			return st;
		FERRY__TOOK(SAME_DEVICE_FAILED);
	} else if (flags & (FERRY_NEVER_PEER | FERRY_ALWAYS_STAGE)) {
		FERRY__TOOK(POLICY_NEVER_PEER);
		ferry__fallback(op, FERRY_PATH_PEER, cudaSuccess, "policy", FERRY__FB_SKIPPED);
	} else {
		bool use = false;

		st = ferry__pair_prepare(op, &use);
		if (st != FERRY_OK)
			return st;
		if (use) {
			st = direct(op, FERRY_PATH_PEER, true, FERRY__STEP_PEER);
			if (st == FERRY_OK)
				op->rep->path = FERRY_PATH_PEER;
			if (st != FERRY_E_NO_PATH)
				return st;
			FERRY__TOOK(PEER_FAILED);
			ferry__pair_demote(op->ctx, op->src_dev, op->dst_dev, op->rep->error,
					   op->rep->error_call);
		}
	}
	st = ferry__stage_pinned(op);
	if (st == FERRY_OK)
		op->rep->path = FERRY_PATH_STAGED_PINNED;
	if (st != FERRY_E_NO_PATH)
		return st;
	st = ferry__stage_pageable(op);
	if (st == FERRY_OK)
		op->rep->path = FERRY_PATH_STAGED_PAGEABLE;
	return st;
}

void ferry__report_init(ferry_report *r)
{
	r->path = FERRY_PATH_NONE;
	r->retries = 0;
	r->nfallbacks = 0;
	r->error = cudaSuccess;
	r->error_call = NULL;
	r->bytes = 0;
	r->self_test_ns = 0;
	r->captured = false;
	r->via = NULL;
	r->message[0] = '\0';
}

/* A copy whose shape is known (op->sh, the pointers, devices and stream set): the checks that
 * need the runtime, then the ladder. dspan and sspan: the bytes each side spans. */
ferry_status ferry__execute(ferry_ctx *ctx, struct ferry__op *op, size_t dspan, size_t sspan)
{
	ferry_report *rep = op->rep;
	enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
	char msg[128];
	cudaError_t e;
	ferry_status st;

	if (!ferry__dev_ok(ctx, op->dst_dev) || !ferry__dev_ok(ctx, op->src_dev)) {
		snprintf(msg, sizeof(msg),
			 "%s device %d is not a device of this process (it has %d) nor FERRY_HOST",
			 ferry__dev_ok(ctx, op->dst_dev) ? "src" : "dst",
			 ferry__dev_ok(ctx, op->dst_dev) ? op->src_dev : op->dst_dev, ctx->ndev);
		return ferry__invalid(rep, msg);
	}
	if (op->sh.total == 0)
		return FERRY_OK;
	st = ferry__pending(rep);
	if (st != FERRY_OK)
		goto out;
	if ((uintptr_t)op->dst < (uintptr_t)op->src + sspan &&
	    (uintptr_t)op->src < (uintptr_t)op->dst + dspan)
		return ferry__invalid(rep, "dst and src overlap");
	st = ferry__check_side(op, op->dst, op->dst_dev, "dst", &op->dst_type);
	if (st == FERRY_OK)
		st = ferry__check_side(op, op->src, op->src_dev, "src", &op->src_type);
	if (st != FERRY_OK)
		goto out;
	e = cudaStreamIsCapturing(op->stream, &cs);
	if (e != cudaSuccess) {
		st = ferry__verdict_status(ferry__fail(op, FERRY__STEP_CALLER, e, "cudaStreamIsCapturing",
						FERRY_PATH_NONE));
		goto out;
	}
	if (cs == cudaStreamCaptureStatusInvalidated) {
		snprintf(rep->message, sizeof(rep->message),
			 "the stream's capture was invalidated before this copy");
		st = FERRY_E_CAPTURE;
		goto out;
	}
	op->capturing = cs == cudaStreamCaptureStatusActive;
	st = ladder(op);
out:
	if (st == FERRY_OK) {
		rep->bytes = op->sh.total;
		rep->error = cudaSuccess;
		rep->error_call = NULL;
		rep->message[0] = '\0';
		atomic_fetch_add_explicit(&ferry__counters.copies[rep->path], 1,
					  memory_order_relaxed);
		atomic_fetch_add_explicit(&ferry__counters.bytes[rep->path], op->sh.total,
					  memory_order_relaxed);
		ferry__took_rung(rep->path);
		if (rep->captured)
			FERRY__TOOK(CAPTURE_RECORDED);
	} else {
		if (st == FERRY_E_STICKY)
			FERRY__TOOK(ERROR_STICKY);
		rep->path = FERRY_PATH_NONE;
		/* GCOVR_EXCL_START: defensive: the last rung (pageable) never answers NO_PATH */
		if (st == FERRY_E_NO_PATH && !rep->message[0])
			snprintf(rep->message, sizeof(rep->message), "every path was refused");
		/* GCOVR_EXCL_STOP */
		atomic_fetch_add(&ferry__counters.failures, 1);
	}
	return st;
}

void ferry__op_init(struct ferry__op *op, ferry_ctx *ctx, void *dst, int dst_dev,
		    const void *src, int src_dev, cudaStream_t stream, ferry_report *rep)
{
	op->ctx = ctx;
	op->dst = dst;
	op->src = src;
	op->dst_dev = dst_dev;
	op->src_dev = src_dev;
	op->stream = stream;
	op->rep = rep;
	op->src_type = op->dst_type = cudaMemoryTypeUnregistered;
	op->capturing = false;
}

/* --- the public calls ------------------------------------------------------------------------- */

ferry_status ferry_copy(ferry_ctx *ctx, void *dst, int dst_dev, const void *src, int src_dev,
			size_t nbytes, cudaStream_t stream, ferry_report *report)
{
	ferry_report local;
	ferry_report *rep = report ? report : &local;
	struct ferry__op op;
	uintptr_t end;

	ferry__report_init(rep);
	if (!ctx)
		return ferry__invalid(rep, "the context is NULL");
	if (nbytes && (!dst || !src))
		return ferry__invalid(rep, !dst ? "dst: the pointer is NULL" : "src: the pointer is NULL");
	if (__builtin_add_overflow((uintptr_t)dst, nbytes, &end) ||
	    __builtin_add_overflow((uintptr_t)src, nbytes, &end))
		return ferry__invalid(rep, "the copy's span overflows the address space");
	/* a contiguous copy: its shape is one row */
	ferry__op_init(&op, ctx, dst, dst_dev, src, src_dev, stream, rep);
	op.sh.ndim = 1;
	op.sh.extent[0] = nbytes;
	op.sh.total = nbytes;
	return ferry__execute(ctx, &op, nbytes, nbytes);
}

ferry_status ferry_copy_strided(ferry_ctx *ctx, const ferry_view *dst, const ferry_view *src,
				cudaStream_t stream, ferry_report *report)
{
	ferry_report local;
	ferry_report *rep = report ? report : &local;
	struct ferry__op op;
	char msg[192];

	ferry__report_init(rep);
	if (!ctx)
		return ferry__invalid(rep, "the context is NULL");
	if (!ferry__view_check(dst, "dst", msg, sizeof(msg)) ||
	    !ferry__view_check(src, "src", msg, sizeof(msg)) ||
	    !ferry__shape_make(dst, src, &op.sh, msg, sizeof(msg)))
		return ferry__invalid(rep, msg);
	ferry__op_init(&op, ctx, dst->ptr, dst->dev, src->ptr, src->dev, stream, rep);
	return ferry__execute(ctx, &op, ferry__view_span(dst), ferry__view_span(src));
}

ferry_status ferry_move(ferry_ctx *ctx, void **out, int dst_dev, const void *src, int src_dev,
			size_t nbytes, cudaStream_t stream, ferry_report *report)
{
	ferry_report local;
	ferry_report *rep = report ? report : &local;
	void *p = NULL;
	ferry_status st;

	memset(rep, 0, sizeof(*rep));
	if (!out)
		return ferry__invalid(rep, "out is NULL");
	*out = NULL;
	if (!ctx)
		return ferry__invalid(rep, "the context is NULL");
	if (!ferry__dev_ok(ctx, dst_dev))
		return ferry__invalid(rep, "dst_dev is not a device of this process nor FERRY_HOST");
	st = ferry__pending(rep);
	if (st != FERRY_OK) {
		atomic_fetch_add(&ferry__counters.failures, 1);
		return st;
	}
	if (dst_dev == FERRY_HOST) {
		p = malloc(nbytes ? nbytes : 1);
		/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
		if (!p) {
			snprintf(rep->message, sizeof(rep->message),
				 "malloc of %zu bytes of host memory failed", nbytes);
			return ferry__failed(FERRY_E_NOMEM);
		}
		/* GCOVR_EXCL_STOP */
	} else {
		int saved;
		cudaError_t e = ferry__on_device(dst_dev, &saved);

		if (e == cudaSuccess) {
			e = cudaMalloc(&p, nbytes ? nbytes : 1);
			ferry__restore_device(saved);
		}
		if (e != cudaSuccess) {
			struct ferry__op op = { .rep = rep, .src_dev = src_dev, .dst_dev = dst_dev };
			enum ferry__verdict v = ferry__fail(&op, FERRY__STEP_LAST, e, "cudaMalloc",
							    FERRY_PATH_NONE);

			atomic_fetch_add(&ferry__counters.failures, 1);
			if (v == FERRY__STICKY)
				return FERRY_E_STICKY;
			return e == cudaErrorMemoryAllocation ? FERRY_E_NOMEM : FERRY_E_CUDA;
		}
	}
	st = ferry_copy(ctx, p, dst_dev, src, src_dev, nbytes, stream, rep);
	if (st != FERRY_OK) {
		ferry_free(p, dst_dev);
		return st;
	}
	*out = p;
	return FERRY_OK;
}

ferry_status ferry_free(void *ptr, int dev)
{
	if (!ptr)
		return FERRY_OK;
	if (dev == FERRY_HOST) {
		free(ptr);
		return FERRY_OK;
	}
	if (cudaFree(ptr) != cudaSuccess) {
		cudaGetLastError();
		return FERRY_E_CUDA;
	}
	return FERRY_OK;
}
