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
#include <stdint.h>
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

/* --- a stream's context under virtual devices -------------------------------------------------
 *
 * A runtime without cudaStreamGetDevice (before 12.8) finds a stream's device through the
 * driver: cuStreamGetCtx, then cuCtxGetDevice with that context pushed. Virtual devices on
 * one GPU share its context, whose device is the physical ordinal. So while virtual devices
 * are on, the runtime's driver entry points answer these four with the functions below
 * (versions.c): cuStreamGetCtx hands out one token per virtual device in place of the
 * context; pushing a token pushes its context and makes cuCtxGetDevice answer the token's
 * virtual device until it is popped. Without a token current, cuCtxGetDevice answers the
 * thread's current virtual device. */

struct vctx {
	void *real;
	int vdev;
};

static struct vctx vctx_token[INJ_MAX_VDEV];
#define VCTX_DEPTH 16
static _Thread_local int vctx_stack[VCTX_DEPTH];	/* a token's virtual device, or -1 */
static _Thread_local int vctx_depth;

enum { DRV_STREAM_GET_CTX, DRV_CTX_PUSH, DRV_CTX_POP, DRV_CTX_GET_DEVICE, DRV_N };
static const char *const drv_names[DRV_N] = { "cuStreamGetCtx", "cuCtxPushCurrent",
					      "cuCtxPopCurrent", "cuCtxGetDevice" };
static _Atomic(void *) drv_real[DRV_N];

static int vctx_of(const void *ctx)
{
	const struct vctx *t = ctx;

	return t >= vctx_token && t < vctx_token + INJ_MAX_VDEV ? (int)(t - vctx_token) : -1;
}

static inj_curesult vd_stream_get_ctx(void *stream, void **ctx)
{
	inj_curesult (*f)(void *, void **) = atomic_load(&drv_real[DRV_STREAM_GET_CTX]);
	inj_curesult r = f(stream, ctx);
	int v = inj_vdev_of_stream((cudaStream_t)stream);

	if (r == 0 && ctx && v >= 0 && v < INJ_MAX_VDEV) {
		vctx_token[v].real = *ctx;	/* one physical context: the same each time */
		vctx_token[v].vdev = v;
		*ctx = &vctx_token[v];
	}
	return r;
}

static inj_curesult vd_ctx_push(void *ctx)
{
	inj_curesult (*f)(void *) = atomic_load(&drv_real[DRV_CTX_PUSH]);
	int v = vctx_of(ctx);
	inj_curesult r = f(v >= 0 ? vctx_token[v].real : ctx);

	if (r == 0) {
		if (vctx_depth < VCTX_DEPTH)
			vctx_stack[vctx_depth] = v;
		vctx_depth++;
	}
	return r;
}

static inj_curesult vd_ctx_pop(void **ctx)
{
	inj_curesult (*f)(void **) = atomic_load(&drv_real[DRV_CTX_POP]);
	inj_curesult r = f(ctx);

	if (r == 0 && vctx_depth > 0) {
		int v = --vctx_depth < VCTX_DEPTH ? vctx_stack[vctx_depth] : -1;

		if (v >= 0 && ctx)
			*ctx = &vctx_token[v];
	}
	return r;
}

static inj_curesult vd_ctx_get_device(int *dev)
{
	inj_curesult (*f)(int *) = atomic_load(&drv_real[DRV_CTX_GET_DEVICE]);
	int top = vctx_depth > 0 && vctx_depth <= VCTX_DEPTH ? vctx_stack[vctx_depth - 1] : -1;
	inj_curesult r = f(dev);

	if (r == 0 && dev)
		*dev = top >= 0 ? top : inj_vdev_current();
	return r;
}

void *inj_driver_translated(const char *sym, void *fn)
{
	static void *const mine[DRV_N] = { (void *)(uintptr_t)vd_stream_get_ctx,
					   (void *)(uintptr_t)vd_ctx_push,
					   (void *)(uintptr_t)vd_ctx_pop,
					   (void *)(uintptr_t)vd_ctx_get_device };

	if (!inj_vd.active || !fn || !sym)
		return fn;
	for (int i = 0; i < DRV_N; i++) {
		size_t n = strlen(drv_names[i]);

		/* cuCtxPushCurrent and cuCtxPopCurrent are looked up with or without _v2 */
		if (strncmp(sym, drv_names[i], n) == 0 && (!sym[n] || strcmp(sym + n, "_v2") == 0)) {
			atomic_store(&drv_real[i], fn);
			return mine[i];
		}
	}
	return fn;
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
	if ((inj.cuda_version || inj.nhide || inj_vd.active) && name) {
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
