/*
 * test_sim_config: FERRY_SIM_* settings. A bad value or an unknown FERRY_SIM_ variable
 * stops the process before main, with status 2 and a message naming the variable and the
 * value; good values change what the simulated runtime answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_test.h"

/* The child: says that main ran, then what the runtime answers. */
static int child(const char *mode)
{
	int n = -1, v = -1;
	cudaError_t rc;
	struct cudaDeviceProp p;

	printf("MAIN\n");
	rc = cudaGetDeviceCount(&n);
	printf("count rc=%d n=%d\n", (int)rc, n);
	if (strcmp(mode, "props") == 0 && n > 0) {
		cudaGetDeviceProperties(&p, 0);
		printf("mem=%zu\n", p.totalGlobalMem);
	}
	if (strcmp(mode, "peers") == 0 && n > 1) {
		cudaDeviceCanAccessPeer(&v, 0, 1);
		printf("p01=%d\n", v);
		cudaDeviceCanAccessPeer(&v, 1, 0);
		printf("p10=%d\n", v);
	}
	return 0;
}

static void expect_refused(const char *setting, const char *needle)
{
	const char *env[] = { setting, NULL };
	struct child_result r;

	run_child("count", env, &r);
	if (!exited_with(&r, 2) || !strstr(r.err, needle) || strstr(r.out, "MAIN"))
		fail_msg("%s: status %d, stderr '%s', stdout '%s' (wanted status 2 and '%s')",
			 setting, r.status, r.err, r.out, needle);
}

static void test_sim_config_bad_values_refused(void **state)
{
	(void)state;
	expect_refused("FERRY_SIM_DEVICES=abc", "FERRY_SIM_DEVICES='abc'");
	expect_refused("FERRY_SIM_DEVICES=33", "FERRY_SIM_DEVICES='33'");
	expect_refused("FERRY_SIM_DEVICES=-1", "FERRY_SIM_DEVICES='-1'");
	expect_refused("FERRY_SIM_DEVICES=", "FERRY_SIM_DEVICES=''");
	expect_refused("FERRY_SIM_MEM=1Q", "FERRY_SIM_MEM='1Q'");
	expect_refused("FERRY_SIM_MEM=1K", "FERRY_SIM_MEM='1K'");
	expect_refused("FERRY_SIM_MEM=2T", "FERRY_SIM_MEM='2T'");
	expect_refused("FERRY_SIM_SEED=-3", "FERRY_SIM_SEED='-3'");
	expect_refused("FERRY_SIM_SCHED=fast", "one of random, eager, lazy");
	expect_refused("FERRY_SIM_PEERS=0-7", "FERRY_SIM_PEERS: bad peer item at position 1");
	expect_refused("FERRY_SIM_PINNED_MAX=lots", "FERRY_SIM_PINNED_MAX='lots'");
	expect_refused("FERRY_SIM_PROGRESS_MS=1e3", "FERRY_SIM_PROGRESS_MS='1e3'");
}

static void test_sim_config_unknown_variable_refused(void **state)
{
	(void)state;
	expect_refused("FERRY_SIM_DEVICE=2", "unknown variable FERRY_SIM_DEVICE (did you mean "
					     "FERRY_SIM_DEVICES?)");
	expect_refused("FERRY_SIM_WHATEVER_ELSE=1", "unknown variable FERRY_SIM_WHATEVER_ELSE");
}

/* FERRY_SIM_LIBRARY is the ferry command's: a program it runs has it set. */
static void test_sim_config_ferry_command_variable_accepted(void **state)
{
	const char *env[] = { "FERRY_SIM_LIBRARY=/some/where/libferry_sim.so", NULL };
	struct child_result r;

	(void)state;
	run_child("count", env, &r);
	assert_true(exited_with(&r, 0));
	assert_non_null(strstr(r.out, "count rc=0 n=1"));
}

static void test_sim_config_devices(void **state)
{
	const char *three[] = { "FERRY_SIM_DEVICES=3", NULL };
	const char *none[] = { "FERRY_SIM_DEVICES=0", NULL };
	const char *dflt[] = { NULL };
	struct child_result r;

	(void)state;
	run_child("count", three, &r);
	assert_true(exited_with(&r, 0));
	assert_non_null(strstr(r.out, "count rc=0 n=3"));
	run_child("count", dflt, &r);
	assert_non_null(strstr(r.out, "count rc=0 n=1"));
	/* No device: what CUDA answers on a machine without a GPU. */
	run_child("count", none, &r);
	assert_non_null(strstr(r.out, "count rc=100 n=0"));
}

static void test_sim_config_memory_size(void **state)
{
	const char *env[] = { "FERRY_SIM_MEM=3G", NULL };
	struct child_result r;

	(void)state;
	run_child("props", env, &r);
	assert_true(exited_with(&r, 0));
	assert_non_null(strstr(r.out, "mem=3221225472"));
}

static void test_sim_config_peers(void **state)
{
	const char *one_way[] = { "FERRY_SIM_DEVICES=2", "FERRY_SIM_PEERS=0>1", NULL };
	const char *none[] = { "FERRY_SIM_DEVICES=2", "FERRY_SIM_PEERS=none", NULL };
	const char *dflt[] = { "FERRY_SIM_DEVICES=2", NULL };
	struct child_result r;

	(void)state;
	run_child("peers", one_way, &r);
	assert_non_null(strstr(r.out, "p01=1\np10=0"));
	run_child("peers", none, &r);
	assert_non_null(strstr(r.out, "p01=0\np10=0"));
	run_child("peers", dflt, &r);
	assert_non_null(strstr(r.out, "p01=1\np10=1"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_config_bad_values_refused),
		cmocka_unit_test(test_sim_config_unknown_variable_refused),
		cmocka_unit_test(test_sim_config_ferry_command_variable_accepted),
		cmocka_unit_test(test_sim_config_devices),
		cmocka_unit_test(test_sim_config_memory_size),
		cmocka_unit_test(test_sim_config_peers),
	};

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
