/*
 * test_core: the copy core's ladder, on the simulator under the interposer (virtual devices,
 * peer matrices and fault rules), through core_child (every byte checked there). Each case
 * runs core_child once with its own settings and looks for what its lines must say: every
 * rung, every transition between rungs, each error class at each step, strided layouts on
 * every path, host endpoints, bad input, many threads, and the scheduler's seeds.
 *
 *   test_core [GROUP]     GROUP: ladder, strided, classes, threads or seeds (default: all)
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
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CORE_CHILD
#error "CORE_CHILD: the path of core_child"
#endif

#define MAXV 16

struct core_case {
	const char *name;
	const char *env[MAXV];	/* NAME=value */
	const char *args[MAXV];
	const char *want[MAXV];	/* substrings of the output, each required */
	const char *refuse[4];	/* substrings that must not appear */
	bool sim_only;		/* needs the simulator's scheduler (skipped on a real GPU) */
};

extern char **environ;

/* Runs core_child with env added (FERRY_* of ours replaced) and args; its stdout+stderr. */
static int run_core(const char *const *env, const char *const *args, char *out, size_t len)
{
	int pfd[2], status = 0;
	size_t n = 0;
	pid_t pid;

	if (pipe(pfd))
		abort();
	pid = fork();
	if (pid == 0) {
		char *envp[512], *argv[MAXV + 2];
		size_t k = 0, a = 0;

		for (char **e = environ; *e && k < 480; e++)
			if (strncmp(*e, "FERRY_", 6) != 0 || strncmp(*e, "FERRY_SIM_", 10) == 0)
				envp[k++] = *e;
		for (; *env && k < 510; env++)
			envp[k++] = (char *)*env;
		envp[k] = NULL;
		argv[a++] = (char *)CORE_CHILD;
		for (; *args && a < MAXV + 1; args++)
			argv[a++] = (char *)*args;
		argv[a] = NULL;
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execve(CORE_CHILD, argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		ssize_t r;

		if (poll(&p, 1, 120000) <= 0)
			break;
		r = read(pfd[0], out + n, len - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return status;
}

static void run_case(void **state)
{
	const struct core_case *c = *state;
	static char out[1 << 16];
	const char *preload = getenv("LD_PRELOAD");
	int status;

	if (c->sim_only && (!preload || !strstr(preload, "ferry_sim"))) {
		printf("%s: needs the simulator: skipped\n", c->name);
		skip();
	}
	status = run_core(c->env, c->args, out, sizeof(out));

	for (int i = 0; c->want[i]; i++)
		if (!strstr(out, c->want[i]))
			fail_msg("%s: wanted '%s' in:\n%s", c->name, c->want[i], out);
	for (int i = 0; c->refuse[i]; i++)
		if (strstr(out, c->refuse[i]))
			fail_msg("%s: '%s' must not appear in:\n%s", c->name, c->refuse[i], out);
	/* exact=0, untouched=0 and a dirty slot are failures in every case that does not
	 * ask for them, and so is a child that crashed or exited non-zero (a sanitizer's
	 * report of a leak, too) */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: core_child exited with status %d:\n%s", c->name, status, out);
	if (strstr(out, "exact=0") || strstr(out, "untouched=0"))
		fail_msg("%s: wrong bytes:\n%s", c->name, out);
	/* (a sticky error cannot be cleared: the one case where the slot stays set) */
	if (strstr(out, "end slot=") && !strstr(out, "end slot=cudaSuccess") &&
	    !strstr(out, "st=FERRY_E_STICKY"))
		fail_msg("%s: the last-error slot is dirty at the end:\n%s", c->name, out);
}

#define N1 "n=1000003"
#define SMALL "--chunk", "65536", "--slots", "3"
#define D2 "FERRY_DEVICES=2"
#define ALL "FERRY_PEERS=all"
#define NONE "FERRY_PEERS=none"
#define OKSLOT "slot=cudaSuccess"

/* --- the ladder ------------------------------------------------------------------------------- */

static const struct core_case ladder[] = {
	{ "same_device", { D2, ALL }, { SMALL, "0>0:" N1, "1>1:n=1" },
	  { "op1 st=FERRY_OK path=same-device retries=0 fb=[]", "exact=1 " OKSLOT,
	    "op2 st=FERRY_OK path=same-device" } },
	{ "peer_with_self_test_once", { D2, ALL }, { SMALL, "0>1:" N1, "0>1:n=5", "1>0:n=77" },
	  { "op1 st=FERRY_OK path=peer retries=0 fb=[] selftest=1 exact=1 " OKSLOT,
	    "op2 st=FERRY_OK path=peer retries=0 fb=[] selftest=0",
	    "op3 st=FERRY_OK path=peer retries=0 fb=[] selftest=1",
	    "selftests=2/0 demoted=0" } },
	{ "no_peer_capability_stages_pinned", { D2, NONE }, { SMALL, "0>1:" N1, "1>0:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=0 "
	    "fb=[peer:cudaSuccess:cudaDeviceCanAccessPeer:now]",
	    "op2 st=FERRY_OK path=staged-pinned", "exact=1 " OKSLOT, "demoted=2" } },
	{ "one_way_peers_are_two_pairs", { D2, "FERRY_PEERS=1>0" },
	  { SMALL, "0>1:" N1, "1>0:" N1 },
	  { "op1 st=FERRY_OK path=peer", "op2 st=FERRY_OK path=staged-pinned" } },
	{ "enable_unsupported_217", { D2, ALL,
	    "FERRY_FAULTS=cudaDeviceEnablePeerAccess:error(cudaErrorPeerAccessUnsupported)" },
	  { SMALL, "0>1:" N1, "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaErrorPeerAccessUnsupported:"
	    "cudaDeviceEnablePeerAccess:now]",
	    "op2 st=FERRY_OK path=staged-pinned retries=0 fb=[peer:cudaErrorPeerAccessUnsupported:"
	    "cudaDeviceEnablePeerAccess:remembered]",
	    "exact=1 " OKSLOT } },
	{ "enable_mapping_failed_205", { D2, ALL,
	    "FERRY_FAULTS=peer-access:error(cudaErrorMapBufferObjectFailed)@nth(2)" },
	  { SMALL, "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaErrorMapBufferObjectFailed:"
	    "cudaDeviceEnablePeerAccess:now]", "exact=1 " OKSLOT } },
	{ "too_many_peers_711", { "FERRY_DEVICES=10", ALL },
	  { SMALL, "--flags", "no-self-test", "1>0:n=4099", "2>0:n=4099", "3>0:n=4099",
	    "4>0:n=4099", "5>0:n=4099", "6>0:n=4099", "7>0:n=4099", "8>0:n=4099",
	    "9>0:n=4099", "0>1:n=4099" },
	  { "op8 st=FERRY_OK path=peer",
	    "op9 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaErrorTooManyPeers:"
	    "cudaDeviceEnablePeerAccess:now]",
	    "op10 st=FERRY_OK path=peer", "exact=1 " OKSLOT } },
	{ "already_enabled_704_is_success_and_cleared", { D2, ALL },
	  { SMALL, "--enable", "0>1", "0>1:" N1 },
	  { "pre-enable=cudaSuccess", "op1 st=FERRY_OK path=peer retries=0 fb=[]",
	    "exact=1 " OKSLOT } },
	{ "peer_copy_error_demotes_pair", { D2, ALL,
	    "FERRY_FAULTS=cudaMemcpyPeerAsync:error(cudaErrorPeerAccessUnsupported)" },
	  { SMALL, "--flags", "no-self-test", "0>1:" N1, "0>1:n=10" },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaErrorPeerAccessUnsupported:"
	    "cudaMemcpyPeerAsync:now]",
	    "op2 st=FERRY_OK path=staged-pinned retries=0 fb=[peer:cudaErrorPeerAccessUnsupported:"
	    "cudaMemcpyPeerAsync:remembered]",
	    "exact=1 " OKSLOT, "demoted=1" } },
	{ "peer_copy_async_error_at_sync_redone", { D2, ALL,
	    "FERRY_FAULTS=cudaMemcpyPeerAsync:async(cudaErrorMapBufferObjectFailed)" },
	  { SMALL, "--flags", "no-self-test", "--stream", "1", "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaErrorMapBufferObjectFailed:"
	    "cudaStreamSynchronize:now]", "exact=1 " OKSLOT } },
	{ "peer_copy_pool_memory_invalid_value_F10", { D2, ALL,
	    "FERRY_FAULTS=cudaMemcpyPeerAsync:error(cudaErrorInvalidValue)" },
	  { SMALL, "--flags", "no-self-test", "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1", "exact=1 " OKSLOT } },
	{ "self_test_catches_zeros_F01", { D2, ALL, "FERRY_FAULTS=peer-copy:corrupt(zero)" },
	  { SMALL, "0>1:" N1, "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaSuccess:self-test:now] "
	    "selftest=1 exact=1 " OKSLOT,
	    "op2 st=FERRY_OK path=staged-pinned retries=0 fb=[peer:cudaSuccess:self-test:"
	    "remembered] selftest=0 exact=1",
	    "selftests=1/1 demoted=1" } },
	{ "self_test_catches_a_flipped_bit", { D2, ALL,
	    "FERRY_FAULTS=peer-copy:corrupt(bitflip)@nth(4)" },
	  { SMALL, "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaSuccess:self-test:now]",
	    "exact=1 " OKSLOT } },
	{ "self_test_catches_truncation_past_the_chunk", { D2, ALL,
	    "FERRY_FAULTS=peer-copy:corrupt(truncate) size(65537..)" },
	  { SMALL, "0>1:n=100" },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaSuccess:self-test:now]",
	    "exact=1 " OKSLOT } },
	{ "self_test_error_demotes", { D2, ALL,
	    "FERRY_FAULTS=cudaMemcpyPeerAsync:error(cudaErrorNotSupported)@nth(3)" },
	  { SMALL, "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaErrorNotSupported:"
	    "cudaMemcpyPeerAsync:now]", "exact=1 " OKSLOT } },
	{ "self_test_slow_but_in_time", { D2, ALL,
	    "FERRY_FAULTS=cudaMemcpyPeerAsync:delay(300000)@nth(1)" },
	  { SMALL, "--self-test-ms", "5000", "0>1:" N1 },
	  { "op1 st=FERRY_OK path=peer retries=0 fb=[] selftest=1", "exact=1 " OKSLOT } },
	/* the lazy schedule runs nothing until a wait needs it (and no progress thread for a
	 * minute): a self-test that polls sees its copies never finish, as on a box whose P2P
	 * writes are dropped */
	{ "self_test_that_never_ends_F03", { D2, ALL, "FERRY_SIM_SCHED=lazy",
	    "FERRY_SIM_PROGRESS_MS=60000" },
	  { SMALL, "--self-test-ms", "300", "0>1:" N1, "0>1:n=5" },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaErrorNotReady:"
	    "self-test (timed out):now] selftest=1 exact=1 " OKSLOT,
	    "op2 st=FERRY_OK path=staged-pinned retries=0 fb=[peer:cudaErrorNotReady:"
	    "self-test (timed out):remembered]" }, .sim_only = true },
	/* the time limit counts the self-test's pauses, not the clock: queries that are slow
	 * (here 300 us each) leave the number of polls as it is (20 us, doubling to 1.28 ms,
	 * until 100 ms of pauses: 85 queries), so enumerations and replays meet the same calls
	 * on a busy machine (F03's enumeration under load once found a call "not reached") */
	{ "self_test_that_never_ends_polls_the_same", { D2, ALL, "FERRY_SIM_SCHED=lazy",
	    "FERRY_SIM_PROGRESS_MS=60000", "FERRY_FAULTS=cudaStreamQuery:delay(300)" },
	  { SMALL, "--self-test-ms", "100", "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[peer:cudaErrorNotReady:"
	    "self-test (timed out):now] selftest=1 exact=1 " OKSLOT,
	    "rules 1:fired=85\n" }, .sim_only = true },
	{ "pinned_refused_goes_pageable_F12", { D2, NONE,
	    "FERRY_FAULTS=host-alloc:error(cudaErrorMemoryAllocation)" },
	  { SMALL, "0>1:" N1, "1>0:" N1 },
	  { "op1 st=FERRY_OK path=staged-pageable retries=1 fb=[peer:cudaSuccess:"
	    "cudaDeviceCanAccessPeer:now,staged-pinned:cudaErrorMemoryAllocation:cudaHostAlloc:now]",
	    "op2 st=FERRY_OK path=staged-pageable retries=0 fb=[peer:cudaSuccess:"
	    "cudaDeviceCanAccessPeer:now,staged-pinned:cudaErrorMemoryAllocation:cudaHostAlloc:"
	    "remembered]",
	    "exact=1 " OKSLOT } },
	{ "pinned_not_permitted_800", { D2, NONE,
	    "FERRY_FAULTS=cudaHostAlloc:error(cudaErrorNotPermitted)" },
	  { SMALL, "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pageable retries=1",
	    "staged-pinned:cudaErrorNotPermitted:cudaHostAlloc:now", "exact=1 " OKSLOT } },
	{ "pinned_chunked_after_one_refusal", { D2, NONE,
	    "FERRY_FAULTS=cudaHostAlloc:error(cudaErrorMemoryAllocation)@first(2)" },
	  { "--chunk", "1048576", "0>1:n=5000000" },
	  { "op1 st=FERRY_OK path=staged-pinned retries=0", "exact=1 " OKSLOT } },
	{ "pinned_async_error_redone_pageable", { D2, NONE,
	    "FERRY_FAULTS=cudaMemcpyAsync:async(cudaErrorMemoryAllocation)@nth(3)" },
	  { SMALL, "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pageable retries=1",
	    "staged-pinned:cudaErrorMemoryAllocation:cudaStreamSynchronize:now",
	    "exact=1 " OKSLOT } },
	{ "pinned_stream_refused_goes_pageable", { D2, NONE,
	    "FERRY_FAULTS=cudaStreamCreateWithFlags:error(cudaErrorMemoryAllocation)@first(1)" },
	  { SMALL, "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pageable retries=1",
	    "staged-pinned:cudaErrorMemoryAllocation:cudaStreamCreateWithFlags:now",
	    "exact=1 " OKSLOT } },
	{ "pinned_hard_error_is_returned", { D2, NONE,
	    "FERRY_FAULTS=cudaMemcpyAsync:error(cudaErrorInvalidValue)@nth(1)" },
	  { SMALL, "0>1:" N1, "0>1:" N1 },
	  { "op1 st=FERRY_E_CUDA path=none",
	    "msg='cudaMemcpyAsync failed on the staged-pinned path (device 0 -> device 1): "
	    "cudaErrorInvalidValue", "dst=undefined " OKSLOT,
	    "op2 st=FERRY_OK path=staged-pinned" } },
	{ "pageable_error_is_returned", { D2, NONE,
	    "FERRY_FAULTS=cudaMemcpyAsync:error(cudaErrorUnknown)@nth(1)" },
	  { SMALL, "--flags", "no-pinned", "0>1:" N1 },
	  { "op1 st=FERRY_E_CUDA path=none",
	    "msg='cudaMemcpyAsync failed on the staged-pageable path", "dst=undefined " OKSLOT } },
	{ "same_device_resource_error_goes_staged", { D2, ALL,
	    "FERRY_FAULTS=cudaMemcpyAsync:error(cudaErrorMemoryAllocation)@nth(1)" },
	  { SMALL, "0>0:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=1 fb=[same-device:"
	    "cudaErrorMemoryAllocation:cudaMemcpyAsync:now]", "exact=1 " OKSLOT } },
	{ "sticky_error_never_retried_F09", { D2, ALL,
	    "FERRY_FAULTS=cudaMemcpyPeerAsync:sticky(cudaErrorIllegalAddress)" },
	  { SMALL, "--flags", "no-self-test", "0>1:" N1 },
	  { "op1 st=FERRY_E_STICKY path=none retries=0",
	    "msg='cudaMemcpyPeerAsync failed on the peer path (device 0 -> device 1): "
	    "cudaErrorIllegalAddress" },
	  { "staged" } },
	{ "pending_error_left_to_its_owner", { D2, ALL },
	  { SMALL, "--latch", "0>1:n=64", "0>1:n=64" },
	  { "latched=cudaErrorInvalidDevice",
	    "op1 st=FERRY_E_PENDING path=none retries=0 fb=[] selftest=0 msg='the last-error "
	    "slot already holds cudaErrorInvalidDevice", "untouched=1 slot=cudaErrorInvalidDevice",
	    "op2 st=FERRY_OK path=peer" } },
	{ "host_endpoints", { D2, ALL },
	  { SMALL, "h>0:" N1, "0>h:" N1, "p>1:" N1, "1>p:" N1, "h>h:n=77", "p>h:n=9" },
	  { "op1 st=FERRY_OK path=host", "op2 st=FERRY_OK path=host", "op3 st=FERRY_OK path=host",
	    "op4 st=FERRY_OK path=host", "op5 st=FERRY_OK path=host", "op6 st=FERRY_OK path=host",
	    "exact=1 " OKSLOT } },
	{ "wrong_device_named_is_invalid", { D2, ALL },
	  { SMALL, "0>1:n=4096,dlie=1", "0>h:n=4096,dlie=2", "h>0:n=4096,dlie=0" },
	  { "op1 st=FERRY_E_INVALID path=none", "msg='dst: the first byte at",
	    "is memory of device 1, not memory of device 0'",
	    "op2 st=FERRY_E_INVALID", "is host memory unknown to CUDA, not memory of device 1'",
	    "op3 st=FERRY_E_INVALID", "is memory of device 0, not memory of host'",
	    "untouched=1 " OKSLOT } },
	{ "never_peer_policy", { D2, ALL },
	  { SMALL, "--flags", "never-peer", "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=0 fb=[peer:cudaSuccess:policy:now]",
	    "exact=1 " OKSLOT } },
	{ "always_stage_policy_one_device", { D2, ALL },
	  { SMALL, "--flags", "always-stage", "0>0:" N1, "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pinned retries=0 fb=[same-device:cudaSuccess:policy:now]",
	    "op2 st=FERRY_OK path=staged-pinned retries=0 fb=[peer:cudaSuccess:policy:now]",
	    "exact=1 " OKSLOT } },
	{ "no_pinned_policy", { D2, ALL },
	  { SMALL, "--flags", "never-peer,no-pinned", "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pageable retries=0 fb=[peer:cudaSuccess:policy:now,"
	    "staged-pinned:cudaSuccess:policy:now]", "exact=1 " OKSLOT } },
	{ "zero_budget_goes_pageable", { D2, NONE },
	  { SMALL, "--budget", "0", "0>1:" N1 },
	  { "op1 st=FERRY_OK path=staged-pageable",
	    "staged-pinned:cudaSuccess:budget:now", "exact=1 " OKSLOT } },
	{ "move", { D2, ALL }, { SMALL, "0>1:move:n=100000", "1>h:move:n=999", "0>0:move:n=0" },
	  { "op1 st=FERRY_OK path=peer", "op2 st=FERRY_OK path=host", "op3 st=FERRY_OK",
	    "exact=1 " OKSLOT } },
	{ "move_allocation_refused", { D2, ALL,
	    "FERRY_FAULTS=cudaMalloc:error(cudaErrorMemoryAllocation)@nth(3)" },
	  { SMALL, "0>1:move:n=100000" },
	  { "op1 st=FERRY_E_NOMEM path=none", "msg='cudaMalloc failed", "out=NULL " OKSLOT } },
	{ "bad_config_refused", { D2 }, { "--chunk", "100", "0>1:n=1" },
	  { "init st=FERRY_E_INVALID: chunk_bytes 100 is out of range (4096 .. 1 GiB)" } },
	{ "bad_slots_refused", { D2 }, { "--slots", "1", "0>1:n=1" },
	  { "init st=FERRY_E_INVALID: slots 1 is out of range (2 .. 64)" } },
	{ "zero_bytes_is_a_no_op", { D2 }, { "0>1:n=0" },
	  { "op1 st=FERRY_OK path=none", "exact=1 " OKSLOT } },
};

