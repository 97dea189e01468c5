/*
 * test_sim_sched: the simulator's seeded scheduler. Work queued on a stream has not happened
 * when the call returns; it runs when the scheduler says, within the ordering rules; the
 * same seed gives the same interleaving; a missing synchronization gives wrong bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "sim_test.h"

#define N 4096

/* Two streams race to write one buffer, rounds times; prints who won each round. */
static int child_race(void)
{
	cudaStream_t s1, s2;
	unsigned char *a, *b, *x, *pin;
	char trace[65];

	cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking);
	cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking);
	cudaMalloc((void **)&a, N);
	cudaMalloc((void **)&b, N);
	cudaMalloc((void **)&x, N);
	cudaMallocHost((void **)&pin, N);
	cudaMemset(a, 'A', N);
	cudaMemset(b, 'B', N);
	cudaDeviceSynchronize();
	for (int i = 0; i < 64; i++) {
		cudaMemcpyAsync(x, a, N, cudaMemcpyDeviceToDevice, s1);
		cudaMemcpyAsync(x, b, N, cudaMemcpyDeviceToDevice, s2);
		cudaDeviceSynchronize();
		cudaMemcpy(pin, x, N, cudaMemcpyDeviceToHost);
		trace[i] = (char)pin[0];
	}
	trace[64] = '\0';
	printf("trace=%s\n", trace);
	return 0;
}

/* Queue work and report what has run, for the lazy and eager schedules. */
static int child_pending(void)
{
	unsigned char *d, *pin;
	pending_fn pending = sim_pending();

	cudaMalloc((void **)&d, N);
	cudaMallocHost((void **)&pin, N);
	memset(pin, 7, N);
	cudaMemcpyAsync(d, pin, N, cudaMemcpyHostToDevice, 0);
	cudaMemsetAsync(d, 1, N, 0);
	printf("after_queue=%llu\n", pending());
	cudaStreamSynchronize(0);
	printf("after_sync=%llu\n", pending());
	return 0;
}

/* Reading a device-to-host copy without synchronizing: with the lazy schedule the bytes
 * have not arrived, deterministically. */
static int child_missing_sync(void)
{
	unsigned char *d, *pin;

	cudaMalloc((void **)&d, N);
	cudaMallocHost((void **)&pin, N);
	cudaMemset(d, 0x5A, N);
	memset(pin, 0, N);
	cudaMemcpyAsync(pin, d, N, cudaMemcpyDeviceToHost, 0);
	printf("unsynced=%02x\n", pin[N - 1]);
	cudaStreamSynchronize(0);
	printf("synced=%02x\n", pin[N - 1]);
	return 0;
}

/* A chain of dependent copies across streams and devices, ordered by events. */
static int child_ordering(void)
{
	int ndev = 0;
	cudaStream_t s[4];
	cudaEvent_t e[4];
	unsigned char *buf[4], *pin;
	int bad = 0;

	cudaGetDeviceCount(&ndev);
	for (int i = 0; i < 4; i++) {
		cudaSetDevice(i % ndev);
		cudaStreamCreateWithFlags(&s[i], cudaStreamNonBlocking);
		cudaEventCreateWithFlags(&e[i], cudaEventDisableTiming);
		cudaMalloc((void **)&buf[i], N);
	}
	cudaSetDevice(0);
	cudaMallocHost((void **)&pin, N);
	for (int round = 0; round < 50; round++) {
		memset(pin, round, N);
		cudaMemcpyAsync(buf[0], pin, N, cudaMemcpyHostToDevice, s[0]);
		cudaEventRecord(e[0], s[0]);
		for (int i = 1; i < 4; i++) {
			cudaStreamWaitEvent(s[i], e[i - 1], 0);
			cudaMemcpyAsync(buf[i], buf[i - 1], N, cudaMemcpyDefault, s[i]);
			cudaEventRecord(e[i], s[i]);
		}
		/* The host buffer is reused next round: wait for the first copy only. */
		cudaEventSynchronize(e[0]);
		cudaStreamWaitEvent(s[0], e[3], 0);
		cudaMemcpyAsync(pin, buf[3], N, cudaMemcpyDeviceToHost, s[0]);
		cudaStreamSynchronize(s[0]);
		for (int k = 0; k < N; k++)
			bad += pin[k] != (unsigned char)round;
	}
	printf("bad=%d\n", bad);
	return 0;
}

/* Nothing but a host loop polls pinned memory: the progress thread must deliver. */
static int child_poll(void)
{
	unsigned char *d;
	volatile unsigned char *pin;
	struct timespec t0, t1;
	double ms = 0;

	cudaMalloc((void **)&d, N);
	cudaMallocHost((void **)&pin, N);
	cudaMemset(d, 9, N);
	cudaDeviceSynchronize();
	pin[0] = 0;
	cudaMemcpyAsync((void *)pin, d, N, cudaMemcpyDeviceToHost, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (pin[0] != 9 && ms < 1000) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	}
	printf("arrived=%d\n", pin[0] == 9);
	return 0;
}

