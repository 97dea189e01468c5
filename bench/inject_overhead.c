/*
 * inject_overhead: what libferry_inject.so adds to a CUDA call that no rule acts on.
 *
 * Run under the interposer (`ferry inject -- inject_overhead`, over the simulator or the
 * real runtime). In one process it times the same calls made through the interposer (the
 * program's normal calls) and made directly on the runtime behind it (found with dlopen
 * RTLD_NOLOAD), side by side: median of 9 samples of 1,000,000 calls each, in ns per call.
 */
#define _GNU_SOURCE
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SAMPLES 9
#define CALLS 1000000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

typedef cudaError_t (*query_fn)(cudaStream_t);
typedef cudaError_t (*getdev_fn)(int *);
typedef cudaError_t (*peek_fn)(void);

enum which { QUERY, GETDEV, PEEK };

/* ns per call over CALLS calls: direct, or through the interposer when direct is NULL. */
static double sample(enum which w, void *direct)
{
	double t0 = now_ns();
	int d;

	for (int i = 0; i < CALLS; i++) {
		switch (w) {
		case QUERY:
			direct ? ((query_fn)direct)(0) : cudaStreamQuery(0);
			break;
		case GETDEV:
			direct ? ((getdev_fn)direct)(&d) : cudaGetDevice(&d);
			break;
		case PEEK:
			direct ? ((peek_fn)direct)() : cudaPeekAtLastError();
			break;
		}
	}
	return (now_ns() - t0) / CALLS;
}

/* Medians of SAMPLES samples each, direct and wrapped taken in turns (drift hits both). */
static void measure(enum which w, void *direct, double *a, double *b)
{
	double da[SAMPLES], db[SAMPLES];

	for (int s = 0; s < SAMPLES; s++) {
		da[s] = sample(w, direct);
		db[s] = sample(w, NULL);
	}
	qsort(da, SAMPLES, sizeof(double), cmp);
	qsort(db, SAMPLES, sizeof(double), cmp);
	*a = da[SAMPLES / 2];
	*b = db[SAMPLES / 2];
}

int main(void)
{
	void *sim = dlsym(RTLD_DEFAULT, "ferry_sim_pending");
	void *runtime = NULL;
	const char *behind = "libferry_sim.so";
	Dl_info info;
	static const struct {
		enum which w;
		const char *name, *call;
	} calls[] = {
		{ QUERY, "cudaStreamQuery", "cudaStreamQuery(0)" },
		{ GETDEV, "cudaGetDevice", "cudaGetDevice(&d)" },
		{ PEEK, "cudaPeekAtLastError", "cudaPeekAtLastError()" },
	};

	/* The runtime behind the interposer: the simulator if it is loaded, else libcudart. */
	if (sim && dladdr(sim, &info) && info.dli_fname)
		runtime = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	if (!runtime) {
		runtime = dlopen("libcudart.so.13", RTLD_LAZY | RTLD_NOLOAD);
		behind = "libcudart.so.13";
	}
	if (!runtime || !dlsym(RTLD_DEFAULT, "ferry_inject_rule_count")) {
		fprintf(stderr, "inject_overhead: run it under the interposer (ferry inject -- ...)\n");
		return 2;
	}
	cudaFree(0);	/* initialize the runtime before timing */
	printf("inject_overhead: calls through libferry_inject.so against %s directly;\n"
	       "FERRY_FAULTS='%s', FERRY_DEVICES=%s; ns per call, medians of %d x %d calls\n",
	       behind, getenv("FERRY_FAULTS") ?: "", getenv("FERRY_DEVICES") ?: "(none)",
	       SAMPLES, CALLS);
	printf("%-24s %10s %10s %10s\n", "call", "direct", "wrapped", "added");
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		void *direct = dlsym(runtime, calls[i].name);
		double a, b;

		if (!direct)
			return 2;
		measure(calls[i].w, direct, &a, &b);
		printf("%-24s %10.1f %10.1f %10.1f\n", calls[i].call, a, b, b - a);
	}
	return 0;
}
