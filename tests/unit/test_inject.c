/*
 * test_inject: what each fault action, trigger, filter and family of libferry_inject.so does
 * to a program, over the simulator; the last-error slot; the summary; bad settings. Each
 * case runs this program again in a child with its own FERRY_* settings (sim_test.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "sim_test.h"

#define N (64 << 10)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A device buffer of N bytes of fill, returned with a host copy of it. */
static unsigned char *dev_fill(unsigned char fill)
{
	unsigned char *d = NULL;

	cudaMalloc((void **)&d, N);
	cudaMemset(d, fill, N);
	cudaDeviceSynchronize();
	return d;
}

static size_t count_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += p[i] == v;
	return k;
}

/* --- the children ---------------------------------------------------------------------------- */

static int child_error(void)
{
	void *p;

	printf("m1=%d ", (int)cudaMalloc(&p, 64));
	printf("m2=%d ", (int)cudaMalloc(&p, 64));
	printf("peek=%d ", (int)cudaPeekAtLastError());
	printf("m3=%d ", (int)cudaMalloc(&p, 64));
	printf("get=%d ", (int)cudaGetLastError());
	printf("get=%d\n", (int)cudaGetLastError());
	/* an injected error, then a real one: the real one is the last */
	cudaMalloc(&p, 64);	/* the 4th: injected again (every(2)) */
	printf("real=%d ", (int)cudaSetDevice(99));
	printf("last=%d\n", (int)cudaGetLastError());
	return 0;
}

static int child_async(void)
{
	unsigned char *d = dev_fill(0x11), *h = malloc(N);
	cudaStream_t s;

	memset(h, 0x22, N);
	cudaStreamCreate(&s);
	printf("copy=%d ", (int)cudaMemcpyAsync(d, h, N, cudaMemcpyHostToDevice, s));
	printf("query=%d ", (int)cudaStreamQuery(s));
	printf("again=%d ", (int)cudaStreamSynchronize(s));
	memset(h, 0, N);
	cudaMemcpy(h, d, N, cudaMemcpyDeviceToHost);
	printf("untouched=%d\n", count_bytes(h, N, 0x11) == N);
	/* the synchronous copy: reported by cudaDeviceSynchronize */
	memset(h, 0x33, N);
	printf("sync_copy=%d ", (int)cudaMemcpy(d, h, N, cudaMemcpyHostToDevice));
	printf("devsync=%d ", (int)cudaDeviceSynchronize());
	printf("devsync=%d\n", (int)cudaDeviceSynchronize());
	free(h);
	return 0;
}

static int child_sticky(void)
{
	unsigned char *d = dev_fill(0);
	void *p;
	int n;

	printf("ms1=%d ", (int)cudaMemsetAsync(d, 1, N, 0));
	printf("ms2=%d ", (int)cudaMemsetAsync(d, 1, N, 0));
	printf("malloc=%d ", (int)cudaMalloc(&p, 64));
	printf("count=%d ", (int)cudaGetDeviceCount(&n));
	printf("get=%d ", (int)cudaGetLastError());
	printf("sync=%d\n", (int)cudaDeviceSynchronize());
	return 0;
}

static int child_deny(void)
{
	int can = -1, attr = -1, rank = -1;

	printf("can=%d:", (int)cudaDeviceCanAccessPeer(&can, 0, 1));
	printf("%d ", can);
	cudaDeviceGetP2PAttribute(&attr, cudaDevP2PAttrAccessSupported, 0, 1);
	cudaDeviceGetP2PAttribute(&rank, cudaDevP2PAttrPerformanceRank, 0, 1);
	printf("attr=%d rank=%d ", attr, rank);
	printf("enable=%d ", (int)cudaDeviceEnablePeerAccess(1, 0));
	printf("last=%d\n", (int)cudaGetLastError());
	return 0;
}

/* A copy with corrupt(MODE): how the destination came out. */
static int child_corrupt(void)
{
	unsigned char *d = dev_fill(0x11), *h = malloc(N), *back = malloc(N);
	size_t flipped = 0;

	memset(h, 0x5a, N);
	printf("copy=%d ", (int)cudaMemcpy(d, h, N, cudaMemcpyHostToDevice));
	cudaMemcpy(back, d, N, cudaMemcpyDeviceToHost);
	for (size_t i = 0; i < N; i++)
		flipped += (size_t)__builtin_popcount(back[i] ^ 0x5a) * (back[i] != 0x11);
	printf("new=%zu old=%zu zero=%zu flipped_bits=%zu first_new=%d last_old=%d\n",
	       count_bytes(back, N, 0x5a), count_bytes(back, N, 0x11), count_bytes(back, N, 0),
	       flipped, back[0] == 0x5a, back[N - 1] == 0x11);
	printf("last=%d\n", (int)cudaGetLastError());
	free(h);
	free(back);
	return 0;
}

