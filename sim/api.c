/*
 * api.c: the exported CUDA runtime functions of libferry_sim.so.
 *
 * Every function of common/cuda_api.def is exported here under its CUDA 13.0 name (and its _ptsz/_ptds
 * twin) as a thin wrapper around sim_<name>, which does the work. The wrapper is
 * where the runtime's common rules live, once:
 *   - the simulator's lock is taken for the whole call (sim_enter/sim_leave);
 *   - a call is a scheduling point: queued work may run (sim_sched_tick);
 *   - once a sticky error has lost the process's contexts (sim.lost), a call that needs a
 *     context fails with it, or with cudaErrorDevicesUnavailable on a device that had no
 *     context yet (what a real H200 answered after an illegal address: tools/probe/
 *     kernel_probe.cu; cudaDeviceReset does not bring a device back);
 *   - from inside a host function, a call not marked FN_CALLBACK answers
 *     cudaErrorNotPermitted;
 *   - in a child forked after the parent used the runtime, calls fail with
 *     cudaErrorInitializationError, as CUDA does;
 *   - a failing call stores its error in the thread's last-error slot (cudaErrorNotReady
 *     is not an error there: the real runtime leaves the slot alone).
 * The library is configured when it is loaded: bad FERRY_SIM_* settings stop the process
 * before main with a message and exit status 2.
 */
#include "sim.h"
#include "unmodelled.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIM_EXPORT __attribute__((visibility("default")))

#define FN_NOCTX 1u
#define FN_NOSLOT 2u
#define FN_CALLBACK 4u

static __thread struct sim_thread tls = { .device = 0 };
static __thread bool tls_registered;
static pthread_key_t exit_key;

static void thread_exit(void *arg)
{
	struct sim_thread *t = arg;

	pthread_mutex_lock(&sim.lock);
	sim_thread_exit_streams(t);
	pthread_mutex_unlock(&sim.lock);
}

struct sim_thread *sim_self(void)
{
	if (!tls_registered) {
		tls_registered = true;
		pthread_setspecific(exit_key, &tls);
	}
	return &tls;
}

/* --- start-up and fork ------------------------------------------------------------------- */

static void atfork_prepare(void)
{
	pthread_mutex_lock(&sim.lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&sim.lock);
}

static void atfork_child(void)
{
	/* Only this thread survives; the lock is ours, so reset it. A child of a process that
	 * used the runtime cannot use it (as with CUDA); one that never did starts afresh. */
	pthread_mutex_init(&sim.lock, NULL);
	pthread_cond_init(&sim.cond, NULL);
	pthread_cond_init(&sim.hostfn_cond, NULL);
	sim.waiters = 0;
	if (sim.initialized)
		sim.forked_child = true;
	sim.progress_started = false;
	for (int d = 0; d < SIM_MAX_DEVICES; d++)
		sim.dev[d].hostfn_started = false;
}

