/*
 * test_sim_threads: the simulator under many host threads (the TSan build runs this too),
 * per-thread state, and fork.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_test.h"

#define THREADS 8
#define ROUNDS 100
#define N (64 << 10)

static void *copier(void *arg)
{
	int id = (int)(intptr_t)arg, ndev = 0;
	cudaStream_t s;
	unsigned char *a, *b, *pin;
	intptr_t bad = 0;

	cudaGetDeviceCount(&ndev);
	cudaSetDevice(id % ndev);
	cudaStreamCreateWithFlags(&s, id % 2 ? cudaStreamNonBlocking : cudaStreamDefault);
	cudaMalloc((void **)&a, N);
	cudaMalloc((void **)&b, N);
	cudaMallocHost((void **)&pin, N);
	for (int r = 0; r < ROUNDS; r++) {
		unsigned char v = (unsigned char)(id * 31 + r);

		memset(pin, v, N);
		cudaMemcpyAsync(a, pin, N, cudaMemcpyHostToDevice, s);
		cudaMemcpyAsync(b, a, N, cudaMemcpyDeviceToDevice, s);
		cudaMemsetAsync(a, 0, N, s);
		cudaMemcpyAsync(pin, b, N, cudaMemcpyDeviceToHost, s);
		cudaStreamSynchronize(s);
		for (int k = 0; k < N; k += 4093)
			bad += pin[k] != v;
	}
	cudaFree(a);
	cudaFree(b);
	cudaFreeHost(pin);
	cudaStreamDestroy(s);
	return (void *)bad;
}

static void test_sim_threads_concurrent_copies(void **state)
{
	pthread_t t[THREADS];

	(void)state;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, copier, (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++) {
		void *bad;

		pthread_join(t[i], &bad);
		assert_int_equal((intptr_t)bad, 0);
	}
}

static atomic_int gate;

static void CUDART_CB hold(void *arg)
{
	(void)arg;
	while (!atomic_load(&gate))
		usleep(1000);
}

static void *other_thread(void *arg)
{
	int *out = arg;

	out[0] = (int)cudaGetLastError();	/* the failure was on another thread */
	cudaGetDevice(&out[1]);			/* a new thread starts on device 0 */
	/* Its per-thread default stream is its own: the held one does not hold it. */
	out[2] = (int)cudaStreamQuery(cudaStreamPerThread);
	return NULL;
}

static void test_sim_threads_per_thread_state(void **state)
{
	pthread_t t;
	int out[3] = { -1, -1, -1 };

	(void)state;
	assert_int_equal(cudaSetDevice(1), cudaSuccess);
	assert_int_equal(cudaSetDevice(99), cudaErrorInvalidDevice);
	atomic_store(&gate, 0);
	assert_int_equal(cudaLaunchHostFunc(cudaStreamPerThread, hold, NULL), cudaSuccess);
	assert_int_equal(cudaStreamQuery(cudaStreamPerThread), cudaErrorNotReady);
	pthread_create(&t, NULL, other_thread, out);
	pthread_join(t, NULL);
	assert_int_equal(out[0], cudaSuccess);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], cudaSuccess);
	atomic_store(&gate, 1);
	assert_int_equal(cudaStreamSynchronize(cudaStreamPerThread), cudaSuccess);
	assert_int_equal(cudaGetLastError(), cudaErrorInvalidDevice);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
}

/* A thread that used its per-thread stream exits: the stream goes with it. */
static void *short_lived(void *arg)
{
	unsigned char *d = arg;

	cudaMemsetAsync(d, 1, 4096, cudaStreamPerThread);
	return NULL;
}

static void test_sim_threads_exit_with_queued_work(void **state)
{
	pthread_t t;
	unsigned char *d, host[4096];

	(void)state;
	assert_int_equal(cudaMalloc((void **)&d, 4096), cudaSuccess);
	for (int i = 0; i < 20; i++) {
		pthread_create(&t, NULL, short_lived, d);
		pthread_join(t, NULL);
	}
	assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
	assert_int_equal(cudaMemcpy(host, d, 4096, cudaMemcpyDeviceToHost), cudaSuccess);
	assert_int_equal(host[4095], 1);
	assert_int_equal(cudaFree(d), cudaSuccess);
}

static int child_fork(bool use_first)
{
	void *p;
	pid_t pid;
	int st;

	if (use_first)
		cudaMalloc(&p, 64);
	pid = fork();
	if (pid == 0)
		_exit((int)cudaMalloc(&p, 64));
	waitpid(pid, &st, 0);
	printf("child=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	printf("parent=%d\n", (int)cudaMalloc(&p, 64));
	return 0;
}

static void test_sim_threads_fork(void **state)
{
	const char *env[] = { NULL };
	struct child_result r;

	(void)state;
	/* CUDA cannot be used in a child forked after the parent used it ... */
	run_child("fork_after_use", env, &r);
	assert_non_null(strstr(r.out, "child=3\nparent=0\n"));
	/* ... but can in one forked before. */
	run_child("fork_before_use", env, &r);
	assert_non_null(strstr(r.out, "child=0\nparent=0\n"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_threads_concurrent_copies),
		cmocka_unit_test(test_sim_threads_per_thread_state),
		cmocka_unit_test(test_sim_threads_exit_with_queued_work),
		cmocka_unit_test(test_sim_threads_fork),
	};

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child_fork(strcmp(argv[2], "fork_after_use") == 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
