/*
 * run.c: `ferry run`: runs scenario files (scenarios/runner/scenario.h), each in a fresh
 * process under the interposer (`ferry inject` with the scenario's devices, peers and fault
 * rules, --require-fired), with a time limit. Every file is parsed first: one that does not
 * parse is reported with its line and column, and nothing runs. Then one line per scenario,
 * a summary, and optionally JUnit XML.
 */
#include "cli.h"
#include "common.h"
#include "fault_runs.h"
#include "named_paths.h"
#include "scenario.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char usage_run[] =
	"usage: ferry run [OPTIONS] SCENARIO|DIR...\n"
	"\n"
	"Runs scenario files (a directory: every .scn file under it), each in a fresh process\n"
	"under the interposer with the scenario's virtual devices, peer matrix and fault rules,\n"
	"on the simulator unless --backend real. A scenario passes when every step passed (every\n"
	"byte checked), every fault rule fired, something was checked, and it finished in time.\n"
	"Every file is parsed first; one that does not parse stops the run before anything runs.\n"
	"\n"
	"options:\n"
	"  --backend B     sim (default), real, or auto\n"
	"  --timeout SEC   time limit of one scenario (default 120); a hang names its step\n"
	"  --junit FILE    also write the results as JUnit XML\n"
	"  --verbose       print each scenario's output\n"
	"  --cuda LIST     run every scenario under each of these CUDA versions (12.8,13.0 or\n"
	"                  all: 11.8 12.0 12.2 12.4 12.6 12.8 12.9 13.0); a scenario whose\n"
	"                  `cuda` line names the versions it is written for runs under those\n"
	"                  of LIST only (none: skipped, and said); each version is a run and a\n"
	"                  line of its own\n"
	"  --mutate        also run each scenario that checks bytes with every copy call of\n"
	"                  libferry damaged (corrupt(bitflip|zero|truncate)); it must fail\n"
	"  --paths FILE    write the path matrix as JSON: each named path of libferry (a rung\n"
	"                  that delivered, a way to the next rung, a recovery branch, a shim\n"
	"                  variant) with the runs that took it, never-taken paths first\n"
	"  --require-all-paths  fail unless every named path was taken by some run (and\n"
	"                  name the ones that were not)\n"
	"\n"
	"random campaigns:\n"
	"  --campaign N    instead of running the scenarios as written: N runs, each of one\n"
	"                  scenario (in turn) with 2..F faults drawn at random among the calls\n"
	"                  libferry makes there (one call failing, or every call from one on).\n"
	"                  Each run must end as an enumeration's does: every byte exact or a\n"
	"                  clear error, nothing leaked, no crash, no hang. A run that does not\n"
	"                  is shrunk to a minimal schedule, printed with the command that\n"
	"                  reproduces it\n"
	"  --seed S        the campaign's seed (default: drawn from the clock, and printed);\n"
	"                  the same seed draws the same schedules\n"
	"  --faults-per-run F   at most F faults a run (2..8, default 4)\n"
	"  --jobs N        campaign runs at once (default: the number of processors)\n"
	"\n"
	"environment:\n"
	"  FERRY_SCENARIO_EXEC   the program that runs a scenario's steps (default: the\n"
	"                        ferry-scenario installed with this command)\n"
	"\n"
	"Exit status: 0 when every scenario passed; 1 when one failed; 2 for bad usage or a\n"
	"scenario that does not parse.\n";

struct result {
	char file[PATH_MAX + 16];	/* and the version: "x.scn [cuda 12.8]" */
	char title[160];
	bool pass;
	double secs;
	char why[512];
	unsigned char *took;	/* np_count() flags: the named paths the run took */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool collect_scenarios(const char *path, char ***files, size_t *n, size_t *cap)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "ferry run: %s: %s\n", path, strerror(errno));
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		char **sub = NULL;
		size_t ns = 0, cs = 0;
		bool ok = true;

		if (!d) {
			fprintf(stderr, "ferry run: %s: %s\n", path, strerror(errno));
			return false;
		}
		while ((e = readdir(d))) {
			char p[PATH_MAX];
			size_t l = strlen(e->d_name);
			struct stat s2;

			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s%s%s", path,
				 path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
			if (stat(p, &s2) != 0 ||
			    (!S_ISDIR(s2.st_mode) && (l < 4 || strcmp(e->d_name + l - 4, ".scn"))))
				continue;
			if (ns == cs) {
				cs = cs ? cs * 2 : 16;
				sub = realloc(sub, cs * sizeof(*sub));
			}
			sub[ns++] = strdup(p);
		}
		closedir(d);
		if (ns)
			qsort(sub, ns, sizeof(*sub), cmp_str);
		for (size_t i = 0; i < ns; i++) {
			ok = ok && collect_scenarios(sub[i], files, n, cap);
			free(sub[i]);
		}
		free(sub);
		return ok;
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*files = realloc(*files, *cap * sizeof(**files));
	}
	(*files)[(*n)++] = strdup(path);
	return true;
}