__attribute__((constructor)) static void sim_load(void)
{
	char err[512];

	if (!sim_config_load(err, sizeof(err)) || !sim_memory_init(err, sizeof(err))) {
		fprintf(stderr, "ferry-sim: %s\n", err);
		fflush(stderr);
		_exit(2);
	}
	sim.rng = sim_cfg.seed;
	pthread_key_create(&exit_key, thread_exit);
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* --- the common rules of every call ------------------------------------------------------ */

struct sim_call {
	bool locked;
	unsigned flags;
};

static cudaError_t sim_enter(struct sim_call *c, unsigned flags, bool per_thread)
{
	struct sim_thread *t = sim_self();
	int dev;

	c->flags = flags;
	c->locked = false;
	if (t->in_host_fn && !(flags & FN_CALLBACK))
		return cudaErrorNotPermitted;
	pthread_mutex_lock(&sim.lock);
	c->locked = true;
	if (sim.forked_child)
		return cudaErrorInitializationError;
	sim.initialized = true;
	t->per_thread_default = per_thread;
	if (flags & FN_NOCTX)
		return cudaSuccess;
	if (sim_cfg.devices == 0)
		return cudaErrorNoDevice;
	dev = t->device;
	if (sim.lost != cudaSuccess)
		return sim.dev[dev].ctx ? sim.lost : cudaErrorDevicesUnavailable;
	sim.dev[dev].ctx = true;
	if (!t->in_host_fn)
		sim_sched_tick();
	return cudaSuccess;
}

static cudaError_t sim_leave(struct sim_call *c, cudaError_t err)
{
	if (c->locked) {
		/* A program that only polls (queries answering NotReady) lets the GPU run on its
		 * own: such calls do not hold the progress thread back. */
		if (err != cudaErrorNotReady)
			sim.calls++;
		pthread_mutex_unlock(&sim.lock);
	}
	if (err != cudaSuccess && err != cudaErrorNotReady && !(c->flags & FN_NOSLOT))
		sim_set_last_error(err);
	return err;
}

/* --- the exported table ----------------------------------------------------------------- */

#define SIM_TWIN_NONE(name, params, args, flags)
#define SIM_TWIN_PTSZ(name, params, args, flags)                \
	SIM_EXPORT cudaError_t name##_ptsz params;              \
	SIM_EXPORT cudaError_t name##_ptsz params               \
	{                                                       \
		struct sim_call c_;                             \
		cudaError_t err_ = sim_enter(&c_, flags, true); \
		if (err_ == cudaSuccess)                        \
			err_ = sim_##name args;                 \
		return sim_leave(&c_, err_);                    \
	}
#define SIM_TWIN_PTDS(name, params, args, flags)                \
	SIM_EXPORT cudaError_t name##_ptds params;              \
	SIM_EXPORT cudaError_t name##_ptds params               \
	{                                                       \
		struct sim_call c_;                             \
		cudaError_t err_ = sim_enter(&c_, flags, true); \
		if (err_ == cudaSuccess)                        \
			err_ = sim_##name args;                 \
		return sim_leave(&c_, err_);                    \
	}

#define FERRY_CUDA_FN(name, params, args, family, devices, size, stream, dst, twin, flags) \
	SIM_EXPORT cudaError_t name params                                     \
	{                                                                      \
		struct sim_call c_;                                            \
		cudaError_t err_ = sim_enter(&c_, flags, false);               \
		if (err_ == cudaSuccess)                                       \
			err_ = sim_##name args;                                \
		return sim_leave(&c_, err_);                                   \
	}                                                                      \
	SIM_TWIN_##twin(name, params, args, flags)
#include "cuda_api.def"
#undef FERRY_CUDA_FN

/* --- errors and versions ------------------------------------------------------------------ */

cudaError_t sim_cudaGetLastError(void)
{
	return sim_get_last_error(true);
}

cudaError_t sim_cudaPeekAtLastError(void)
{
	return sim_get_last_error(false);
}

cudaError_t sim_cudaRuntimeGetVersion(int *runtimeVersion)
{
	if (!runtimeVersion)
		return cudaErrorInvalidValue;
	*runtimeVersion = SIM_RUNTIME_VERSION;
	return cudaSuccess;
}

cudaError_t sim_cudaDriverGetVersion(int *driverVersion)
{
	if (!driverVersion)
		return cudaErrorInvalidValue;
	*driverVersion = SIM_DRIVER_VERSION;
	return cudaSuccess;
}

SIM_EXPORT const char *cudaGetErrorName(cudaError_t error)
{
	return sim_error_name(error);
}

SIM_EXPORT const char *cudaGetErrorString(cudaError_t error)
{
	return sim_error_string(error);
}

/* --- driver entry points ------------------------------------------------------------------- */

/*
 * The simulator's driver has the few functions a version shim reaches through the runtime's
 * entry points: cuPointerGetAttributes, for the range attributes only (the allocation around
 * an address: libferry's batched copies check each allocation once through it), and a
 * stream's context and its device (cuStreamGetCtx, cuCtxPushCurrent, cuCtxPopCurrent,
 * cuCtxGetDevice: how a shim finds a stream's device before cudaStreamGetDevice, 12.8). A
 * context is a device's primary context, one token per device. Any other symbol is not found,
 * as a real runtime answers for a symbol its driver lacks: cudaSuccess, the query result
 * cudaDriverEntryPointSymbolNotFound and a NULL function.
 */
#define SIM_CU_SUCCESS 0
#define SIM_CU_INVALID_VALUE 1
#define SIM_CU_INVALID_CONTEXT 201
#define SIM_CU_INVALID_HANDLE 400
#define SIM_CTX_STACK 16

static char ctx_token[SIM_MAX_DEVICES];	/* a context handle: the address of its device's */
static __thread int ctx_stack[SIM_CTX_STACK], ctx_depth;

static int sim_cu_stream_get_ctx(cudaStream_t h, void **ctx)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *st;
	int r = SIM_CU_SUCCESS;

	if (!ctx)
		return SIM_CU_INVALID_VALUE;
	pthread_mutex_lock(&sim.lock);
	st = sim_stream_resolve(h, &err);
	if (st)
		*ctx = &ctx_token[st->device];
	else
		r = SIM_CU_INVALID_HANDLE;
	pthread_mutex_unlock(&sim.lock);
	return r;
}

