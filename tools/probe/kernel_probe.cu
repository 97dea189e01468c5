/*
 * kernel_probe: what a real runtime does in the cases that need a kernel, so that
 * libferry_sim.so (which runs none) can model them with its control API:
 *   sticky_*  the context is lost (an illegal address): which calls fail, with what, and
 *             whether cudaDeviceReset or another device recovers;
 *   spin_*    a stream held by a spinning kernel (no host function involved): which
 *             synchronous calls wait for it.
 * Build: nvcc -o kernel_probe kernel_probe.cu; run: kernel_probe MODE (one mode a process).
 */
#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__global__ void bad_write(int *p)
{
	*p = 1;
}

__global__ void spin(volatile int *flag)
{
	while (*flag == 0)
		;
}

static const char *mode;

#define RC(label, call)                                                                      \
	do {                                                                                 \
		cudaError_t rc_ = (call);                                                    \
		printf("%s %s rc=%d(%s) peek=%d\n", mode, label, (int)rc_, cudaGetErrorName(rc_), \
		       (int)cudaPeekAtLastError());                                          \
	} while (0)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define TIMED(label, call)                                                                \
	do {                                                                              \
		double t0_ = now_ms();                                                    \
		cudaError_t rc_ = (call);                                                 \
		printf("%s %s rc=%d blocked_ms=%.0f\n", mode, label, (int)rc_, now_ms() - t0_); \
	} while (0)

static void lose_context(void)
{
	bad_write<<<1, 1>>>((int *)0x10);
	RC("device_sync", cudaDeviceSynchronize());
}

static void *malloc_in_thread(void *arg)
{
	void *p;

	(void)arg;
	RC("other_thread_getlast", cudaGetLastError());
	RC("other_thread_malloc", cudaMalloc(&p, 64));
	return NULL;
}

static volatile int *flag;

static void *release_after(void *arg)
{
	(void)arg;
	usleep(300 * 1000);
	*flag = 1;
	return NULL;
}

static void spin_hold(cudaStream_t s, pthread_t *t)
{
	*flag = 0;
	spin<<<1, 1, 0, s>>>(flag);
	pthread_create(t, NULL, release_after, NULL);
}

int main(int argc, char **argv)
{
	int n = 0, v;
	void *p;

	mode = argc > 1 ? argv[1] : "?";
	cudaGetDeviceCount(&n);
	cudaSetDevice(0);
	cudaMalloc(&p, 64);
	if (strcmp(mode, "sticky_reset") == 0) {
		lose_context();
		RC("getlast", cudaGetLastError());
		RC("reset", cudaDeviceReset());
		RC("malloc_after_reset", cudaMalloc(&p, 64));
		RC("sync_after_reset", cudaDeviceSynchronize());
	} else if (strcmp(mode, "sticky_thread") == 0) {
		pthread_t t;
		struct cudaDeviceProp prop;
		struct cudaPointerAttributes attr;
		char bus[32];
		cudaEvent_t e;

		lose_context();
		pthread_create(&t, NULL, malloc_in_thread, NULL);
		pthread_join(t, NULL);
		RC("getdevprops", cudaGetDeviceProperties(&prop, 0));
		RC("canaccess", cudaDeviceCanAccessPeer(&v, 0, 0));
		RC("pciid", cudaDeviceGetPCIBusId(bus, 32, 0));
		RC("hostalloc", cudaMallocHost(&p, 64));
		RC("hostregister", cudaHostRegister(&v, 4, 0));
		RC("ptrattr", cudaPointerGetAttributes(&attr, &v));
		RC("eventcreate", cudaEventCreate(&e));
		RC("streamsync0", cudaStreamSynchronize(0));
	} else if (strcmp(mode, "sticky_setdev") == 0 && n > 1) {
		lose_context();
		RC("setdevice1", cudaSetDevice(1));
		RC("malloc_dev1", cudaMalloc(&p, 64));
	} else if (strcmp(mode, "sticky_dev1_first") == 0 && n > 1) {
		void *p1;

		cudaSetDevice(1);
		cudaMalloc(&p1, 64);
		cudaSetDevice(0);
		lose_context();
		RC("setdevice1", cudaSetDevice(1));
		RC("malloc_dev1", cudaMalloc(&p1, 64));
		RC("sync_dev1", cudaDeviceSynchronize());
	} else if (strcmp(mode, "spin_nonblocking") == 0 || strcmp(mode, "spin_blocking") == 0) {
		cudaStream_t s;
		pthread_t t;
		unsigned char *d, *pin, pg[4096];

		cudaHostAlloc((void **)&flag, 4, cudaHostAllocMapped);
		cudaMalloc((void **)&d, 1 << 20);
		cudaMallocHost((void **)&pin, 4096);
		cudaStreamCreateWithFlags(&s, mode[5] == 'n' ? cudaStreamNonBlocking : 0);
		spin_hold(s, &t);
		TIMED("d2h_pageable", cudaMemcpy(pg, d, 4096, cudaMemcpyDeviceToHost));
		pthread_join(t, NULL);
		cudaDeviceSynchronize();
		spin_hold(s, &t);
		TIMED("d2h_pinned", cudaMemcpy(pin, d, 4096, cudaMemcpyDeviceToHost));
		pthread_join(t, NULL);
		cudaDeviceSynchronize();
		spin_hold(s, &t);
		TIMED("h2d_pageable", cudaMemcpy(d, pg, 4096, cudaMemcpyHostToDevice));
		pthread_join(t, NULL);
		cudaDeviceSynchronize();
		spin_hold(s, &t);
		TIMED("query0", cudaStreamQuery(0));
		TIMED("sync0", cudaStreamSynchronize(0));
		pthread_join(t, NULL);
		cudaDeviceSynchronize();
	} else {
		printf("%s skipped (devices: %d)\n", mode, n);
	}
	return 0;
}
