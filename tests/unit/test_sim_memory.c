/*
 * test_sim_memory: the simulator's memory model. Device address space is reserved, not
 * backed, until written (an 80 GiB device costs nothing); the capacity is enforced; freed
 * memory goes back to the host; a device pointer cannot be dereferenced on the host, as on
 * a GPU; pinned memory can be capped (FERRY_SIM_PINNED_MAX). Run with FERRY_SIM_MEM=64G.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_test.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

/* Sanitizers keep shadow memory for what was written, and handle faults themselves. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* Resident set size of this process, in bytes. */
static size_t rss(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0, resident = 0;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &pages, &resident), 2);
	fclose(f);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

static void test_sim_memory_reserved_not_backed(void **state)
{
	size_t before, after, free_b, total;
	unsigned char *d, *host = malloc(MiB);

	(void)state;
	assert_non_null(host);
	memset(host, 3, MiB);
	before = rss();
	assert_int_equal(cudaMalloc((void **)&d, 48 * GiB), cudaSuccess);
	after = rss();
	assert_true(after - before < 16 * MiB);
	assert_int_equal(cudaMemGetInfo(&free_b, &total), cudaSuccess);
	assert_true(total == 64 * GiB);
	assert_true(free_b == 16 * GiB);
	/* Writing 1 MiB in the middle costs about 1 MiB. */
	assert_int_equal(cudaMemcpy(d + 20 * GiB, host, MiB, cudaMemcpyHostToDevice), cudaSuccess);
	assert_true(rss() - after < 8 * MiB);
	assert_int_equal(cudaFree(d), cudaSuccess);
	assert_int_equal(cudaMemGetInfo(&free_b, &total), cudaSuccess);
	assert_true(free_b == total);
	free(host);
}

static void test_sim_memory_capacity_enforced(void **state)
{
	void *a, *b;

	(void)state;
	assert_int_equal(cudaMalloc(&a, 40 * GiB), cudaSuccess);
	assert_int_equal(cudaMalloc(&b, 40 * GiB), cudaErrorMemoryAllocation);
	assert_int_equal(cudaGetLastError(), cudaErrorMemoryAllocation);
	assert_int_equal(cudaMalloc(&b, 20 * GiB), cudaSuccess);
	assert_int_equal(cudaFree(a), cudaSuccess);
	assert_int_equal(cudaFree(b), cudaSuccess);
	/* After the frees the whole capacity is there again, in one piece. */
	assert_int_equal(cudaMalloc(&a, 60 * GiB), cudaSuccess);
	assert_int_equal(cudaFree(a), cudaSuccess);
}

static void test_sim_memory_free_returns_pages(void **state)
{
	unsigned char *d;
	size_t before, full;

	(void)state;
	if (SANITIZED)
		skip();	/* the sanitizer's shadow of 256 MiB stays resident */
	before = rss();
	assert_int_equal(cudaMalloc((void **)&d, 256 * MiB), cudaSuccess);
	assert_int_equal(cudaMemset(d, 1, 256 * MiB), cudaSuccess);
	assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
	full = rss();
	assert_true(full - before > 200 * MiB);
	assert_int_equal(cudaFree(d), cudaSuccess);
	assert_true(rss() < before + 32 * MiB);
}

static void test_sim_memory_addresses_not_reused_at_once(void **state)
{
	void *a, *b;

	(void)state;
	assert_int_equal(cudaMalloc(&a, MiB), cudaSuccess);
	assert_int_equal(cudaFree(a), cudaSuccess);
	assert_int_equal(cudaMalloc(&b, MiB), cudaSuccess);
	assert_ptr_not_equal(a, b);
	/* A stale pointer finds no allocation. */
	assert_int_equal(cudaMemset(a, 0, 16), cudaErrorInvalidValue);
	assert_int_equal(cudaGetLastError(), cudaErrorInvalidValue);
	assert_int_equal(cudaFree(b), cudaSuccess);
}

static void test_sim_memory_host_cannot_dereference(void **state)
{
	volatile unsigned char *d;
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(cudaMalloc((void **)&d, 4096), cudaSuccess);
	pid = fork();
	if (pid == 0) {
		unsigned char v;

		signal(SIGSEGV, SIG_DFL);	/* not cmocka's handler: die of it */
		v = d[0];	/* a GPU pointer on the host: this must fault */

		_exit(v == 255 ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (SANITIZED)	/* the sanitizer reports the fault and exits non-zero */
		assert_true((WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) ||
			    (WIFEXITED(st) && WEXITSTATUS(st) != 0));
	else
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	assert_int_equal(cudaFree((void *)d), cudaSuccess);
}

static void test_sim_memory_devices_apart(void **state)
{
	void *a, *b;
	struct cudaPointerAttributes at;

	(void)state;
	assert_int_equal(cudaMalloc(&a, 4096), cudaSuccess);
	assert_int_equal(cudaSetDevice(1), cudaSuccess);
	assert_int_equal(cudaMalloc(&b, 4096), cudaSuccess);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
	assert_int_equal(cudaPointerGetAttributes(&at, b), cudaSuccess);
	assert_int_equal(at.type, cudaMemoryTypeDevice);
	assert_int_equal(at.device, 1);
	assert_int_equal(cudaPointerGetAttributes(&at, a), cudaSuccess);
	assert_int_equal(at.device, 0);
	assert_int_equal(cudaFree(a), cudaSuccess);
	assert_int_equal(cudaFree(b), cudaSuccess);
}

static int child_pinned_cap(void)
{
	void *p, *q;
	static char buf[2 << 20];

	printf("big=%d\n", (int)cudaMallocHost(&p, 2 * MiB));
	printf("small=%d\n", (int)cudaMallocHost(&p, 512 << 10));
	printf("register=%d\n", (int)cudaHostRegister(buf, MiB, 0));
	printf("second=%d\n", (int)cudaMallocHost(&q, 512 << 10));
	printf("free=%d\n", (int)cudaFreeHost(p));
	printf("again=%d\n", (int)cudaMallocHost(&p, 512 << 10));
	return 0;
}

static void test_sim_memory_pinned_cap(void **state)
{
	const char *env[] = { "FERRY_SIM_PINNED_MAX=1M", NULL };
	struct child_result r;

	(void)state;
	run_child("pinned_cap", env, &r);
	assert_true(exited_with(&r, 0));
	assert_non_null(strstr(r.out, "big=2\nsmall=0\nregister=2\nsecond=0\nfree=0\nagain=0\n"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_memory_reserved_not_backed),
		cmocka_unit_test(test_sim_memory_capacity_enforced),
		cmocka_unit_test(test_sim_memory_free_returns_pages),
		cmocka_unit_test(test_sim_memory_addresses_not_reused_at_once),
		cmocka_unit_test(test_sim_memory_host_cannot_dereference),
		cmocka_unit_test(test_sim_memory_devices_apart),
		cmocka_unit_test(test_sim_memory_pinned_cap),
	};

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return strcmp(argv[2], "pinned_cap") == 0 ? child_pinned_cap() : 3;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
