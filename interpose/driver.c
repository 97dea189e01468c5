/*
 * driver.c: the few CUDA driver functions that virtual devices must see, because programs
 * call them with a device ordinal next to the runtime. PyTorch asks
 * cuDevicePrimaryCtxGetState(ordinal) before it moves a tensor to a device: on a 1-GPU box
 * presented as 4, ordinal 3 must mean the GPU under virtual device 3. Without virtual devices
 * they pass through. Not in common/cuda_api.def: that table is the runtime's.
 */
#include "inject.h"

#include <dlfcn.h>

typedef int inj_curesult;

#define CU_ERROR_NOT_INITIALIZED 3
#define CU_ERROR_INVALID_DEVICE 101

/* A driver function: behind the interposer, or in the loaded libcuda.so.1. */
static void *driver_fn(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);
	void *h;

	if (f)
		return f;
	h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
	return h ? dlsym(h, name) : NULL;
}

INJ_EXPORT inj_curesult cuDevicePrimaryCtxGetState(int dev, unsigned int *flags, int *active);
INJ_EXPORT inj_curesult cuDevicePrimaryCtxGetState(int dev, unsigned int *flags, int *active)
{
	static _Atomic(void *) real;
	inj_curesult (*f)(int, unsigned int *, int *);

	if (!atomic_load(&real))
		atomic_store(&real, driver_fn("cuDevicePrimaryCtxGetState"));
	f = (inj_curesult(*)(int, unsigned int *, int *))atomic_load(&real);
	if (inj_vd.active) {
		dev = inj_vdev_phys(dev);
		if (dev < 0)
			return CU_ERROR_INVALID_DEVICE;
	}
	return f ? f(dev, flags, active) : CU_ERROR_NOT_INITIALIZED;
}
