/*
 * report.h: what `ferry report` (report.c) hands its HTML page (report_html.c).
 */
#ifndef FERRY_TOOLS_REPORT_H
#define FERRY_TOOLS_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* A line the coverage leaves out on purpose: GCOVR_EXCL_LINE / _START / _BR_LINE with its
 * reason ("GCOVR_EXCL_LINE: defensive: ..."). */
struct excl {
	char file[128];
	unsigned line;
	char kind[24];		/* LINE, START, BR_LINE */
	char reason[200];	/* empty: none given (a fault of the report) */
};

/* The bandwidth table of bench/core_paths --csv: GB/s per path (column) and size (row). */
#define BENCH_MAX_COLS 16
#define BENCH_MAX_ROWS 32
struct bench {
	char source[512];	/* the file, and its comment line */
	size_t ncols, nrows;
	char col[BENCH_MAX_COLS][32];
	double bytes[BENCH_MAX_ROWS];
	double gbs[BENCH_MAX_ROWS][BENCH_MAX_COLS];	/* <= 0: not measured */
};

#define REPORT_MAX_PROBLEMS 100
#define REPORT_PROBLEM_LEN 480

struct report {
	const char *out;		/* the output directory */
	json_t *summary;		/* gcovr --json-summary */
	json_t *matrix;			/* ferry run --paths */
	struct excl *excl;
	size_t nexcl;
	struct bench bench;		/* ncols 0: no bench table */
	size_t runs, passed;		/* of the scenario suite */
	bool enumerated;		/* the suite's every single failure point was run too */
	size_t fail_runs, fail_good;	/* ... in so many runs, so many exact or a clear error */
	size_t fail_unrun;		/* scenarios whose failure points could not run (their
					 * clean run failed) */
	/* the runs that did not pass (a scenario run, a failure point that did not end exact
	 * or with a clear error), one line each: the first REPORT_MAX_PROBLEMS of nproblems */
	char (*problem)[REPORT_PROBLEM_LEN];
	size_t nproblems;
	double line_goal, branch_goal;	/* the gate, in percent */
	char when[64];			/* when it was made (UTC) */
};

/* Writes out/index.html (whole or not at all); false with a message. */
bool report_write_html(const struct report *r, const char *path);

#endif
