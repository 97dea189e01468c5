/*
 * cli_child: a CUDA program for test_cli. Allocates device memory once and frees it.
 * Exits 0 when cudaMalloc answers success or the error named by its argument, 4 otherwise.
 */
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	void *p = NULL;
	cudaError_t e = cudaMalloc(&p, 1 << 20);

	printf("cudaMalloc: %s\n", cudaGetErrorName(e));
	if (e == cudaSuccess) {
		cudaFree(p);
		return 0;
	}
	return argc > 1 && strcmp(argv[1], cudaGetErrorName(e)) == 0 ? 0 : 4;
}