/* --- strided layouts on every path ------------------------------------------------------------ */

static const char *const layouts[] = {
	"w=100,h=7,sp=128,dp=256",		/* 2-D, both pitched */
	"w=1,h=1",				/* one byte */
	"w=3,h=1000,sp=4096,dp=3",		/* narrow rows, packed destination pitch */
	"w=1,h=5,sp=1048576,dp=65536",		/* views far larger than their data */
	"w=20,h=5,d=4,sp=32,ss=200,dp=24,ds=160",	/* 3-D, slices not whole rows */
	"w=20,h=5,d=4,sp=32,ss=192,dp=24,ds=144",	/* 3-D, slices of whole rows */
	"w=8,h=3,d=2,e=3,sp=16,ss=64,se=200,dp=8,ds=32,de=100",	/* 4-D */
	"w=10,h=50,sp=17,pack=dst",		/* packing */
	"w=10,h=50,dp=33,pack=src",		/* unpacking */
	"w=10000,h=3,sp=10240,dp=10001",	/* rows wider than a staging chunk */
	"w=4096,h=300,sp=8192,dp=4096",		/* many rows per piece */
};

struct path_setup {
	const char *name, *route, *path, *peers, *flags;
};

static const struct path_setup paths[] = {
	{ "same", "0>0", "path=same-device", ALL, "" },
	{ "peer", "0>1", "path=peer", ALL, "" },
	{ "pinned", "1>0", "path=staged-pinned", NONE, "" },
	{ "pageable", "0>1", "path=staged-pageable", NONE, "no-pinned" },
	{ "host_to_dev", "h>1", "path=host", ALL, "" },
	{ "dev_to_host", "1>h", "path=host", ALL, "" },
};

