/*
 * stage.c: the staged rungs.
 *
 *   - pieces: a copy cut into 2-D pieces (rows of the shape) that fit a staging slot;
 *   - rings: pinned slots with per-device streams and events, in a pool bounded by the
 *     pinned budget; a copy holds one ring from start to end;
 *   - the pinned pipeline: piece i goes device -> slot (i mod slots) on the source device's
 *     stream, then slot -> device on the destination's, the two ordered by events, and a slot
 *     is refilled only after its host-to-device copy is done;
 *   - the pageable rung: the same pieces through one malloc'd buffer, one at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* --- pieces ----------------------------------------------------------------------------------- */

struct piece {
	const char *src;
	char *dst;
	size_t spitch, dpitch, width, height;	/* height rows of width bytes */
};

typedef ferry_status (*piece_fn)(struct ferry__op *op, const struct piece *pc, size_t i,
				 void *arg);

/* The smallest piece worth its own copies: smaller ones cost more to issue than to move. */
#define MIN_PIECE ((size_t)512 << 10)

/* How many bytes the next piece may hold. The two halves of the pipeline overlap except
 * while the first piece goes to the host and the last one comes back: so pieces start small
 * (a 32nd of the copy), double up to a chunk, and shrink again towards the end (half of what
 * is left), never below MIN_PIECE. */
static size_t piece_limit(size_t done, size_t total, size_t chunk)
{
	size_t limit = total / 32, tail = (total - done) / 2;

	if (limit < MIN_PIECE)
		limit = MIN_PIECE;
	while (limit < chunk && limit <= done)
		limit *= 2;
	if (tail < limit)
		limit = tail < MIN_PIECE ? MIN_PIECE : tail;
	return limit < chunk ? limit : chunk;
}

/* Calls fn for each piece (at most piece_limit bytes), in order; stops at the first status
 * that is not FERRY_OK and returns it. */
static ferry_status for_each_piece(struct ferry__op *op, size_t chunk, piece_fn fn, void *arg)
{
	const struct ferry__shape *sh = &op->sh;
	unsigned k = sh->ndim >= 2 ? 2 : 1;
	size_t nb = ferry__blocks(sh, k), w = sh->extent[0];
	size_t h = k == 2 ? sh->extent[1] : 1, idx = 0, done = 0;
	size_t sp = k == 2 ? sh->sstride[1] : w, dp = k == 2 ? sh->dstride[1] : w;

	for (size_t b = 0; b < nb; b++) {
		size_t so, dof;

		ferry__block_offset(sh, k, b, &so, &dof);
		for (size_t r = 0, c = 0; r < h;) {
			size_t limit = piece_limit(done, sh->total, chunk);
			struct piece pc;
			ferry_status st;

			if (w <= limit) {	/* whole rows */
				size_t rp = limit / w;

				pc = (struct piece){ op->src + so + r * sp, op->dst + dof + r * dp,
						     sp, dp, w, h - r < rp ? h - r : rp };
				r += pc.height;
			} else {		/* a row in segments */
				size_t cw = w - c < limit ? w - c : limit;

				pc = (struct piece){ op->src + so + r * sp + c,
						     op->dst + dof + r * dp + c, cw, cw, cw, 1 };
				c += cw;
				if (c == w) {
					c = 0;
					r++;
				}
			}
			done += pc.width * pc.height;
			st = fn(op, &pc, idx++, arg);
			if (st != FERRY_OK)
				return st;
		}
	}
	return FERRY_OK;
}

/* A piece's copy between a device and a host buffer (packed rows of width) on stream s. */
static cudaError_t piece_out(const struct piece *pc, unsigned char *buf, cudaStream_t s)
{
	if (pc->height == 1)
		return cudaMemcpyAsync(buf, pc->src, pc->width, cudaMemcpyDeviceToHost, s);
	return cudaMemcpy2DAsync(buf, pc->width, pc->src, pc->spitch, pc->width, pc->height,
				 cudaMemcpyDeviceToHost, s);
}

static cudaError_t piece_in(const struct piece *pc, const unsigned char *buf, cudaStream_t s)
{
	if (pc->height == 1)
		return cudaMemcpyAsync(pc->dst, buf, pc->width, cudaMemcpyHostToDevice, s);
	return cudaMemcpy2DAsync(pc->dst, pc->dpitch, buf, pc->width, pc->width, pc->height,
				 cudaMemcpyHostToDevice, s);
}

