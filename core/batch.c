/*
 * batch.c: ferry_copy_batch, many copies between one pair of devices in one call.
 *
 * The ladder is decided once for the batch. Where the pair's peer path serves (or both sides
 * are one device): the runtime's batched copy (shim: cudaMemcpyBatchAsync, with 12.8's or
 * 13.0's ABI), then, where that is absent, refused or fails, one copy call per item on the
 * caller's stream and one wait ("loop"). Where that fails too, or the pair stages, or a side
 * is the host's, each item takes ferry_copy's own ladder ("per-item"). A capturing stream
 * never gets the batched copy: a real 13.0 runtime answers it with 900 and silently leaves
 * the copy out of the graph (CUDA_VARIANTS.md §5); each item is recorded as ferry_copy
 * records it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "shim.h"

/* A side of an item, for the overlap check. */
struct span {
	uintptr_t lo, hi;	/* [lo, hi) */
	size_t item;
	bool dst;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

/* Two destinations that overlap, or a destination over a source: the first such, named. */
static bool overlaps(const ferry_batch_item *items, size_t n, char *msg, size_t len)
{
	struct span *s = malloc(2 * n * sizeof(*s));
	size_t m = 0;
	bool bad = false;

	/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
	if (!s) {
		snprintf(msg, len, "out of memory checking %zu items", n);
		return true;
	}
	/* GCOVR_EXCL_STOP */
	for (size_t i = 0; i < n; i++) {
		if (!items[i].bytes)
			continue;
		s[m++] = (struct span){ (uintptr_t)items[i].dst,
					(uintptr_t)items[i].dst + items[i].bytes, i, true };
		s[m++] = (struct span){ (uintptr_t)items[i].src,
					(uintptr_t)items[i].src + items[i].bytes, i, false };
	}
	qsort(s, m, sizeof(*s), cmp_span);
	/* sweep: the span reaching furthest so far among destinations, and among sources */
	{
		size_t far_dst = SIZE_MAX, far_src = SIZE_MAX;

		for (size_t k = 0; k < m && !bad; k++) {
			const struct span *cur = &s[k];

			if (far_dst != SIZE_MAX && s[far_dst].hi > cur->lo) {
				snprintf(msg, len, "item %zu's %s overlaps item %zu's dst", cur->item,
					 cur->dst ? "dst" : "src", s[far_dst].item);
				bad = true;
			} else if (cur->dst && far_src != SIZE_MAX && s[far_src].hi > cur->lo) {
				snprintf(msg, len, "item %zu's dst overlaps item %zu's src", cur->item,
					 s[far_src].item);
				bad = true;
			}
			if (cur->dst && (far_dst == SIZE_MAX || cur->hi > s[far_dst].hi))
				far_dst = k;
			if (!cur->dst && (far_src == SIZE_MAX || cur->hi > s[far_src].hi))
				far_src = k;
		}
	}
	free(s);
	return bad;
}

/* The items, as the runtime's batched copy takes them: the caller's stream order before
 * each source is read. */
static cudaError_t via_batch(struct ferry__op *op, const ferry_batch_item *items, size_t n,
			     const char **call)
{
	void **dsts = malloc(n * sizeof(*dsts));
	const void **srcs = malloc(n * sizeof(*srcs));
	size_t *sizes = malloc(n * sizeof(*sizes));
	struct cudaMemcpyAttributes attr;
	size_t idx0 = 0, fail_idx = SIZE_MAX, k = 0;
	cudaError_t e;

	*call = "cudaMemcpyBatchAsync";
	/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
	if (!dsts || !srcs || !sizes) {
		free(dsts), free(srcs), free(sizes);
		return cudaErrorMemoryAllocation;
	}
	/* GCOVR_EXCL_STOP */
	for (size_t i = 0; i < n; i++) {
		if (!items[i].bytes)	/* the runtime refuses a copy of 0 bytes */
			continue;
		dsts[k] = items[i].dst;
		srcs[k] = items[i].src;
		sizes[k++] = items[i].bytes;
	}
	memset(&attr, 0, sizeof(attr));
	attr.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	e = k ? ferry__shim_memcpy_batch(dsts, srcs, sizes, k, &attr, &idx0, 1, &fail_idx,
					 op->stream)
	      : cudaSuccess;
	free(dsts), free(srcs), free(sizes);
	return e;
}

/* One copy call per item on the caller's stream. */
static cudaError_t via_loop(struct ferry__op *op, const ferry_batch_item *items, size_t n,
			    bool peer, const char **call)
{
	for (size_t i = 0; i < n; i++) {
		cudaError_t e;

		if (!items[i].bytes)
			continue;
		if (peer) {
			*call = "cudaMemcpyPeerAsync";
			e = cudaMemcpyPeerAsync(items[i].dst, op->dst_dev, items[i].src, op->src_dev,
						items[i].bytes, op->stream);
		} else {
			*call = "cudaMemcpyAsync";
			e = cudaMemcpyAsync(items[i].dst, items[i].src, items[i].bytes,
					    cudaMemcpyDefault, op->stream);
		}
		if (e != cudaSuccess)
			return e;
	}
	return cudaSuccess;
}

/* Issues one way (batch or loop) and waits: FERRY_OK, FERRY_E_NO_PATH (abandoned: the
 * report has the fallback), or a status to return. */
static ferry_status run_way(struct ferry__op *op, const ferry_batch_item *items, size_t n,
			    bool batch, bool peer, ferry_path rung, bool *absent)
{
	enum ferry__step step = peer ? FERRY__STEP_PEER : FERRY__STEP_SAME;
	const char *call = "";
	cudaError_t e = batch ? via_batch(op, items, n, &call) : via_loop(op, items, n, peer, &call);
	enum ferry__verdict v;

	if (batch && e == cudaErrorNotSupported) {
		*absent = true;	/* the runtime has none: not a failure of the rung */
		cudaGetLastError();
		return FERRY_E_NO_PATH;
	}
	if (e == cudaSuccess) {
		call = "cudaStreamSynchronize";
		e = cudaStreamSynchronize(op->stream);
		if (e == cudaSuccess)
			return FERRY_OK;
		v = ferry__fail(op, step, e, call, rung);
	} else {
		v = ferry__fail(op, step, e, call, rung);
		if (ferry__drain_sticky(op->stream))
			v = FERRY__STICKY;
	}
	if (v == FERRY__NEXT)
		ferry__fallback(op, rung, e, call, FERRY__FB_TRIED);
	return ferry__verdict_status(v);
}

/* Each item through ferry_copy's ladder; the report of the batch gathers theirs. */
static ferry_status per_item(ferry_ctx *ctx, const ferry_batch_item *items, size_t n,
			     int dst_dev, int src_dev, cudaStream_t stream, ferry_report *rep)
{
	ferry_path path = FERRY_PATH_NONE;

	for (size_t i = 0; i < n; i++) {
		ferry_report r;
		ferry_status st = ferry_copy(ctx, items[i].dst, dst_dev, items[i].src, src_dev,
					     items[i].bytes, stream, &r);

		rep->retries += r.retries;
		rep->self_test_ns += r.self_test_ns;
		rep->captured = rep->captured || r.captured;
		for (unsigned f = 0; f < r.nfallbacks && rep->nfallbacks < FERRY_MAX_FALLBACKS; f++)
			rep->fallbacks[rep->nfallbacks++] = r.fallbacks[f];
		if (st != FERRY_OK) {
			rep->error = r.error;
			rep->error_call = r.error_call;
			rep->path = FERRY_PATH_NONE;
			/* these three promise that nothing was written: not so once earlier items
			 * were delivered (a campaign found a batch that said "invalid" after its
			 * first items had landed) */
			if (rep->bytes && (st == FERRY_E_INVALID || st == FERRY_E_PENDING ||
					   st == FERRY_E_CAPTURE)) {
				snprintf(rep->message, sizeof(rep->message),
					 "item %zu: %.160s (items before it were delivered)", i,
					 r.message);
				FERRY__TOOK(BATCH_HALF_WAY);
				return FERRY_E_CUDA;
			}
			snprintf(rep->message, sizeof(rep->message), "item %zu: %.200s", i,
				 r.message);
			return st;
		}
		if (items[i].bytes && (path == FERRY_PATH_NONE || r.path > path))
			path = r.path;	/* the lowest rung any item took */
		rep->bytes += items[i].bytes;
	}
	rep->path = path;
	FERRY__TOOK(BATCH_PER_ITEM);
	return FERRY_OK;
}

/* The device allocations a batch's items were found in (the shim's address range):
 * an item side that lies wholly inside one, on the device it names, needs no check of its
 * own. Thousands of pages of one KV cache cost one pointer check and one range query. Where
 * the shim has no range query, every item side is checked. Only for one call: an allocation
 * may be freed between calls. */
#define KNOWN_RANGES 8

struct known_ranges {
	struct {
		uintptr_t lo, hi;	/* [lo, hi) */
		int dev;
	} r[KNOWN_RANGES];
	unsigned n, next;
};

static ferry_status check_item(struct ferry__op *op, struct known_ranges *k,
			       const ferry_batch_item *it, size_t i, bool dst, int dev,
			       enum cudaMemoryType *type)
{
	const void *ptr = dst ? it->dst : it->src;
	uintptr_t p = (uintptr_t)ptr, base;
	size_t size;
	char what[48];
	ferry_status st;