bool find_libexec(const char *name, const char *build_path, char *out, size_t len)
{
	char dir[PATH_MAX];

	if (!self_dir(dir, sizeof(dir)))
		return false;
	if (strcmp(dir, FERRY_BUILD_TOOLS_DIR) == 0)
		snprintf(out, len, "%s", build_path);
	else
		snprintf(out, len, "%s/%s/ferry/%s", dir, FERRY_REL_LIBEXECDIR, name);
	if (!is_file(out)) {
		fprintf(stderr, "ferry: %s is missing (is ferry installed whole?)\n", out);
		return false;
	}
	return true;
}

bool find_executor(char *out, size_t len)
{
	if (getenv("FERRY_SCENARIO_EXEC")) {
		snprintf(out, len, "%s", getenv("FERRY_SCENARIO_EXEC"));
		return true;
	}
	return find_libexec("ferry-scenario", FERRY_BUILD_SCENARIO, out, len);
}

/* Runs one scenario under `ferry inject`; fills r. */
int scenario_argv(const struct scenario *sc, const char *cuda, const char *faults,
		  bool require_fired, const char *summary, bool any_outcome, const char *exec,
		  const char *backend, struct inject_argv *ia)
{
	int a = 0;
	ssize_t l = readlink("/proc/self/exe", ia->self, sizeof(ia->self) - 1);

	if (l <= 0)
		return -1;
	ia->self[l] = '\0';
	snprintf(ia->devices, sizeof(ia->devices), "%u", sc->devices);
	ia->v[a++] = ia->self;
	ia->v[a++] = "inject";
	ia->v[a++] = "--backend";
	ia->v[a++] = (char *)backend;
	ia->v[a++] = "--devices";
	ia->v[a++] = ia->devices;
	ia->v[a++] = "--peers";
	ia->v[a++] = (char *)sc->peers;
	if (cuda) {
		ia->v[a++] = "--cuda";
		ia->v[a++] = (char *)cuda;
	}
	if (sc->hide[0]) {
		ia->v[a++] = "--hide";
		ia->v[a++] = (char *)sc->hide;
	}
	if (sc->driver[0]) {
		ia->v[a++] = "--cuda-driver";
		ia->v[a++] = (char *)sc->driver;
	}
	if (sc->sim_sched[0]) {
		ia->v[a++] = "--sim-sched";
		ia->v[a++] = (char *)sc->sim_sched;
	}
	if (sc->sim_progress[0]) {
		ia->v[a++] = "--sim-progress-ms";
		ia->v[a++] = (char *)sc->sim_progress;
	}
	if (faults) {
		ia->v[a++] = "--faults";
		ia->v[a++] = (char *)faults;
		if (require_fired)
			ia->v[a++] = "--require-fired";
	}
	if (summary) {
		ia->v[a++] = "--summary";
		ia->v[a++] = (char *)summary;
	}
	ia->v[a++] = "--";
	ia->v[a++] = (char *)exec;
	if (any_outcome)
		ia->v[a++] = "--any-outcome";
	ia->v[a++] = (char *)sc->name;
	ia->v[a] = NULL;
	return 0;
}

