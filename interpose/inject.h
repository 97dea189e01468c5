/*
 * inject.h: internals of libferry_inject.so, the interposer.
 *
 * It is preloaded ahead of the CUDA runtime (the real libcudart.so.13, or libferry_sim.so)
 * and wraps every function of common/cuda_api.def. A wrapped call goes through, outermost
 * first:
 *   1. counting (per function, for the summary);
 *   2. faults: the rules of FERRY_FAULTS / FERRY_FAULTS_FILE that can match this function are
 *      tried in order; one that fires acts (error, async, sticky, deny, corrupt, delay);
 *   3. the interposer's own implementation of the function, inj_impl_<name>: for most
 *      functions the runtime's own; for those that virtual devices change (FERRY_DEVICES),
 *      the error slot or versions, the code of vdev.c and errors.c;
 *   4. the runtime's function, found behind the interposer (real.c).
 *
 * Divisions:
 *   table.c     the function and error tables (table.h)
 *   rules.c     the rule grammar: parsing, matching, triggers (rules.h)
 *   real.c      finding the runtime's functions behind the interposer
 *   wrappers.c  the exported functions, expanded from common/cuda_api.def, and steps 1-2
 *   faults.c    settings from the environment, and what each action does
 *   vdev.c      virtual devices
 *   driver.c    the driver functions virtual devices must translate
 *   errors.c    the last-error slot the interposer adds to the runtime's, versions
 *   summary.c   the summary written at exit (FERRY_SUMMARY)
 *   control.c   the control API (ferry_inject.h)
 *
 * Names: inj_ (internal, hidden).
 */
#ifndef FERRY_INJECT_H_INTERNAL
#define FERRY_INJECT_H_INTERNAL

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "table.h"

#define INJ_EXPORT __attribute__((visibility("default")))
#define INJ_MAX_VDEV 64

/* --- settings and rules (faults.c) --------------------------------------------------------- */

#define INJ_MAX_HIDE 32

struct inj_state {
	struct inj_rules rules;
	/* for each function, the rules that can match it, in order (NULL-terminated) */
	struct inj_rule **candidates[INJ_NFNS];
	/* whether those rules look at the call's devices (filters, the peer-copy family) */
	bool needs_devices[INJ_NFNS];
	/* whether they look at who made the call (from() filters) */
	bool needs_caller[INJ_NFNS];
	atomic_int sticky;		/* a sticky() rule fired: every context call fails */
	int cuda_version;		/* FERRY_CUDA_VERSION (0: the runtime's own) */
	int cuda_driver;		/* FERRY_CUDA_DRIVER (0: the driver's own) */
	char hide[INJ_MAX_HIDE][64];	/* FERRY_HIDE: symbols dlsym and driver entry points */
	unsigned nhide;			/* do not find (versions.c) */
	bool hide_driver;		/* ... a driver (cu*, not cuda*) symbol among them */
	char summary_path[4096];	/* FERRY_SUMMARY, or empty */
	atomic_uint_fast64_t calls[INJ_NFNS];
	atomic_uint_fast64_t calls_failed[INJ_NFNS];	/* ... that answered an error (the
							 * summary's calls_ok = calls - these) */
	bool loaded;
};

extern struct inj_state inj;

/* Reads the environment; on bad settings prints why and exits with status 2. */
void inj_load(void);

/* --- per thread ------------------------------------------------------------------------------ */

struct inj_thread {
	int twin_fn;		/* the call came through this function's twin ... */
	const char *twin;	/* ... "_ptsz" or "_ptds" */
	bool deny;		/* a deny() rule fired for the call in progress */
	cudaError_t slot;	/* the last error the interposer answered (errors.c) */
	int vdev;		/* the current virtual device */
	void *caller;		/* the return address of the exported function called */
	void *adapter_caller;	/* a version adapter's caller, for the wrapper it calls */
};

/* The file (library or program) that holds code address pc, or NULL. */
const char *inj_caller_file(void *pc);

extern __thread struct inj_thread inj_tls;

/* deny(): the implementation of the call in progress answers "no" (consumed by it). */
static inline void inj_deny_next(void)
{
	inj_tls.deny = true;
}

static inline bool inj_deny_take(void)
{
	bool d = inj_tls.deny;

	inj_tls.deny = false;
	return d;
}

/* --- the runtime behind (real.c) ------------------------------------------------------------ */

/* The runtime's function number fn (or its _ptsz/_ptds twin), found on first use; NULL when
 * there is no runtime behind. */
void *inj_real(int fn);
void *inj_real_twin(int fn, const char *suffix);
/* Any runtime function behind the interposer, by name (not cached). */
void *inj_real_named(const char *name);

/* glibc's own dlsym (driver.c), which the interposer's dlsym ends in. */
typedef void *(*inj_dlsym_fn)(void *, const char *);
inj_dlsym_fn inj_real_dlsym(void);
/* FERRY_CUDA_VERSION (versions.c): whether name's lookup is the emulated version's to
 * answer, and its answer (NULL: that version lacks it; else an adapter with its ABI). */