static int sim_cu_ctx_push(void *ctx)
{
	char *c = ctx;

	if (c < ctx_token || c >= ctx_token + sim_cfg.devices)
		return SIM_CU_INVALID_CONTEXT;
	if (ctx_depth == SIM_CTX_STACK)
		return SIM_CU_INVALID_VALUE;	/* deeper than any shim goes */
	ctx_stack[ctx_depth++] = (int)(c - ctx_token);
	return SIM_CU_SUCCESS;
}

static int sim_cu_ctx_pop(void **ctx)
{
	if (!ctx_depth)
		return SIM_CU_INVALID_CONTEXT;
	ctx_depth--;
	if (ctx)
		*ctx = &ctx_token[ctx_stack[ctx_depth]];
	return SIM_CU_SUCCESS;
}

/* the device of the context on top of the thread's stack, else of its current device's */
static int sim_cu_ctx_get_device(int *dev)
{
	if (!dev)
		return SIM_CU_INVALID_VALUE;
	*dev = ctx_depth ? ctx_stack[ctx_depth - 1] : sim_current_device();
	return SIM_CU_SUCCESS;
}
#define SIM_CU_POINTER_ATTRIBUTE_RANGE_START_ADDR 11
#define SIM_CU_POINTER_ATTRIBUTE_RANGE_SIZE 12

/* An address no allocation holds answers success; a real 13.0 driver then left the range
 * (its start or its size) unwritten (tests/unit/test_versions on 2x H200), the simulator
 * writes 0 and 0: callers preset them. */
static int sim_cu_pointer_get_attributes(unsigned n, const int *attrs, void **data,
					 unsigned long long ptr)
{
	struct sim_ptr c;
	unsigned long long base = 0;
	size_t size = 0;

	if (!n || !attrs || !data)
		return SIM_CU_INVALID_VALUE;
	for (unsigned i = 0; i < n; i++)
		if (!data[i] || (attrs[i] != SIM_CU_POINTER_ATTRIBUTE_RANGE_START_ADDR &&
				 attrs[i] != SIM_CU_POINTER_ATTRIBUTE_RANGE_SIZE))
			return SIM_CU_INVALID_VALUE;	/* not modelled */
	pthread_mutex_lock(&sim.lock);
	sim_classify((const void *)(uintptr_t)ptr, &c);
	if (c.kind == SIM_MEM_DEVICE && c.alloc) {
		base = c.alloc->base;
		size = c.alloc->size;
	} else if (c.range) {
		base = c.range->base;
		size = c.range->size;
	}
	pthread_mutex_unlock(&sim.lock);
	for (unsigned i = 0; i < n; i++) {
		if (attrs[i] == SIM_CU_POINTER_ATTRIBUTE_RANGE_START_ADDR)
			memcpy(data[i], &base, sizeof(base));
		else
			memcpy(data[i], &size, sizeof(size));
	}
	return SIM_CU_SUCCESS;
}