int spawn_argv(char **argv, int *fd)
{
	int pfd[2];
	pid_t pid;

	if (pipe(pfd) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execv(argv[0], argv);
		_exit(EXIT_NOEXEC);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	*fd = pfd[0];
	return pid;
}

char *join_faults(const char *a, const char *b)
{
	size_t n1 = a ? strlen(a) : 0, n2 = b ? strlen(b) : 0;
	char *f;

	if (!n1 && !n2)
		return NULL;
	f = malloc(n1 + n2 + 2);
	if (f)
		snprintf(f, n1 + n2 + 2, "%s%s%s", a ? a : "", n1 && n2 ? ";" : "", b ? b : "");
	return f;
}

static void run_one(const struct scenario *sc, const char *cuda, const char *extra,
		    const char *exec, const char *backend, unsigned timeout, bool verbose,
		    struct result *r)
{
	char *faults = join_faults(sc->faults, extra);
	char out[64 * 1024], last_step[256] = "", unknown[128] = "";
	struct inject_argv ia;
	int fd = -1, status = 0;
	size_t n = 0;
	double t0 = fr_now(), deadline = t0 + timeout;
	bool timed_out = false;
	pid_t pid;

	/* a mutant's rules need not all act: see mutants() */
	if (scenario_argv(sc, cuda, faults, !extra, NULL, false, exec, backend, &ia) != 0 ||
	    (pid = spawn_argv(ia.v, &fd)) < 0) {
		snprintf(r->why, sizeof(r->why), "cannot start ferry inject: %s", strerror(errno));
		free(faults);
		return;
	}
	free(faults);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)((deadline - fr_now()) * 1000);
		ssize_t k;

		if (left <= 0 || poll(&p, 1, left) == 0) {
			timed_out = true;
			kill(-pid, SIGKILL);
			break;
		}
		k = read(fd, out + n, sizeof(out) - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == sizeof(out) - 1)	/* keep the end */
			n = 0;
	}
	out[n] = '\0';
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r->secs = fr_now() - t0;
	if (verbose)
		fputs(out, stdout);
	/* the last step started, and the first failure */
	for (char *l = out; l && *l;) {
		char *nl = strchr(l, '\n');

		if (nl)
			*nl = '\0';
		if (strncmp(l, "step ", 5) == 0)
			snprintf(last_step, sizeof(last_step), "%.255s", l);
		if (r->took && strncmp(l, "paths:", 6) == 0)
			np_parse_line(l, r->took, unknown, sizeof(unknown));
		if (!r->why[0] && (strncmp(l, "FAIL", 4) == 0 || strstr(l, "never fired") ||
				   strstr(l, "ferry inject: ") == l || strstr(l, "ferry-sim: ") == l ||
				   strstr(l, "ferry-inject: ") == l))
			snprintf(r->why, sizeof(r->why), "%.511s", l);
		l = nl ? nl + 1 : NULL;
	}
	if (timed_out) {
		snprintf(r->why, sizeof(r->why), "hung: no end within %u s; the last step started: %s",
			 timeout, last_step[0] ? last_step : "(none)");
		return;
	}
	if (WIFSIGNALED(status)) {
		snprintf(r->why, sizeof(r->why), "crashed (signal %d) in %s", WTERMSIG(status),
			 last_step[0] ? last_step : "set-up");
		return;
	}
	if (unknown[0]) {
		snprintf(r->why, sizeof(r->why), "libferry took the named path '%s', which this "
			 "ferry does not know: the executor and the command are of different builds",
			 unknown);
		return;
	}
	switch (WEXITSTATUS(status)) {
	case 0:
		r->pass = true;
		r->why[0] = '\0';
		return;
	case EXIT_NOT_FIRED: {
		char line[400];

		snprintf(line, sizeof(line), "%.399s", r->why);
		snprintf(r->why, sizeof(r->why), "a fault rule never fired (%s)", line);
		return;
	}
	default:
		if (!r->why[0])
			snprintf(r->why, sizeof(r->why), "exit status %d in %s", WEXITSTATUS(status),
				 last_step[0] ? last_step : "set-up");
	}
}

/*
 * The mutation check: the scenario again with every copy that libferry makes damaged
 * (copy:corrupt(MODE) from(libferry), one mode a run); a scenario that checks its bytes
 * must fail each time. Scenarios with no step that expects bytes delivered are left out. True
 * when every mutant was killed.
 */
static bool mutants(const struct scenario *sc, const char *cuda, const char *exec,
		    const char *backend, unsigned timeout)
{
	static const char *const modes[] = { "bitflip", "zero", "truncate" };
	bool checks_bytes = false, all = true;

	for (size_t i = 0; i < sc->nsteps; i++)
		checks_bytes |= !sc->steps[i].is_run && !sc->steps[i].is_enable &&
				sc->steps[i].status == 0;
	if (!checks_bytes)
		return true;
	for (size_t m = 0; m < 3; m++) {
		char extra[64];
		struct result r;

		/* every copy the copy core makes; the scenario's own are not its */
		snprintf(extra, sizeof(extra), "copy:corrupt(%s) from(libferry)", modes[m]);
		memset(&r, 0, sizeof(r));
		run_one(sc, cuda, extra, exec, backend, timeout, false, &r);
		/* killed: a check of a step failed (its bytes, its path, its status) */
		if (strncmp(r.why, "FAIL step", 9) != 0) {
			printf("      mutant corrupt(%s) survived: %s\n", modes[m],
			       r.pass ? "every check passed" : r.why);
			all = false;
		}
	}
	return all;
}

