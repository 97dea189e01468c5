/*
 * core_batch: ferry_copy_batch on a GPU machine, ratios measured side by side in one run.
 *
 * Two cases (issue 6): 4096 copies of 4 KiB and 256 copies of 1 MiB from device 0 to device 1
 * (with one GPU, or --one, between two buffers of device 0). For each, the median of --reps
 * timed runs (each from the first call to the wait's end; the destination's slots shuffled)
 * of:
 *   batch       ferry_copy_batch, the runtime's batched copy (shim: cudaMemcpyBatchAsync)
 *   loop        ferry_copy_batch with FERRY_NO_BATCH: one copy call per item, one wait
 *   per-copy    a loop of ferry_copy, one per item (each checked and waited for)
 *   raw-batch   cudaMemcpyBatchAsync by hand, one wait (the floor of the batched way)
 *   raw-loop    cudaMemcpyPeerAsync per item by hand, one wait
 * The runs alternate (batch, loop, per-copy, raw-batch, raw-loop, batch ...), so that what
 * slows the machine slows them alike. Every ferry run's bytes are checked afterwards.
 * Printed: microseconds per run and per item, GB/s, and ratios per-copy/batch, loop/batch,
 * batch/raw-batch. On the simulator (ctest's smoke run) the figures mean nothing.
 *
 *   core_batch [--reps N] [--one] [--small-only]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "ferry.h"

enum way { BATCH, LOOP, PER_COPY, RAW_BATCH, RAW_LOOP, NWAYS };
static const char *const way_names[NWAYS] = { "batch", "loop", "per-copy", "raw-batch",
					       "raw-loop" };

#define CHECK(x) BENCH_CHECK("core_batch", x)

typedef cudaError_t (*batch13_fn)(void *const *, const void *const *, const size_t *, size_t,
				  struct cudaMemcpyAttributes *, size_t *, size_t, cudaStream_t);

static int run_case(size_t n, size_t size, int src_dev, int dst_dev, int reps, ferry_ctx *ctx,
		    ferry_ctx *ctx_loop)
{
	unsigned char *src, *dst, *host, *back;
	ferry_batch_item *items = calloc(n, sizeof(*items));
	void **dsts = calloc(n, sizeof(*dsts));
	const void **srcs = calloc(n, sizeof(*srcs));
	size_t *sizes = calloc(n, sizeof(*sizes)), *perm = calloc(n, sizeof(*perm));
	double *t[NWAYS];
	cudaStream_t s;
	struct cudaMemcpyAttributes attr;
	size_t idx0 = 0;
	uint64_t x = 88172645463325252ull;
	batch13_fn raw_batch = NULL;
	const char *via = "?";
	int bad = 0;

	for (int w = 0; w < NWAYS; w++)
		t[w] = calloc((size_t)reps, sizeof(double));
	host = malloc(n * size);
	back = malloc(n * size);
	CHECK(cudaSetDevice(src_dev));
	CHECK(cudaMalloc((void **)&src, n * size));
	CHECK(cudaSetDevice(dst_dev));
	CHECK(cudaMalloc((void **)&dst, n * size));
	CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
	{
		uint64_t hx = 0x2545f4914f6cdd1dull;	/* no period: misplaced bytes show */

		for (size_t i = 0; i < n * size; i++) {
			hx ^= hx << 13, hx ^= hx >> 7, hx ^= hx << 17;
			host[i] = (unsigned char)(hx >> 24);
		}
	}
	CHECK(cudaMemcpy(src, host, n * size, cudaMemcpyHostToDevice));
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j, tmp;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		j = x % i;
		tmp = perm[i - 1], perm[i - 1] = perm[j], perm[j] = tmp;
	}
	for (size_t i = 0; i < n; i++) {
		items[i].src = srcs[i] = src + i * size;
		items[i].dst = dsts[i] = dst + perm[i] * size;
		items[i].bytes = sizes[i] = size;
	}
	memset(&attr, 0, sizeof(attr));
	attr.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	{
		int rt = 0;

		cudaRuntimeGetVersion(&rt);
		if (rt >= 13000)
			raw_batch = (batch13_fn)(uintptr_t)cudaMemcpyBatchAsync;
	}
	/* warm-up: pair set-up (enable, self-test) outside the timing */
	{
		ferry_report rep;

		if (ferry_copy_batch(ctx, items, n, dst_dev, src_dev, s, &rep) != FERRY_OK ||
		    ferry_copy_batch(ctx_loop, items, n, dst_dev, src_dev, s, NULL) != FERRY_OK) {
			fprintf(stderr, "core_batch: warm-up failed: %s\n", rep.message);
			return 1;
		}
		via = rep.via;
	}
	for (int r = 0; r < reps; r++) {
		for (int w = 0; w < NWAYS; w++) {
			double t0;
			ferry_status st = FERRY_OK;

			CHECK(cudaMemsetAsync(dst, 0, n * size, s));
			CHECK(cudaStreamSynchronize(s));
			t0 = bench_now();
			switch (w) {
			case BATCH:
				st = ferry_copy_batch(ctx, items, n, dst_dev, src_dev, s, NULL);
				break;
			case LOOP:
				st = ferry_copy_batch(ctx_loop, items, n, dst_dev, src_dev, s, NULL);
				break;
			case PER_COPY:
				for (size_t i = 0; i < n && st == FERRY_OK; i++)
					st = ferry_copy(ctx, items[i].dst, dst_dev, items[i].src,
							src_dev, size, s, NULL);
				break;
			case RAW_BATCH:
				if (!raw_batch)
					continue;
				CHECK(raw_batch(dsts, srcs, sizes, n, &attr, &idx0, 1, s));
				CHECK(cudaStreamSynchronize(s));
				break;
			case RAW_LOOP:
				for (size_t i = 0; i < n; i++)
					CHECK(cudaMemcpyPeerAsync(dsts[i], dst_dev, srcs[i], src_dev, size,
								  s));
				CHECK(cudaStreamSynchronize(s));
				break;
			}
			t[w][r] = bench_now() - t0;
			if (st != FERRY_OK) {
				fprintf(stderr, "core_batch: %s failed: %s\n", way_names[w],
					ferry_status_name(st));
				return 1;
			}
			if (w <= PER_COPY) {
				CHECK(cudaMemcpy(back, dst, n * size, cudaMemcpyDeviceToHost));
				for (size_t i = 0; i < n && !bad; i++)
					if (memcmp(back + perm[i] * size, host + i * size, size)) {
						fprintf(stderr, "core_batch: %s: item %zu wrong\n",
							way_names[w], i);
						bad = 1;
					}
			}
		}
	}
	printf("%zu x %zu B, %d -> %d (ferry's batch went via %s):\n", n, size, src_dev, dst_dev,
	       via);
	{
		double med[NWAYS];

		for (int w = 0; w < NWAYS; w++) {
			med[w] = bench_median(t[w], (size_t)reps);
			if (w == RAW_BATCH && !raw_batch) {
				printf("  %-10s (not in this runtime)\n", way_names[w]);
				continue;
			}
			printf("  %-10s %10.1f us  %8.3f us/item  %7.2f GB/s\n", way_names[w],
			       med[w] * 1e6, med[w] * 1e6 / (double)n,
			       (double)(n * size) / med[w] / 1e9);
		}
		printf("  ratios: per-copy/batch %.2f, loop/batch %.2f, per-copy/loop %.2f", 
		       med[PER_COPY] / med[BATCH], med[LOOP] / med[BATCH], med[PER_COPY] / med[LOOP]);
		if (raw_batch)
			printf(", batch/raw-batch %.3f, loop/raw-loop %.3f", med[BATCH] / med[RAW_BATCH],
			       med[LOOP] / med[RAW_LOOP]);
		printf("\n");
	}
	cudaFree(src);
	cudaFree(dst);
	cudaStreamDestroy(s);
	for (int w = 0; w < NWAYS; w++)
		free(t[w]);
	free(host), free(back), free(items), free(dsts), free(srcs), free(sizes), free(perm);
	return bad;
}

int main(int argc, char **argv)
{
	int reps = 21, ndev = 0, one = 0, small_only = 0, bad = 0;
	ferry_ctx *ctx, *ctx_loop;
	ferry_config cfg;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--one") == 0)
			one = 1;
		else if (strcmp(argv[i], "--small-only") == 0)
			small_only = 1;
		else {
			fprintf(stderr, "usage: core_batch [--reps N] [--one] [--small-only]\n");
			return 2;
		}
	}
	if (reps < 1)
		reps = 1;
	CHECK(cudaGetDeviceCount(&ndev));
	ferry_config_default(&cfg);
	if (ferry_ctx_init(&ctx, &cfg) != FERRY_OK)
		return 1;
	cfg.flags |= FERRY_NO_BATCH;
	if (ferry_ctx_init(&ctx_loop, &cfg) != FERRY_OK)
		return 1;
	{
		int src = 0, dst = ndev >= 2 && !one ? 1 : 0;

		bad |= run_case(4096, 4096, src, dst, reps, ctx, ctx_loop);
		if (!small_only)
			bad |= run_case(256, 1 << 20, src, dst, reps, ctx, ctx_loop);
	}
	ferry_ctx_fini(ctx);
	ferry_ctx_fini(ctx_loop);
	return bad;
}