bool inj_version_lookup(const char *name, void **out);
/* The same as one pointer: the answer, or INJ_VERSION_PASS when the lookup is the real
 * dlsym's (no address-taken local in the caller: its tail call survives). */
extern char inj_version_pass;
#define INJ_VERSION_PASS ((void *)&inj_version_pass)
void *inj_version_answer(const char *name);
/* A driver function fn (sym) that a runtime's entry point found, as the program must get it:
 * under virtual devices, the context calls that name a device are translated (driver.c). */
void *inj_driver_translated(const char *sym, void *fn);
/* FERRY_HIDE names name (or the function whose _ptsz/_ptds twin it is). */
bool inj_hidden(const char *name);
/* An attribute the emulated version did not have yet (cudaErrorInvalidValue there). */
bool inj_version_refuses_device_attr(int attr);
bool inj_version_refuses_p2p_attr(int attr);
/* inj_real(fn), or its twin while a call came in through the twin. */
static inline void *inj_real_for(int fn)
{
	return inj_tls.twin_fn == fn ? inj_real_twin(fn, inj_tls.twin) : inj_real(fn);
}
/* Which runtime is behind: "sim" (libferry_sim.so), "real", or "none". */
const char *inj_backend(void);

/* --- faults (faults.c) ---------------------------------------------------------------------- */

/* What the rules decided for one call. */
struct inj_decision {
	struct inj_rule *rule;		/* the rule that fired, or NULL */
	enum inj_action action;
	bool deny;
};

void inj_decide(const struct inj_call *c, struct inj_decision *d);

/* An error left for the next synchronize or query of stream s of the current device. */
void inj_async_add(cudaStream_t s, cudaError_t err);
/* The error left for s (consumed), for a synchronize/query of it; any error of the current
 * device's streams when all is true (cudaDeviceSynchronize). */
cudaError_t inj_async_take(cudaStream_t s, bool all);

/* The region a call writes, for corrupt(). */
struct inj_region {
	char *ptr;
	size_t width, height, depth, pitch, slice;
};

/* corrupt(truncate): before the call, keeps what the second half of the region holds. */
void *inj_corrupt_prepare(enum inj_corrupt mode, const struct inj_region *r, cudaStream_t s);
/* After the call: damages the region (bitflip, zero) or puts the kept half back (truncate);
 * n is the call's number, which picks the bit to flip. */
void inj_corrupt_apply(enum inj_corrupt mode, const struct inj_region *r, cudaStream_t s,
		       void *kept, uint64_t n);
/* When the call failed: drops what prepare kept. */
void inj_corrupt_discard(void *kept);

/* --- the error slot and versions (errors.c) -------------------------------------------------- */

/* An error the interposer answered (not the runtime): it goes in the thread's slot. */
cudaError_t inj_fail(cudaError_t err);
/* A runtime's answer: a failure there means the runtime's own slot is now the latest. */
cudaError_t inj_real_result(cudaError_t err);

/* --- virtual devices (vdev.c) ------------------------------------------------------------------ */

struct inj_vdev {
	bool active;
	int n;				/* virtual devices */
	int nphys;			/* physical devices behind */
	bool peer_cap[INJ_MAX_VDEV][INJ_MAX_VDEV];
	size_t quota;			/* bytes per virtual device, 0: the physical size shared */
};

extern struct inj_vdev inj_vd;

bool inj_vdev_load(char *err, size_t errlen);
/* The virtual device of a pointer (device memory, pinned or registered host memory), or -1. */
int inj_vdev_of_ptr(const void *p);
/* The virtual device a stream belongs to (0, legacy and per-thread: the current one). */
int inj_vdev_of_stream(cudaStream_t s);
int inj_vdev_current(void);
/* The physical device under virtual device v, or -1 when v is not one. */
int inj_vdev_phys(int v);

/* --- summary (summary.c) ---------------------------------------------------------------------- */

/* At exit: to FERRY_SUMMARY (the first process) or FERRY_SUMMARY.<pid> (the others). */
void inj_summary_write(void);
/* Now, to path; 0 or -1. */
int inj_summary_write_to(const char *path);

/* --- one implementation per wrapped function ---------------------------------------------- */

/* inj_impl_<name>: what the interposer does below the faults (weak: the runtime's own, unless
 * vdev.c or errors.c define it); inj_pfn_<name>: the function's type. */
#define FERRY_CUDA_FN(name, params, args, family, devices, size, stream, dst, twin, flags) \
	typedef cudaError_t(*inj_pfn_##name) params;                                        \
	cudaError_t inj_impl_##name params;
#include "cuda_api.def"
#undef FERRY_CUDA_FN

/* Calls the runtime's own function name (its _ptsz/_ptds twin when the call came in through
 * the twin); its answer goes through inj_real_result. */
#define INJ_REAL(name, args)                                                     \
	({                                                                       \
		inj_pfn_##name f_ = (inj_pfn_##name)inj_real_for(INJ_FN_##name); \
		f_ ? inj_real_result(f_ args) : inj_fail(cudaErrorInsufficientDriver); \
	})

#endif
