/*
 * ctx.c: contexts and their configuration, the per-process counters, and the names of
 * statuses and paths (from the tables in ferry.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct ferry__counters ferry__counters;

static const char *const status_names[] = {
#define FERRY_XX(name, msg) "FERRY_" #name,
	FERRY_STATUS_MAP(FERRY_XX)
#undef FERRY_XX
};

static const char *const status_msgs[] = {
#define FERRY_XX(name, msg) msg,
	FERRY_STATUS_MAP(FERRY_XX)
#undef FERRY_XX
};

static const char *const path_names[] = {
#define FERRY_XX(name, text) text,
	FERRY_PATH_MAP(FERRY_XX)
#undef FERRY_XX
};

const char *ferry_status_name(ferry_status s)
{
	return (unsigned)s < FERRY_STATUS_COUNT ? status_names[s] : "FERRY_E_UNKNOWN";
}

const char *ferry_strerror(ferry_status s)
{
	return (unsigned)s < FERRY_STATUS_COUNT ? status_msgs[s] : "unknown status";
}

const char *ferry_path_name(ferry_path p)
{
	return (unsigned)p < FERRY_PATH_COUNT ? path_names[p] : "unknown";
}

void ferry_config_default(ferry_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->chunk_bytes = FERRY_DEFAULT_CHUNK_BYTES;	/* best of 1..32 MiB x 2..8 slots on 2 x H200 */
	cfg->slots = 4;
	cfg->pinned_budget = 4 * cfg->slots * cfg->chunk_bytes;
	cfg->flags = 0;
	cfg->self_test_timeout_ms = 10000;
}

#define FERRY__ALL_FLAGS                                                                     \
	(FERRY_NEVER_PEER | FERRY_ALWAYS_STAGE | FERRY_NO_SELF_TEST | FERRY_NO_PINNED | FERRY_NO_BATCH)

ferry_status ferry_config_check(const ferry_config *cfg, char *msg, size_t len)
{
	char buf[160];

	if (!msg) {
		msg = buf;
		len = sizeof(buf);
	}
	if (!cfg)
		snprintf(msg, len, "the config is NULL");
	else if (cfg->chunk_bytes < 4096 || cfg->chunk_bytes > ((size_t)1 << 30))
		snprintf(msg, len, "chunk_bytes %zu is out of range (4096 .. 1 GiB)",
			 cfg->chunk_bytes);
	else if (cfg->slots < 2 || cfg->slots > 64)
		snprintf(msg, len, "slots %u is out of range (2 .. 64)", cfg->slots);
	else if (cfg->flags & ~FERRY__ALL_FLAGS)
		snprintf(msg, len, "flags 0x%x has bits that are no policy (0x%x)", cfg->flags,
			 cfg->flags & ~FERRY__ALL_FLAGS);
	else if (cfg->self_test_timeout_ms == 0)
		snprintf(msg, len, "self_test_timeout_ms is 0 (at least 1)");
	else
		return FERRY_OK;
	return FERRY_E_INVALID;
}

ferry_status ferry_ctx_init(ferry_ctx **out, const ferry_config *cfg)
{
	ferry_ctx *ctx;
	ferry_config def;
	int n = 0;
	size_t ring;

	if (!out)
		return FERRY_E_INVALID;
	*out = NULL;
	if (!cfg) {
		ferry_config_default(&def);
		cfg = &def;
	}
	if (ferry_config_check(cfg, NULL, 0) != FERRY_OK)
		return FERRY_E_INVALID;
	if (cudaGetDeviceCount(&n) != cudaSuccess) {
		/* no device (or no driver): host copies only */
		cudaGetLastError();
		n = 0;
	}
	ctx = calloc(1, sizeof(*ctx));
	/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
	if (!ctx)
		return FERRY_E_NOMEM;
	/* GCOVR_EXCL_STOP */
	ctx->cfg = *cfg;
	ctx->ndev = n;
	ring = cfg->chunk_bytes * cfg->slots;
	ctx->max_rings = (unsigned)(cfg->pinned_budget / ring);
	if (ctx->max_rings > 1024)
		ctx->max_rings = 1024;
	ctx->pairs = calloc((size_t)(n ? n : 1) * (size_t)(n ? n : 1), sizeof(*ctx->pairs));
	ctx->all_rings = calloc(ctx->max_rings + 1, sizeof(*ctx->all_rings));
	/* GCOVR_EXCL_START: malloc failing: the harness injects CUDA failures only */
	if (!ctx->pairs || !ctx->all_rings) {
		free(ctx->pairs);
		free(ctx->all_rings);
		free(ctx);
		return FERRY_E_NOMEM;
	}
	/* GCOVR_EXCL_STOP */
	pthread_mutex_init(&ctx->pair_lock, NULL);
	pthread_mutex_init(&ctx->ring_lock, NULL);
	pthread_cond_init(&ctx->ring_cond, NULL);
	*out = ctx;
	return FERRY_OK;
}

