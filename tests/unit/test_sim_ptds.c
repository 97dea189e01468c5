/*
 * test_sim_ptds: a program built with the per-thread default stream
 * (nvcc --default-stream per-thread) calls the runtime's _ptsz/_ptds symbols; there,
 * stream 0 is each thread's own stream, not the legacy one.
 */
#define CUDA_API_PER_THREAD_DEFAULT_STREAM 1

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_test.h"

static atomic_int gate;

static void CUDART_CB hold(void *arg)
{
	(void)arg;
	while (!atomic_load(&gate))
		usleep(1000);
}

static void *query_zero(void *arg)
{
	int *rc = arg;

	*rc = (int)cudaStreamQuery(0);	/* cudaStreamQuery_ptsz: this thread's stream */
	return NULL;
}

static void test_sim_ptds_stream0_is_per_thread(void **state)
{
	pthread_t t;
	int rc = -1;
	unsigned char *d, host[256];

	(void)state;
	atomic_store(&gate, 0);
	assert_int_equal(cudaLaunchHostFunc(0, hold, NULL), cudaSuccess);
	assert_int_equal(cudaStreamQuery(0), cudaErrorNotReady);
	pthread_create(&t, NULL, query_zero, &rc);
	pthread_join(t, NULL);
	assert_int_equal(rc, cudaSuccess);
	atomic_store(&gate, 1);
	assert_int_equal(cudaStreamSynchronize(0), cudaSuccess);
	/* cudaMemcpy_ptds and cudaMemset_ptds run on the per-thread stream. */
	assert_int_equal(cudaMalloc((void **)&d, 256), cudaSuccess);
	assert_int_equal(cudaMemset(d, 0x3c, 256), cudaSuccess);
	assert_int_equal(cudaMemcpy(host, d, 256, cudaMemcpyDeviceToHost), cudaSuccess);
	assert_int_equal(host[255], 0x3c);
	assert_int_equal(cudaFree(d), cudaSuccess);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_ptds_stream0_is_per_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
