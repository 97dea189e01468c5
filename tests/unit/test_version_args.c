/*
 * test_version_args: the version adapters whose 13.0 function the simulator does not model
 * (prefetch and advise with a device number before 13.0, kernel-node attributes with the
 * source first), checked argument by argument: run under the interposer with
 * libferry_argspy.so (argspy.c) behind it, which records what reached the 13.0 function.
 * Once per version (FERRY_CUDA_VERSION).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include "argspy.h"

static int ver;
static const struct argspy_call *last;
static const unsigned *calls;

static char buf[4096];
static cudaStream_t const S = (cudaStream_t)(uintptr_t)0x5150;

typedef cudaError_t (*prefetch12_fn)(const void *, size_t, int, cudaStream_t);
typedef cudaError_t (*prefetch13_fn)(const void *, size_t, struct cudaMemLocation, unsigned int,
				     cudaStream_t);
typedef cudaError_t (*advise12_fn)(const void *, size_t, enum cudaMemoryAdvise, int);
typedef cudaError_t (*advise13_fn)(const void *, size_t, enum cudaMemoryAdvise,
				   struct cudaMemLocation);
typedef cudaError_t (*copyattr_fn)(cudaGraphNode_t, cudaGraphNode_t);

static void *sym(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

static struct cudaMemLocation loc(enum cudaMemLocationType t, int id)
{
	struct cudaMemLocation l;

	memset(&l, 0, sizeof(l));
	l.type = t;
	l.id = id;
	return l;
}

/* One call reached the spy's fn with these arguments. */
static void expect(unsigned before, const char *fn, size_t count, int type, int id,
		   unsigned flags, cudaStream_t s, int advice)
{
	assert_int_equal(*calls, before + 1);
	assert_string_equal(last->fn, fn);
	assert_ptr_equal(last->ptr, buf + 64);
	assert_int_equal(last->count, count);
	assert_int_equal(last->loc_type, type);
	assert_int_equal(last->loc_id, id);
	assert_int_equal(last->flags, flags);
	assert_ptr_equal(last->stream, s);
	assert_int_equal(last->advice, advice);
}

/* each name of prefetch: the version's ABI in, 13.0's out */
static void check_prefetch(const char *name, const char *under)
{
	void *f = sym(name);
	unsigned n = *calls;

	assert_non_null(f);
	if (ver < 13000 && !strstr(name, "_v2")) {
		assert_int_equal(((prefetch12_fn)(uintptr_t)f)(buf + 64, 1000, 1, S), cudaSuccess);
		expect(n, under, 1000, cudaMemLocationTypeDevice, 1, 0, S, -1);
		assert_int_equal(((prefetch12_fn)(uintptr_t)f)(buf + 64, 77, cudaCpuDeviceId, S),
				 cudaSuccess);
		expect(n + 1, under, 77, cudaMemLocationTypeHost, 0, 0, S, -1);
	} else {
		assert_int_equal(((prefetch13_fn)(uintptr_t)f)(
					 buf + 64, 500, loc(cudaMemLocationTypeHostNuma, 3), 0, S),
				 cudaSuccess);
		expect(n, under, 500, cudaMemLocationTypeHostNuma, 3, 0, S, -1);
	}
}

static void test_prefetch(void **state)
{
	bool v2 = ver >= 12020 && ver < 13000;

	(void)state;
	check_prefetch("cudaMemPrefetchAsync", "cudaMemPrefetchAsync");
	check_prefetch("cudaMemPrefetchAsync_ptsz", "cudaMemPrefetchAsync_ptsz");
	if (v2) {
		check_prefetch("cudaMemPrefetchAsync_v2", "cudaMemPrefetchAsync");
		check_prefetch("cudaMemPrefetchAsync_v2_ptsz", "cudaMemPrefetchAsync_ptsz");
	} else {
		assert_null(sym("cudaMemPrefetchAsync_v2"));
		assert_null(sym("cudaMemPrefetchAsync_v2_ptsz"));
	}
}

static void test_advise(void **state)
{
	void *f = sym("cudaMemAdvise"), *v2 = sym("cudaMemAdvise_v2");
	unsigned n = *calls;

	(void)state;
	assert_non_null(f);
	if (ver < 13000) {
		assert_int_equal(((advise12_fn)(uintptr_t)f)(buf + 64, 300,
							     cudaMemAdviseSetPreferredLocation, 1),
				 cudaSuccess);
		expect(n, "cudaMemAdvise", 300, cudaMemLocationTypeDevice, 1, 0, NULL,
		       cudaMemAdviseSetPreferredLocation);
		assert_int_equal(((advise12_fn)(uintptr_t)f)(buf + 64, 301,
							     cudaMemAdviseSetAccessedBy,
							     cudaCpuDeviceId),
				 cudaSuccess);
		expect(n + 1, "cudaMemAdvise", 301, cudaMemLocationTypeHost, 0, 0, NULL,
		       cudaMemAdviseSetAccessedBy);
		n += 2;
	} else {
		assert_int_equal(((advise13_fn)(uintptr_t)f)(buf + 64, 302,
							     cudaMemAdviseSetReadMostly,
							     loc(cudaMemLocationTypeDevice, 0)),
				 cudaSuccess);
		expect(n, "cudaMemAdvise", 302, cudaMemLocationTypeDevice, 0, 0, NULL,
		       cudaMemAdviseSetReadMostly);
		n++;
	}
	if (ver >= 12020 && ver < 13000) {
		assert_non_null(v2);
		assert_int_equal(((advise13_fn)(uintptr_t)v2)(buf + 64, 303,
							      cudaMemAdviseUnsetReadMostly,
							      loc(cudaMemLocationTypeHostNuma, 2)),
				 cudaSuccess);
		expect(n, "cudaMemAdvise", 303, cudaMemLocationTypeHostNuma, 2, 0, NULL,
		       cudaMemAdviseUnsetReadMostly);
	} else {
		assert_null(v2);
	}
}

/* before 13.0 the source node came first; 13.0 takes the destination first */
static void test_kernel_node_copy_attributes(void **state)
{
	void *f = sym("cudaGraphKernelNodeCopyAttributes");
	cudaGraphNode_t a = (cudaGraphNode_t)(uintptr_t)0xa0, b = (cudaGraphNode_t)(uintptr_t)0xb0;
	unsigned n = *calls;

	(void)state;
	assert_non_null(f);
	assert_int_equal(((copyattr_fn)(uintptr_t)f)(a, b), cudaSuccess);
	assert_int_equal(*calls, n + 1);
	assert_string_equal(last->fn, "cudaGraphKernelNodeCopyAttributes");
	if (ver < 13000) {	/* (src, dst) */
		assert_ptr_equal(last->src, a);
		assert_ptr_equal(last->dst, b);
	} else {		/* (dst, src) */
		assert_ptr_equal(last->dst, a);
		assert_ptr_equal(last->src, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefetch),
		cmocka_unit_test(test_advise),
		cmocka_unit_test(test_kernel_node_copy_attributes),
	};
	const char *v = getenv("FERRY_CUDA_VERSION");

	last = sym("ferry_argspy_last");
	calls = sym("ferry_argspy_calls");
	if (!v || !last || !calls) {
		fprintf(stderr, "test_version_args: run under the interposer with FERRY_CUDA_VERSION "
				"set and libferry_argspy.so preloaded behind it\n");
		return 1;
	}
	ver = atoi(v) * 1000 + atoi(strchr(v, '.') + 1) * 10;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
