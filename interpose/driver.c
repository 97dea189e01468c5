/*
 * driver.c: the few CUDA driver functions that virtual devices must translate, because
 * programs call them with a device ordinal next to the runtime. PyTorch, before it moves a
 * tensor to cuda:N, asks cuDevicePrimaryCtxGetState(N), a function it finds with
 * dlsym(dlopen("libcuda.so.1"), ...): on a 1-GPU box presented as 4 devices, ordinal 3 must
 * mean the GPU under virtual device 3. Not in common/cuda_api.def: that table is the runtime's.
 *
 * So the interposer exports the function (for programs linked against libcuda), and wraps
 * dlsym: a lookup of it in a handle (libcuda's) answers the interposer's while virtual
 * devices are on.
 * dlsym(RTLD_NEXT) and dlsym(RTLD_DEFAULT) depend on who calls; the wrapper hands them to the
 * real dlsym by a tail call, so the caller the real one sees is the program's.
 */
#define _GNU_SOURCE
#include "inject.h"

#include <dlfcn.h>
#include <string.h>

typedef int inj_curesult;
typedef inj_curesult (*primary_ctx_state_fn)(int, unsigned int *, int *);
typedef inj_dlsym_fn dlsym_fn;

#define CU_ERROR_NOT_INITIALIZED 3
#define CU_ERROR_INVALID_DEVICE 101

static const char primary_name[] = "cuDevicePrimaryCtxGetState";
static _Atomic(void *) real_dlsym;
static _Atomic(void *) real_primary;

/*
 * dlsym is called before anything is ready: a sanitizer's runtime, preloaded ahead of the
 * interposer, looks up the functions it intercepts with dlsym while it starts, before its
 * shadow memory exists. So the path every dlsym takes is not instrumented.
 */
#define UNINSTRUMENTED __attribute__((no_sanitize("address", "undefined", "thread")))

UNINSTRUMENTED static dlsym_fn get_real_dlsym(void)
{
	void *f = atomic_load_explicit(&real_dlsym, memory_order_acquire);

	if (!f) {
		f = dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.34");
		if (!f)
			f = dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.2.5");
		atomic_store_explicit(&real_dlsym, f, memory_order_release);
	}
	return (dlsym_fn)f;
}

inj_dlsym_fn inj_real_dlsym(void)
{
	return get_real_dlsym();
}

/* The driver's own cuDevicePrimaryCtxGetState. */
static primary_ctx_state_fn get_real_primary(void)
{
	void *f = atomic_load_explicit(&real_primary, memory_order_acquire);

	if (!f) {
		dlsym_fn sym = get_real_dlsym();
		void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);

		f = sym ? sym(RTLD_NEXT, primary_name) : NULL;
		if (!f && h && sym)
			f = sym(h, primary_name);
		if (h)
			dlclose(h);
		atomic_store_explicit(&real_primary, f, memory_order_release);
	}
	return (primary_ctx_state_fn)f;
}

INJ_EXPORT inj_curesult cuDevicePrimaryCtxGetState(int dev, unsigned int *flags, int *active);
INJ_EXPORT inj_curesult cuDevicePrimaryCtxGetState(int dev, unsigned int *flags, int *active)
{
	primary_ctx_state_fn f = get_real_primary();

	if (inj_vd.active) {
		dev = inj_vdev_phys(dev);
		if (dev < 0)
			return CU_ERROR_INVALID_DEVICE;
	}
	return f ? f(dev, flags, active) : CU_ERROR_NOT_INITIALIZED;
}

/* A lookup of the driver's function in a handle (libcuda): the interposer's, when the
 * handle has it. */
static void *translated_primary(void *handle)
{
	void *f = get_real_dlsym()(handle, primary_name);

	if (!f)
		return NULL;
	atomic_store_explicit(&real_primary, f, memory_order_release);
	return (void *)(uintptr_t)cuDevicePrimaryCtxGetState;
}

/*
 * dlsym, exported under glibc's versions so that the program's dlsym binds here. Compiled
 * with optimization whatever the build, and without instrumentation (TSan's entry hooks
 * would make the final call a call), so that the final call is a jump: the real dlsym must
 * see the program's return address.
 */
#if defined(__clang__)
#define OPTIMIZED UNINSTRUMENTED
#define TAIL_RETURN __attribute__((musttail)) return
#else
#define OPTIMIZED UNINSTRUMENTED __attribute__((optimize("O2", "optimize-sibling-calls")))
#define TAIL_RETURN return
#endif

OPTIMIZED INJ_EXPORT void *inj_dlsym(void *handle, const char *name);
OPTIMIZED INJ_EXPORT void *inj_dlsym(void *handle, const char *name)
{
	/* RTLD_NEXT and RTLD_DEFAULT find the interposer's export by themselves */
	if (inj_vd.active && handle != RTLD_NEXT && handle != RTLD_DEFAULT && name &&
	    strcmp(name, primary_name) == 0)
		return translated_primary(handle);
	/* FERRY_CUDA_VERSION: what that version had (versions.c), whoever asks. No local
	 * whose address escapes here: it would cost the tail call below (test_vdev's
	 * next_ok checks that RTLD_NEXT still means the program's next). */
	if ((inj.cuda_version || inj.nhide) && name) {
		void *v = inj_version_answer(name);

		if (v != INJ_VERSION_PASS)
			return v;
	}
	TAIL_RETURN get_real_dlsym()(handle, name);
}

/* The same function, for programs linked before glibc 2.34. */
INJ_EXPORT void *inj_dlsym_old(void *handle, const char *name) __attribute__((alias("inj_dlsym")));

__asm__(".symver inj_dlsym, dlsym@@GLIBC_2.34");
__asm__(".symver inj_dlsym_old, dlsym@GLIBC_2.2.5");
