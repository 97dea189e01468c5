/*
 * test_sim_control: the simulator's control API (sim/ferry_sim.h), which makes it fail as
 * real GPUs do, and what it answers for the runtime functions it does not model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_test.h"

#define N 4096

/* A non-sticky failure: reported once by the stream's next synchronize; the failed
 * operation did nothing. */
static void test_sim_control_async_error_reported_once(void **state)
{
	fail_next_fn fail_next = sim_fail_next();
	cudaStream_t s;
	unsigned char *d, host[N];

	(void)state;
	assert_non_null(fail_next);
	assert_int_equal(cudaStreamCreate(&s), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&d, N), cudaSuccess);
	assert_int_equal(cudaMemset(d, 0x11, N), cudaSuccess);
	assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
	assert_int_equal(fail_next(s, cudaErrorLaunchFailure, 0), cudaSuccess);
	assert_int_equal(cudaMemsetAsync(d, 0x22, N, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaErrorLaunchFailure);
	assert_int_equal(cudaGetLastError(), cudaErrorLaunchFailure);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	assert_int_equal(cudaMemcpy(host, d, N, cudaMemcpyDeviceToHost), cudaSuccess);
	assert_int_equal(host[0], 0x11);	/* the failed memset wrote nothing */
	assert_int_equal(cudaMalloc((void **)&d, 16), cudaSuccess); /* the context is fine */
	assert_int_equal(cudaStreamDestroy(s), cudaSuccess);
}

static void test_sim_control_bad_arguments(void **state)
{
	fail_next_fn fail_next = sim_fail_next();

	(void)state;
	assert_int_equal(fail_next(0, cudaSuccess, 0), cudaErrorInvalidValue);
	assert_int_equal(fail_next(0, cudaErrorLaunchFailure, 2), cudaErrorInvalidValue);
	assert_int_equal(fail_next((cudaStream_t)0x1234, cudaErrorLaunchFailure, 0),
			 cudaErrorInvalidResourceHandle);
}

/* The children below lose their contexts: what a real H200 answered after an illegal
 * address (tools/probe/kernel_probe.cu), call by call. */
static int child_lost(bool dev1_first)
{
	fail_next_fn fail_next = sim_fail_next();
	void *p, *p1;
	int v;
	struct cudaPointerAttributes a;

	cudaMalloc(&p, 64);
	if (dev1_first) {
		cudaSetDevice(1);
		cudaMalloc(&p1, 64);
		cudaSetDevice(0);
	}
	fail_next(0, cudaErrorIllegalAddress, 1);
	cudaMemsetAsync(p, 0, 64, 0);
	printf("sync=%d\n", (int)cudaDeviceSynchronize());
	printf("getlast=%d ", (int)cudaGetLastError());
	printf("getlast=%d\n", (int)cudaGetLastError());
	printf("malloc=%d\n", (int)cudaMalloc(&p, 64));
	printf("stream=%d\n", (int)cudaStreamCreate(&(cudaStream_t){ 0 }));
	printf("count=%d attr=%d ptrattr=%d\n", (int)cudaGetDeviceCount(&v),
	       (int)cudaDeviceGetAttribute(&v, cudaDevAttrWarpSize, 0),
	       (int)cudaPointerGetAttributes(&a, &v));
	printf("setdevice1=%d\n", (int)cudaSetDevice(1));
	printf("malloc1=%d\n", (int)cudaMalloc(&p, 64));
	cudaSetDevice(0);
	printf("reset=%d\n", (int)cudaDeviceReset());
	printf("after_reset=%d\n", (int)cudaMalloc(&p, 64));
	return 0;
}

static void test_sim_control_sticky_loses_the_process(void **state)
{
	const char *env[] = { "FERRY_SIM_DEVICES=2", NULL };
	struct child_result r;

	(void)state;
	run_child("lost", env, &r);
	assert_true(exited_with(&r, 0));
	assert_non_null(strstr(r.out, "sync=700\n"
				      "getlast=700 getlast=0\n"
				      "malloc=700\n"
				      "stream=700\n"
				      "count=0 attr=0 ptrattr=0\n"
				      "setdevice1=46\n"
				      "malloc1=46\n"
				      "reset=0\n"
				      "after_reset=46\n"));
}

static void test_sim_control_sticky_reaches_other_contexts(void **state)
{
	const char *env[] = { "FERRY_SIM_DEVICES=2", NULL };
	struct child_result r;

	(void)state;
	run_child("lost_dev1_first", env, &r);
	assert_non_null(strstr(r.out, "setdevice1=0\nmalloc1=700\n"));
}

/* What the simulator does not model answers cudaErrorNotSupported, says so once, and
 * sets the last-error slot. */
static int child_unmodelled(void)
{
	cudaGraph_t g;

	printf("graph=%d\n", (int)cudaGraphClone(&g, NULL));
	printf("last=%d\n", (int)cudaGetLastError());
	printf("graph=%d\n", (int)cudaGraphClone(&g, NULL));
	printf("launch=%d\n", (int)cudaLaunchKernel(NULL, (dim3){ 1, 1, 1 }, (dim3){ 1, 1, 1 },
						   NULL, 0, 0));
	return 0;
}

static void test_sim_control_unmodelled_said_once(void **state)
{
	const char *env[] = { NULL };
	struct child_result r;
	const char *first;

	(void)state;
	run_child("unmodelled", env, &r);
	assert_true(exited_with(&r, 0));
	assert_non_null(strstr(r.out, "graph=801\nlast=801\ngraph=801\nlaunch=801\n"));
	first = strstr(r.err, "ferry-sim: cudaGraphClone is not modelled");
	assert_non_null(first);
	assert_null(strstr(first + strlen("ferry-sim: cudaGraphClone"), "cudaGraphClone"));
	assert_non_null(strstr(r.err, "cudaLaunchKernel is not modelled"));
}

static int child(const char *mode)
{
	if (strcmp(mode, "lost") == 0)
		return child_lost(false);
	if (strcmp(mode, "lost_dev1_first") == 0)
		return child_lost(true);
	if (strcmp(mode, "unmodelled") == 0)
		return child_unmodelled();
	return 3;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_control_async_error_reported_once),
		cmocka_unit_test(test_sim_control_bad_arguments),
		cmocka_unit_test(test_sim_control_sticky_loses_the_process),
		cmocka_unit_test(test_sim_control_sticky_reaches_other_contexts),
		cmocka_unit_test(test_sim_control_unmodelled_said_once),
	};

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
