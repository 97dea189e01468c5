/*
 * test_core_batch: ferry_copy_batch's own contract, in process on the simulator (2 devices):
 * bad batches refused before anything is written (overlaps, NULL pointers, a pointer of the
 * wrong device), empty batches, a capturing stream (the items recorded one node each, never
 * the batched copy, which a capture drops), and the counters. The ladder's ways (batch, loop,
 * per-item) and faults are scenarios/ladder/batch.scn's and scenarios/versions/'s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>

#include <cmocka.h>

#include "ferry.h"

#define N 8
#define SZ 4096

struct bufs {
	ferry_ctx *ctx;
	unsigned char *src, *dst;	/* N * SZ on devices 0 and 1 */
	unsigned char host[N * SZ];
	cudaStream_t s;
};

static int setup(void **state)
{
	static struct bufs b;

	assert_int_equal(ferry_ctx_init(&b.ctx, NULL), FERRY_OK);
	/* no period: an item landing in another item's slot shows */
	{
		uint64_t x = 88172645463325252ull;

		for (size_t i = 0; i < sizeof(b.host); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b.host[i] = (unsigned char)(x >> 24);
		}
	}
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&b.src, N * SZ), cudaSuccess);
	assert_int_equal(cudaMemcpy(b.src, b.host, N * SZ, cudaMemcpyHostToDevice), cudaSuccess);
	assert_int_equal(cudaSetDevice(1), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&b.dst, N * SZ), cudaSuccess);
	assert_int_equal(cudaStreamCreateWithFlags(&b.s, cudaStreamNonBlocking), cudaSuccess);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
	*state = &b;
	return 0;
}

static int teardown(void **state)
{
	struct bufs *b = *state;

	cudaFree(b->src);
	cudaFree(b->dst);
	cudaStreamDestroy(b->s);
	ferry_ctx_fini(b->ctx);
	return 0;
}

static void clear_dst(struct bufs *b)
{
	assert_int_equal(cudaSetDevice(1), cudaSuccess);
	assert_int_equal(cudaMemset(b->dst, 0xee, N * SZ), cudaSuccess);
	assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
}

static void assert_dst_untouched(struct bufs *b)
{
	unsigned char back[N * SZ];

	assert_int_equal(cudaMemcpy(back, b->dst, sizeof(back), cudaMemcpyDeviceToHost),
			 cudaSuccess);
	for (size_t i = 0; i < sizeof(back); i++)
		if (back[i] != 0xee)
			fail_msg("byte %zu written by a refused batch", i);
}

/* item i: source slot i to destination slot N-1-i */
static void items_reversed(struct bufs *b, ferry_batch_item *it)
{
	for (int i = 0; i < N; i++) {
		it[i].src = b->src + i * SZ;
		it[i].dst = b->dst + (N - 1 - i) * SZ;
		it[i].bytes = SZ;
	}
}

static void assert_reversed(struct bufs *b)
{
	unsigned char back[N * SZ];

	assert_int_equal(cudaMemcpy(back, b->dst, sizeof(back), cudaMemcpyDeviceToHost),
			 cudaSuccess);
	for (int i = 0; i < N; i++)
		assert_memory_equal(back + (N - 1 - i) * SZ, b->host + i * SZ, SZ);
}

static void refused(struct bufs *b, ferry_batch_item *it, size_t n, const char *msg)
{
	ferry_report rep;

	clear_dst(b);
	assert_int_equal(ferry_copy_batch(b->ctx, it, n, 1, 0, b->s, &rep), FERRY_E_INVALID);
	if (!strstr(rep.message, msg))
		fail_msg("message '%s' lacks '%s'", rep.message, msg);
	assert_dst_untouched(b);
	assert_int_equal(cudaGetLastError(), cudaSuccess);
}

