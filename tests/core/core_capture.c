/*
 * core_capture: the copy core inside a CUDA stream capture, on a real GPU and on the
 * simulator (a runtime that cannot capture makes this program say so and exit 77).
 *
 * While stream s is capturing (global mode), ferry_copy must record only capture-safe copies
 * and leave the capture valid: a copy between devices (before and after the pair was set up
 * outside the capture), a strided one, one from pinned host memory, and one from pageable
 * host memory, which must be refused with FERRY_E_CAPTURE without invalidating the capture.
 * The graph is then instantiated and launched twice, and every destination checked.
 *
 *   core_capture       (exit 0: all good; 1: a check failed; 77: no capture here)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry.h"

#define N (3u << 20)
#define W 1000
#define H 300

static int failures;

static void expect(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	failures += !ok;
}

static void *dev_alloc(int dev, size_t n, unsigned char fill)
{
	void *p = NULL;

	cudaSetDevice(dev);
	cudaMalloc(&p, n);
	cudaMemset(p, fill, n);
	cudaDeviceSynchronize();
	return p;
}

static bool equal_dev(const void *d, const unsigned char *want, size_t n)
{
	unsigned char *h = malloc(n);
	bool ok;

	cudaMemcpy(h, d, n, cudaMemcpyDeviceToHost);
	ok = memcmp(h, want, n) == 0;
	free(h);
	return ok;
}

int main(void)
{
	int ndev = 0, last;
	ferry_ctx *ctx;
	ferry_report rep;
	ferry_status st;
	cudaStream_t s;
	cudaGraph_t graph;
	cudaGraphExec_t exec;
	enum cudaStreamCaptureStatus cs;
	unsigned char *host = malloc(N), *pinned = NULL, *pageable = malloc(N), *want2d;
	unsigned char *a, *b, *c, *d2, *e;

	if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev < 1)
		return 77;
	last = ndev - 1;
	for (size_t i = 0; i < N; i++)
		host[i] = (unsigned char)(i * 7 + 3);
	memcpy(pageable, host, N);
	cudaMallocHost((void **)&pinned, N);
	memcpy(pinned, host, N);
	a = dev_alloc(0, N, 0);
	cudaMemcpy(a, host, N, cudaMemcpyHostToDevice);
	b = dev_alloc(last, N, 0);	/* a -> b, pair set up inside the capture */
	c = dev_alloc(last, N, 0);	/* pinned host -> c */
	d2 = dev_alloc(last, (size_t)H * 1536, 0xee);	/* strided */
	e = dev_alloc(last, N, 0xee);	/* pageable host -> e: refused */
	if (ferry_ctx_init(&ctx, NULL) != FERRY_OK)
		return 1;

	cudaSetDevice(0);
	cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
	if (cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal) != cudaSuccess) {
		cudaGetLastError();
		printf("no stream capture here (simulator?): skipped\n");
		return 77;
	}
	st = ferry_copy(ctx, b, last, a, 0, N, s, &rep);
	printf("  device copy: %s by %s captured=%d %s\n", ferry_status_name(st),
	       ferry_path_name(rep.path), rep.captured, rep.message);
	expect(st == FERRY_OK && rep.captured, "a copy between devices is captured");
	st = ferry_copy(ctx, c, last, pinned, FERRY_HOST, N, s, &rep);
	expect(st == FERRY_OK && rep.path == FERRY_PATH_HOST && rep.captured,
	       "a copy from pinned host memory is captured");
	{
		ferry_view dv = ferry_view_2d(d2, last, W, H, 1536);
		ferry_view sv = ferry_view_2d(a, 0, W, H, 1024);

		st = ferry_copy_strided(ctx, &dv, &sv, s, &rep);
		expect(st == FERRY_OK && rep.captured, "a strided copy is captured");
	}
	st = ferry_copy(ctx, e, last, pageable, FERRY_HOST, N, s, &rep);
	printf("  pageable: %s: %s\n", ferry_status_name(st), rep.message);
	expect(st == FERRY_E_CAPTURE, "a copy from pageable memory is refused");
	expect(cudaStreamIsCapturing(s, &cs) == cudaSuccess && cs == cudaStreamCaptureStatusActive,
	       "the capture is still valid");
	expect(cudaGetLastError() == cudaSuccess, "the last-error slot is clean");
	expect(cudaStreamEndCapture(s, &graph) == cudaSuccess, "the capture ends");
	expect(cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess, "the graph instantiates");
	for (int round = 0; round < 2; round++) {
		expect(cudaGraphLaunch(exec, s) == cudaSuccess, "the graph launches");
		expect(cudaStreamSynchronize(s) == cudaSuccess, "the graph runs");
	}
	expect(equal_dev(b, host, N), "device copy: every byte");
	expect(equal_dev(c, host, N), "pinned host copy: every byte");
	want2d = malloc((size_t)H * 1536);
	memset(want2d, 0xee, (size_t)H * 1536);
	for (int r = 0; r < H; r++)
		memcpy(want2d + (size_t)r * 1536, host + (size_t)r * 1024, W);
	expect(equal_dev(d2, want2d, (size_t)H * 1536), "strided copy: rows and gaps");
	memset(want2d, 0xee, (size_t)H * 1536);
	{
		unsigned char *h = malloc(N);

		cudaMemcpy(h, e, N, cudaMemcpyDeviceToHost);
		expect(h[0] == 0xee && h[N - 1] == 0xee, "the refused copy wrote nothing");
		free(h);
	}

	/* the pair set up outside a capture (peer access enabled and self-tested): a new
	 * capture records the copy over peer access */
	if (ndev > 1) {
		cudaSetDevice(last);
		cudaMemset(b, 0, N);
		cudaDeviceSynchronize();
		st = ferry_copy(ctx, b, last, a, 0, N, s, &rep);
		printf("  outside capture: %s by %s %s\n", ferry_status_name(st),
		       ferry_path_name(rep.path), rep.message);
		expect(st == FERRY_OK && rep.path == FERRY_PATH_PEER, "outside: by peer");
		cudaMemset(b, 0, N);
		cudaDeviceSynchronize();
		cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal);
		st = ferry_copy(ctx, b, last, a, 0, N, s, &rep);
		printf("  device copy again: %s by %s %s\n", ferry_status_name(st),
		       ferry_path_name(rep.path), rep.message);
		expect(st == FERRY_OK && rep.captured && rep.path == FERRY_PATH_PEER,
		       "the copy is captured again, over peer access");
		expect(cudaStreamEndCapture(s, &graph) == cudaSuccess, "the capture ends");
		expect(cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess, "instantiates");
		expect(cudaGraphLaunch(exec, s) == cudaSuccess &&
			       cudaStreamSynchronize(s) == cudaSuccess,
		       "runs");
		expect(equal_dev(b, host, N), "every byte");
	}
	ferry_ctx_fini(ctx);
	free(host);
	free(pageable);
	free(want2d);
	printf("%s\n", failures ? "core_capture: FAILED" : "core_capture: all good");
	return failures ? 1 : 0;
}
