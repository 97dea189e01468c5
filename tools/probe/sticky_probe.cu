/*
 * sticky_probe: how a real runtime behaves once a context is lost (an illegal address in a
 * kernel), so that libferry_sim.so's sticky errors (ferry_sim_fail) answer the same way. It
 * needs a GPU: the simulator runs no kernels. Build: nvcc -o sticky_probe sticky_probe.cu
 */
#include <cuda_runtime_api.h>
#include <stdio.h>

__global__ void bad_write(int *p)
{
	*p = 1;
}

#define RC(label, call)                                                                     \
	do {                                                                                \
		cudaError_t rc_ = (call);                                                   \
		printf("sticky %s rc=%d(%s) peek=%d\n", label, (int)rc_, cudaGetErrorName(rc_), \
		       (int)cudaPeekAtLastError());                                         \
	} while (0)

int main(void)
{
	void *p;
	int n = 0, v;
	cudaStream_t s;
	cudaEvent_t e;

	cudaGetDeviceCount(&n);
	cudaSetDevice(0);
	cudaMalloc(&p, 64);
	cudaStreamCreate(&s);
	cudaEventCreate(&e);
	bad_write<<<1, 1>>>((int *)0x10);
	RC("launch_getlast", cudaGetLastError());
	RC("device_sync", cudaDeviceSynchronize());
	RC("getlast1", cudaGetLastError());
	RC("getlast2", cudaGetLastError());
	RC("peek", cudaPeekAtLastError());
	RC("malloc", cudaMalloc(&p, 64));
	RC("free", cudaFree(p));
	RC("memcpy", cudaMemcpy(&v, p, 4, cudaMemcpyDeviceToHost));
	RC("stream_query", cudaStreamQuery(s));
	RC("stream_create", cudaStreamCreate(&s));
	RC("event_query", cudaEventQuery(e));
	RC("event_record", cudaEventRecord(e, 0));
	RC("getdevicecount", cudaGetDeviceCount(&n));
	RC("getdevice", cudaGetDevice(&v));
	RC("setdevice0", cudaSetDevice(0));
	RC("attr", cudaDeviceGetAttribute(&v, cudaDevAttrWarpSize, 0));
	RC("meminfo", cudaMemGetInfo((size_t *)&p, (size_t *)&p));
	RC("runtimeversion", cudaRuntimeGetVersion(&v));
	RC("canaccesspeer", cudaDeviceCanAccessPeer(&v, 0, n > 1 ? 1 : 0));
	if (n > 1) {
		RC("setdevice1", cudaSetDevice(1));
		RC("malloc_dev1", cudaMalloc(&p, 64));
		RC("getlast_dev1", cudaGetLastError());
		RC("sync_dev1", cudaDeviceSynchronize());
		RC("setdevice0_again", cudaSetDevice(0));
	}
	RC("reset", cudaDeviceReset());
	RC("getlast_after_reset", cudaGetLastError());
	RC("malloc_after_reset", cudaMalloc(&p, 64));
	RC("sync_after_reset", cudaDeviceSynchronize());
	return 0;
}