/* corrupt(truncate) of a 2-D copy: the first half of the rows only. */
static int child_corrupt2d(void)
{
	unsigned char *d = NULL, *h = malloc(64 * 8), back[64 * 8];
	size_t pitch = 0;

	cudaMallocPitch((void **)&d, &pitch, 64, 8);
	cudaMemset2D(d, pitch, 0x11, 64, 8);
	memset(h, 0x5a, 64 * 8);
	printf("copy=%d ", (int)cudaMemcpy2D(d, pitch, h, 64, 64, 8, cudaMemcpyHostToDevice));
	cudaMemcpy2D(back, 64, d, pitch, 64, 8, cudaMemcpyDeviceToHost);
	printf("rows_new=%zu rows_old=%zu\n", count_bytes(back, 64 * 4, 0x5a) / 64,
	       count_bytes(back + 64 * 4, 64 * 4, 0x11) / 64);
	free(h);
	return 0;
}

static int child_delay(void)
{
	void *p;
	double t0 = now_ms();

	cudaMalloc(&p, 64);
	printf("slow=%d ", now_ms() - t0 >= 150);
	t0 = now_ms();
	cudaMalloc(&p, 64);
	printf("fast=%d\n", now_ms() - t0 < 100);
	return 0;
}

/* Twenty calls of cudaStreamQuery(0): which failed, as a string of 0/1. */
static int child_trigger(void)
{
	char seq[21];

	for (int i = 0; i < 20; i++)
		seq[i] = cudaStreamQuery(0) == cudaSuccess ? '0' : '1';
	seq[20] = '\0';
	printf("seq=%s\n", seq);
	return 0;
}

/* Copies between virtual devices 0 and 1, and within 0: which failed. */
static int child_pairs(void)
{
	unsigned char *a, *b, *a2, *h = malloc(N);

	cudaSetDevice(0);
	cudaMalloc((void **)&a, N);
	cudaMalloc((void **)&a2, N);
	cudaSetDevice(1);
	cudaMalloc((void **)&b, N);
	cudaSetDevice(0);
	printf("peer01=%d ", (int)cudaMemcpyPeer(b, 1, a, 0, N));
	printf("peer10=%d ", (int)cudaMemcpyPeer(a, 0, b, 1, N));
	printf("default01=%d ", (int)cudaMemcpy(b, a, N, cudaMemcpyDefault));
	printf("within0=%d ", (int)cudaMemcpy(a2, a, N, cudaMemcpyDeviceToDevice));
	printf("small=%d ", (int)cudaMemcpy(a2, a, 1024, cudaMemcpyDeviceToDevice));
	printf("h2d=%d\n", (int)cudaMemcpy(a, h, N, cudaMemcpyHostToDevice));
	cudaGetLastError();
	free(h);
	return 0;
}

static int child_devs(void)
{
	void *p;

	printf("dev0=%d ", (int)cudaMalloc(&p, 64));
	cudaSetDevice(1);
	printf("dev1=%d\n", (int)cudaMalloc(&p, 64));
	return 0;
}

static int child_host_alloc(void)
{
	void *p;
	static char buf[4096];

	printf("host=%d reg=%d dev=%d\n", (int)cudaMallocHost(&p, 64),
	       (int)cudaHostRegister(buf, sizeof(buf), 0), (int)cudaMalloc(&p, 64));
	return 0;
}

