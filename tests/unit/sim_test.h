/*
 * sim_test.h: helpers for the simulator's unit tests (tests/unit/test_sim_*.c): running
 * this test program again in a child with other settings, and reaching the simulator's
 * control API (sim/ferry_sim.h) through the dynamic linker, as a program that also runs on
 * real CUDA would.
 */
#ifndef FERRY_SIM_TEST_H
#define FERRY_SIM_TEST_H

#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ferry_sim.h"

extern char **environ;

struct child_result {
	int status;	/* as from waitpid */
	char out[8192];
	char err[8192];
};

/* Runs this program again as "prog child <mode>", with FERRY_SIM_* replaced by the
 * NULL-terminated list env ("NAME=value"), and collects its output and status. */
static inline void run_child(const char *mode, const char *const *env, struct child_result *r)
{
	int pout[2], perr[2];
	pid_t pid;
	size_t nout = 0, nerr = 0;

	memset(r, 0, sizeof(*r));
	if (pipe(pout) || pipe(perr))
		abort();
	pid = fork();
	if (pid == 0) {
		char *envp[512];
		size_t n = 0;

		for (char **e = environ; *e && n < 500; e++)
			if (strncmp(*e, "FERRY_SIM_", 10) != 0)
				envp[n++] = *e;
		for (; env && *env && n < 510; env++)
			envp[n++] = (char *)*env;
		envp[n] = NULL;
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		execle("/proc/self/exe", "child", "child", mode, (char *)NULL, envp);
		_exit(127);
	}
	close(pout[1]);
	close(perr[1]);
	for (;;) {
		struct pollfd fds[2] = { { pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 } };
		ssize_t k;
		bool open_fds = false;

		if (poll(fds, 2, 30000) <= 0)
			break;
		if (fds[0].revents) {
			k = read(pout[0], r->out + nout, sizeof(r->out) - 1 - nout);
			if (k > 0) {
				nout += (size_t)k;
				open_fds = true;
			}
		}
		if (fds[1].revents) {
			k = read(perr[0], r->err + nerr, sizeof(r->err) - 1 - nerr);
			if (k > 0) {
				nerr += (size_t)k;
				open_fds = true;
			}
		}
		if (!open_fds)
			break;
	}
	close(pout[0]);
	close(perr[0]);
	waitpid(pid, &r->status, 0);
}

static inline bool exited_with(const struct child_result *r, int code)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

/* Runs this program as a child in mode, with env added; fails the test unless it exits 0
 * having printed want. */
#define EXPECT_OUT(mode, want, ...)                                                        \
	do {                                                                               \
		const char *env_[] = { __VA_ARGS__, NULL };                                \
		struct child_result r_;                                                    \
                                                                                           \
		run_child(mode, env_, &r_);                                                \
		if (!exited_with(&r_, 0) || !strstr(r_.out, want))                         \
			fail_msg("%s: status %d, out '%s', err '%s'; wanted '%s'", mode,   \
				 r_.status, r_.out, r_.err, want);                         \
	} while (0)

/* The simulator's control API, or NULL when the program does not run on it. */
typedef cudaError_t (*fail_next_fn)(cudaStream_t, cudaError_t, int);
typedef unsigned long long (*pending_fn)(void);

static inline fail_next_fn sim_fail_next(void)
{
	return (fail_next_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "ferry_sim_fail_next");
}

static inline pending_fn sim_pending(void)
{
	return (pending_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "ferry_sim_pending");
}

#endif
