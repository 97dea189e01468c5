/*
 * nvml_hide.c: libferry_nvml.so, preloaded by `ferry inject --devices N` under the name
 * libnvidia-ml.so.1 (its SONAME), so that a program that loads NVML by that name gets this
 * library instead, whose initialization fails.
 *
 * Why: NVML counts the physical GPUs. A program that asks NVML first would see fewer devices
 * than the CUDA runtime shows under virtual devices; PyTorch's torch.cuda.device_count(), for
 * one, answers NVML's count when NVML initializes and the runtime's when it does not. With
 * NVML unavailable, as in many containers, programs fall back to the runtime.
 */
#include <stdatomic.h>
#include <stdio.h>

#define NVML_EXPORT __attribute__((visibility("default")))
#define NVML_ERROR_LIBRARY_NOT_FOUND 12

static int refuse(void)
{
	static atomic_int said;

	if (!atomic_exchange(&said, 1))
		fprintf(stderr, "ferry-inject: NVML is hidden under virtual devices (it would count "
				"the physical GPUs)\n");
	return NVML_ERROR_LIBRARY_NOT_FOUND;
}

NVML_EXPORT int nvmlInit(void);
NVML_EXPORT int nvmlInit(void)
{
	return refuse();
}

NVML_EXPORT int nvmlInit_v2(void);
NVML_EXPORT int nvmlInit_v2(void)
{
	return refuse();
}

NVML_EXPORT int nvmlInitWithFlags(unsigned int flags);
NVML_EXPORT int nvmlInitWithFlags(unsigned int flags)
{
	(void)flags;
	return refuse();
}

NVML_EXPORT const char *nvmlErrorString(int result);
NVML_EXPORT const char *nvmlErrorString(int result)
{
	return result == NVML_ERROR_LIBRARY_NOT_FOUND ?
		       "NVML Shared Library Not Found (hidden by ferry inject under virtual devices)" :
		       "Unknown Error";
}
