/*
 * peer_ring: a small multi-GPU program, the kind ferry is for. Every device holds a
 * patterned buffer; the buffers travel round a ring of peer copies (device i sends to
 * device i+1 on the receiver's stream, ordered by events), with peer access enabled where
 * the devices allow it, until each buffer is home again; then every byte is checked.
 *
 * It runs on real GPUs as it is, and on libferry_sim.so with any number of devices
 * (`ferry demo`, or `ferry sim --devices N -- peer_ring`). Exit status 0 when every byte
 * came home intact, 1 when not, 2 when the runtime refused something.
 */
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEV 32
#define BYTES (16u << 20)

#define CHECK(call)                                                                         \
	do {                                                                                \
		cudaError_t e_ = (call);                                                    \
		if (e_ != cudaSuccess) {                                                    \
			fprintf(stderr, "peer_ring: %s failed: %s (%s)\n", #call,           \
				cudaGetErrorName(e_), cudaGetErrorString(e_));              \
			exit(2);                                                            \
		}                                                                           \
	} while (0)

/* The byte at offset i of device d's buffer. */
static unsigned char pattern(int d, size_t i)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ (uint32_t)(d + 1) * 40503u;

	return (unsigned char)(x >> 13);
}

int main(void)
{
	int n = 0;
	unsigned char *buf[MAX_DEV], *spare[MAX_DEV], *host;
	cudaStream_t stream[MAX_DEV];
	cudaEvent_t done[MAX_DEV], t0, t1;
	int peer[MAX_DEV][MAX_DEV];
	size_t bad = 0;
	float ms = 0;
	struct cudaDeviceProp prop;

	CHECK(cudaGetDeviceCount(&n));
	if (n > MAX_DEV)
		n = MAX_DEV;
	CHECK(cudaGetDeviceProperties(&prop, 0));
	printf("peer_ring: %d device%s (%s%s), %u MiB per buffer\n", n, n == 1 ? "" : "s",
	       prop.name,
	       dlsym(RTLD_DEFAULT, "ferry_sim_pending") ? ", simulated by libferry_sim.so" : "",
	       BYTES >> 20);
	CHECK(cudaMallocHost((void **)&host, BYTES));

	/* Buffers, streams, and the peer matrix with access enabled where possible. */
	for (int d = 0; d < n; d++) {
		CHECK(cudaSetDevice(d));
		CHECK(cudaMalloc((void **)&buf[d], BYTES));
		CHECK(cudaMalloc((void **)&spare[d], BYTES));
		CHECK(cudaStreamCreateWithFlags(&stream[d], cudaStreamNonBlocking));
		CHECK(cudaEventCreateWithFlags(&done[d], cudaEventDisableTiming));
		for (size_t i = 0; i < BYTES; i++)
			host[i] = pattern(d, i);
		CHECK(cudaMemcpy(buf[d], host, BYTES, cudaMemcpyHostToDevice));
	}
	printf("peer access (row: from, column: to):\n    ");
	for (int d = 0; d < n; d++)
		printf(" %2d", d);
	printf("\n");
	for (int a = 0; a < n; a++) {
		CHECK(cudaSetDevice(a));
		printf("  %2d", a);
		for (int b = 0; b < n; b++) {
			peer[a][b] = 0;
			if (a != b)
				CHECK(cudaDeviceCanAccessPeer(&peer[a][b], a, b));
			if (peer[a][b]) {
				cudaError_t e = cudaDeviceEnablePeerAccess(b, 0);

				/* Already enabled is success, and must not stay in the error slot. */
				if (e == cudaErrorPeerAccessAlreadyEnabled)
					cudaGetLastError();
				else if (e != cudaSuccess)
					CHECK(e);
			}
			printf("  %c", a == b ? '-' : peer[a][b] ? 'P' : '.');
		}
		printf("\n");
	}

	/* n steps round the ring: every buffer moves one device on at each step. */
	CHECK(cudaSetDevice(0));
	CHECK(cudaEventCreate(&t0));
	CHECK(cudaEventCreate(&t1));
	CHECK(cudaEventRecord(t0, stream[0]));
	for (int step = 0; step < n; step++) {
		for (int d = 0; d < n; d++) {
			CHECK(cudaSetDevice(d));
			CHECK(cudaEventRecord(done[d], stream[d]));
		}
		for (int d = 0; d < n; d++) {
			int to = (d + 1) % n;

			CHECK(cudaSetDevice(to));
			CHECK(cudaStreamWaitEvent(stream[to], done[d], 0));
			CHECK(cudaMemcpyPeerAsync(spare[to], to, buf[d], d, BYTES, stream[to]));
		}
		/* The senders' buffers are free once the copies out of them are done. */
		for (int d = 0; d < n; d++) {
			CHECK(cudaSetDevice(d));
			CHECK(cudaEventRecord(done[d], stream[d]));
		}
		for (int d = 0; d < n; d++) {
			CHECK(cudaSetDevice(d));
			CHECK(cudaStreamWaitEvent(stream[d], done[(d + 1) % n], 0));
		}
		for (int d = 0; d < n; d++) {
			unsigned char *t = buf[d];

			buf[d] = spare[d];
			spare[d] = t;
		}
	}
	CHECK(cudaSetDevice(0));
	for (int d = 1; d < n; d++) {
		CHECK(cudaEventRecord(done[d], stream[d]));
		CHECK(cudaStreamWaitEvent(stream[0], done[d], 0));
	}
	CHECK(cudaEventRecord(t1, stream[0]));
	CHECK(cudaEventSynchronize(t1));
	CHECK(cudaEventElapsedTime(&ms, t0, t1));

	/* Home again: check every byte. */
	for (int d = 0; d < n; d++) {
		size_t here = 0;

		CHECK(cudaSetDevice(d));
		CHECK(cudaMemcpy(host, buf[d], BYTES, cudaMemcpyDeviceToHost));
		for (size_t i = 0; i < BYTES; i++)
			here += host[i] != pattern(d, i);
		printf("device %2d: %s (%zu bytes differ)\n", d, here ? "CORRUPT" : "intact", here);
		bad += here;
	}
	printf("%d copies of %u MiB in %.3f ms; last error: %s\n", n * n, BYTES >> 20, ms,
	       cudaGetErrorName(cudaGetLastError()));
	printf(bad ? "peer_ring: FAILED\n" : "peer_ring: every byte came home\n");
	return bad ? 1 : 0;
}