static int child(const char *mode)
{
	if (strcmp(mode, "race") == 0)
		return child_race();
	if (strcmp(mode, "pending") == 0)
		return child_pending();
	if (strcmp(mode, "missing_sync") == 0)
		return child_missing_sync();
	if (strcmp(mode, "ordering") == 0)
		return child_ordering();
	if (strcmp(mode, "poll") == 0)
		return child_poll();
	return 3;
}

static void test_sim_sched_lazy_runs_nothing_until_a_wait(void **state)
{
	const char *env[] = { "FERRY_SIM_SCHED=lazy", NULL };
	struct child_result r;

	(void)state;
	run_child("pending", env, &r);
	assert_true(exited_with(&r, 0));
	assert_non_null(strstr(r.out, "after_queue=2\nafter_sync=0"));
}

static void test_sim_sched_eager_runs_at_once(void **state)
{
	const char *env[] = { "FERRY_SIM_SCHED=eager", NULL };
	struct child_result r;

	(void)state;
	run_child("pending", env, &r);
	assert_non_null(strstr(r.out, "after_queue=0\nafter_sync=0"));
}

static void test_sim_sched_missing_sync_gives_wrong_bytes(void **state)
{
	const char *env[] = { "FERRY_SIM_SCHED=lazy", NULL };
	struct child_result r;

	(void)state;
	run_child("missing_sync", env, &r);
	assert_non_null(strstr(r.out, "unsynced=00\nsynced=5a"));
}

static void test_sim_sched_same_seed_same_interleaving(void **state)
{
	const char *seed7[] = { "FERRY_SIM_SEED=7", NULL };
	struct child_result a, b;

	(void)state;
	run_child("race", seed7, &a);
	run_child("race", seed7, &b);
	assert_true(exited_with(&a, 0));
	assert_non_null(strstr(a.out, "trace="));
	assert_string_equal(a.out, b.out);
}

static void test_sim_sched_seeds_vary_the_interleaving(void **state)
{
	struct child_result first, r;
	bool varied = false, a_won = false, b_won = false;
	char setting[32];

	(void)state;
	for (int seed = 1; seed <= 8; seed++) {
		const char *env[] = { setting, NULL };
		struct child_result *cur = seed == 1 ? &first : &r;
		const char *trace;

		snprintf(setting, sizeof(setting), "FERRY_SIM_SEED=%d", seed);
		run_child("race", env, cur);
		trace = strstr(cur->out, "trace=");
		assert_non_null(trace);
		if (seed > 1 && strcmp(first.out, r.out) != 0)
			varied = true;
		a_won = a_won || strchr(trace, 'A');
		b_won = b_won || strchr(trace, 'B');
	}
	assert_true(varied);
	assert_true(a_won && b_won);	/* either stream can win a race */
}

static void test_sim_sched_order_kept_under_every_schedule(void **state)
{
	const char *modes[] = { "FERRY_SIM_SCHED=lazy", "FERRY_SIM_SCHED=eager",
				"FERRY_SIM_SCHED=random" };
	char seed[32];

	(void)state;
	for (int m = 0; m < 3; m++) {
		for (int i = 0; i < 5; i++) {
			const char *env[] = { modes[m], seed, "FERRY_SIM_DEVICES=2", NULL };
			struct child_result r;

			snprintf(seed, sizeof(seed), "FERRY_SIM_SEED=%d", i + 1);
			run_child("ordering", env, &r);
			if (!exited_with(&r, 0) || !strstr(r.out, "bad=0\n"))
				fail_msg("%s %s: %s %s", modes[m], seed, r.out, r.err);
		}
	}
}

static void test_sim_sched_progress_without_calls(void **state)
{
	const char *on[] = { "FERRY_SIM_SCHED=lazy", "FERRY_SIM_PROGRESS_MS=20", NULL };
	const char *off[] = { "FERRY_SIM_SCHED=lazy", "FERRY_SIM_PROGRESS_MS=0", NULL };
	struct child_result r;

	(void)state;
	run_child("poll", on, &r);
	assert_non_null(strstr(r.out, "arrived=1"));
	run_child("poll", off, &r);
	assert_non_null(strstr(r.out, "arrived=0"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_sched_lazy_runs_nothing_until_a_wait),
		cmocka_unit_test(test_sim_sched_eager_runs_at_once),
		cmocka_unit_test(test_sim_sched_missing_sync_gives_wrong_bytes),
		cmocka_unit_test(test_sim_sched_same_seed_same_interleaving),
		cmocka_unit_test(test_sim_sched_seeds_vary_the_interleaving),
		cmocka_unit_test(test_sim_sched_order_kept_under_every_schedule),
		cmocka_unit_test(test_sim_sched_progress_without_calls),
	};

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
