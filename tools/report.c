/*
 * report.c: `ferry report`: the coverage reports of the fallback paths. In a coverage build
 * (FERRY_COVERAGE=ON) it runs the scenario suite under every emulated CUDA version (that
 * build's ferry run: its libferry counts the lines it runs), then gcovr over core/ and shim/:
 * HTML with per-file line and branch detail, Cobertura XML and a JSON summary; the path
 * matrix and JUnit XML of the run; the exclusions the code marks, each with its reason; and
 * one HTML page (index.html) that shows at a glance what is covered and what is not, with
 * the bandwidth of each path where a bench table is at hand. With --gate, exit 1 unless the
 * suite passed, took every named path and covered the goals.
 */
#define _XOPEN_SOURCE 700
#include "cli.h"
#include "common.h"
#include "fault_runs.h"
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef FERRY_SOURCE_DIR
#error "FERRY_SOURCE_DIR must be defined by the build"
#endif

const char usage_report[] =
	"usage: ferry report [OPTIONS]\n"
	"\n"
	"Coverage reports of the fallback paths, from a coverage build (FERRY_COVERAGE=ON):\n"
	"runs the scenario suite under every emulated CUDA version with that build's libferry,\n"
	"then each scenario once per CUDA call libferry makes with that call failing (ferry\n"
	"enumerate --quick), then gcovr over core/ and shim/. Writes to the output directory:\n"
	"  index.html            what is covered and what is not, at a glance: totals against\n"
	"                        the goals, named paths never taken, files not fully covered,\n"
	"                        the path matrix, the exclusions, the bandwidth of each path\n"
	"  coverage/index.html   gcovr's HTML, per file, line and branch detail\n"
	"  coverage.xml          Cobertura XML;  coverage_summary.json  gcovr's JSON summary\n"
	"  path_matrix.json      each named path and the runs that took it\n"
	"  junit.xml             the scenario run as JUnit XML;  run.txt  its output\n"
	"  enumerate.txt         the failure points' runs\n"
	"\n"
	"options:\n"
	"  --build DIR      the coverage build (default: build-cov in the source tree); make one\n"
	"                   with `cmake --build build --target report`, which also runs this\n"
	"  --out DIR        where to write (default: reports/out in the source tree)\n"
	"  --scenarios DIR  the scenario suite (default: the source tree's scenarios/)\n"
	"  --bench CSV      a bandwidth table of bench/core_paths --csv (default:\n"
	"                   reports/bench/core_paths.csv in the source tree, when present)\n"
	"  --no-enumerate   the suite only, not its failure points (quicker; the coverage of\n"
	"                   the error branches is then mostly missing)\n"
	"  --jobs N         failure-point runs at once (default: the number of processors)\n"
	"  --gate           exit 1 unless every scenario passed, every failure point ended\n"
	"                   exact or with a clear error, every named path was taken, lines are\n"
	"                   100% and branches 95% covered (exclusions aside), and every\n"
	"                   exclusion gives its reason\n"
	"\n"
	"Code that cannot be reached on purpose is marked GCOVR_EXCL_LINE (or _START/_STOP,\n"
	"_BR_LINE, _BR_START/_BR_STOP) followed by ': the reason'; the report counts and lists\n"
	"each.\n"
	"\n"
	"Exit status: 0; 1 when --gate fails or the suite cannot be run; 2 for bad usage, a\n"
	"missing coverage build or a missing gcovr.\n";

#define LINE_GOAL 100.0
#define BRANCH_GOAL 95.0

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool mkdirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return false;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return false;
		*p = '/';
	}
	return mkdir(buf, 0777) == 0 || errno == EEXIST;
}

/* dir/name into out; false when it does not fit */
static bool join(char *out, size_t len, const char *dir, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	return n >= 0 && (size_t)n < len;
}