#define NLAYOUT (sizeof(layouts) / sizeof(layouts[0]))
#define NPATH (sizeof(paths) / sizeof(paths[0]))

static struct core_case strided[NLAYOUT * NPATH];
static char strided_buf[NLAYOUT * NPATH][3][160];

static void make_strided(void)
{
	for (size_t p = 0; p < NPATH; p++) {
		for (size_t l = 0; l < NLAYOUT; l++) {
			struct core_case *c = &strided[p * NLAYOUT + l];
			char(*b)[160] = strided_buf[p * NLAYOUT + l];
			int a = 0;

			snprintf(b[0], 160, "%s_%zu", paths[p].name, l);
			snprintf(b[1], 160, "%s:%s", paths[p].route, layouts[l]);
			snprintf(b[2], 160, "op1 st=FERRY_OK %s", paths[p].path);
			c->name = b[0];
			c->env[0] = D2;
			c->env[1] = paths[p].peers;
			c->args[a++] = "--chunk";
			c->args[a++] = "4096";
			c->args[a++] = "--slots";
			c->args[a++] = "2";
			if (paths[p].flags[0]) {
				c->args[a++] = "--flags";
				c->args[a++] = paths[p].flags;
			}
			c->args[a++] = b[1];
			c->want[0] = b[2];
			c->want[1] = "exact=1 " OKSLOT;
		}
	}
}