static void test_bad_batches_refused(void **state)
{
	struct bufs *b = *state;
	ferry_batch_item it[N];

	items_reversed(b, it);
	it[5].dst = b->dst + 2 * SZ + 100;	/* over item 5's neighbour's destination */
	refused(b, it, N, "overlaps item");
	items_reversed(b, it);
	it[3].src = NULL;
	refused(b, it, N, "item 3: the src pointer is NULL");
	items_reversed(b, it);
	it[6].dst = b->host;		/* host memory where device 1's is named */
	refused(b, it, N, "item 6: dst");
	items_reversed(b, it);
	it[2].dst = b->src + 2 * SZ + 8;	/* a destination over a source */
	refused(b, it, N, "item 2");
	assert_int_equal(ferry_copy_batch(b->ctx, NULL, 3, 1, 0, b->s, NULL), FERRY_E_INVALID);
	assert_int_equal(ferry_copy_batch(b->ctx, it, N, 5, 0, b->s, NULL), FERRY_E_INVALID);
}

static void test_empty_batches(void **state)
{
	struct bufs *b = *state;
	ferry_batch_item it[N];
	ferry_report rep;

	assert_int_equal(ferry_copy_batch(b->ctx, NULL, 0, 1, 0, b->s, &rep), FERRY_OK);
	items_reversed(b, it);
	for (int i = 0; i < N; i++)
		it[i].bytes = 0;
	clear_dst(b);
	assert_int_equal(ferry_copy_batch(b->ctx, it, N, 1, 0, b->s, &rep), FERRY_OK);
	assert_int_equal(rep.bytes, 0);
	assert_dst_untouched(b);
}

static void test_batch_and_counters(void **state)
{
	struct bufs *b = *state;
	ferry_batch_item it[N];
	ferry_counters before, after;
	ferry_report rep;

	items_reversed(b, it);
	clear_dst(b);
	ferry_counters_get(&before);
	assert_int_equal(ferry_copy_batch(b->ctx, it, N, 1, 0, b->s, &rep), FERRY_OK);
	ferry_counters_get(&after);
	assert_int_equal(rep.path, FERRY_PATH_PEER);
	assert_string_equal(rep.via, "batch");
	assert_int_equal(rep.bytes, N * SZ);
	assert_int_equal(after.copies[FERRY_PATH_PEER] - before.copies[FERRY_PATH_PEER], N);
	assert_int_equal(after.bytes[FERRY_PATH_PEER] - before.bytes[FERRY_PATH_PEER], N * SZ);
	assert_reversed(b);
}

/* In a capture every item is a node of its own (cudaMemcpyAsync with cudaMemcpyDefault):
 * the batched copy would answer 900 and be missing from the graph. */
