/*
 * test_cli: the exit statuses and messages of the ferry command, run as a user runs it.
 * `ferry inject` answers 2 for bad usage (nothing runs), 127 when the program cannot be
 * run, the program's own status, 128 + the signal that killed it, and with --require-fired
 * 3 when a rule never fired; 0 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#ifndef FERRY_BIN
#error "FERRY_BIN: the ferry command under test"
#endif
#ifndef CLI_CHILD
#error "CLI_CHILD: a CUDA program for the cases that need one"
#endif

static char err[16384];

/* Runs ferry with args (NULL-terminated); its stderr lands in err. Returns its status as a
 * shell reports it. */
static int ferry(const char *arg, ...)
{
	const char *argv[32] = { FERRY_BIN };
	int n = 1, fds[2], status;
	size_t got = 0;
	ssize_t r;
	va_list ap;
	pid_t pid;

	va_start(ap, arg);
	for (const char *a = arg; a; a = va_arg(ap, const char *)) {
		assert_true(n < 31);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], 2);
		dup2(null, 1);
		close(fds[0]);
		execv(FERRY_BIN, (char **)argv);
		_exit(126);
	}
	close(fds[1]);
	while ((r = read(fds[0], err + got, sizeof(err) - 1 - got)) > 0 ||
	       (r < 0 && errno == EINTR))
		got += r > 0 ? (size_t)r : 0;
	err[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static void assert_said(const char *what)
{
	if (!strstr(err, what))
		fail_msg("expected '%s' on stderr, got:\n%s", what, err);
}

/* A file that the program would make if it ran: bad usage must run nothing. */
static char marker[64];

static int setup(void **state)
{
	(void)state;
	snprintf(marker, sizeof(marker), "test_cli.marker.%d", (int)getpid());
	unlink(marker);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(marker);
	return 0;
}

static char touch_cmd[128];

static const char *touch(void)
{
	snprintf(touch_cmd, sizeof(touch_cmd), "touch %s", marker);
	return touch_cmd;
}

static void assert_not_run(void)
{
	struct stat st;

	assert_int_not_equal(stat(marker, &st), 0);
}

/* --- bad usage: 2, a message naming what is wrong, nothing run ------------------------------ */

static void test_unknown_verb(void **state)
{
	(void)state;
	assert_int_equal(ferry("frobnicate", NULL), 2);
	assert_said("unknown verb 'frobnicate'");
}

static void test_no_program(void **state)
{
	(void)state;
	assert_int_equal(ferry("inject", "--backend", "sim", NULL), 2);
	assert_said("expected -- and the program to run");
	assert_int_equal(ferry("inject", "--backend", "sim", "--", NULL), 2);
}

static void test_unknown_option(void **state)
{
	(void)state;
	assert_int_equal(ferry("inject", "--devcies", "2", "--", "sh", "-c", touch(), NULL), 2);
	assert_said("unknown option '--devcies'");
	assert_not_run();
	assert_int_equal(ferry("inject", "--faults", NULL), 2);
	assert_said("option '--faults' needs a value");
	assert_int_equal(ferry("sim", "--bogus", "--", "sh", "-c", touch(), NULL), 2);
	assert_said("ferry sim: unknown option '--bogus'");
	assert_not_run();
}

static void test_bad_rule(void **state)
{
	(void)state;
	/* an unknown error name: the message names it */
	assert_int_equal(ferry("inject", "--backend", "sim", "--faults",
			       "cudaMalloc:error(cudaErrorNoSuchThing)", "--", "sh", "-c", touch(),
			       NULL),
			 2);
	assert_said("cudaErrorNoSuchThing");
	assert_not_run();
	/* an unknown function */
	assert_int_equal(ferry("inject", "--backend", "sim", "--faults",
			       "cudaMallocc:error(cudaErrorMemoryAllocation)", "--", "sh", "-c",
			       touch(), NULL),
			 2);
	assert_said("cudaMallocc");
	assert_not_run();
}

static void test_bad_settings(void **state)
{
	(void)state;
	assert_int_equal(ferry("inject", "--devices", "0", "--", "sh", "-c", touch(), NULL), 2);
	assert_said("--devices '0'");
	assert_int_equal(ferry("inject", "--backend", "gpu", "--", "sh", "-c", touch(), NULL), 2);
	assert_said("--backend 'gpu'");
	assert_int_equal(ferry("inject", "--faults-file", "no/such/rules.txt", "--", "sh", "-c",
			       touch(), NULL),
			 2);
	assert_said("no/such/rules.txt");
	assert_int_equal(ferry("inject", "--cuda", "12.7", "--", "sh", "-c", touch(), NULL), 2);
	assert_said("--cuda '12.7'");
	assert_int_equal(ferry("inject", "--cuda-driver", "14.0", "--", "sh", "-c", touch(), NULL),
			 2);
	assert_said("--cuda-driver '14.0'");
	assert_int_equal(ferry("inject", "--hide", "cudaStreamGetCaptureInf", "--", "sh", "-c",
			       touch(), NULL),
			 2);
	assert_said("no CUDA runtime function 'cudaStreamGetCaptureInf' (did you mean "
		    "'cudaStreamGetCaptureInfo'?)");
	assert_int_equal(ferry("inject", "--hide", "cudaMalloc,mallo c", "--", "sh", "-c",
			       touch(), NULL),
			 2);
	assert_said("'mallo c' is not a CUDA symbol name");
	assert_not_run();
	/* ferry info: its options go to ferry inject, which names a bad one */
	assert_int_equal(ferry("info", "--cuda", "12.7", NULL), 2);
	assert_said("--cuda '12.7'");
	assert_int_equal(ferry("info", "extra", NULL), 2);
	assert_said("unexpected argument 'extra'");
	assert_int_equal(ferry("info", "--devices", "0", NULL), 2);
	assert_said("--devices '0'");
}


/* --- the program's fate ----------------------------------------------------------------------- */

static void test_missing_program(void **state)
{
	(void)state;
	assert_int_equal(ferry("inject", "--backend", "sim", "--", "no/such/program", NULL), 127);
	assert_said("no/such/program");
}

static void test_program_status(void **state)
{
	(void)state;
	assert_int_equal(ferry("inject", "--backend", "sim", "--", "sh", "-c", "exit 7", NULL), 7);
	assert_int_equal(ferry("inject", "--backend", "sim", "--", "sh", "-c", "exit 0", NULL), 0);
}

static void test_program_signal(void **state)
{
	(void)state;
	assert_int_equal(ferry("inject", "--backend", "sim", "--", "sh", "-c", "kill -TERM $$",
			       NULL),
			 128 + 15);
}

static void test_runs_on_sim(void **state)
{
	(void)state;
	assert_int_equal(ferry("inject", "--backend", "sim", "--", CLI_CHILD, NULL), 0);
	assert_said("ferry inject:");
}

/* --- --require-fired ------------------------------------------------------------------------ */

static void test_fired(void **state)
{
	(void)state;
	assert_int_equal(ferry("inject", "--backend", "sim", "--require-fired", "--faults",
			       "cudaMalloc:error(cudaErrorMemoryAllocation)", "--", CLI_CHILD,
			       "cudaErrorMemoryAllocation", NULL),
			 0);
	assert_said("rule 1 fired 1 of 1");
}

static void test_never_fired(void **state)
{
	(void)state;
	/* the program never makes a peer copy */
	assert_int_equal(ferry("inject", "--backend", "sim", "--require-fired", "--faults",
			       "cudaMemcpyPeer:error(cudaErrorPeerAccessUnsupported)", "--",
			       CLI_CHILD, NULL),
			 3);
	assert_said("rule 1 never fired: cudaMemcpyPeer");
	/* without --require-fired, a rule that never fired is reported, not a failure */
	assert_int_equal(ferry("inject", "--backend", "sim", "--faults",
			       "cudaMemcpyPeer:error(cudaErrorPeerAccessUnsupported)", "--",
			       CLI_CHILD, NULL),
			 0);
	assert_said("cudaMemcpyPeer");
}

static void test_program_failure_wins(void **state)
{
	(void)state;
	/* the program failed: its status, not 3, says so */
	assert_int_equal(ferry("inject", "--backend", "sim", "--require-fired", "--faults",
			       "cudaMemcpyPeer:error(cudaErrorPeerAccessUnsupported)", "--", "sh",
			       "-c", "exit 5", NULL),
			 5);
	/* a fault the program did not expect makes it fail */
	assert_int_equal(ferry("inject", "--backend", "sim", "--faults",
			       "cudaMalloc:error(cudaErrorMemoryAllocation)", "--", CLI_CHILD,
			       NULL),
			 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_verb),
		cmocka_unit_test(test_no_program),
		cmocka_unit_test_setup_teardown(test_unknown_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_settings, setup, teardown),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_program_status),
		cmocka_unit_test(test_program_signal),
		cmocka_unit_test(test_runs_on_sim),
		cmocka_unit_test(test_fired),
		cmocka_unit_test(test_never_fired),
		cmocka_unit_test(test_program_failure_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
