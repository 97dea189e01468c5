/*
 * argspy.c: libferry_argspy.so, a stand-in for the 13.0 runtime functions that version
 * adapters call where the simulator has no model (managed memory's prefetch and advise,
 * kernel nodes' attributes). Preloaded between the interposer and the simulator, it answers
 * cudaSuccess and records the arguments it was given, for test_version_args to compare with
 * what the program passed through the emulated version's ABI.
 */
#include <cuda_runtime_api.h>
#include <string.h>

#include "argspy.h"

#define ARGSPY_EXPORT __attribute__((visibility("default")))

ARGSPY_EXPORT struct argspy_call ferry_argspy_last;
ARGSPY_EXPORT unsigned ferry_argspy_calls;

static void record(const char *fn, const void *ptr, size_t count, struct cudaMemLocation l,
		   unsigned flags, void *stream, int advice)
{
	memset(&ferry_argspy_last, 0, sizeof(ferry_argspy_last));
	strncpy(ferry_argspy_last.fn, fn, sizeof(ferry_argspy_last.fn) - 1);
	ferry_argspy_last.ptr = ptr;
	ferry_argspy_last.count = count;
	ferry_argspy_last.loc_type = (int)l.type;
	ferry_argspy_last.loc_id = l.id;
	ferry_argspy_last.flags = flags;
	ferry_argspy_last.stream = stream;
	ferry_argspy_last.advice = advice;
	ferry_argspy_calls++;
}

ARGSPY_EXPORT cudaError_t cudaMemPrefetchAsync_ptsz(const void *p, size_t n,
						    struct cudaMemLocation l, unsigned int flags,
						    cudaStream_t s);

ARGSPY_EXPORT cudaError_t cudaMemPrefetchAsync(const void *p, size_t n, struct cudaMemLocation l,
					       unsigned int flags, cudaStream_t s)
{
	record(__func__, p, n, l, flags, s, -1);
	return cudaSuccess;
}

ARGSPY_EXPORT cudaError_t cudaMemPrefetchAsync_ptsz(const void *p, size_t n,
						    struct cudaMemLocation l, unsigned int flags,
						    cudaStream_t s)
{
	record(__func__, p, n, l, flags, s, -1);
	return cudaSuccess;
}

ARGSPY_EXPORT cudaError_t cudaMemAdvise(const void *p, size_t n, enum cudaMemoryAdvise advice,
					struct cudaMemLocation l)
{
	record(__func__, p, n, l, 0, NULL, (int)advice);
	return cudaSuccess;
}

ARGSPY_EXPORT cudaError_t cudaGraphKernelNodeCopyAttributes(cudaGraphNode_t dst,
							    cudaGraphNode_t src)
{
	struct cudaMemLocation none;

	memset(&none, 0, sizeof(none));
	record(__func__, NULL, 0, none, 0, NULL, -1);
	ferry_argspy_last.dst = dst;
	ferry_argspy_last.src = src;
	return cudaSuccess;
}