static const struct core_case bad_views[] = {
	{ "overlapping_rows", { D2 }, { "0>1:w=10,h=5,sp=4" },
	  { "op1 st=FERRY_E_INVALID", "src: stride[1] = 4 is smaller than the 10 bytes",
	    "untouched=1" } },
};

/* --- threads and seeds ------------------------------------------------------------------------ */

/* --- each error class at each step ------------------------------------------------------------ */

/* The steps of the ladder where a rule makes a call fail, and the classes of error that mean
 * "next rung" there (what core/classify.c must decide, restated here as the contract). */
struct step {
	const char *name, *peers, *flags, *route, *rule, *next_path;
	const int next[12];	/* the errors that move to next_path; 0 ends the list */
	bool any_next;		/* every error but a sticky one moves on */
};

static const struct step steps[] = {
	{ "can_access", ALL, "", "0>1", "cudaDeviceCanAccessPeer:error(%s)", "staged-pinned",
	  { 0 }, true },
	{ "enable", ALL, "", "0>1", "cudaDeviceEnablePeerAccess:error(%s)", "staged-pinned",
	  { 217, 711, 205, 705, 2, 800, 801 }, false },
	{ "self_test", ALL, "", "0>1", "cudaMemcpyPeerAsync:error(%s)@nth(1)", "staged-pinned",
	  { 0 }, true },
	{ "peer_issue", ALL, "no-self-test", "0>1", "cudaMemcpyPeerAsync:error(%s)",
	  "staged-pinned", { 217, 711, 205, 705, 2, 800, 801, 1 }, false },
	{ "peer_sync", ALL, "no-self-test", "0>1", "cudaMemcpyPeerAsync:async(%s)",
	  "staged-pinned", { 217, 711, 205, 705, 2, 800, 801, 1 }, false },
	{ "same_device", ALL, "", "0>0", "cudaMemcpyAsync:error(%s)@nth(1)", "staged-pinned",
	  { 2, 800, 801 }, false },
	{ "ring_alloc", NONE, "", "0>1", "cudaHostAlloc:error(%s)", "staged-pageable",
	  { 2, 800, 801, 1 }, false },
	{ "pinned_issue", NONE, "", "0>1", "cudaMemcpyAsync:error(%s)@nth(1)", "staged-pageable",
	  { 2, 800, 801, 701, 713 }, false },
	{ "pinned_sync", NONE, "", "0>1", "cudaMemcpyAsync:async(%s)@nth(1)", "staged-pageable",
	  { 2, 800, 801, 701, 713 }, false },
	{ "pageable", NONE, "no-pinned", "0>1", "cudaMemcpyAsync:error(%s)@nth(1)", "none",
	  { 0 }, false },
};