static void test_capture_records_every_item(void **state)
{
	struct bufs *b = *state;
	ferry_batch_item it[N];
	ferry_report rep;
	cudaGraph_t g = NULL;
	cudaGraphExec_t ex = NULL;
	size_t nodes = 0;

	items_reversed(b, it);
	clear_dst(b);
	assert_int_equal(cudaStreamBeginCapture(b->s, cudaStreamCaptureModeThreadLocal),
			 cudaSuccess);
	assert_int_equal(ferry_copy_batch(b->ctx, it, N, 1, 0, b->s, &rep), FERRY_OK);
	assert_true(rep.captured);
	assert_string_equal(rep.via, "per-item");
	assert_int_equal(cudaStreamEndCapture(b->s, &g), cudaSuccess);
	assert_int_equal(cudaGraphGetNodes(g, NULL, &nodes), cudaSuccess);
	assert_int_equal(nodes, N);
	assert_dst_untouched(b);	/* recorded, not run */
	assert_int_equal(cudaGraphInstantiate(&ex, g, 0), cudaSuccess);
	assert_int_equal(cudaGraphLaunch(ex, b->s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(b->s), cudaSuccess);
	assert_reversed(b);
	cudaGraphExecDestroy(ex);
	cudaGraphDestroy(g);
	assert_int_equal(cudaGetLastError(), cudaSuccess);
}

/* A batch whose items lie in one allocation a side checks each allocation once, where the
 * shim has a range query (the simulator's driver has one): two pointer checks, not one per
 * item side. Counted by the interposer (ctest runs this under it). */
static void test_each_allocation_checked_once(void **state)
{
	struct bufs *b = *state;
	ferry_batch_item it[N];
	ferry_report rep;
	long long (*calls)(const char *) =
		(long long (*)(const char *))(uintptr_t)dlsym(RTLD_DEFAULT, "ferry_inject_calls");
	long long before;

	if (!calls) {
		if (getenv("TEST_UNDER_INJECT"))
			fail_msg("ferry_inject_calls not found: not under the interposer");
		skip();
	}
	{
		ferry_shim_choice c[16];
		size_t n = ferry_shim_describe(c, 16, NULL, NULL);

		assert_true(n <= 16);
		while (n && strcmp(c[n - 1].capability, "address-range") != 0)
			n--;
		assert_true(n > 0);
		assert_string_equal(c[n - 1].variant, "driver");
	}
	items_reversed(b, it);
	clear_dst(b);
	before = calls("cudaPointerGetAttributes");
	assert_int_equal(ferry_copy_batch(b->ctx, it, N, 1, 0, b->s, &rep), FERRY_OK);
	assert_int_equal(calls("cudaPointerGetAttributes") - before, 2);
	assert_reversed(b);
}

/* ferry_named_paths: every name unique and explained, the shim's variants among them; a
 * batch delivered by the batched copy takes batch.batched and rung.peer once; max is kept;
 * ferry_counters_reset zeroes them. */
static uint64_t taken(const ferry_named_path *np, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(np[i].name, name) == 0)
			return np[i].taken;
	fail_msg("no named path %s", name);
	return 0;
}

static void test_named_paths(void **state)
{
	struct bufs *b = *state;
	ferry_batch_item it[N];
	ferry_report rep;
	ferry_named_path np[128], few[3];
	size_t n = ferry_named_paths(NULL, 0);

	assert_true(n > 40 && n <= 128);
	assert_int_equal(ferry_named_paths(np, 128), n);
	for (size_t i = 0; i < n; i++) {
		assert_true(np[i].name[0] && np[i].meaning[0]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(np[i].name, np[j].name) == 0)
				fail_msg("named path %s twice", np[i].name);
	}
	(void)taken(np, n, "shim.batch.v13000");
	(void)taken(np, n, "shim.address-range.driver");
	memset(few, 0, sizeof(few));
	assert_int_equal(ferry_named_paths(few, 2), n);
	assert_string_equal(few[0].name, np[0].name);
	assert_null(few[2].name);

	ferry_counters_reset();
	ferry_named_paths(np, 128);
	assert_int_equal(taken(np, n, "batch.batched"), 0);
	items_reversed(b, it);
	clear_dst(b);
	assert_int_equal(ferry_copy_batch(b->ctx, it, N, 1, 0, b->s, &rep), FERRY_OK);
	assert_string_equal(rep.via, "batch");
	ferry_named_paths(np, 128);
	assert_int_equal(taken(np, n, "batch.batched"), 1);
	assert_int_equal(taken(np, n, "rung.peer"), 1);
	assert_int_equal(taken(np, n, "batch.loop"), 0);
	assert_int_equal(taken(np, n, "rung.staged-pageable"), 0);
	assert_reversed(b);
	ferry_counters_reset();
	ferry_named_paths(np, 128);
	assert_int_equal(taken(np, n, "batch.batched"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_batches_refused),
		cmocka_unit_test(test_empty_batches),
		cmocka_unit_test(test_batch_and_counters),
		cmocka_unit_test(test_capture_records_every_item),
		cmocka_unit_test(test_each_allocation_checked_once),
		cmocka_unit_test(test_named_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
