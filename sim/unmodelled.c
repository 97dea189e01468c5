/*
 * unmodelled.c: every libcudart.so.13 export that the simulator does not model.
 *
 * A program that runs on the simulator must never reach the real runtime (on a GPU machine
 * it would touch a real device; without one it would fail in another way), so the
 * simulator exports the runtime's whole symbol list. The functions of sim/unmodelled.def
 * (kernels, graphs, arrays and textures, IPC, memory pools ...) answer
 * cudaErrorNotSupported and say so once on stderr. All of them return cudaError_t; on the
 * x86-64 and AArch64 calling conventions a function that takes no parameters can stand for
 * one that takes any, so one definition serves each name, and this file does not include
 * the CUDA headers (their prototypes would conflict).
 *
 * The internal entry points that nvcc-generated code calls when a program is loaded
 * (__cudaRegisterFatBinary and the rest) succeed and do nothing, so a program that contains
 * kernels still starts; launching a kernel is what answers cudaErrorNotSupported.
 */
#include "unmodelled.h"

#include <stddef.h>

#define SIM_EXPORT __attribute__((visibility("default")))
#define NOT_SUPPORTED 801 /* cudaErrorNotSupported; checked in api.c */

#define FERRY_SIM_UNMODELLED(name)                            \
	SIM_EXPORT int name(void);                            \
	SIM_EXPORT int name(void)                             \
	{                                                     \
		static int said;                              \
		return sim_unmodelled(#name, &said);          \
	}
#include "unmodelled.def"
#undef FERRY_SIM_UNMODELLED

/* --- what nvcc-generated code calls ------------------------------------------------------ */

static void *fatbin_handle;

SIM_EXPORT void **__cudaRegisterFatBinary(void *fatCubin);
SIM_EXPORT void **__cudaRegisterFatBinary(void *fatCubin)
{
	(void)fatCubin;
	return &fatbin_handle;
}

#define NOOP(name)                 \
	SIM_EXPORT void name(void); \
	SIM_EXPORT void name(void)  \
	{                           \
	}
NOOP(__cudaRegisterFatBinaryEnd)
NOOP(__cudaUnregisterFatBinary)
NOOP(__cudaRegisterFunction)
NOOP(__cudaRegisterVar)
NOOP(__cudaRegisterManagedVar)
NOOP(__cudaRegisterHostVar)
NOOP(__cudaRegisterUnifiedTable)
#undef NOOP

SIM_EXPORT char __cudaInitModule(void);
SIM_EXPORT char __cudaInitModule(void)
{
	return 0;
}

/* <<<>>> pushes the launch configuration, the stub pops it and calls cudaLaunchKernel,
 * which answers cudaErrorNotSupported. */
SIM_EXPORT unsigned __cudaPushCallConfiguration(void);
SIM_EXPORT unsigned __cudaPushCallConfiguration(void)
{
	return 0;
}

SIM_EXPORT int __cudaPopCallConfiguration(void);
SIM_EXPORT int __cudaPopCallConfiguration(void)
{
	return 0;
}

#define UNSUPPORTED(name)                             \
	SIM_EXPORT int name(void);                    \
	SIM_EXPORT int name(void)                     \
	{                                             \
		static int said;                      \
		return sim_unmodelled(#name, &said);  \
	}
UNSUPPORTED(__cudaLaunchKernel)
UNSUPPORTED(__cudaLaunchKernel_ptsz)
UNSUPPORTED(__cudaGetKernel)
UNSUPPORTED(__cudaGetProcAddress)
#undef UNSUPPORTED