static const struct {
	int code;
	const char *name;
	bool sticky;
} classes[] = {
	{ 217, "cudaErrorPeerAccessUnsupported", false },
	{ 711, "cudaErrorTooManyPeers", false },
	{ 205, "cudaErrorMapBufferObjectFailed", false },
	{ 705, "cudaErrorPeerAccessNotEnabled", false },
	{ 2, "cudaErrorMemoryAllocation", false },
	{ 800, "cudaErrorNotPermitted", false },
	{ 801, "cudaErrorNotSupported", false },
	{ 1, "cudaErrorInvalidValue", false },
	{ 701, "cudaErrorLaunchOutOfResources", false },
	{ 713, "cudaErrorHostMemoryNotRegistered", false },
	{ 999, "cudaErrorUnknown", false },
	{ 700, "cudaErrorIllegalAddress", true },
};

#define NSTEP (sizeof(steps) / sizeof(steps[0]))
#define NCLASS (sizeof(classes) / sizeof(classes[0]))

static struct core_case class_cases[NSTEP * NCLASS];
static char class_buf[NSTEP * NCLASS][5][200];

static void make_classes(void)
{
	for (size_t i = 0; i < NSTEP; i++) {
		for (size_t j = 0; j < NCLASS; j++) {
			const struct step *st = &steps[i];
			struct core_case *c = &class_cases[i * NCLASS + j];
			char(*b)[200] = class_buf[i * NCLASS + j];
			bool next = st->any_next;
			int a = 0;

			for (int k = 0; k < 12 && st->next[k]; k++)
				next |= st->next[k] == classes[j].code;
			next &= !classes[j].sticky;
			snprintf(b[0], 200, "%s_%d", st->name, classes[j].code);
			{	/* the rule with the error's name in place of %s */
				const char *at = strstr(st->rule, "%s");

				snprintf(b[1], 200, "FERRY_FAULTS=%.*s%s%s", (int)(at - st->rule),
					 st->rule, classes[j].name, at + 2);
			}
			snprintf(b[2], 200, "%s:n=300001", st->route);
			if (classes[j].sticky)
				snprintf(b[3], 200, "op1 st=FERRY_E_STICKY path=none retries=0");
			else if (next)
				snprintf(b[3], 200, "op1 st=FERRY_OK path=%s", st->next_path);
			else
				snprintf(b[3], 200, "op1 st=FERRY_E_CUDA path=none");
			snprintf(b[4], 200, next ? ":%s:" : "msg='", classes[j].name);
			c->name = b[0];
			c->env[0] = D2;
			c->env[1] = st->peers;
			c->env[2] = b[1];
			c->args[a++] = "--chunk";
			c->args[a++] = "65536";
			if (st->flags[0]) {
				c->args[a++] = "--flags";
				c->args[a++] = st->flags;
			}
			c->args[a++] = b[2];
			c->want[0] = b[3];
			c->want[1] = b[4];
			c->want[2] = classes[j].sticky ? NULL : OKSLOT;
			if (!classes[j].sticky && next)
				c->want[3] = "exact=1";
		}
	}
}