/* --- rings ------------------------------------------------------------------------------------ */

/* The smallest slot that chunked pinning (F12) tries before pinned memory counts as refused. */
#define MIN_CHUNK ((size_t)256 << 10)

static void ring_free(ferry_ctx *ctx, struct ferry__ring *r)
{
	for (int d = 0; d < ctx->ndev; d++) {
		struct ferry__ring_dev *rd = &r->dev[d];

		for (unsigned k = 0; rd->ev_out && k < r->slots; k++)
			if (rd->ev_out[k])
				cudaEventDestroy(rd->ev_out[k]);
		for (unsigned k = 0; rd->ev_in && k < r->slots; k++)
			if (rd->ev_in[k])
				cudaEventDestroy(rd->ev_in[k]);
		if (rd->out)
			cudaStreamDestroy(rd->out);
		if (rd->in)
			cudaStreamDestroy(rd->in);
		free(rd->ev_out);
		free(rd->ev_in);
	}
	if (r->mem)
		cudaFreeHost(r->mem);
	cudaGetLastError();	/* teardown after a lost context fails: nothing to do about it */
	free(r->dev);
	free(r);
}

void ferry__rings_fini(ferry_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->max_rings; i++)
		if (ctx->all_rings[i])
			ring_free(ctx, ctx->all_rings[i]);
}

/* Allocates a ring's pinned slots, halving the slot size on refusal down to MIN_CHUNK.
 * FERRY_OK, FERRY_E_NO_PATH (pinned memory refused: the report has the fallback), or the
 * status to return. */
static ferry_status ring_alloc(struct ferry__op *op, struct ferry__ring **out)
{
	ferry_ctx *ctx = op->ctx;
	struct ferry__ring *r = calloc(1, sizeof(*r));
	size_t chunk = ctx->cfg.chunk_bytes;
	cudaError_t e;

	if (r)
		r->dev = calloc((size_t)ctx->ndev, sizeof(*r->dev));
	/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
	if (!r || !r->dev) {
		free(r);
		snprintf(op->rep->message, sizeof(op->rep->message),
			 "out of host memory for a staging ring's bookkeeping");
		return FERRY_E_NOMEM;
	}
	/* GCOVR_EXCL_STOP */
	r->slots = ctx->cfg.slots;
	for (;;) {
		enum ferry__verdict v;

		e = cudaHostAlloc((void **)&r->mem, chunk * r->slots, cudaHostAllocPortable);
		if (e == cudaSuccess)
			break;
		r->mem = NULL;
		v = ferry__fail(op, FERRY__STEP_PINNED_ALLOC, e, "cudaHostAlloc",
				FERRY_PATH_STAGED_PINNED);
		if (v != FERRY__NEXT || chunk / 2 < MIN_CHUNK) {
			ring_free(ctx, r);
			if (v == FERRY__NEXT) {
				FERRY__TOOK(PINNED_ALLOC_FAILED);
				ferry__fallback(op, FERRY_PATH_STAGED_PINNED, e, "cudaHostAlloc",
						FERRY__FB_TRIED);
			}
			return v == FERRY__NEXT ? FERRY_E_NO_PATH
						: v == FERRY__STICKY ? FERRY_E_STICKY : FERRY_E_CUDA;
		}
		FERRY__TOOK(PINNED_ALLOC_HALVED);
		chunk /= 2;
	}
	r->chunk = chunk;
	*out = r;
	return FERRY_OK;
}

/* Takes a ring from the pool, making one when the budget allows, else waiting for one.
 * FERRY_E_NO_PATH when pinned staging is refused (the report has the fallback). */
