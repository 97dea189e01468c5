/*
 * bench_util.h: what the copy core's benchmarks share: a monotonic clock, the comparison that
 * sorts timings for a median, and a check that stops the benchmark on a failed CUDA call.
 */
#ifndef FERRY_BENCH_UTIL_H
#define FERRY_BENCH_UTIL_H

#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n timings (sorts them). */
static inline double bench_median(double *t, size_t n)
{
	qsort(t, n, sizeof(double), bench_cmp_double);
	return t[n / 2];
}

#define BENCH_CHECK(prog, x)                                                                 \
	do {                                                                                 \
		cudaError_t e_ = (x);                                                        \
		if (e_ != cudaSuccess) {                                                     \
			fprintf(stderr, "%s: %s: %s (line %d)\n", prog, #x,                   \
				cudaGetErrorName(e_), __LINE__);                             \
			exit(1);                                                             \
		}                                                                            \
	} while (0)

#endif