static cudaError_t sim_entry(const char *symbol, void **fn, unsigned long long flags,
			     enum cudaDriverEntryPointQueryResult *status)
{
	struct sim_call c_;
	cudaError_t err = sim_enter(&c_, FN_NOCTX, false);

	if (err == cudaSuccess && (!symbol || !fn || flags > cudaEnablePerThreadDefaultStream))
		err = cudaErrorInvalidValue;
	if (err == cudaSuccess) {
		*fn = NULL;
		static const struct {
			const char *name;
			void *fn;
		} driver[] = {
			{ "cuPointerGetAttributes", (void *)(uintptr_t)sim_cu_pointer_get_attributes },
			{ "cuStreamGetCtx", (void *)(uintptr_t)sim_cu_stream_get_ctx },
			{ "cuCtxPushCurrent", (void *)(uintptr_t)sim_cu_ctx_push },
			{ "cuCtxPopCurrent", (void *)(uintptr_t)sim_cu_ctx_pop },
			{ "cuCtxGetDevice", (void *)(uintptr_t)sim_cu_ctx_get_device },
		};

		for (size_t i = 0; i < sizeof(driver) / sizeof(driver[0]); i++)
			if (strcmp(symbol, driver[i].name) == 0)
				*fn = driver[i].fn;
		if (status)
			*status = *fn ? cudaDriverEntryPointSuccess
				      : cudaDriverEntryPointSymbolNotFound;
	}
	return sim_leave(&c_, err);
}

SIM_EXPORT cudaError_t cudaGetDriverEntryPoint(const char *symbol, void **funcPtr,
					       unsigned long long flags,
					       enum cudaDriverEntryPointQueryResult *driverStatus)
{
	return sim_entry(symbol, funcPtr, flags, driverStatus);
}

SIM_EXPORT cudaError_t cudaGetDriverEntryPoint_ptsz(const char *symbol, void **funcPtr,
						    unsigned long long flags,
						    enum cudaDriverEntryPointQueryResult *driverStatus);
SIM_EXPORT cudaError_t cudaGetDriverEntryPoint_ptsz(const char *symbol, void **funcPtr,
						    unsigned long long flags,
						    enum cudaDriverEntryPointQueryResult *driverStatus)
{
	return sim_entry(symbol, funcPtr, flags, driverStatus);
}

SIM_EXPORT cudaError_t cudaGetDriverEntryPointByVersion(
	const char *symbol, void **funcPtr, unsigned int cudaVersion, unsigned long long flags,
	enum cudaDriverEntryPointQueryResult *driverStatus)
{
	(void)cudaVersion;	/* the one function has had one ABI since 4.1 */
	return sim_entry(symbol, funcPtr, flags, driverStatus);
}

SIM_EXPORT cudaError_t cudaGetDriverEntryPointByVersion_ptsz(
	const char *symbol, void **funcPtr, unsigned int cudaVersion, unsigned long long flags,
	enum cudaDriverEntryPointQueryResult *driverStatus);
SIM_EXPORT cudaError_t cudaGetDriverEntryPointByVersion_ptsz(
	const char *symbol, void **funcPtr, unsigned int cudaVersion, unsigned long long flags,
	enum cudaDriverEntryPointQueryResult *driverStatus)
{
	(void)cudaVersion;
	return sim_entry(symbol, funcPtr, flags, driverStatus);
}

/* --- what the simulator does not model ------------------------------------------------------ */

_Static_assert(cudaErrorNotSupported == 801, "unmodelled.c answers 801");

void sim_note_unmodelled(const char *name, int *said)
{
	if (!__atomic_exchange_n(said, 1, __ATOMIC_RELAXED))
		fprintf(stderr,
			"ferry-sim: %s is not modelled by the simulator: it answers "
			"cudaErrorNotSupported\n",
			name);
}

int sim_unmodelled(const char *name, int *said)
{
	sim_note_unmodelled(name, said);
	sim_set_last_error(cudaErrorNotSupported);
	return cudaErrorNotSupported;
}