static ferry_status ring_get(struct ferry__op *op, struct ferry__ring **out)
{
	ferry_ctx *ctx = op->ctx;
	ferry_status st;

	if (ctx->cfg.flags & FERRY_NO_PINNED) {
		FERRY__TOOK(POLICY_NO_PINNED);
		ferry__fallback(op, FERRY_PATH_STAGED_PINNED, cudaSuccess, "policy",
				FERRY__FB_SKIPPED);
		return FERRY_E_NO_PATH;
	}
	if (ctx->max_rings == 0) {
		FERRY__TOOK(PINNED_BUDGET);
		ferry__fallback(op, FERRY_PATH_STAGED_PINNED, cudaSuccess, "budget",
				FERRY__FB_SKIPPED);
		return FERRY_E_NO_PATH;
	}
	pthread_mutex_lock(&ctx->ring_lock);
	for (;;) {
		if (ctx->pinned_refused) {
			ferry_fallback why = ctx->pinned_reason;

			pthread_mutex_unlock(&ctx->ring_lock);
			FERRY__TOOK(PINNED_REMEMBERED);
			ferry__fallback(op, FERRY_PATH_STAGED_PINNED, why.error, why.call,
					FERRY__FB_REMEMBERED);
			return FERRY_E_NO_PATH;
		}
		if (ctx->free_rings) {
			*out = ctx->free_rings;
			ctx->free_rings = (*out)->next;
			pthread_mutex_unlock(&ctx->ring_lock);
			return FERRY_OK;
		}
		if (ctx->nrings < ctx->max_rings)
			break;
		pthread_cond_wait(&ctx->ring_cond, &ctx->ring_lock);
	}
	ctx->nrings++;
	pthread_mutex_unlock(&ctx->ring_lock);

	st = ring_alloc(op, out);

	pthread_mutex_lock(&ctx->ring_lock);
	if (st == FERRY_OK) {
		for (unsigned i = 0; i < ctx->max_rings; i++) {
			if (!ctx->all_rings[i]) {
				ctx->all_rings[i] = *out;
				break;
			}
		}
	} else {
		ctx->nrings--;
		if (st == FERRY_E_NO_PATH) {
			/* remembered: later copies go to pageable staging at once */
			ctx->pinned_refused = true;
			ctx->pinned_reason.path = FERRY_PATH_STAGED_PINNED;
			ctx->pinned_reason.error = op->rep->error;
			ctx->pinned_reason.call = "cudaHostAlloc";
			ctx->pinned_reason.remembered = true;
		}
		pthread_cond_broadcast(&ctx->ring_cond);
	}
	pthread_mutex_unlock(&ctx->ring_lock);
	return st;
}

static void ring_put(ferry_ctx *ctx, struct ferry__ring *r)
{
	pthread_mutex_lock(&ctx->ring_lock);
	r->next = ctx->free_rings;
	ctx->free_rings = r;
	pthread_cond_signal(&ctx->ring_cond);
	pthread_mutex_unlock(&ctx->ring_lock);
}

/* Makes the ring's streams and events on dev (once; what failed is made again next time). */
static cudaError_t ring_dev_prepare(ferry_ctx *ctx, struct ferry__ring *r, int dev,
				    const char **call)
{
	struct ferry__ring_dev *rd = &r->dev[dev];
	cudaError_t e;
	int saved;

	if (rd->ready)
		return cudaSuccess;
	if (!rd->ev_out)
		rd->ev_out = calloc(r->slots, sizeof(*rd->ev_out));
	if (!rd->ev_in)
		rd->ev_in = calloc(r->slots, sizeof(*rd->ev_in));
	/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
	if (!rd->ev_out || !rd->ev_in) {
		*call = "calloc";
		return cudaErrorMemoryAllocation;
	}
	/* GCOVR_EXCL_STOP */
	*call = "cudaSetDevice";
	e = ferry__on_device(dev, &saved);
	if (e != cudaSuccess)
		return e;
	*call = "cudaStreamCreateWithFlags";
	if (!rd->out)
		e = cudaStreamCreateWithFlags(&rd->out, cudaStreamNonBlocking);
	if (e == cudaSuccess && !rd->in)
		e = cudaStreamCreateWithFlags(&rd->in, cudaStreamNonBlocking);
	for (unsigned k = 0; e == cudaSuccess && k < r->slots; k++) {
		*call = "cudaEventCreateWithFlags";
		if (!rd->ev_out[k])
			e = cudaEventCreateWithFlags(&rd->ev_out[k], cudaEventDisableTiming);
		if (e == cudaSuccess && !rd->ev_in[k])
			e = cudaEventCreateWithFlags(&rd->ev_in[k], cudaEventDisableTiming);
	}
	ferry__restore_device(saved);
	rd->ready = e == cudaSuccess;
	return e;
}

/* --- the pinned pipeline ---------------------------------------------------------------------- */

