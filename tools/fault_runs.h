/*
 * fault_runs.h: runs of a scenario with injected faults, as `ferry enumerate` (one fault a
 * run, every call) and `ferry run --campaign` (several random faults a run) make them: the
 * error classes each kind of call is failed with, the clean run that counts the calls libferry
 * makes, running many fault runs at once, and judging how each ended.
 */
#ifndef FERRY_FAULT_RUNS_H
#define FERRY_FAULT_RUNS_H

#include "rules.h"
#include "scenario.h"
#include "table.h"
#include "self_test.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct fault_class {
	const char *action;	/* error or async */
	const char *err;
};

#define FR_MAX_CLASSES 8

/* The errors a call of this class (and function) is failed with; their number. Teardown
 * calls (frees, destroys) have none: a teardown that fails has nothing to fall back to. */
size_t fr_classes(enum inj_class cls, const char *fn, struct fault_class *out);
/* The first error and the first async class, and every lost-context one (enumerate
 * --quick). */
size_t fr_classes_quick(enum inj_class cls, const char *fn, struct fault_class *out);

enum fr_outcome { FR_EXACT, FR_ERROR, FR_CORRUPT, FR_FAIL, FR_CRASH, FR_HANG, FR_LEAK,
		  FR_UNREACHED, FR_COUNT };
extern const char *const fr_outcome_names[FR_COUNT];

/* Bad: an outcome the copy core must never have. */
static inline bool fr_bad(enum fr_outcome o)
{
	return o >= FR_CORRUPT && o != FR_UNREACHED;
}

struct fr_opts {
	unsigned jobs, timeout;
	const char *backend;
	const char *verb;		/* for messages: "ferry enumerate" */
	char exec[PATH_MAX];		/* ferry-scenario */
	char tmpdir[64];		/* the summaries */
};

/* A monotonic clock, in seconds. */
double fr_now(void);

/* Finds ferry-scenario and makes the temporary directory; false with a message. */
bool fr_setup(struct fr_opts *o);
void fr_teardown(struct fr_opts *o);

/* The self-test copies a size filter picks out (core/self_test.h). */
#define FR_NSELF (FERRY__SELF_TEST_NSIZES - FERRY__SELF_TEST_FIRST_DISTINCT)

/* What a scenario's clean run makes libferry do. */
struct fr_counts {
	long long calls[INJ_NFNS];	/* calls of each function that can fail (has classes) */
	size_t self_size[FR_NSELF];	/* the self-test's copies of these sizes ... */
	long long self_calls[FR_NSELF];	/* ... made this often (once per pair tested); none
					 * counted when a self-test never ended: its copies
					 * never run, so no damage to them can show */
	long long abandoned;		/* self-tests that never ended (ferry-scenario's
					 * "abandoned: N") */
};

/* The clean run, under CUDA version cuda (NULL: unemulated); false (with a line on stdout)
 * when it fails. */
bool fr_count_calls(const struct fr_opts *o, const struct scenario *sc, const char *cuda,
		    struct fr_counts *c);
/* The rule that damages (corrupt(mode)) the k-th self-test copy of size c->self_size[i]. */
void fr_self_test_rule(const struct fr_counts *c, size_t i, long long k, const char *mode,
		       char *out, size_t len);

struct fr_run {
	char *inject;		/* the injected rules, ';'-joined (owned) */
	unsigned ninject;
	const char *cuda;	/* the CUDA version emulated, or NULL */
	/* results */
	enum fr_outcome result;	/* FR_COUNT until it ran */
	unsigned fired;		/* injected rules that acted */
	char why[300];
	/* while running */
	pid_t pid;
	int fd;
	char *out;
	size_t n, cap;
	double deadline;
	char summary[PATH_MAX];
	char *faults;
};

/* Runs every run of runs[0..n) (o->jobs at once), with a progress bar on a terminal when
 * progress is set. */
void fr_run_all(const struct fr_opts *o, const struct scenario *sc, struct fr_run *runs,
		size_t n, bool progress);
/* The one-line command that reproduces a run. */
void fr_print_reproduce(const struct fr_opts *o, const struct scenario *sc, const char *cuda,
			const char *inject);

#endif