static int child_summary(void)
{
	void *p;
	pid_t pid;

	cudaMalloc(&p, 64);
	cudaMalloc(&p, 64);
	pid = fork();
	if (pid == 0) {
		cudaMalloc(&p, 64);	/* CUDA fails in the child; the call still counts */
		exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("child=%ld\n", (long)pid);
	return 0;
}

static int child_control(void)
{
	long long (*fired)(unsigned) =
		(long long (*)(unsigned))(uintptr_t)dlsym(RTLD_DEFAULT, "ferry_inject_rule_fired");
	long long (*calls)(const char *) =
		(long long (*)(const char *))(uintptr_t)dlsym(RTLD_DEFAULT, "ferry_inject_calls");
	void *p;

	if (!fired || !calls)
		return 4;
	cudaMalloc(&p, 64);
	cudaMalloc(&p, 64);
	printf("fired=%lld none=%lld calls=%lld unknown=%lld\n", fired(1), fired(2),
	       calls("cudaMalloc"), calls("cudaNoSuchThing"));
	return 0;
}

static int child_nothing(void)
{
	printf("MAIN\n");
	return 0;
}

static int child(const char *mode)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} modes[] = {
		{ "error", child_error },	  { "async", child_async },
		{ "sticky", child_sticky },	  { "deny", child_deny },
		{ "corrupt", child_corrupt },	  { "corrupt2d", child_corrupt2d },
		{ "delay", child_delay },	  { "trigger", child_trigger },
		{ "pairs", child_pairs },	  { "devs", child_devs },
		{ "host_alloc", child_host_alloc }, { "summary", child_summary },
		{ "control", child_control },	  { "nothing", child_nothing },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(mode, modes[i].name) == 0)
			return modes[i].fn();
	return 3;
}

/* --- the tests --------------------------------------------------------------------------------- */

static void test_inject_error_sets_the_slot(void **state)
{
	(void)state;
	EXPECT_OUT("error", "m1=0 m2=2 peek=2 m3=0 get=2 get=0\nreal=101 last=101\n",
		   "FERRY_FAULTS=cudaMalloc:error(cudaErrorMemoryAllocation)@every(2)");
}

static void test_inject_async_reported_once_nothing_written(void **state)
{
	(void)state;
	EXPECT_OUT("async",
		   "copy=0 query=2 again=0 untouched=1\nsync_copy=0 devsync=2 devsync=0\n",
		   "FERRY_FAULTS=cudaMemcpyAsync:async(cudaErrorMemoryAllocation)@first(1); "
		   "cudaMemcpy:async(cudaErrorMemoryAllocation)@nth(2)");
}

/* An async error that loses the context (719) is not reported once: every later call that
 * needs the context answers it, whichever stream or thread asks (a copy on the shared legacy
 * stream must not succeed after another thread was told) */
static void test_inject_async_lost_context_stays(void **state)
{
	(void)state;
	EXPECT_OUT("async",
		   "copy=0 query=719 again=719 untouched=0\nsync_copy=719 devsync=719 "
		   "devsync=719\n",
		   "FERRY_FAULTS=cudaMemcpyAsync:async(cudaErrorLaunchFailure)@first(1); "
		   "cudaMemcpy:async(cudaErrorLaunchFailure)@nth(2)");
}

static void test_inject_sticky_poisons_context_calls(void **state)
{
	(void)state;
	EXPECT_OUT("sticky", "ms1=0 ms2=700 malloc=700 count=0 get=700 sync=700\n",
		   "FERRY_FAULTS=cudaMemsetAsync:sticky(cudaErrorIllegalAddress)@nth(2)");
}

static void test_inject_deny_answers_no(void **state)
{
	(void)state;
	/* Queries say no; enabling is not a query, and the rule does not touch it. */
	EXPECT_OUT("deny", "can=0:0 attr=0 rank=0 enable=0 last=0\n", "FERRY_DEVICES=2",
		   "FERRY_FAULTS=peer-access:deny");
	EXPECT_OUT("deny", "can=0:1 attr=1 rank=0 enable=0 last=0\n", "FERRY_DEVICES=2");
}

static void test_inject_corrupt_modes(void **state)
{
	(void)state;
	EXPECT_OUT("corrupt", "new=65535 old=0 zero=0 flipped_bits=1 first_new",
		   "FERRY_FAULTS=cudaMemcpy:corrupt(bitflip)@first(1)");
	EXPECT_OUT("corrupt", "new=0 old=0 zero=65536",
		   "FERRY_FAULTS=cudaMemcpy:corrupt(zero)@first(1)");
	EXPECT_OUT("corrupt", "new=32768 old=32768 zero=0 flipped_bits=0 first_new=1 last_old=1",
		   "FERRY_FAULTS=cudaMemcpy:corrupt(truncate)@first(1)");
	EXPECT_OUT("corrupt2d", "copy=0 rows_new=4 rows_old=4\n",
		   "FERRY_FAULTS=cudaMemcpy2D:corrupt(truncate)@first(1)");
	/* corrupt answers success and leaves the slot clean */
	EXPECT_OUT("corrupt", "last=0", "FERRY_FAULTS=cudaMemcpy:corrupt(zero)@first(1)");
}

