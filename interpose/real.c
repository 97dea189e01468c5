/*
 * real.c: the runtime's functions, behind the interposer.
 *
 * The runtime is whatever defines the CUDA functions after libferry_inject.so: the
 * simulator (preloaded after it) or the real libcudart.so.13. dlsym(RTLD_NEXT) finds it when
 * it is in the global scope; a runtime that only a dlopen'ed library loaded (Python
 * extensions such as PyTorch's) is found by its name instead, among the loaded libraries.
 * Each function is looked up once, on first use.
 */
#include "inject.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static _Atomic(void *) fns[INJ_NFNS];
static _Atomic(void *) ptsz[INJ_NFNS];
static _Atomic(void *) ptds[INJ_NFNS];

/* The glibc dlsym, not the interposer's (which shows a program the emulated version's set):
 * the interposer itself always reaches the real functions. */
static void *lookup(const char *name)
{
	inj_dlsym_fn sym = inj_real_dlsym();
	void *f = sym ? sym(RTLD_NEXT, name) : NULL;
	void *h;

	if (f)
		return f;
	h = dlopen("libcudart.so.13", RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		h = dlopen("libcudart.so.13", RTLD_LAZY);
	if (h && sym)
		f = sym(h, name);
	if (!f) {
		static atomic_int said;

		if (!atomic_exchange(&said, 1))
			fprintf(stderr, "ferry-inject: no CUDA runtime behind the interposer (%s not "
					"found): calls answer cudaErrorInsufficientDriver\n",
				name);
	}
	return f;
}

void *inj_real_named(const char *name)
{
	return lookup(name);
}

void *inj_real(int fn)
{
	void *f = atomic_load_explicit(&fns[fn], memory_order_acquire);

	if (!f) {
		f = lookup(inj_fns[fn].name);
		atomic_store_explicit(&fns[fn], f, memory_order_release);
	}
	return f;
}

void *inj_real_twin(int fn, const char *suffix)
{
	_Atomic(void *) *slot = strcmp(suffix, "_ptsz") == 0 ? &ptsz[fn] : &ptds[fn];
	void *f = atomic_load_explicit(slot, memory_order_acquire);

	if (!f) {
		char name[128];

		snprintf(name, sizeof(name), "%s%s", inj_fns[fn].name, suffix);
		f = lookup(name);
		atomic_store_explicit(slot, f, memory_order_release);
	}
	return f;
}

const char *inj_backend(void)
{
	if (dlsym(RTLD_DEFAULT, "ferry_sim_pending"))
		return "sim";
	return inj_real(INJ_FN_cudaGetDeviceCount) ? "real" : "none";
}