void ferry_ctx_fini(ferry_ctx *ctx)
{
	if (!ctx)
		return;
	ferry__rings_fini(ctx);
	pthread_mutex_destroy(&ctx->pair_lock);
	pthread_mutex_destroy(&ctx->ring_lock);
	pthread_cond_destroy(&ctx->ring_cond);
	free(ctx->pairs);
	free(ctx->all_rings);
	free(ctx);
}

ferry_pair_state ferry_pair_get(ferry_ctx *ctx, int src_dev, int dst_dev, ferry_fallback *reason)
{
	struct ferry__pair *p;
	int st;

	if (reason)
		memset(reason, 0, sizeof(*reason));
	if (!ctx || src_dev < 0 || dst_dev < 0 || src_dev >= ctx->ndev || dst_dev >= ctx->ndev)
		return FERRY_PAIR_UNKNOWN;
	p = &ctx->pairs[src_dev * ctx->ndev + dst_dev];
	st = atomic_load_explicit(&p->state, memory_order_acquire);
	if (st == FERRY_PAIR_STAGED && reason)
		*reason = p->reason;
	return (ferry_pair_state)st;
}

void ferry_counters_get(ferry_counters *out)
{
	struct ferry__counters *c = &ferry__counters;

	for (int i = 0; i < FERRY_PATH_COUNT; i++) {
		out->copies[i] = atomic_load(&c->copies[i]);
		out->bytes[i] = atomic_load(&c->bytes[i]);
		out->fallbacks[i] = atomic_load(&c->fallbacks[i]);
	}
	out->failures = atomic_load(&c->failures);
	out->self_tests = atomic_load(&c->self_tests);
	out->self_test_failures = atomic_load(&c->self_test_failures);
	out->self_test_ns = atomic_load(&c->self_test_ns);
	out->demoted_pairs = atomic_load(&c->demoted_pairs);
}

void ferry_counters_reset(void)
{
	struct ferry__counters *c = &ferry__counters;

	for (int i = 0; i < FERRY_PATH_COUNT; i++) {
		atomic_store(&c->copies[i], 0);
		atomic_store(&c->bytes[i], 0);
		atomic_store(&c->fallbacks[i], 0);
	}
	atomic_store(&c->failures, 0);
	atomic_store(&c->self_tests, 0);
	atomic_store(&c->self_test_failures, 0);
	atomic_store(&c->self_test_ns, 0);
	atomic_store(&c->demoted_pairs, 0);
	for (int i = 0; i < FERRY__NP_COUNT; i++)
		atomic_store(&ferry__named_taken[i], 0);
	ferry__shim_named_reset();
}

cudaError_t ferry__on_device(int dev, int *saved)
{
	cudaError_t e = cudaGetDevice(saved);

	if (e != cudaSuccess)
		return e;
	return *saved == dev ? cudaSuccess : cudaSetDevice(dev);
}

void ferry__restore_device(int saved)
{
	int cur;
	cudaError_t e = cudaGetDevice(&cur);

	if (e != cudaSuccess || cur != saved) {
		cudaError_t e2 = cudaSetDevice(saved);

		if (e == cudaSuccess)
			e = e2;
	}
	/* nothing to fall back to; the caller's device is as good as the runtime lets it be,
	 * and an error here is not the caller's */
	if (e != cudaSuccess && ferry__classify(e, FERRY__STEP_LAST) != FERRY__STICKY)
		cudaGetLastError();
}

uint64_t ferry__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
