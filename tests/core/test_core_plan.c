/*
 * test_core_plan: copy plans on the simulator (2 devices), in process. Each plan is launched
 * three times with the source rewritten between launches, and the destination checked every
 * time, guard bytes around it included: peer, one device, the staged pipeline as a graph
 * (more pieces than slots, so a slot is reused and its dependency matters: run under the
 * lazy, eager and random schedules by ctest), host endpoints (unplanned), a launch inside a
 * capture (recorded as ferry_copy records it), and bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry.h"

#define GUARD 256

struct dev_buf {
	unsigned char *base;	/* GUARD + n + GUARD */
	int dev;
	size_t n;
};

static void buf_alloc(struct dev_buf *b, int dev, size_t n)
{
	b->dev = dev;
	b->n = n;
	if (dev == FERRY_HOST) {
		b->base = malloc(n + 2 * GUARD);
		assert_non_null(b->base);
		return;
	}
	assert_int_equal(cudaSetDevice(dev), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&b->base, n + 2 * GUARD), cudaSuccess);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
}

static void buf_free(struct dev_buf *b)
{
	if (b->dev == FERRY_HOST)
		free(b->base);
	else
		cudaFree(b->base);
}

static void put(struct dev_buf *b, const unsigned char *h)
{
	if (b->dev == FERRY_HOST)
		memcpy(b->base, h, b->n + 2 * GUARD);
	else
		assert_int_equal(cudaMemcpy(b->base, h, b->n + 2 * GUARD, cudaMemcpyHostToDevice),
				 cudaSuccess);
}

static void get(struct dev_buf *b, unsigned char *h)
{
	if (b->dev == FERRY_HOST)
		memcpy(h, b->base, b->n + 2 * GUARD);
	else
		assert_int_equal(cudaMemcpy(h, b->base, b->n + 2 * GUARD, cudaMemcpyDeviceToHost),
				 cudaSuccess);
}

/* Plans dst <- src on ctx, launches it three times on stream with new source bytes each
 * time, and checks every byte; returns the report of the last launch. */
static void plan_thrice(ferry_ctx *ctx, int dst_dev, int src_dev, size_t n, cudaStream_t s,
			ferry_path want_path, const char *want_via, ferry_report *last)
{
	struct dev_buf d, src;
	unsigned char *hs = malloc(n + 2 * GUARD), *hd = malloc(n + 2 * GUARD);
	ferry_plan *plan = NULL;
	ferry_report rep;

	buf_alloc(&d, dst_dev, n);
	buf_alloc(&src, src_dev, n);
	memset(hd, 0xee, n + 2 * GUARD);
	put(&d, hd);
	assert_int_equal(ferry_plan_create(ctx, &plan, d.base + GUARD, dst_dev, src.base + GUARD,
					   src_dev, n, &rep), FERRY_OK);
	assert_string_equal(rep.via, want_via);
	for (unsigned k = 0; k < 3; k++) {
		/* no period: a piece moved to another place shows */
		uint64_t x = 0x9e3779b97f4a7c15ull * (k + 1);

		for (size_t i = 0; i < n + 2 * GUARD; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			hs[i] = (unsigned char)(x >> 24);
		}
		put(&src, hs);
		assert_int_equal(ferry_plan_launch(plan, s, &rep), FERRY_OK);
		assert_int_equal(rep.path, want_path);
		assert_string_equal(rep.via, want_via);
		assert_int_equal(rep.bytes, n);
		get(&d, hd);
		for (size_t i = 0; i < n + 2 * GUARD; i++) {
			unsigned char want = i < GUARD || i >= GUARD + n ? 0xee : hs[i];

			if (hd[i] != want)
				fail_msg("launch %u: byte %ld: 0x%02x, expected 0x%02x", k,
					 (long)i - GUARD, hd[i], want);
		}
	}
	*last = rep;
	ferry_plan_destroy(plan);
	buf_free(&d);
	buf_free(&src);
	free(hs);
	free(hd);
	assert_int_equal(cudaGetLastError(), cudaSuccess);
}

