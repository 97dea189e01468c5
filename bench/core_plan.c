/*
 * core_plan: copy plans on a GPU machine, ratios measured side by side in one run.
 *
 * A copy repeated with the same pointers (a decode loop's step), from device 0 to device 1
 * (with one GPU, or --one, between two buffers of device 0), at 4 KiB, 1 MiB and 64 MiB, on
 * the staged path (FERRY_NEVER_PEER: the pinned pipeline) and on the peer path. Per copy, the
 * median of --reps timed copies of each, alternating:
 *   plain   ferry_copy
 *   plan    ferry_plan_launch of a plan made once (one graph launch, one wait)
 * Printed: microseconds per copy, GB/s, and plain/plan. The destination is checked after
 * every plan launch. On the simulator (ctest's smoke run) the figures mean nothing.
 *
 *   core_plan [--reps N] [--one] [--max SIZE_IN_MIB]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "ferry.h"

#define CHECK(x) BENCH_CHECK("core_plan", x)

static int run(ferry_ctx *ctx, const char *label, size_t n, int src_dev, int dst_dev, int reps)
{
	unsigned char *src, *dst, *host, *back;
	double *tp = calloc((size_t)reps, sizeof(double)), *tc = calloc((size_t)reps, sizeof(double));
	ferry_plan *plan;
	ferry_report rep;
	cudaStream_t s;
	int bad = 0;

	host = malloc(n);
	back = malloc(n);
	{
		uint64_t hx = 0x2545f4914f6cdd1dull;	/* no period: misplaced bytes show */

		for (size_t i = 0; i < n; i++) {
			hx ^= hx << 13, hx ^= hx >> 7, hx ^= hx << 17;
			host[i] = (unsigned char)(hx >> 24);
		}
	}
	CHECK(cudaSetDevice(src_dev));
	CHECK(cudaMalloc((void **)&src, n));
	CHECK(cudaMemcpy(src, host, n, cudaMemcpyHostToDevice));
	CHECK(cudaSetDevice(dst_dev));
	CHECK(cudaMalloc((void **)&dst, n));
	CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
	if (ferry_plan_create(ctx, &plan, dst, dst_dev, src, src_dev, n, &rep) != FERRY_OK) {
		fprintf(stderr, "core_plan: plan: %s\n", rep.message);
		return 1;
	}
	/* warm-up: pair set-up, rings, the graph's first launch */
	if (ferry_copy(ctx, dst, dst_dev, src, src_dev, n, s, NULL) != FERRY_OK ||
	    ferry_plan_launch(plan, s, &rep) != FERRY_OK) {
		fprintf(stderr, "core_plan: warm-up failed\n");
		return 1;
	}
	for (int r = 0; r < reps; r++) {
		double t0 = bench_now();

		if (ferry_copy(ctx, dst, dst_dev, src, src_dev, n, s, NULL) != FERRY_OK)
			return 1;
		tc[r] = bench_now() - t0;
		CHECK(cudaMemsetAsync(dst, 0, n, s));
		CHECK(cudaStreamSynchronize(s));
		t0 = bench_now();
		if (ferry_plan_launch(plan, s, &rep) != FERRY_OK)
			return 1;
		tp[r] = bench_now() - t0;
		CHECK(cudaMemcpy(back, dst, n, cudaMemcpyDeviceToHost));
		if (!bad && memcmp(back, host, n)) {
			fprintf(stderr, "core_plan: %s %zu B: wrong bytes after a plan launch\n", label,
				n);
			bad = 1;
		}
	}
	bench_median(tp, (size_t)reps);
	bench_median(tc, (size_t)reps);
	printf("%-7s %9zu B (%s via %s): plain %9.1f us %7.2f GB/s | plan %9.1f us %7.2f GB/s | "
	       "plain/plan %.3f\n", label, n, ferry_path_name(rep.path), rep.via,
	       tc[reps / 2] * 1e6, (double)n / tc[reps / 2] / 1e9, tp[reps / 2] * 1e6,
	       (double)n / tp[reps / 2] / 1e9, tc[reps / 2] / tp[reps / 2]);
	ferry_plan_destroy(plan);
	cudaFree(src);
	cudaFree(dst);
	cudaStreamDestroy(s);
	free(host), free(back), free(tp), free(tc);
	return bad;
}

int main(int argc, char **argv)
{
	int reps = 31, ndev = 0, one = 0, bad = 0;
	size_t max = 64u << 20;
	const size_t sizes[] = { 4096, 1u << 20, 64u << 20 };
	ferry_ctx *staged, *peer;
	ferry_config cfg;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--one") == 0)
			one = 1;
		else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
			max = (size_t)atol(argv[++i]) << 20;
		else {
			fprintf(stderr, "usage: core_plan [--reps N] [--one] [--max MIB]\n");
			return 2;
		}
	}
	if (reps < 1)
		reps = 1;
	CHECK(cudaGetDeviceCount(&ndev));
	ferry_config_default(&cfg);
	cfg.flags = FERRY_NEVER_PEER;
	if (ferry_ctx_init(&staged, &cfg) != FERRY_OK || ferry_ctx_init(&peer, NULL) != FERRY_OK)
		return 1;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && sizes[i] <= max; i++) {
		int dst = ndev >= 2 && !one ? 1 : 0;

		bad |= run(staged, "staged", sizes[i], 0, dst, reps);
		bad |= run(peer, dst ? "peer" : "same", sizes[i], 0, dst, reps);
	}
	ferry_ctx_fini(staged);
	ferry_ctx_fini(peer);
	return bad;
}
