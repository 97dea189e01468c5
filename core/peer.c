/*
 * peer.c: the state of each ordered pair (src -> dst) of a context. At its first copy the
 * pair is set up once, under the context's pair lock: can dst access src, enable that
 * access (already enabled is success, and cleared: F05), and prove it with the self-test
 * (F01). A pair that fails any of these, or whose peer copy fails later, is demoted to
 * staging for the rest of the context's life, with the reason kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "self_test.h"

/* Demotes under the pair lock (held by the caller). */
static void demote_locked(ferry_ctx *ctx, struct ferry__pair *p, cudaError_t e, const char *call)
{
	p->reason.path = FERRY_PATH_PEER;
	p->reason.error = e;
	p->reason.call = call;
	p->reason.remembered = true;
	atomic_store_explicit(&p->state, FERRY_PAIR_STAGED, memory_order_release);
	atomic_fetch_add(&ferry__counters.demoted_pairs, 1);
}

void ferry__pair_demote(ferry_ctx *ctx, int src, int dst, cudaError_t e, const char *call)
{
	struct ferry__pair *p = &ctx->pairs[src * ctx->ndev + dst];

	pthread_mutex_lock(&ctx->pair_lock);
	if (atomic_load_explicit(&p->state, memory_order_relaxed) != FERRY_PAIR_STAGED)
		demote_locked(ctx, p, e, call);
	pthread_mutex_unlock(&ctx->pair_lock);
}

/* --- the self-test ---------------------------------------------------------------------------- */

#define GUARD 64
#define GUARD_BYTE 0x5a

/* The outcome of a self-test: it passed, found wrong bytes, or a call failed (e, call). */
struct self_test {
	bool mismatch;
	cudaError_t e;
	const char *call;
};

static void pattern(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 24);
	}
}

/* What a self-test that hung leaves behind: its host buffers, which the device may still
 * read and write, are kept (reachable) for the life of the process; its stream and device
 * buffers are never freed either. */
#define MAX_ABANDONED 64
static pthread_mutex_t abandoned_lock = PTHREAD_MUTEX_INITIALIZER;
static void *abandoned[MAX_ABANDONED];
static unsigned nabandoned;

static void abandon(void *host)
{
	pthread_mutex_lock(&abandoned_lock);
	if (nabandoned < MAX_ABANDONED)
		abandoned[nabandoned++] = host;
	pthread_mutex_unlock(&abandoned_lock);
}

/* Waits for stream s up to timeout_ms; NotReady after that. Polls at 20 us, then less often
 * (up to about every millisecond): a test that never ends (F03) is not polled ten thousand
 * times. The limit counts the pauses, not the clock, so a test that never ends makes the same
 * calls on a busy machine as on an idle one (ferry enumerate fails them one by one, and
 * replays must meet the same calls); the clock only stops a wait whose queries themselves
 * are slow, at twice the limit. */
static cudaError_t wait_stream(cudaStream_t s, unsigned timeout_ms)
{
	uint64_t limit = (uint64_t)timeout_ms * 1000000u, paused = 0;
	uint64_t deadline = ferry__now_ns() + 2 * limit;
	struct timespec pause = { 0, 20000 };
	cudaError_t e;

	while ((e = cudaStreamQuery(s)) == cudaErrorNotReady) {
		if (paused >= limit || ferry__now_ns() > deadline)
			return cudaErrorNotReady;
		nanosleep(&pause, NULL);
		paused += (uint64_t)pause.tv_nsec;
		if (pause.tv_nsec < 1000000)
			pause.tv_nsec *= 2;
	}
	return e;
}

/*
 * Copies patterned data of several sizes (a byte, a few, a page and some, a MiB and some,
 * past a staging chunk) from src to dst with cudaMemcpyPeerAsync, the call the peer rung
 * uses, into a destination filled with guard bytes, and compares on the host what arrived:
 * every copied byte, and the guards between them untouched.
 */
