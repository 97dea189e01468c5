/*
 * table.h: the interposer's view of common/cuda_api.def and common/cuda_errors.def: every
 * wrapped function by index (the order of the table), its class and flags, and the
 * cudaError_t names. No CUDA headers needed, so the rule parser and its fuzzer use it too.
 */
#ifndef FERRY_INJECT_TABLE_H
#define FERRY_INJECT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

/* The table's family column. */
enum inj_class {
	INJ_CLS_ALLOC,
	INJ_CLS_FREE,
	INJ_CLS_HOST_ALLOC,
	INJ_CLS_HOST_REGISTER,
	INJ_CLS_COPY,
	INJ_CLS_PEER_COPY,
	INJ_CLS_MEMSET,
	INJ_CLS_PEER_ACCESS,
	INJ_CLS_PEER_QUERY,
	INJ_CLS_STREAM,
	INJ_CLS_EVENT,
	INJ_CLS_SYNC,
	INJ_CLS_DEVICE,
	INJ_CLS_ERROR,
	INJ_CLS_VERSION,
	INJ_CLS_GRAPH,
};

/* The table's flags column (same values as sim/api.c's). */
#define INJ_FN_NOCTX 1u
#define INJ_FN_NOSLOT 2u
#define INJ_FN_CALLBACK 4u

struct inj_fn_info {
	const char *name;
	enum inj_class cls;
	unsigned flags;
};

/* Indexes of the table's functions, INJ_FN_cudaMalloc and so on, and their count. */
enum inj_fn_index {
#define FERRY_CUDA_FN(name, params, args, family, devices, size, stream, dst, twin, flags) INJ_FN_##name,
#include "cuda_api.def"
#undef FERRY_CUDA_FN
	INJ_NFNS
};

extern const struct inj_fn_info inj_fns[INJ_NFNS];

/* The index of the function named by the len bytes at name, or -1. */
int inj_fn_lookup(const char *name, size_t len);

/* The cudaError_t named by the len bytes at name, or -1. */
int inj_error_lookup(const char *name, size_t len);

/* Whether err loses the context (an illegal address, a launch failure ...): after it every
 * call that needs the context answers it. As the copy core's classifier counts them. */
bool inj_error_loses_context(int err);

/* Every cudaError_t name, NULL-terminated, for "did you mean". */
extern const char *const inj_error_names[];

#endif