	for (unsigned j = 0; j < k->n; j++) {
		if (k->r[j].dev == dev && p >= k->r[j].lo && it->bytes <= k->r[j].hi - p &&
		    p < k->r[j].hi) {
			*type = cudaMemoryTypeDevice;
			return FERRY_OK;
		}
	}
	snprintf(what, sizeof(what), "item %zu: %s", i, dst ? "dst" : "src");
	st = ferry__check_side(op, ptr, dev, what, type);
	if (st == FERRY_OK && *type == cudaMemoryTypeDevice &&
	    ferry__shim_address_range(ptr, &base, &size) == cudaSuccess && base <= p &&
	    size > p - base) {
		k->r[k->next].lo = base;
		k->r[k->next].hi = base + size;
		k->r[k->next].dev = dev;
		k->next = (k->next + 1) % KNOWN_RANGES;
		if (k->n < KNOWN_RANGES)
			k->n++;
	}
	return st;
}

ferry_status ferry_copy_batch(ferry_ctx *ctx, const ferry_batch_item *items, size_t n,
			      int dst_dev, int src_dev, cudaStream_t stream, ferry_report *report)
{
	ferry_report local;
	ferry_report *rep = report ? report : &local;
	struct ferry__op op;
	struct known_ranges known;
	enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
	size_t total = 0;
	bool peer, use = false, absent = false;
	ferry_path rung;
	ferry_status st;
	char msg[160];
	cudaError_t e;

	ferry__report_init(rep);
	memset(&known, 0, sizeof(known));
	rep->via = "per-item";
	if (!ctx)
		return ferry__invalid(rep, "the context is NULL");
	if (n && !items)
		return ferry__invalid(rep, "items is NULL");
	if (!ferry__dev_ok(ctx, dst_dev) || !ferry__dev_ok(ctx, src_dev)) {
		snprintf(msg, sizeof(msg), "%s device %d is not a device of this process (it has "
			 "%d) nor FERRY_HOST", ferry__dev_ok(ctx, dst_dev) ? "src" : "dst",
			 ferry__dev_ok(ctx, dst_dev) ? src_dev : dst_dev, ctx->ndev);
		return ferry__invalid(rep, msg);
	}
	for (size_t i = 0; i < n; i++) {
		uintptr_t end;

		if (items[i].bytes && (!items[i].dst || !items[i].src)) {
			snprintf(msg, sizeof(msg), "item %zu: the %s pointer is NULL", i,
				 !items[i].dst ? "dst" : "src");
			return ferry__invalid(rep, msg);
		}
		if (__builtin_add_overflow((uintptr_t)items[i].dst, items[i].bytes, &end) ||
		    __builtin_add_overflow((uintptr_t)items[i].src, items[i].bytes, &end) ||
		    __builtin_add_overflow(total, items[i].bytes, &total)) {
			snprintf(msg, sizeof(msg), "item %zu: its span overflows the address space",
				 i);
			return ferry__invalid(rep, msg);
		}
	}
	if (!total)
		return FERRY_OK;
	if (overlaps(items, n, msg, sizeof(msg)))
		return ferry__invalid(rep, msg);
	st = ferry__pending(rep);
	if (st != FERRY_OK)
		return ferry__failed(st);
	ferry__op_init(&op, ctx, items[0].dst, dst_dev, items[0].src, src_dev, stream, rep);
	for (size_t i = 0; i < n; i++) {
		if (!items[i].bytes)
			continue;
		st = check_item(&op, &known, &items[i], i, true, dst_dev, &op.dst_type);
		if (st == FERRY_OK)
			st = check_item(&op, &known, &items[i], i, false, src_dev, &op.src_type);
		if (st != FERRY_OK)
			return ferry__failed(st);
	}
	e = cudaStreamIsCapturing(stream, &cs);
	if (e != cudaSuccess) {
		cudaGetLastError();
		return per_item(ctx, items, n, dst_dev, src_dev, stream, rep);
	}
	/* a capture, or the host on a side: each item as ferry_copy takes it */
	if (cs != cudaStreamCaptureStatusNone)
		FERRY__TOOK(BATCH_CAPTURE);
	if (cs != cudaStreamCaptureStatusNone || dst_dev == FERRY_HOST || src_dev == FERRY_HOST)
		return per_item(ctx, items, n, dst_dev, src_dev, stream, rep);
	peer = src_dev != dst_dev;
	rung = peer ? FERRY_PATH_PEER : FERRY_PATH_SAME_DEVICE;
	if (peer && (ctx->cfg.flags & (FERRY_NEVER_PEER | FERRY_ALWAYS_STAGE)))
		return per_item(ctx, items, n, dst_dev, src_dev, stream, rep);
	if (!peer && (ctx->cfg.flags & FERRY_ALWAYS_STAGE))
		return per_item(ctx, items, n, dst_dev, src_dev, stream, rep);
	if (peer) {
		st = ferry__pair_prepare(&op, &use);
		if (st != FERRY_OK)
			return ferry__failed(st);
		if (!use)
			return per_item(ctx, items, n, dst_dev, src_dev, stream, rep);
	}
	/* the runtime's batched copy: not on the legacy stream, which it refuses */
	if (!(ctx->cfg.flags & FERRY_NO_BATCH) && stream != 0 && stream != cudaStreamLegacy) {
		st = run_way(&op, items, n, true, peer, rung, &absent);
		if (st == FERRY_OK) {
			rep->via = "batch";
			FERRY__TOOK(BATCH_BATCHED);
			goto delivered;
		}
		if (st != FERRY_E_NO_PATH)
			return ferry__failed(st);
		FERRY__TOOK(BATCH_BATCHED_FAILED);
	}
	st = run_way(&op, items, n, false, peer, rung, &absent);
	if (st == FERRY_OK) {
		rep->via = "loop";
		FERRY__TOOK(BATCH_LOOP);
		goto delivered;
	}
	if (st != FERRY_E_NO_PATH)
		return ferry__failed(st);
	FERRY__TOOK(BATCH_LOOP_FAILED);
	if (peer)
		ferry__pair_demote(ctx, src_dev, dst_dev, rep->error, rep->error_call);
	rep->error = cudaSuccess;
	rep->error_call = NULL;
	rep->message[0] = '\0';
	return per_item(ctx, items, n, dst_dev, src_dev, stream, rep);
delivered:
	ferry__took_rung(rung);
	rep->path = rung;
	rep->bytes = total;
	rep->error = cudaSuccess;
	rep->error_call = NULL;
	rep->message[0] = '\0';
	atomic_fetch_add_explicit(&ferry__counters.copies[rung], n, memory_order_relaxed);
	atomic_fetch_add_explicit(&ferry__counters.bytes[rung], total, memory_order_relaxed);
	return FERRY_OK;
}