static void self_test(ferry_ctx *ctx, int src, int dst, struct self_test *r)
{
	size_t sizes[FERRY__SELF_TEST_NSIZES];
	const size_t nsizes = FERRY__SELF_TEST_NSIZES;
	size_t off[FERRY__SELF_TEST_NSIZES], total = GUARD;
	unsigned char *host = NULL, *back = NULL, *bs = NULL, *bd = NULL;
	cudaStream_t s = NULL;
	int saved = 0;
	bool hung = false, pinned;

	memset(r, 0, sizeof(*r));
	ferry__self_test_sizes(ctx->cfg.chunk_bytes, sizes);
	for (size_t i = 0; i < nsizes; i++) {
		off[i] = total;
		total += sizes[i] + GUARD;
	}
	/* Pinned, so that the copies back are asynchronous and a test whose copies never end
	 * is seen to time out (from pageable memory the copy call itself would wait); pageable
	 * where pinned memory is refused. */
	pinned = cudaHostAlloc((void **)&host, 2 * total, cudaHostAllocPortable) == cudaSuccess;
	if (!pinned) {
		cudaGetLastError();
		host = malloc(2 * total);
	}
	/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
	if (!host) {
		r->e = cudaErrorMemoryAllocation;
		r->call = "malloc";
		goto out;
	}
	/* GCOVR_EXCL_STOP */
	back = host + total;
	pattern(host, total, (uint64_t)src * 131 + (uint64_t)dst + 1);

#define TRY(expr, name)                                                                      \
	do {                                                                                 \
		cudaError_t e_ = (expr);                                                     \
		if (e_ != cudaSuccess) {                                                     \
			r->e = e_;                                                           \
			r->call = name;                                                      \
			goto out_restore;                                                    \
		}                                                                            \
	} while (0)

	TRY(ferry__on_device(src, &saved), "cudaSetDevice");
	TRY(cudaMalloc((void **)&bs, total), "cudaMalloc");
	TRY(cudaSetDevice(dst), "cudaSetDevice");
	TRY(cudaMalloc((void **)&bd, total), "cudaMalloc");
	TRY(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
	TRY(cudaMemcpyAsync(bs, host, total, cudaMemcpyHostToDevice, s), "cudaMemcpyAsync");
	TRY(cudaMemsetAsync(bd, GUARD_BYTE, total, s), "cudaMemsetAsync");
	for (size_t i = 0; i < nsizes; i++)
		TRY(cudaMemcpyPeerAsync(bd + off[i], dst, bs + off[i], src, sizes[i], s),
		    "cudaMemcpyPeerAsync");
	TRY(cudaMemcpyAsync(back, bd, total, cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync");
	{
		cudaError_t e = wait_stream(s, ctx->cfg.self_test_timeout_ms);

		if (e == cudaErrorNotReady) {
			hung = true;
			r->e = e;
			r->call = "self-test (timed out)";
			goto out_restore;
		}
		TRY(e, "cudaStreamQuery");
	}
#undef TRY
	{
		/* each copy's bytes, and the GUARD bytes before each and after the last */
		unsigned char g[GUARD];

		memset(g, GUARD_BYTE, sizeof(g));
		for (size_t i = 0; i < nsizes && !r->mismatch; i++)
			r->mismatch = memcmp(back + off[i] - GUARD, g, GUARD) != 0 ||
				      memcmp(back + off[i], host + off[i], sizes[i]) != 0;
		r->mismatch = r->mismatch || memcmp(back + total - GUARD, g, GUARD) != 0;
	}
	if (r->mismatch)
		r->call = "self-test";

out_restore:
	/* a test that hung keeps its buffers and stream: work may still land in them */
	if (!hung && s) {
		cudaError_t we = wait_stream(s, ctx->cfg.self_test_timeout_ms);

		if (we == cudaErrorNotReady)
			hung = true;
		else if (we != cudaSuccess && r->e == cudaSuccess && !r->mismatch) {
			r->e = we;	/* a lost context (or another error) at the end */
			r->call = "cudaStreamQuery";
		}
	}
	if (!hung) {
		if (s)
			cudaStreamDestroy(s);
		cudaFree(bs);
		cudaFree(bd);
	}
	ferry__restore_device(saved);
	cudaGetLastError();	/* r holds what failed; the slot is clean for the caller */
out:
	if (hung) {
		FERRY__TOOK(PAIR_SELF_TEST_HUNG);
		abandon(host);
	} else if (pinned) {
		cudaFreeHost(host);
	} else {
		free(host);
	}
	cudaGetLastError();
}

/* --- setting a pair up ------------------------------------------------------------------------ */

/* Sets up the pair under the pair lock: FERRY_OK with the pair's state decided, or the status
 * to return (the pair stays unknown). */
static ferry_status setup(struct ferry__op *op, struct ferry__pair *p)
{
	ferry_ctx *ctx = op->ctx;
	int src = op->src_dev, dst = op->dst_dev, can = 0, saved;
	bool enabled_here = false;
	enum ferry__verdict v;
	cudaError_t e;

	e = cudaDeviceCanAccessPeer(&can, dst, src);
	if (e != cudaSuccess) {
		v = ferry__fail(op, FERRY__STEP_QUERY, e, "cudaDeviceCanAccessPeer", FERRY_PATH_PEER);
		if (v == FERRY__STICKY)
			return FERRY_E_STICKY;
		FERRY__TOOK(PAIR_QUERY_FAILED);
		demote_locked(ctx, p, e, "cudaDeviceCanAccessPeer");
		ferry__fallback(op, FERRY_PATH_PEER, e, "cudaDeviceCanAccessPeer", FERRY__FB_TRIED);
		return FERRY_OK;
	}
	if (!can) {
		FERRY__TOOK(PAIR_NO_ACCESS);
		demote_locked(ctx, p, cudaSuccess, "cudaDeviceCanAccessPeer");
		ferry__fallback(op, FERRY_PATH_PEER, cudaSuccess, "cudaDeviceCanAccessPeer",
				FERRY__FB_SKIPPED);
		return FERRY_OK;
	}
	e = ferry__on_device(dst, &saved);
	if (e == cudaSuccess) {
		e = cudaDeviceEnablePeerAccess(src, 0);
		ferry__restore_device(saved);
		if (e == cudaErrorPeerAccessAlreadyEnabled) {
			FERRY__TOOK(PAIR_ALREADY_ENABLED);
			cudaGetLastError();	/* success, and not left in the slot (F05) */
		} else {
			enabled_here = e == cudaSuccess;
		}
		if (e == cudaErrorPeerAccessAlreadyEnabled)
			e = cudaSuccess;
	}
	if (e != cudaSuccess) {
		v = ferry__fail(op, FERRY__STEP_ENABLE, e, "cudaDeviceEnablePeerAccess",
				FERRY_PATH_PEER);
		if (v != FERRY__NEXT)
			return v == FERRY__STICKY ? FERRY_E_STICKY : FERRY_E_CUDA;
		FERRY__TOOK(PAIR_ENABLE_FAILED);
		demote_locked(ctx, p, e, "cudaDeviceEnablePeerAccess");
		ferry__fallback(op, FERRY_PATH_PEER, e, "cudaDeviceEnablePeerAccess",
				FERRY__FB_TRIED);
		return FERRY_OK;
	}
	if (!(ctx->cfg.flags & FERRY_NO_SELF_TEST)) {
		struct self_test r;
		uint64_t t0 = ferry__now_ns(), ns;

		self_test(ctx, src, dst, &r);
		ns = ferry__now_ns() - t0;
		op->rep->self_test_ns += ns;
		atomic_fetch_add(&ferry__counters.self_tests, 1);
		atomic_fetch_add(&ferry__counters.self_test_ns, ns);
		if (r.e != cudaSuccess || r.mismatch) {
			atomic_fetch_add(&ferry__counters.self_test_failures, 1);
			if (r.e != cudaSuccess)
				FERRY__TOOK(PAIR_SELF_TEST_ERROR);
			else
				FERRY__TOOK(PAIR_SELF_TEST_WRONG);
			if (r.e != cudaSuccess) {
				v = ferry__fail(op, FERRY__STEP_SELF_TEST, r.e, r.call,
						FERRY_PATH_PEER);
				if (v == FERRY__STICKY)
					return FERRY_E_STICKY;
			}
			/* Peer access that gives wrong bytes is worse than none: copies by
			 * others between the pair go through the driver's staging then. */
			if (enabled_here && ferry__on_device(dst, &saved) == cudaSuccess) {
				cudaDeviceDisablePeerAccess(src);
				ferry__restore_device(saved);
			}
			cudaGetLastError();
			demote_locked(ctx, p, r.e, r.call);
			ferry__fallback(op, FERRY_PATH_PEER, r.e, r.call, FERRY__FB_TRIED);
			return FERRY_OK;
		}
		FERRY__TOOK(PAIR_SELF_TEST_PASSED);
	} else {
		FERRY__TOOK(PAIR_SELF_TEST_SKIPPED);
	}
	atomic_store_explicit(&p->state, FERRY_PAIR_PEER, memory_order_release);
	return FERRY_OK;
}

ferry_status ferry__pair_prepare(struct ferry__op *op, bool *use)
{
	ferry_ctx *ctx = op->ctx;
	struct ferry__pair *p = &ctx->pairs[op->src_dev * ctx->ndev + op->dst_dev];
	int st = atomic_load_explicit(&p->state, memory_order_acquire);
	ferry_status ret = FERRY_OK;

	if (st == FERRY_PAIR_UNKNOWN) {
		pthread_mutex_lock(&ctx->pair_lock);
		if (atomic_load_explicit(&p->state, memory_order_relaxed) == FERRY_PAIR_UNKNOWN) {
			ret = setup(op, p);
			pthread_mutex_unlock(&ctx->pair_lock);
			*use = ret == FERRY_OK && atomic_load(&p->state) == FERRY_PAIR_PEER;
			return ret;
		}
		pthread_mutex_unlock(&ctx->pair_lock);
		st = atomic_load_explicit(&p->state, memory_order_acquire);
	}
	*use = st == FERRY_PAIR_PEER;
	if (st == FERRY_PAIR_STAGED) {
		FERRY__TOOK(PAIR_REMEMBERED);
		ferry__fallback(op, FERRY_PATH_PEER, p->reason.error, p->reason.call,
				FERRY__FB_REMEMBERED);
	}
	return ret;
}
