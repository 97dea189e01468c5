/*
 * named.c: the named paths (named_paths.def, and the shim's variants): what each copy took,
 * counted per process, for ferry_named_paths() and the reports.
 */
#include "internal.h"

_Atomic uint64_t ferry__named_taken[FERRY__NP_COUNT];

static const struct {
	const char *name, *meaning;
} named[FERRY__NP_COUNT] = {
#define FERRY_NAMED(id, n, m) [FERRY__NP_##id] = { n, m },
#include "named_paths.def"
#undef FERRY_NAMED
};

void ferry__took_rung(ferry_path p)
{
	static const enum ferry__named rung[FERRY_PATH_COUNT] = {
		[FERRY_PATH_NONE] = FERRY__NP_COUNT,
		[FERRY_PATH_SAME_DEVICE] = FERRY__NP_RUNG_SAME_DEVICE,
		[FERRY_PATH_PEER] = FERRY__NP_RUNG_PEER,
		[FERRY_PATH_STAGED_PINNED] = FERRY__NP_RUNG_STAGED_PINNED,
		[FERRY_PATH_STAGED_PAGEABLE] = FERRY__NP_RUNG_STAGED_PAGEABLE,
		[FERRY_PATH_HOST] = FERRY__NP_RUNG_HOST,
		[FERRY_PATH_DRIVER_STAGED] = FERRY__NP_RUNG_DRIVER_STAGED,
	};

	/* GCOVR_EXCL_BR_START: callers pass the path that delivered: a rung, never NONE */
	if ((unsigned)p < FERRY_PATH_COUNT && rung[p] != FERRY__NP_COUNT)
		/* GCOVR_EXCL_BR_STOP */
		atomic_fetch_add_explicit(&ferry__named_taken[rung[p]], 1, memory_order_relaxed);
}

size_t ferry_named_paths(ferry_named_path *out, size_t max)
{
	size_t n = 0;

	for (; n < FERRY__NP_COUNT; n++) {
		if (out && n < max) {
			out[n].name = named[n].name;
			out[n].meaning = named[n].meaning;
			out[n].taken = atomic_load_explicit(&ferry__named_taken[n],
							    memory_order_relaxed);
		}
	}
	return n + ferry__shim_named(out && max > n ? out + n : NULL, max > n ? max - n : 0);
}