struct pinned {
	struct ferry__ring *ring;
	struct ferry__ring_dev *rs, *rd;
	cudaError_t e;
	const char *call;
};

static ferry_status pinned_piece(struct ferry__op *op, const struct piece *pc, size_t i, void *arg)
{
	struct pinned *p = arg;
	unsigned k = (unsigned)(i % p->ring->slots);
	unsigned char *slot = p->ring->mem + (size_t)k * p->ring->chunk;
	cudaError_t e;

#define STEP(expr, name)                                                                     \
	do {                                                                                 \
		p->call = name;                                                              \
		if ((e = (expr)) != cudaSuccess)                                             \
			goto fail;                                                           \
	} while (0)

	if (i >= p->ring->slots)	/* the slot's previous host-to-device copy is done */
		STEP(cudaStreamWaitEvent(p->rs->out, p->rd->ev_in[k], 0), "cudaStreamWaitEvent");
	STEP(piece_out(pc, slot, p->rs->out),
	     pc->height == 1 ? "cudaMemcpyAsync" : "cudaMemcpy2DAsync");
	STEP(cudaEventRecord(p->rs->ev_out[k], p->rs->out), "cudaEventRecord");
	STEP(cudaStreamWaitEvent(p->rd->in, p->rs->ev_out[k], 0), "cudaStreamWaitEvent");
	STEP(piece_in(pc, slot, p->rd->in),
	     pc->height == 1 ? "cudaMemcpyAsync" : "cudaMemcpy2DAsync");
	STEP(cudaEventRecord(p->rd->ev_in[k], p->rd->in), "cudaEventRecord");
#undef STEP
	return FERRY_OK;
fail:
	p->e = e;
	return FERRY_E_CUDA;
}

ferry_status ferry__stage_pinned(struct ferry__op *op)
{
	ferry_ctx *ctx = op->ctx;
	struct pinned p = { 0 };
	enum ferry__verdict v;
	ferry_status st;
	cudaError_t e;

	st = ring_get(op, &p.ring);
	if (st != FERRY_OK)
		return st;

	/* ordered after the work queued on the caller's stream */
	e = cudaStreamSynchronize(op->stream);
	if (e != cudaSuccess) {
		ring_put(ctx, p.ring);
		v = ferry__fail(op, FERRY__STEP_CALLER, e,
				"cudaStreamSynchronize (the caller's stream)",
				FERRY_PATH_STAGED_PINNED);
		return v == FERRY__STICKY ? FERRY_E_STICKY : FERRY_E_CUDA;
	}
	e = ring_dev_prepare(ctx, p.ring, op->src_dev, &p.call);
	if (e == cudaSuccess)
		e = ring_dev_prepare(ctx, p.ring, op->dst_dev, &p.call);
	if (e == cudaSuccess) {
		p.rs = &p.ring->dev[op->src_dev];
		p.rd = &p.ring->dev[op->dst_dev];
		st = for_each_piece(op, p.ring->chunk, pinned_piece, &p);
		e = st == FERRY_OK ? cudaSuccess : p.e;
		if (e == cudaSuccess) {
			p.call = "cudaStreamSynchronize";
			e = cudaStreamSynchronize(p.rs->out);
			if (e == cudaSuccess)
				e = cudaStreamSynchronize(p.rd->in);
		}
	}
	if (e == cudaSuccess) {
		ring_put(ctx, p.ring);
		return FERRY_OK;
	}
	v = ferry__fail(op, FERRY__STEP_PINNED, e, p.call, FERRY_PATH_STAGED_PINNED);
	/* nothing of this attempt may land after the next rung writes */
	if (p.rs && p.rd) {
		cudaError_t e1 = cudaStreamSynchronize(p.rs->out);
		cudaError_t e2 = cudaStreamSynchronize(p.rd->in);

		if (ferry__classify(e1, FERRY__STEP_LAST) == FERRY__STICKY ||
		    ferry__classify(e2, FERRY__STEP_LAST) == FERRY__STICKY)
			v = FERRY__STICKY;
		else
			cudaGetLastError();
	}
	ring_put(ctx, p.ring);
	if (v == FERRY__NEXT) {
		FERRY__TOOK(PINNED_FAILED);
		ferry__fallback(op, FERRY_PATH_STAGED_PINNED, e, p.call, FERRY__FB_TRIED);
		return FERRY_E_NO_PATH;
	}
	return v == FERRY__STICKY ? FERRY_E_STICKY : FERRY_E_CUDA;
}

