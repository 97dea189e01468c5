/* consumer: built against an installed ferry; prints how many devices it sees, and copies a
 * buffer from the first device to the last with the installed copy core. The headers come
 * from the installed package; the simulator's control API is reached through the dynamic
 * linker, so the program also runs on a real GPU (where it finds no simulator). */
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ferry.h"
#include "ferry_sim.h"

int main(void)
{
	int n = 0;
	unsigned long long (*pending)(void) =
		(unsigned long long (*)(void))(uintptr_t)dlsym(RTLD_DEFAULT, "ferry_sim_pending");
	unsigned char host[4096], back[4096];
	void *a = NULL, *b = NULL;
	ferry_ctx *ctx;
	ferry_report rep;
	ferry_status st;

	if (cudaGetDeviceCount(&n) != cudaSuccess)
		return 1;
	printf("consumer sees %d devices%s\n", n, pending ? " (simulated)" : "");
	if (n < 2 || ferry_ctx_init(&ctx, NULL) != FERRY_OK)
		return n < 2 ? 0 : 1;
	memset(host, 0x3c, sizeof(host));
	cudaSetDevice(0);
	cudaMalloc(&a, sizeof(host));
	cudaMemcpy(a, host, sizeof(host), cudaMemcpyHostToDevice);
	cudaSetDevice(n - 1);
	cudaMalloc(&b, sizeof(host));
	st = ferry_copy(ctx, b, n - 1, a, 0, sizeof(host), 0, &rep);
	cudaMemcpy(back, b, sizeof(back), cudaMemcpyDeviceToHost);
	printf("ferry_copy 0 -> %d: %s by %s, %s\n", n - 1, ferry_status_name(st),
	       ferry_path_name(rep.path), memcmp(back, host, sizeof(host)) ? "wrong bytes" : "exact");
	ferry_ctx_fini(ctx);
	return st == FERRY_OK && !memcmp(back, host, sizeof(host)) ? 0 : 1;
}
