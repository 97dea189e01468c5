/*
 * sim_bandwidth: is the simulator fast enough not to be what limits the harness?
 *
 * Measures, in one run and side by side, plain memcpy between host buffers and the
 * simulator's host-to-device, device-to-host and device-to-device copies (cudaMemcpy, the
 * device-to-device one followed by cudaDeviceSynchronize since it does not wait), for sizes
 * from 4 KiB to 256 MiB, and the cost of an empty cudaStreamQuery. Each figure is the
 * median of 9 samples; each sample repeats the copy until it has taken at least 20 ms.
 * Every buffer is written once before timing, so page faults are not measured.
 *
 *   ferry sim -- build/bench/sim_bandwidth        (or: cmake --build build -t run-bench)
 */
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SAMPLES 9
#define MIN_SAMPLE_NS 20000000.0

enum what { MEMCPY, H2D, D2H, D2D };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void check(cudaError_t e, const char *what)
{
	if (e != cudaSuccess) {
		fprintf(stderr, "sim_bandwidth: %s: %s\n", what, cudaGetErrorString(e));
		exit(1);
	}
}

static void copy_once(enum what w, void *hdst, void *hsrc, void *ddst, void *dsrc, size_t n)
{
	switch (w) {
	case MEMCPY:
		memcpy(hdst, hsrc, n);
		break;
	case H2D:
		check(cudaMemcpy(ddst, hsrc, n, cudaMemcpyHostToDevice), "H2D");
		break;
	case D2H:
		check(cudaMemcpy(hdst, dsrc, n, cudaMemcpyDeviceToHost), "D2H");
		break;
	case D2D:
		check(cudaMemcpy(ddst, dsrc, n, cudaMemcpyDeviceToDevice), "D2D");
		check(cudaDeviceSynchronize(), "sync");
		break;
	}
}

/* Median bandwidth in GB/s (1e9 bytes per second). */
static double bandwidth(enum what w, void *hdst, void *hsrc, void *ddst, void *dsrc, size_t n)
{
	double gbps[SAMPLES];
	long reps = 1;

	/* Calibrate the repetitions so that one sample lasts MIN_SAMPLE_NS. */
	for (;;) {
		double t0 = now_ns(), dt;

		for (long r = 0; r < reps; r++)
			copy_once(w, hdst, hsrc, ddst, dsrc, n);
		dt = now_ns() - t0;
		if (dt >= MIN_SAMPLE_NS)
			break;
		reps = dt > 0 ? (long)(reps * (MIN_SAMPLE_NS / dt) * 1.2) + 1 : reps * 10;
	}
	for (int s = 0; s < SAMPLES; s++) {
		double t0 = now_ns();

		for (long r = 0; r < reps; r++)
			copy_once(w, hdst, hsrc, ddst, dsrc, n);
		gbps[s] = (double)n * reps / (now_ns() - t0);
	}
	qsort(gbps, SAMPLES, sizeof(double), cmp_double);
	return gbps[SAMPLES / 2];
}

int main(void)
{
	static const size_t sizes[] = { 4 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20, 256 << 20 };
	size_t max = 256 << 20;
	void *ha, *hb, *da, *db;
	double ns[SAMPLES];
	bool sim = dlsym(RTLD_DEFAULT, "ferry_sim_pending") != NULL;

	printf("sim_bandwidth: %s; medians of %d samples, GB/s (ratio to memcpy)\n",
	       sim ? "libferry_sim.so" : "the CUDA runtime (no simulator preloaded)", SAMPLES);
	check(cudaMallocHost(&ha, max), "cudaMallocHost");
	check(cudaMallocHost(&hb, max), "cudaMallocHost");
	check(cudaMalloc(&da, max), "cudaMalloc");
	check(cudaMalloc(&db, max), "cudaMalloc");
	memset(ha, 1, max);
	memset(hb, 2, max);
	check(cudaMemset(da, 3, max), "cudaMemset");
	check(cudaMemset(db, 4, max), "cudaMemset");
	check(cudaDeviceSynchronize(), "sync");

	printf("%10s %10s %18s %18s %18s\n", "bytes", "memcpy", "host->device", "device->host",
	       "device->device");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		double base = bandwidth(MEMCPY, hb, ha, NULL, NULL, n);
		double h2d = bandwidth(H2D, NULL, ha, da, NULL, n);
		double d2h = bandwidth(D2H, hb, NULL, NULL, da, n);
		double d2d = bandwidth(D2D, NULL, NULL, db, da, n);

		printf("%10zu %10.2f %10.2f (%.2fx) %10.2f (%.2fx) %10.2f (%.2fx)\n", n, base, h2d,
		       h2d / base, d2h, d2h / base, d2d, d2d / base);
		fflush(stdout);
	}

	for (int s = 0; s < SAMPLES; s++) {
		const int calls = 200000;
		double t0 = now_ns();

		for (int c = 0; c < calls; c++)
			check(cudaStreamQuery(0), "cudaStreamQuery");
		ns[s] = (now_ns() - t0) / calls;
	}
	qsort(ns, SAMPLES, sizeof(double), cmp_double);
	printf("empty cudaStreamQuery: %.1f ns per call (median of %d x 200000 calls)\n",
	       ns[SAMPLES / 2], SAMPLES);
	return 0;
}