/* The named paths the runs took: the matrix to path (if any), and a summary line; with
 * require, the never-taken ones named. False when a path was never taken and require is
 * set; *ok false when the matrix cannot be written. */
static bool report_paths(const struct result *res, size_t n, const char *path, bool require,
			 bool *ok)
{
	size_t np = np_count(), taken = 0;
	const char **runs = calloc(n ? n : 1, sizeof(*runs));
	const unsigned char **took = calloc(n ? n : 1, sizeof(*took));
	bool all;

	for (size_t i = 0; i < np; i++) {
		bool t = false;

		for (size_t r = 0; r < n && !t; r++)
			t = res[r].took && res[r].took[i];
		taken += t;
	}
	all = taken == np;
	printf("named paths: %zu of %zu taken\n", taken, np);
	if (require && !all) {
		printf("never taken:");
		for (size_t i = 0; i < np; i++) {
			bool t = false;

			for (size_t r = 0; r < n && !t; r++)
				t = res[r].took && res[r].took[i];
			if (!t)
				printf(" %s", np_name(i));
		}
		printf("\n");
	}
	if (path && runs && took) {
		static const unsigned char none[1];
		size_t k = 0;

		for (size_t r = 0; r < n; r++, k++) {
			runs[k] = res[r].file;
			took[k] = res[r].took ? res[r].took : none;
		}
		if (!np_write_matrix(path, runs, took, k))
			*ok = false;
	}
	free(runs);
	free(took);
	return all || !require;
}

static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

static bool write_junit(const char *path, const struct result *res, size_t n, double secs)
{
	char tmp[PATH_MAX];
	FILE *f;
	size_t fails = 0;

	for (size_t i = 0; i < n; i++)
		fails += !res[i].pass;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "ferry run: --junit %s: %s\n", path, strerror(errno));
		return false;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites>\n<testsuite name=\"ferry scenarios\" tests=\"%zu\" failures=\"%zu\" "
		   "time=\"%.3f\">\n",
		n, fails, secs);
	for (size_t i = 0; i < n; i++) {
		fputs("  <testcase classname=\"scenarios\" name=\"", f);
		xml_escape(f, res[i].file);
		fprintf(f, "\" time=\"%.3f\"", res[i].secs);
		if (res[i].pass) {
			fputs("/>\n", f);
			continue;
		}
		fputs(">\n    <failure message=\"", f);
		xml_escape(f, res[i].why);
		fputs("\"/>\n  </testcase>\n", f);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "ferry run: --junit %s: %s\n", path, strerror(errno));
		remove(tmp);
		return false;
	}
	return true;
}