static void test_inject_delay(void **state)
{
	(void)state;
	EXPECT_OUT("delay", "slow=1 fast=1\n", "FERRY_FAULTS=cudaMalloc:delay(200000)@first(1)");
}

static void test_inject_triggers(void **state)
{
	(void)state;
	EXPECT_OUT("trigger", "seq=00100000000000000000",
		   "FERRY_FAULTS=cudaStreamQuery:error(cudaErrorInvalidValue)@nth(3)");
	EXPECT_OUT("trigger", "seq=00010001000100010001",
		   "FERRY_FAULTS=cudaStreamQuery:error(cudaErrorInvalidValue)@every(4)");
	EXPECT_OUT("trigger", "seq=00000000000000011111",
		   "FERRY_FAULTS=cudaStreamQuery:error(cudaErrorInvalidValue)@after(15)");
	EXPECT_OUT("trigger", "seq=11000000000000000000",
		   "FERRY_FAULTS=cudaStreamQuery:error(cudaErrorInvalidValue)@first(2)");
	EXPECT_OUT("trigger", "seq=11111111111111111111",
		   "FERRY_FAULTS=sync:error(cudaErrorInvalidValue)");
}

static void test_inject_probability_is_seeded(void **state)
{
	const char *env[] = { "FERRY_FAULTS=cudaStreamQuery:error(cudaErrorInvalidValue)@p(0.5,42)",
			      NULL };
	const char *other[] = {
		"FERRY_FAULTS=cudaStreamQuery:error(cudaErrorInvalidValue)@p(0.5,43)", NULL
	};
	struct child_result a, b, c;

	(void)state;
	run_child("trigger", env, &a);
	run_child("trigger", env, &b);
	run_child("trigger", other, &c);
	assert_non_null(strstr(a.out, "seq="));
	assert_string_equal(a.out, b.out);	/* same seed, same calls */
	assert_string_not_equal(a.out, c.out);
	assert_non_null(strchr(a.out + 4, '0'));
	assert_non_null(strchr(a.out + 4, '1'));
}

static void test_inject_filters_and_families(void **state)
{
	(void)state;
	/* pair(0>1) of the peer-copy family: device 0 to 1 only, whatever the call */
	EXPECT_OUT("pairs", "peer01=217 peer10=0 default01=217 within0=0 small=0 h2d=0\n",
		   "FERRY_DEVICES=2",
		   "FERRY_FAULTS=peer-copy:error(cudaErrorPeerAccessUnsupported) pair(0>1)");
	/* the copy family, by size */
	EXPECT_OUT("pairs", "peer01=1 peer10=1 default01=1 within0=1 small=0 h2d=1\n",
		   "FERRY_DEVICES=2", "FERRY_FAULTS=copy:error(cudaErrorInvalidValue) size(2K..)");
	/* dev() */
	EXPECT_OUT("devs", "dev0=0 dev1=2\n", "FERRY_DEVICES=2",
		   "FERRY_FAULTS=cudaMalloc:error(cudaErrorMemoryAllocation) dev(1)");
	/* host-alloc: pinned allocations and registration, not device memory */
	EXPECT_OUT("host_alloc", "host=2 reg=2 dev=0\n",
		   "FERRY_FAULTS=host-alloc:error(cudaErrorMemoryAllocation)");
	/* rules in order: the first that fires acts */
	EXPECT_OUT("devs", "dev0=2 dev1=101\n", "FERRY_DEVICES=2",
		   "FERRY_FAULTS=cudaMalloc:error(cudaErrorMemoryAllocation)@first(1); "
		   "cudaMalloc:error(cudaErrorInvalidDevice)");
}

static void test_inject_rules_file(void **state)
{
	char path[] = "/tmp/ferry-rules-XXXXXX", setting[64];
	int fd = mkstemp(path);
	const char text[] = "# a comment\n\ncudaMalloc:error(cudaErrorMemoryAllocation)@nth(2)\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	snprintf(setting, sizeof(setting), "FERRY_FAULTS_FILE=%s", path);
	EXPECT_OUT("error", "m1=0 m2=2 peek=2 m3=0", setting);
	unlink(path);
}