/* --- the pageable rung ------------------------------------------------------------------------ */

struct pageable {
	unsigned char *buf;
	cudaStream_t s_out, s_in;
	cudaError_t e;
	const char *call;
};

static ferry_status pageable_piece(struct ferry__op *op, const struct piece *pc, size_t i,
				   void *arg)
{
	struct pageable *p = arg;
	cudaError_t e;

	p->call = pc->height == 1 ? "cudaMemcpyAsync" : "cudaMemcpy2DAsync";
	e = piece_out(pc, p->buf, p->s_out);
	if (e == cudaSuccess) {
		p->call = "cudaStreamSynchronize";
		e = cudaStreamSynchronize(p->s_out);
	}
	if (e == cudaSuccess) {
		p->call = pc->height == 1 ? "cudaMemcpyAsync" : "cudaMemcpy2DAsync";
		e = piece_in(pc, p->buf, p->s_in);
	}
	if (e == cudaSuccess) {
		p->call = "cudaStreamSynchronize";
		e = cudaStreamSynchronize(p->s_in);
	}
	p->e = e;
	return e == cudaSuccess ? FERRY_OK : FERRY_E_CUDA;
}

/* A non-blocking stream of dev: its own, so that an error at its synchronize is this copy's. */
static cudaError_t stream_on(int dev, cudaStream_t *s)
{
	int saved;
	cudaError_t e = ferry__on_device(dev, &saved);

	if (e != cudaSuccess)
		return e;
	e = cudaStreamCreateWithFlags(s, cudaStreamNonBlocking);
	ferry__restore_device(saved);
	return e;
}

ferry_status ferry__stage_pageable(struct ferry__op *op)
{
	struct pageable p = { 0 };
	size_t chunk = op->ctx->cfg.chunk_bytes;
	enum ferry__verdict v = FERRY__NEXT;
	ferry_status st = FERRY_OK;
	cudaError_t e;

	if (chunk > op->sh.total)
		chunk = op->sh.total;
	p.buf = malloc(chunk);
	/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
	if (!p.buf) {
		snprintf(op->rep->message, sizeof(op->rep->message),
			 "staged-pageable: malloc of a %zu-byte staging buffer failed", chunk);
		return FERRY_E_NOMEM;
	}
	/* GCOVR_EXCL_STOP */
	p.call = "cudaStreamSynchronize (the caller's stream)";
	e = cudaStreamSynchronize(op->stream);
	if (e != cudaSuccess) {
		v = ferry__fail(op, FERRY__STEP_CALLER, e, p.call, FERRY_PATH_STAGED_PAGEABLE);
		goto out;
	}
	p.call = "cudaStreamCreateWithFlags";
	e = stream_on(op->src_dev, &p.s_out);
	if (e == cudaSuccess)
		e = stream_on(op->dst_dev, &p.s_in);
	if (e == cudaSuccess)
		st = for_each_piece(op, chunk, pageable_piece, &p);
	if (e == cudaSuccess && st != FERRY_OK)
		e = p.e;
	if (e != cudaSuccess)
		v = ferry__fail(op, FERRY__STEP_LAST, e, p.call, FERRY_PATH_STAGED_PAGEABLE);
out:
	/* nothing may still read the buffer when it is freed; a lost context seen here is
	 * reported even when the copy itself went through */
	for (int i = 0; i < 2; i++) {
		cudaStream_t s = i ? p.s_in : p.s_out;
		cudaError_t ce;

		if (!s)
			continue;
		ce = cudaStreamSynchronize(s);
		if (ce != cudaSuccess &&
		    ferry__classify(ce, FERRY__STEP_LAST) == FERRY__STICKY && v != FERRY__STICKY) {
			v = ferry__fail(op, FERRY__STEP_LAST, ce, "cudaStreamSynchronize",
					FERRY_PATH_STAGED_PAGEABLE);
			e = ce;
		}
		cudaStreamDestroy(s);
	}
	/* the clean-up's other errors are not the caller's */
	if (v != FERRY__STICKY)
		cudaGetLastError();
	free(p.buf);
	if (e == cudaSuccess)
		return FERRY_OK;
	return v == FERRY__STICKY ? FERRY_E_STICKY : FERRY_E_CUDA;
}