/* gcovr on PATH (or FERRY_GCOVR), into out. */
static bool find_gcovr(char *out, size_t len)
{
	const char *env = getenv("FERRY_GCOVR"), *path = getenv("PATH");

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return access(out, X_OK) == 0;
	}
	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (n && snprintf(out, len, "%.*s/gcovr", (int)n, path) < (int)len &&
		    access(out, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* Whether dir's CMakeCache.txt says FERRY_COVERAGE:BOOL=ON; *cache: whether there is one. */
static bool coverage_configured(const char *dir, bool *cache)
{
	char p[PATH_MAX], line[1024];
	FILE *f;
	bool on = false;

	snprintf(p, sizeof(p), "%s/CMakeCache.txt", dir);
	f = fopen(p, "r");
	*cache = f != NULL;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "FERRY_COVERAGE:BOOL=", 20) == 0)
			on = strncmp(line + 20, "ON", 2) == 0 || strncmp(line + 20, "1", 1) == 0 ||
			     strncmp(line + 20, "TRUE", 4) == 0;
	fclose(f);
	return on;
}

static int gcda_remove(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t n = strlen(p);

	(void)st, (void)ftw;
	if (flag == FTW_F && n > 5 && strcmp(p + n - 5, ".gcda") == 0)
		unlink(p);
	return 0;
}

/* Runs argv with stdout and stderr into log; its exit status, or -1. */
static int run_logged(char *const argv[], const char *log)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		FILE *f = freopen(log, "w", stdout);

		if (!f || dup2(1, 2) < 0)
			_exit(EXIT_NOEXEC);
		execv(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(EXIT_NOEXEC);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* --- the runs that did not pass ------------------------------------------------------------- */

/* Notes a run that did not pass (the first REPORT_MAX_PROBLEMS are kept, all counted). */
static void add_problem(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nproblems < REPORT_MAX_PROBLEMS) {
		va_start(ap, fmt);
		vsnprintf(r->problem[r->nproblems], REPORT_PROBLEM_LEN, fmt, ap);
		va_end(ap);
	}
	r->nproblems++;
}

/* s without its trailing white space (in place) and leading white space. */
static char *trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	while (*s == ' ')
		s++;
	return s;
}

/* A line of ferry enumerate that lists a run that did not end exact or with a clear error
 * ("  OUTCOME  RULE: WHY", enumerate.c): true. */
static bool enumerate_bad_line(const char *line)
{
	if (strncmp(line, "  ", 2) != 0 || !strstr(line, "@nth("))
		return false;
	for (int k = 0; k < FR_COUNT; k++) {
		size_t n = strlen(fr_outcome_names[k]);

		if ((fr_bad((enum fr_outcome)k) || k == FR_UNREACHED) &&
		    strncmp(line + 2, fr_outcome_names[k], n) == 0 && line[2 + n] == ' ')
			return true;
	}
	return false;
}

/* --- exclusions ----------------------------------------------------------------------------- */

static bool add_excl(struct report *r, size_t *cap, const char *file, unsigned line,
		     const char *kind, const char *after)
{
	struct excl *e;

	if (r->nexcl == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct excl *n = realloc(r->excl, c * sizeof(*n));

		if (!n)
			return false;
		r->excl = n;
		*cap = c;
	}
	e = &r->excl[r->nexcl++];
	memset(e, 0, sizeof(*e));
	snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = line;
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	/* ": reason", up to the end of the comment */
	while (*after == ' ')
		after++;
	if (*after == ':') {
		size_t n;

		after++;
		while (*after == ' ')
			after++;
		n = strcspn(after, "\n");
		if (strstr(after, "*/") && (size_t)(strstr(after, "*/") - after) < n)
			n = (size_t)(strstr(after, "*/") - after);
		while (n && after[n - 1] == ' ')
			n--;
		snprintf(e->reason, sizeof(e->reason), "%.*s", (int)n, after);
	}
	return true;
}

/* Every GCOVR_EXCL_ marker of the .c and .h files of src/sub (except _STOP, which ends a
 * _START), into r. */