static void test_inject_summary_per_process(void **state)
{
	char dir[] = "/tmp/ferry-summary-XXXXXX", setting[200], path[128], child_path[160];
	const char *env[] = { setting, "FERRY_FAULTS=cudaMalloc:error(cudaErrorMemoryAllocation)"
				       "@nth(2)",
			      NULL };
	struct child_result r;
	long child_pid = 0;
	FILE *f;
	char buf[65536];
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.json", dir);
	snprintf(setting, sizeof(setting), "FERRY_SUMMARY=%s", path);
	run_child("summary", env, &r);
	assert_true(exited_with(&r, 0));
	assert_int_equal(sscanf(strstr(r.out, "child="), "child=%ld", &child_pid), 1);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"cudaMalloc\": 2"));
	assert_non_null(strstr(buf, "\"fired\": 1"));
	assert_non_null(strstr(buf, "\"matched\": 2"));
	assert_non_null(strstr(buf, "cudaMalloc:error(cudaErrorMemoryAllocation)@nth(2)"));
	/* the forked child wrote its own */
	snprintf(child_path, sizeof(child_path), "%s.%ld", path, child_pid);
	f = fopen(child_path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"cudaMalloc\": 3"));
	unlink(path);
	unlink(child_path);
	rmdir(dir);
}

static void test_inject_control_api(void **state)
{
	(void)state;
	EXPECT_OUT("control", "fired=1 none=-1 calls=2 unknown=-1\n",
		   "FERRY_FAULTS=cudaMalloc:error(cudaErrorMemoryAllocation)@nth(1)");
}

static void expect_refused(const char *a, const char *b, const char *needle)
{
	const char *env[] = { a, b, NULL };
	struct child_result r;

	run_child("nothing", env, &r);
	if (!exited_with(&r, 2) || !strstr(r.err, needle) || strstr(r.out, "MAIN"))
		fail_msg("%s %s: status %d, stderr '%s' (wanted status 2 and '%s')", a,
			 b ? b : "", r.status, r.err, needle);
}

static void test_inject_bad_settings_refused(void **state)
{
	(void)state;
	expect_refused("FERRY_FAULTS=cudaMallok:error(cudaErrorMemoryAllocation)", NULL,
		       "did you mean cudaMalloc?");
	expect_refused("FERRY_FAULTS=cudaMalloc:error(cudaErrorMemoryAlocation)", NULL,
		       "did you mean cudaErrorMemoryAllocation?");
	expect_refused("FERRY_FAULTS=cudaMalloc:explode", NULL, "FERRY_FAULTS rule 1");
	expect_refused("FERRY_FAULTS_FILE=/nonexistent/rules", NULL,
		       "FERRY_FAULTS_FILE='/nonexistent/rules'");
	expect_refused("FERRY_FAULT=x", NULL, "unknown variable FERRY_FAULT (did you mean "
					      "FERRY_FAULTS?)");
	expect_refused("FERRY_DEVICES=0", NULL, "FERRY_DEVICES='0'");
	expect_refused("FERRY_DEVICES=65", NULL, "FERRY_DEVICES='65'");
	expect_refused("FERRY_PEERS=all", NULL, "FERRY_PEERS is set but FERRY_DEVICES is not");
	expect_refused("FERRY_DEVICES=2", "FERRY_PEERS=0-2", "FERRY_PEERS: bad peer item");
	expect_refused("FERRY_DEVICES=2", "FERRY_DEVICE_MEM=lots", "FERRY_DEVICE_MEM='lots'");
	expect_refused("FERRY_CUDA_VERSION=12.7", NULL, "FERRY_CUDA_VERSION='12.7'");
	expect_refused("FERRY_SUMMARY=", NULL, "FERRY_SUMMARY must name a file");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inject_error_sets_the_slot),
		cmocka_unit_test(test_inject_async_reported_once_nothing_written),
		cmocka_unit_test(test_inject_async_lost_context_stays),
		cmocka_unit_test(test_inject_sticky_poisons_context_calls),
		cmocka_unit_test(test_inject_deny_answers_no),
		cmocka_unit_test(test_inject_corrupt_modes),
		cmocka_unit_test(test_inject_delay),
		cmocka_unit_test(test_inject_triggers),
		cmocka_unit_test(test_inject_probability_is_seeded),
		cmocka_unit_test(test_inject_filters_and_families),
		cmocka_unit_test(test_inject_rules_file),
		cmocka_unit_test(test_inject_summary_per_process),
		cmocka_unit_test(test_inject_control_api),
		cmocka_unit_test(test_inject_bad_settings_refused),
	};

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