static const struct core_case threads[] = {
	{ "threads_share_a_context", { "FERRY_DEVICES=4", "FERRY_PEERS=0-1,2>3,1>2" },
	  { "--chunk", "262144", "--budget", "1048576", "--threads", "8", "--iters", "12",
	    "--devs", "4" },
	  { "threads ok=96 bad=0" } },
	{ "threads_with_faults", { "FERRY_DEVICES=4", "FERRY_PEERS=all",
	    "FERRY_FAULTS=cudaMemcpyPeerAsync:async(cudaErrorPeerAccessUnsupported) pair(0>2);"
	    "host-alloc:error(cudaErrorMemoryAllocation)@nth(2)" },
	  { "--chunk", "262144", "--threads", "6", "--iters", "10", "--devs", "4" },
	  { "threads ok=60 bad=0" } },
};

static struct core_case seeds[32];
static char seed_buf[32][2][40];

static void make_seeds(void)
{
	for (int i = 0; i < 32; i++) {
		struct core_case *c = &seeds[i];

		snprintf(seed_buf[i][0], 40, "seed_%d_%s", i / 2 + 1, i % 2 ? "eager" : "lazy");
		snprintf(seed_buf[i][1], 40, "FERRY_SIM_SEED=%d", i / 2 + 1);
		c->name = seed_buf[i][0];
		c->env[0] = "FERRY_DEVICES=3";
		c->env[1] = "FERRY_PEERS=0-1";
		c->env[2] = seed_buf[i][1];
		c->env[3] = i % 2 ? "FERRY_SIM_SCHED=eager" : "FERRY_SIM_SCHED=lazy";
		c->args[0] = "--chunk";
		c->args[1] = "65536";
		c->args[2] = "--stream";
		c->args[3] = "2";
		c->args[4] = "0>1:n=300001";
		c->args[5] = "1>2:n=300001";
		c->args[6] = "2>0:w=1000,h=200,sp=1024,dp=1536";
		c->args[7] = "0>0:n=300001";
		c->args[8] = "h>2:n=300001";
		c->want[0] = "op1 st=FERRY_OK path=peer";
		c->want[1] = "op2 st=FERRY_OK path=staged-pinned";
		c->want[2] = "op3 st=FERRY_OK path=staged-pinned";
		c->want[3] = "op5 st=FERRY_OK path=host";
	}
}

/* --- main ------------------------------------------------------------------------------------- */

static int run_group(const char *name, const struct core_case *cases, size_t n)
{
	struct CMUnitTest *t = calloc(n, sizeof(*t));
	int rc;

	for (size_t i = 0; i < n; i++) {
		t[i].name = cases[i].name;
		t[i].test_func = run_case;
		t[i].initial_state = (void *)&cases[i];
	}
	rc = _cmocka_run_group_tests(name, t, n, NULL, NULL);
	free(t);
	return rc;
}

#define GROUP(g, arr) (!which || !strcmp(which, g) ? run_group(g, arr, sizeof(arr) / sizeof(arr[0])) : 0)

int main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : NULL;
	int rc = 0;

	make_strided();
	make_seeds();
	make_classes();
	rc |= GROUP("ladder", ladder);
	rc |= GROUP("strided", strided);
	rc |= GROUP("strided", bad_views);
	rc |= GROUP("classes", class_cases);
	rc |= GROUP("threads", threads);
	rc |= GROUP("seeds", seeds);
	return rc;
}