static bool scan_exclusions(struct report *r, size_t *cap, const char *src, const char *sub)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	bool ok = true;

	snprintf(dir, sizeof(dir), "%s/%s", src, sub);
	d = opendir(dir);
	if (!d)
		return false;
	while (ok && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char p[PATH_MAX], line[4096], rel[128];
		unsigned no = 0;
		FILE *f;

		if (n < 3 || (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h")))
			continue;
		if (!join(p, sizeof(p), dir, e->d_name) || !join(rel, sizeof(rel), sub, e->d_name))
			continue;
		f = fopen(p, "r");
		if (!f)
			continue;
		while (ok && fgets(line, sizeof(line), f)) {
			const char *m = strstr(line, "GCOVR_EXCL_");
			static const char *const kinds[] = { "BR_LINE", "BR_START", "LINE", "START" };

			no++;
			if (!m)
				continue;
			m += 11;
			for (size_t k = 0; k < 4; k++) {
				size_t kl = strlen(kinds[k]);

				if (strncmp(m, kinds[k], kl) == 0) {
					ok = add_excl(r, cap, rel, no, kinds[k], m + kl);
					break;
				}
			}
		}
		fclose(f);
	}
	closedir(d);
	return ok;
}

/* --- the bench table ------------------------------------------------------------------------ */

/* bench/core_paths --csv: "# comment", "bytes,COL...", rows; false when it is not one. */
static bool read_bench(const char *path, struct bench *b, char *why, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	bool header = false;

	memset(b, 0, sizeof(*b));
	if (!f) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return false;
	}
	/* shown relative to the source tree where it is in it */
	if (strncmp(path, FERRY_SOURCE_DIR "/", strlen(FERRY_SOURCE_DIR) + 1) == 0)
		path += strlen(FERRY_SOURCE_DIR) + 1;
	snprintf(b->source, sizeof(b->source), "%s", path);
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *t;
		size_t c = 0;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#') {
			snprintf(b->source, sizeof(b->source), "%s (%.300s)", path,
				 line + 1 + (line[1] == ' '));
			continue;
		}
		if (!line[0])
			continue;
		if (!header) {
			if (strncmp(line, "bytes,", 6) != 0) {
				snprintf(why, len, "%s: the header is not 'bytes,PATH...'", path);
				fclose(f);
				return false;
			}
			for (t = strtok_r(line + 6, ",", &save); t && b->ncols < BENCH_MAX_COLS;
			     t = strtok_r(NULL, ",", &save))
				snprintf(b->col[b->ncols++], sizeof(b->col[0]), "%s", t);
			header = true;
			continue;
		}
		if (b->nrows == BENCH_MAX_ROWS)
			break;
		/* fields may be empty: walk the commas by hand */
		t = line;
		for (;;) {
			char *comma = strchr(t, ','), *end;
			double v;

			if (comma)
				*comma = '\0';
			v = *t ? strtod(t, &end) : 0;
			if (*t && *end) {
				snprintf(why, len, "%s: row %zu: '%s' is not a number", path,
					 b->nrows + 1, t);
				fclose(f);
				return false;
			}
			if (c == 0)
				b->bytes[b->nrows] = v;
			else if (c - 1 < b->ncols)
				b->gbs[b->nrows][c - 1] = v;
			c++;
			if (!comma)
				break;
			t = comma + 1;
		}
		b->nrows++;
	}
	fclose(f);
	if (!header || !b->nrows) {
		snprintf(why, len, "%s: no rows", path);
		return false;
	}
	return true;
}

/* --- the verb ------------------------------------------------------------------------------- */