static cudaStream_t stream_on(int dev)
{
	cudaStream_t s;

	assert_int_equal(cudaSetDevice(dev), cudaSuccess);
	assert_int_equal(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
	return s;
}

static void test_peer_and_same_device(void **state)
{
	ferry_ctx *ctx;
	ferry_report rep;
	cudaStream_t s = stream_on(1);

	(void)state;
	assert_int_equal(ferry_ctx_init(&ctx, NULL), FERRY_OK);
	plan_thrice(ctx, 1, 0, (3u << 20) + 17, s, FERRY_PATH_PEER, "graph", &rep);
	plan_thrice(ctx, 1, 1, 100000, s, FERRY_PATH_SAME_DEVICE, "graph", &rep);
	plan_thrice(ctx, 0, 1, 5, 0, FERRY_PATH_PEER, "graph", &rep);
	ferry_ctx_fini(ctx);
	cudaStreamDestroy(s);
}

/* More pieces than slots: each slot is reused, after its piece went out. */
static void test_staged_pipeline_graph(void **state)
{
	ferry_ctx *ctx;
	ferry_config cfg;
	ferry_report rep;
	cudaStream_t s = stream_on(0);

	(void)state;
	ferry_config_default(&cfg);
	cfg.chunk_bytes = 64 << 10;
	cfg.slots = 2;
	cfg.flags = FERRY_NEVER_PEER;
	assert_int_equal(ferry_ctx_init(&ctx, &cfg), FERRY_OK);
	plan_thrice(ctx, 1, 0, 7 * (64 << 10) + 1000, s, FERRY_PATH_STAGED_PINNED, "graph", &rep);
	plan_thrice(ctx, 0, 1, 3000, s, FERRY_PATH_STAGED_PINNED, "graph", &rep);
	ferry_ctx_fini(ctx);
	cudaStreamDestroy(s);
}

static void test_unplanned(void **state)
{
	ferry_ctx *ctx;
	ferry_config cfg;
	ferry_report rep;
	cudaStream_t s = stream_on(0);

	(void)state;
	assert_int_equal(ferry_ctx_init(&ctx, NULL), FERRY_OK);
	plan_thrice(ctx, FERRY_HOST, 1, 70000, s, FERRY_PATH_HOST, "unplanned", &rep);
	ferry_ctx_fini(ctx);
	ferry_config_default(&cfg);
	cfg.flags = FERRY_NEVER_PEER | FERRY_NO_PINNED;
	assert_int_equal(ferry_ctx_init(&ctx, &cfg), FERRY_OK);
	plan_thrice(ctx, 1, 0, 70000, s, FERRY_PATH_STAGED_PAGEABLE, "unplanned", &rep);
	ferry_ctx_fini(ctx);
	cudaStreamDestroy(s);
}

/* In a capture a launch records ferry_copy's copy (a graph cannot be launched into one). */
static void test_launch_in_capture(void **state)
{
	ferry_ctx *ctx;
	ferry_plan *plan;
	ferry_report rep;
	cudaStream_t s = stream_on(1);
	unsigned char *a, *b, host[4096], back[4096];
	cudaGraph_t g;
	cudaGraphExec_t ex;

	(void)state;
	for (size_t i = 0; i < sizeof(host); i++)
		host[i] = (unsigned char)(i + 9);
	assert_int_equal(ferry_ctx_init(&ctx, NULL), FERRY_OK);
	assert_int_equal(cudaMalloc((void **)&a, sizeof(host)), cudaSuccess);
	assert_int_equal(cudaMemcpy(a, host, sizeof(host), cudaMemcpyHostToDevice), cudaSuccess);
	assert_int_equal(cudaSetDevice(1), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&b, sizeof(host)), cudaSuccess);
	assert_int_equal(cudaMemset(b, 0, sizeof(host)), cudaSuccess);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
	assert_int_equal(ferry_plan_create(ctx, &plan, b, 1, a, 0, sizeof(host), &rep), FERRY_OK);
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), cudaSuccess);
	assert_int_equal(ferry_plan_launch(plan, s, &rep), FERRY_OK);
	assert_true(rep.captured);
	assert_string_equal(rep.via, "unplanned");
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	assert_int_equal(cudaGraphInstantiate(&ex, g, 0), cudaSuccess);
	assert_int_equal(cudaGraphLaunch(ex, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	assert_int_equal(cudaMemcpy(back, b, sizeof(back), cudaMemcpyDeviceToHost), cudaSuccess);
	assert_memory_equal(back, host, sizeof(host));
	cudaGraphExecDestroy(ex);
	cudaGraphDestroy(g);
	ferry_plan_destroy(plan);
	cudaFree(a);
	cudaFree(b);
	ferry_ctx_fini(ctx);
	cudaStreamDestroy(s);
	assert_int_equal(cudaGetLastError(), cudaSuccess);
}

static void test_bad_plans(void **state)
{
	ferry_ctx *ctx;
	ferry_plan *plan = (ferry_plan *)(uintptr_t)1;
	ferry_report rep;
	unsigned char *a;

	(void)state;
	assert_int_equal(ferry_ctx_init(&ctx, NULL), FERRY_OK);
	assert_int_equal(cudaMalloc((void **)&a, 8192), cudaSuccess);
	assert_int_equal(ferry_plan_create(ctx, &plan, a, 0, a + 100, 0, 4096, &rep),
			 FERRY_E_INVALID);
	assert_null(plan);
	assert_int_equal(ferry_plan_create(ctx, &plan, a, 0, a + 4096, 0, 0, &rep),
			 FERRY_E_INVALID);
	assert_int_equal(ferry_plan_create(ctx, &plan, a, 1, a + 4096, 0, 16, &rep),
			 FERRY_E_INVALID);	/* a is device 0's */
	assert_non_null(strstr(rep.message, "dst"));
	assert_int_equal(ferry_plan_create(ctx, NULL, a, 0, a + 4096, 0, 16, &rep),
			 FERRY_E_INVALID);
	assert_int_equal(ferry_plan_launch(NULL, 0, &rep), FERRY_E_INVALID);
	ferry_plan_destroy(NULL);
	cudaFree(a);
	ferry_ctx_fini(ctx);
	assert_int_equal(cudaGetLastError(), cudaSuccess);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_and_same_device),
		cmocka_unit_test(test_staged_pipeline_graph),
		cmocka_unit_test(test_unplanned),
		cmocka_unit_test(test_launch_in_capture),
		cmocka_unit_test(test_bad_plans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