/* --cuda LIST: VER|VER...|all (or with commas); false with a message. */
static bool parse_cuda_list(const char *arg, const char **out, unsigned *n)
{
	char buf[128], *save = NULL;

	*n = 0;
	if (strcmp(arg, "all") == 0) {
		for (unsigned i = 0; i < FERRY_CUDA_NMATRIX; i++)
			out[(*n)++] = ferry__cuda_matrix[i];
		return true;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *t = strtok_r(buf, "|,", &save); t; t = strtok_r(NULL, "|,", &save)) {
		int k = ferry__cuda_version_index(t);

		if (k < 0 || *n == FERRY_CUDA_NVERSIONS) {
			fprintf(stderr, "ferry run: --cuda '%s': '%s' is not a version ferry emulates "
					"(11.8, 12.0 ... 12.6, 12.8, 12.9, 13.0, or all)\n", arg, t);
			return false;
		}
		for (unsigned i = 0; i < *n; i++)
			if (out[i] == ferry__cuda_versions[k]) {
				fprintf(stderr, "ferry run: --cuda '%s': %s is listed twice\n", arg, t);
				return false;
			}
		out[(*n)++] = ferry__cuda_versions[k];
	}
	if (!*n) {
		fprintf(stderr, "ferry run: --cuda needs versions (12.8,13.0 or all)\n");
		return false;
	}
	return true;
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "junit", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "mutate", no_argument, NULL, 'm' },
		{ "campaign", required_argument, NULL, 'C' },
		{ "seed", required_argument, NULL, 'S' },
		{ "faults-per-run", required_argument, NULL, 'F' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "cuda", required_argument, NULL, 'c' },
		{ "paths", required_argument, NULL, 'P' },
		{ "require-all-paths", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *backend = "sim", *junit = NULL, *paths = NULL;
	unsigned timeout = 120;
	bool verbose = false, ok = true, mutate = false, all_paths = false, paths_ok = true;
	char **files = NULL, exec[PATH_MAX], err[4096];
	size_t nfiles = 0, cap = 0, passed = 0;
	struct scenario *sc;
	struct result *res = NULL;
	double t0 = fr_now();
	int c, rc;
	struct campaign_opts co = { .max_faults = 4 };
	const char *cuda_list[FERRY_CUDA_NVERSIONS];
	unsigned ncuda = 0;
	size_t ncases = 0, nskipped = 0;
	bool seeded = false;
	uint64_t v;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			backend = optarg;
			if (strcmp(backend, "sim") && strcmp(backend, "real") && strcmp(backend, "auto")) {
				fprintf(stderr, "ferry run: --backend '%s': expected sim, real or auto\n",
					backend);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (!ferry__parse_u64(optarg, 1, 86400, &v)) {
				fprintf(stderr, "ferry run: --timeout '%s': expected 1..86400 seconds\n",
					optarg);
				return EXIT_USAGE;
			}
			timeout = (unsigned)v;
			break;
		case 'j': junit = optarg; break;
		case 'P': paths = optarg; break;
		case 'R': all_paths = true; break;
		case 'v': verbose = true; break;
		case 'm': mutate = true; break;
		case 'C':
			if (!ferry__parse_u64(optarg, 1, 1000000, &v)) {
				fprintf(stderr, "ferry run: --campaign '%s': expected 1..1000000 runs\n",
					optarg);
				return EXIT_USAGE;
			}
			co.runs = (unsigned)v;
			break;
		case 'S':
			if (!ferry__parse_u64(optarg, 0, UINT64_MAX, &v)) {
				fprintf(stderr, "ferry run: --seed '%s': expected a number\n", optarg);
				return EXIT_USAGE;
			}
			co.seed = v;
			seeded = true;
			break;
		case 'F':
			if (!ferry__parse_u64(optarg, 2, 8, &v)) {
				fprintf(stderr, "ferry run: --faults-per-run '%s': expected 2..8\n",
					optarg);
				return EXIT_USAGE;
			}
			co.max_faults = (unsigned)v;
			break;
		case 'c':
			if (!parse_cuda_list(optarg, cuda_list, &ncuda))
				return EXIT_USAGE;
			break;
		case 'J':
			if (!ferry__parse_u64(optarg, 1, 64, &v)) {
				fprintf(stderr, "ferry run: --jobs '%s': expected 1..64\n", optarg);
				return EXIT_USAGE;
			}
			co.jobs = (unsigned)v;
			break;
		case 'h': fputs(usage_run, stdout); return 0;
		default: return bad_option("run", argv);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ferry run: no scenario given (ferry help run)\n");
		return EXIT_USAGE;
	}
	if (!co.runs && (seeded || co.jobs || co.max_faults != 4)) {
		fprintf(stderr, "ferry run: --seed, --jobs and --faults-per-run go with --campaign\n");
		return EXIT_USAGE;
	}
	if (co.runs && (mutate || junit || paths || all_paths)) {
		fprintf(stderr, "ferry run: --campaign does not go with --%s\n",
			mutate ? "mutate" : junit ? "junit" : paths ? "paths" : "require-all-paths");
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc && ok; i++)
		ok = collect_scenarios(argv[i], &files, &nfiles, &cap);
	if (ok && !nfiles) {
		fprintf(stderr, "ferry run: no .scn file found\n");
		ok = false;
	}
	sc = calloc(nfiles ? nfiles : 1, sizeof(*sc));
	/* every file is parsed, and every error shown, before anything runs */
	for (size_t i = 0; i < nfiles; i++) {
		if (!scn_parse_file(files[i], &sc[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			ok = false;
		}
	}
	if (!ok) {
		fprintf(stderr, "ferry run: nothing was run\n");
		rc = EXIT_USAGE;
		goto out;
	}
	/* --cuda: every scenario under these versions; one whose cuda line names the versions
	 * it is written for, under those of them only (none: it is skipped, and said so) */
	for (size_t i = 0, kept = 0, n = nfiles; i < n; i++) {
		struct scenario *one = &sc[i];

		/* a simulator schedule is the simulator's: a GPU's is its own */
		if ((one->sim_sched[0] || one->sim_progress[0]) && strcmp(backend, "sim") != 0) {
			printf("SKIP  %s: written for the simulator's schedule (sim), not --backend "
			       "%s\n", files[i], backend);
			scn_free(one);
			free(files[i]);
			nskipped++;
			nfiles--;
			continue;
		}

		if (ncuda) {
			char own[FERRY_CUDA_NVERSIONS][8];
			unsigned nown = one->ncuda, k2 = 0;

			memcpy(own, one->cuda, sizeof(own));
			for (unsigned k = 0; k < ncuda; k++) {
				bool mine = !nown;

				for (unsigned o = 0; o < nown && !mine; o++)
					mine = strcmp(own[o], cuda_list[k]) == 0;
				if (mine)
					snprintf(one->cuda[k2++], sizeof(one->cuda[0]), "%s", cuda_list[k]);
			}
			one->ncuda = k2;
			if (!k2) {
				printf("SKIP  %s: written for CUDA", files[i]);
				for (unsigned o = 0; o < nown; o++)
					printf("%s%s", o ? "|" : " ", own[o]);
				printf(" only, none of --cuda's\n");
				scn_free(one);
				free(files[i]);
				nskipped++;
				nfiles--;
				continue;
			}
		}
		if (kept != i) {
			sc[kept] = sc[i];
			files[kept] = files[i];
		}
		ncases += sc[kept].ncuda ? sc[kept].ncuda : 1;
		kept++;
	}
	if (!nfiles) {
		fprintf(stderr, "ferry run: every scenario was skipped: nothing was run\n");
		rc = 1;
		goto out;
	}
	res = calloc(ncases ? ncases : 1, sizeof(*res));
	if (co.runs) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		if (!seeded) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			co.seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec;
		}
		if (!co.jobs)
			co.jobs = ncpu > 0 && ncpu < 64 ? (unsigned)ncpu : 2;
		co.timeout = timeout;
		co.backend = backend;
		co.verbose = verbose;
		rc = run_campaign(&co, sc, nfiles);
		goto out;
	}
	if (!find_executor(exec, sizeof(exec))) {
		rc = EXIT_NOEXEC;
		goto out;
	}
	for (size_t i = 0, rn = 0; i < nfiles; i++) {
		/* one run per version the scenario names (one, unemulated, when it names none) */
		for (unsigned ver = 0; ver < (sc[i].ncuda ? sc[i].ncuda : 1); ver++, rn++) {
			const char *cuda = sc[i].ncuda ? sc[i].cuda[ver] : NULL;
			struct result *r = &res[rn];

			if (cuda)
				snprintf(r->file, sizeof(r->file), "%s [cuda %s]", files[i], cuda);
			else
				snprintf(r->file, sizeof(r->file), "%s", files[i]);
			snprintf(r->title, sizeof(r->title), "%s", sc[i].title);
			r->took = calloc(np_count(), 1);
			run_one(&sc[i], cuda, NULL, exec, backend, timeout, verbose, r);
			passed += r->pass;
			printf("%s  %-52s %6.2f s%s%s\n", r->pass ? "PASS" : "FAIL", r->file, r->secs,
			       r->pass ? "" : "\n      ", r->why);
			fflush(stdout);
			if (mutate && r->pass && !mutants(&sc[i], cuda, exec, backend, timeout))
				r->pass = false, passed--,
				snprintf(r->why, sizeof(r->why), "a mutant survived");
		}
	}
	printf("%zu run%s of %zu scenario%s: %zu passed, %zu failed", ncases,
	       ncases == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s", passed, ncases - passed);
	if (nskipped)
		printf(", %zu scenario%s skipped (written for other versions or the simulator)",
		       nskipped, nskipped == 1 ? "" : "s");
	printf(" (%.1f s)\n", fr_now() - t0);
	if (junit && !write_junit(junit, res, ncases, fr_now() - t0))
		ok = false;
	/* with --require-all-paths, a named path no run took fails the whole run */
	if ((paths || all_paths) && !report_paths(res, ncases, paths, all_paths, &ok))
		paths_ok = false;
	rc = !ok ? EXIT_USAGE : passed == ncases && paths_ok ? 0 : 1;
out:
	for (size_t i = 0; i < nfiles; i++) {
		scn_free(&sc[i]);
		free(files[i]);
	}
	free(sc);
	for (size_t i = 0; res && i < ncases; i++)
		free(res[i].took);
	free(res);
	free(files);
	return rc;
}