__attribute__((format(printf, 1, 2))) static int fail_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("ferry report: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "build", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "scenarios", required_argument, NULL, 's' },
		{ "bench", required_argument, NULL, 'B' },
		{ "gate", no_argument, NULL, 'g' },
		{ "no-enumerate", no_argument, NULL, 'E' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char build[PATH_MAX], out[PATH_MAX], scn[PATH_MAX], bench[PATH_MAX], gcovr[PATH_MAX];
	char p[PATH_MAX], paths[PATH_MAX], junit[PATH_MAX], log[PATH_MAX], cov[PATH_MAX];
	char html[PATH_MAX], xml[PATH_MAX], sum[PATH_MAX], ferry[PATH_MAX], why[512];
	bool gate = false, cache, bench_given = false, ok = true, enumerate = true;
	char jobs[16] = "";
	static char problems[REPORT_MAX_PROBLEMS][REPORT_PROBLEM_LEN];
	struct report r;
	size_t cap = 0;
	json_error_t je;
	int c, rc;
	time_t now = time(NULL);

	memset(&r, 0, sizeof(r));
	r.problem = problems;
	snprintf(build, sizeof(build), "%s/build-cov", FERRY_SOURCE_DIR);
	snprintf(out, sizeof(out), "%s/reports/out", FERRY_SOURCE_DIR);
	snprintf(scn, sizeof(scn), "%s/scenarios", FERRY_SOURCE_DIR);
	snprintf(bench, sizeof(bench), "%s/reports/bench/core_paths.csv", FERRY_SOURCE_DIR);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': snprintf(build, sizeof(build), "%s", optarg); break;
		case 'o': snprintf(out, sizeof(out), "%s", optarg); break;
		case 's': snprintf(scn, sizeof(scn), "%s", optarg); break;
		case 'B':
			snprintf(bench, sizeof(bench), "%s", optarg);
			bench_given = true;
			break;
		case 'g': gate = true; break;
		case 'E': enumerate = false; break;
		case 'j': {
			uint64_t n;

			if (!ferry__parse_u64(optarg, 1, 256, &n))
				return fail_usage("--jobs '%s': expected 1..256", optarg);
			snprintf(jobs, sizeof(jobs), "%llu", (unsigned long long)n);
			break;
		}
		case 'h': fputs(usage_report, stdout); return 0;
		default: return bad_option("report", argv);
		}
	}
	if (strlen(build) > PATH_MAX - 128 || strlen(out) > PATH_MAX - 128)
		return fail_usage("--build and --out must be shorter than %d characters",
				  PATH_MAX - 128);
	if (optind < argc)
		return fail_usage("unexpected argument '%s' (ferry help report)", argv[optind]);

	if (bench_given && !is_file(bench))
		return fail_usage("--bench %s: no such file", bench);
	/* what it needs, each said with how to get it, before anything is written */
	if (!find_gcovr(gcovr, sizeof(gcovr))) {
		const char *env = getenv("FERRY_GCOVR");
		bool set = env && *env;

		return fail_usage("gcovr not found%s%s: install it (Debian: apt-get install "
				  "gcovr; elsewhere: pip install gcovr), or set FERRY_GCOVR",
				  set ? " at FERRY_GCOVR=" : " on PATH", set ? env : "");
	}
	/* found: the runs under the interposer must not see it (it refuses FERRY_ variables
	 * it does not know, and every scenario would fail) */
	unsetenv("FERRY_GCOVR");
	if (!is_dir(build))
		return fail_usage("no coverage build at %s: make one with `cmake -S %s -B "
				  "build-cov -DFERRY_COVERAGE=ON && cmake --build build-cov` (or "
				  "`cmake --build build --target report`, which also runs this), "
				  "or name one with --build",
				  build, FERRY_SOURCE_DIR);
	if (!coverage_configured(build, &cache) && cache)
		return fail_usage("%s is not a coverage build (FERRY_COVERAGE is off in its "
				  "CMakeCache.txt): make one with `cmake -S %s -B build-cov "
				  "-DFERRY_COVERAGE=ON`, or run `cmake --build build --target report`",
				  build, FERRY_SOURCE_DIR);
	if (!cache)
		return fail_usage("%s is not a CMake build (no CMakeCache.txt): make one with "
				  "`cmake -S %s -B build-cov -DFERRY_COVERAGE=ON`",
				  build, FERRY_SOURCE_DIR);
	join(ferry, sizeof(ferry), build, "tools/ferry");
	join(p, sizeof(p), build, "core/CMakeFiles/ferry_core.dir/copy.c.gcno");
	if (access(ferry, X_OK) != 0 || !is_file(p))
		return fail_usage("the coverage build %s is configured but not built: `cmake "
				  "--build %s --target ferry ferry-scenario ferry_inject "
				  "ferry_sim ferry_nvml`",
				  build, build);
	if (!is_dir(scn))
		return fail_usage("no scenario suite at %s (--scenarios)", scn);
	if (!mkdirs(out)) {
		fprintf(stderr, "ferry report: cannot make %s: %s\n", out, strerror(errno));
		return EXIT_USAGE;
	}
	r.out = out;
	r.line_goal = LINE_GOAL;
	r.branch_goal = BRANCH_GOAL;
	strftime(r.when, sizeof(r.when), "%Y-%m-%d %H:%M UTC", gmtime(&now));

	/* 1. fresh counts: the scenario suite alone */
	nftw(build, gcda_remove, 32, FTW_PHYS);
	join(paths, sizeof(paths), out, "path_matrix.json");
	join(junit, sizeof(junit), out, "junit.xml");
	join(log, sizeof(log), out, "run.txt");
	printf("ferry report: the scenario suite under every CUDA version (%s) ...\n", log);
	fflush(stdout);
	{
		char *const run[] = { ferry, "run", "--cuda", "all", "--paths", paths,
				      "--junit", junit, scn, NULL };

		rc = run_logged(run, log);
	}
	if (rc != 0 && rc != 1) {
		fprintf(stderr, "ferry report: the scenario suite could not run (exit %d): see "
				"%s\n", rc, log);
		return 1;
	}
	{
		FILE *f = fopen(log, "r");
		char line[1024];

		while (f && fgets(line, sizeof(line), f)) {
			size_t runs, nsc, passed;

			/* "FAIL  FILE [cuda V]   0.01 s", then "      WHY" */
			if (strncmp(line, "FAIL  ", 6) == 0) {
				char next[1024] = "";
				char *secs = strstr(line, " s\n");

				while (secs && secs > line && secs[-1] != ' ')
					secs--;	/* back over the seconds */
				if (secs)
					*secs = '\0';
				if (fgets(next, sizeof(next), f) && strncmp(next, "      ", 6) != 0)
					next[0] = '\0';
				add_problem(&r, "scenario FAIL %.200s: %.250s", trim(line + 6),
					    trim(next));
				continue;
			}
			if (sscanf(line, "%zu run%*[s] of %zu scenario%*[s]: %zu passed", &runs, &nsc,
				   &passed) == 3 ||
			    sscanf(line, "%zu run of %zu scenario: %zu passed", &runs, &nsc,
				   &passed) == 3)
				r.runs = runs, r.passed = passed;
		}
		if (f)
			fclose(f);
	}

	/* 1b. every single failure point of the suite, counted in with it */
	if (enumerate) {
		char *const en[] = { ferry, "enumerate", "--quick", "--jobs", jobs, scn, NULL };
		FILE *f;
		char line[1024], where[PATH_MAX] = "";

		if (!jobs[0])
			snprintf(jobs, sizeof(jobs), "%ld", sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
				 sysconf(_SC_NPROCESSORS_ONLN) : 1L);
		join(log, sizeof(log), out, "enumerate.txt");
		printf("ferry report: every failure point of the suite (%s) ...\n", log);
		fflush(stdout);
		rc = run_logged(en, log);
		if (rc != 0 && rc != 1) {
			fprintf(stderr, "ferry report: ferry enumerate could not run (exit %d): see "
					"%s\n", rc, log);
			return 1;
		}
		f = fopen(log, "r");
		while (f && fgets(line, sizeof(line), f)) {
			size_t n, ex, ce;

			if (sscanf(line, "enumerated %zu runs in %*f s: exact %zu, clear error %zu", &n,
				   &ex, &ce) == 3) {
				r.enumerated = true;
				r.fail_runs = n;
				r.fail_good = ex + ce;
			} else if (strncmp(line, "FAIL  ", 6) == 0) {
				/* "FAIL  SCENARIO: the clean run fails (...)": none of its
				 * failure points ran */
				add_problem(&r, "failure points of %.400s", trim(line + 6));
				r.fail_unrun++;
			} else if (line[0] != ' ' && strstr(line, ": ") && strstr(line, " runs")) {
				/* "SCENARIO [cuda V]: N runs (...)", then its bad runs */
				snprintf(where, sizeof(where), "%.*s",
					 (int)(strstr(line, ": ") - line), line);
			} else if (enumerate_bad_line(line)) {
				add_problem(&r, "failure point %.200s: %.260s", where, trim(line));
			}
		}
		if (f)
			fclose(f);
		if (!r.enumerated) {
			fprintf(stderr, "ferry report: ferry enumerate said no totals: see %s\n", log);
			return 1;
		}
	}

	/* 2. gcovr over core/ and shim/ */
	join(cov, sizeof(cov), out, "coverage");
	join(html, sizeof(html), out, "coverage/index.html");
	join(xml, sizeof(xml), out, "coverage.xml");
	join(sum, sizeof(sum), out, "coverage_summary.json");
	join(log, sizeof(log), out, "gcovr.txt");
	if (!mkdirs(cov)) {
		fprintf(stderr, "ferry report: cannot make %s: %s\n", cov, strerror(errno));
		return 1;
	}
	printf("ferry report: gcovr over core/ and shim/ (%s) ...\n", log);
	fflush(stdout);
	{
		char *const g[] = { gcovr, "--root", FERRY_SOURCE_DIR, "--object-directory", build,
				    "--filter", FERRY_SOURCE_DIR "/core/", "--filter",
				    FERRY_SOURCE_DIR "/shim/", "--exclude-unreachable-branches",
				    "--html-details", html, "--html-title",
				    "ferry: core/ and shim/ under the scenario suite", "--cobertura",
				    xml, "--json-summary", sum, "--json-summary-pretty", "--txt",
				    NULL };

		rc = run_logged(g, log);
	}
	if (rc != 0) {
		fprintf(stderr, "ferry report: gcovr failed (exit %d): see %s\n", rc, log);
		return 1;
	}
	r.summary = json_load_file(sum, 0, &je);
	r.matrix = json_load_file(paths, 0, &je);
	if (!r.summary || !r.matrix) {
		fprintf(stderr, "ferry report: cannot read %s: %s\n", !r.summary ? sum : paths,
			je.text);
		json_decref(r.summary);
		json_decref(r.matrix);
		return 1;
	}

	/* 3. the exclusions, and the bench table when there is one */
	if (!scan_exclusions(&r, &cap, FERRY_SOURCE_DIR, "core") ||
	    !scan_exclusions(&r, &cap, FERRY_SOURCE_DIR, "shim")) {
		fprintf(stderr, "ferry report: cannot read core/ and shim/ under %s\n",
			FERRY_SOURCE_DIR);
		ok = false;
	}
	if (is_file(bench) && !read_bench(bench, &r.bench, why, sizeof(why))) {
		fprintf(stderr, "ferry report: the bench table %s\n", why);
		ok = false;
	}

	/* 4. the page, and what it says */
	join(p, sizeof(p), out, "index.html");
	if (ok && !report_write_html(&r, p))
		ok = false;
	if (ok) {
		double lp = json_number_value(json_object_get(r.summary, "line_percent"));
		double bp = json_number_value(json_object_get(r.summary, "branch_percent"));
		size_t never = json_array_size(json_object_get(r.matrix, "never_taken"));
		size_t npaths = (size_t)json_integer_value(json_object_get(r.matrix,
									   "named_paths"));
		size_t noreason = 0;

		for (size_t i = 0; i < r.nexcl; i++)
			noreason += !r.excl[i].reason[0];
		printf("scenarios: %zu of %zu runs passed\n", r.passed, r.runs);
		if (r.enumerated)
			printf("failure points: %zu of %zu runs exact or a clear error\n",
			       r.fail_good, r.fail_runs);
		printf("lines: %.1f%% (%lld of %lld; goal %.0f%%)\n", lp,
		       json_integer_value(json_object_get(r.summary, "line_covered")),
		       json_integer_value(json_object_get(r.summary, "line_total")), LINE_GOAL);
		printf("branches: %.1f%% (%lld of %lld; goal %.0f%%)\n", bp,
		       json_integer_value(json_object_get(r.summary, "branch_covered")),
		       json_integer_value(json_object_get(r.summary, "branch_total")),
		       BRANCH_GOAL);
		printf("named paths: %zu of %zu taken\n", npaths - never, npaths);
		printf("exclusions: %zu (%zu without a reason)\n", r.nexcl, noreason);
		printf("report: %s\n", p);
		if (gate) {
			bool fp = !r.enumerated || (r.fail_good == r.fail_runs && !r.fail_unrun);
			bool pass = r.runs && r.passed == r.runs && fp && !never && lp >= LINE_GOAL &&
				    bp >= BRANCH_GOAL && !noreason;

			if (!pass) {
				printf("gate: FAILED:%s%s%s%s%s%s\n",
				       r.runs && r.passed == r.runs ? "" : " a scenario failed;",
				       fp ? "" : " a failure point ended badly;",
				       never ? " a named path was never taken;" : "",
				       lp >= LINE_GOAL ? "" : " lines below the goal;",
				       bp >= BRANCH_GOAL ? "" : " branches below the goal;",
				       noreason ? " an exclusion gives no reason;" : "");
				for (size_t k = 0; k < r.nproblems && k < 20; k++)
					printf("  %s\n", r.problem[k]);
				if (r.nproblems > 20)
					printf("  ... %zu more (run.txt, enumerate.txt)\n",
					       r.nproblems - 20);
				ok = false;
			} else {
				printf("gate: passed\n");
			}
		}
	}
	json_decref(r.summary);
	json_decref(r.matrix);
	free(r.excl);
	return ok ? 0 : 1;
}
