/* consumer: built against an installed ferry; prints how many devices it sees. The header
 * comes from the installed package; the control API is reached through the dynamic linker,
 * so the program also runs on a real GPU (where it finds no simulator). */
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

#include "ferry_sim.h"

int main(void)
{
	int n = 0;
	unsigned long long (*pending)(void) =
		(unsigned long long (*)(void))(uintptr_t)dlsym(RTLD_DEFAULT, "ferry_sim_pending");

	if (cudaGetDeviceCount(&n) != cudaSuccess)
		return 1;
	printf("consumer sees %d devices%s\n", n, pending ? " (simulated)" : "");
	return 0;
}
