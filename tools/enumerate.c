/*
 * enumerate.c: `ferry enumerate`: every single failure point of a scenario, like SQLite's
 * anomaly tests. For each scenario: one clean run counts the CUDA calls that libferry makes,
 * per function (rules with from(libferry) that never act); then one run per call and per error
 * class that call can return, with that call failing (error(NAME)@nth(K) from(libferry), and
 * async(NAME) for copies). Each run must end with every byte exact, or with a clear error (a
 * status and a message), the last-error slot clean, no leaked pinned memory, stream or event
 * (counted by the interposer), no crash and no hang. A run that ends in silent corruption
 * prints the command that reproduces it.
 */
#include "cli.h"
#include "common.h"
#include "rules.h"
#include "scenario.h"
#include "table.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char usage_enumerate[] =
	"usage: ferry enumerate [OPTIONS] SCENARIO|DIR...\n"
	"\n"
	"Runs each scenario once clean, counting the CUDA calls the copy core (libferry) makes;\n"
	"then once per call and per error class that call can return, with that one call\n"
	"failing (and failing late, at the synchronize, for copies). Every run must end with\n"
	"every byte exact or with a clear error, the last-error slot clean, nothing leaked\n"
	"(pinned memory, streams, events), no crash and no hang. Prints a table of outcomes, and\n"
	"for a run that ended in silent corruption, the command that reproduces it.\n"
	"\n"
	"options:\n"
	"  --jobs N        runs at once (default: the number of processors)\n"
	"  --shard I/N     only runs whose number is I modulo N (split the work over machines)\n"
	"  --timeout SEC   time limit of one run (default 60)\n"
	"  --backend B     sim (default), real, or auto\n"
	"  --quick         one error class of each kind per call (error, async), not all:\n"
	"                  every call is still failed; what CI runs\n"
	"\n"
	"Exit status: 0 when every run ended well; 1 when one did not, or when nothing could be\n"
	"injected; 2 for bad usage or a scenario that does not parse.\n";

/* --- what may fail, and how --------------------------------------------------------------- */

struct fault_class {
	const char *action;	/* error or async */
	const char *err;
};

/* The errors each class of call is failed with. Teardown calls (frees, destroys) are not
 * enumerated: a teardown that fails has nothing to fall back to. */
static size_t classes_for(enum inj_class cls, const char *fn, struct fault_class *out)
{
	size_t n = 0;

#define ADD(a, e) (out[n].action = (a), out[n].err = (e), n++)
	switch (cls) {
	case INJ_CLS_COPY:
	case INJ_CLS_PEER_COPY:
		ADD("error", "cudaErrorInvalidValue");
		ADD("error", "cudaErrorMemoryAllocation");
		ADD("error", "cudaErrorUnknown");
		if (cls == INJ_CLS_PEER_COPY) {
			ADD("error", "cudaErrorPeerAccessUnsupported");
			ADD("error", "cudaErrorMapBufferObjectFailed");
		}
		ADD("async", "cudaErrorMemoryAllocation");
		ADD("async", "cudaErrorIllegalAddress");
		break;
	case INJ_CLS_MEMSET:
		ADD("error", "cudaErrorInvalidValue");
		break;
	case INJ_CLS_SYNC:
		ADD("error", "cudaErrorUnknown");
		ADD("error", "cudaErrorIllegalAddress");
		break;
	case INJ_CLS_HOST_ALLOC:
		ADD("error", "cudaErrorMemoryAllocation");
		ADD("error", "cudaErrorNotPermitted");
		ADD("error", "cudaErrorInvalidValue");
		break;
	case INJ_CLS_ALLOC:
		ADD("error", "cudaErrorMemoryAllocation");
		break;
	case INJ_CLS_PEER_ACCESS:
		if (strcmp(fn, "cudaDeviceEnablePeerAccess") == 0) {
			ADD("error", "cudaErrorPeerAccessUnsupported");
			ADD("error", "cudaErrorTooManyPeers");
			ADD("error", "cudaErrorMapBufferObjectFailed");
			ADD("error", "cudaErrorPeerAccessAlreadyEnabled");
		} else {
			ADD("error", "cudaErrorPeerAccessNotEnabled");
		}
		break;
	case INJ_CLS_PEER_QUERY:
		ADD("error", "cudaErrorInvalidDevice");
		break;
	case INJ_CLS_STREAM:
	case INJ_CLS_EVENT:
		if (strstr(fn, "Destroy"))
			break;
		ADD("error", "cudaErrorMemoryAllocation");
		ADD("error", "cudaErrorInvalidResourceHandle");
		break;
	case INJ_CLS_DEVICE:
		ADD("error", "cudaErrorInvalidDevice");
		ADD("error", "cudaErrorInvalidValue");
		break;
	default:	/* frees, error queries, versions */
		break;
	}
#undef ADD
	return n;
}

/* --quick: the first error and the first async class of each call only. */
static size_t classes_quick(enum inj_class cls, const char *fn, struct fault_class *out)
{
	struct fault_class all[8];
	size_t n = classes_for(cls, fn, all), k = 0;
	bool err = false, async = false;

	for (size_t i = 0; i < n; i++) {
		bool is_async = strcmp(all[i].action, "async") == 0;

		if (is_async ? async : err)
			continue;
		out[k++] = all[i];
		if (is_async)
			async = true;
		else
			err = true;
	}
	return k;
}

/* --- runs ------------------------------------------------------------------------------------ */

enum outcome { O_EXACT, O_ERROR, O_CORRUPT, O_FAIL, O_CRASH, O_HANG, O_LEAK, O_UNREACHED,
	       O_COUNT };
static const char *const outcome_names[O_COUNT] = { "exact", "clear error", "CORRUPT", "FAIL",
						    "CRASH", "HANG", "LEAK", "not reached" };

struct job {
	int fn;
	unsigned nth;
	struct fault_class fc;
	/* while running */
	pid_t pid;
	int fd;
	char *out;
	size_t n, cap;
	double deadline;
	char summary[PATH_MAX];
	char *faults;
	enum outcome result;
	char why[300];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The calls per function in a summary, and the rules' fired counts. */
static bool read_summary(const char *path, long long *calls, long long *fired, size_t nfired)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *c, *r;

	/* calls: those that answered cudaSuccess (what made something) */
	const char *key;
	json_t *v;
	size_t i;

	if (!root)
		return false;
	c = json_object_get(root, "calls_ok");
	json_object_foreach(c, key, v)
	{
		int fn = inj_fn_lookup(key, strlen(key));

		if (fn >= 0 && calls)
			calls[fn] = json_integer_value(v);
	}
	r = json_object_get(root, "rules");
	json_array_foreach(r, i, v)
	{
		if (i < nfired && fired)
			fired[i] = json_integer_value(json_object_get(v, "fired"));
	}
	json_decref(root);
	return true;
}

static long long get_calls(const long long *calls, const char *name)
{
	int fn = inj_fn_lookup(name, strlen(name));

	return fn >= 0 ? calls[fn] : 0;
}

/* Resources made and not given back, seen through the interposer's counts of the calls that
 * succeeded. */
static bool leaked(const long long *calls, char *why, size_t len)
{
	static const char *const pairs[][3] = {
		{ "cudaHostAlloc", "cudaMallocHost", "cudaFreeHost" },
		{ "cudaStreamCreateWithFlags", "cudaStreamCreate", "cudaStreamDestroy" },
		{ "cudaEventCreateWithFlags", "cudaEventCreate", "cudaEventDestroy" },
	};

	for (size_t i = 0; i < 3; i++) {
		long long made = get_calls(calls, pairs[i][0]) + get_calls(calls, pairs[i][1]);
		long long gone = get_calls(calls, pairs[i][2]);

		if (made > gone) {
			snprintf(why, len, "%lld %s not matched by %s (%lld made, %lld released)",
				 made - gone, pairs[i][0], pairs[i][2], made, gone);
			return true;
		}
	}
	return false;
}

static void classify(struct job *j, int status, bool timed_out)
{
	long long calls[INJ_NFNS] = { 0 }, fired[256] = { 0 };
	char *line, *save = NULL, *fail = NULL, *outcome = NULL, *last_step = NULL;
	unsigned nrules = 0;

	for (const char *c = j->faults; c && *c; c++)
		nrules += *c == ';';
	for (line = strtok_r(j->out ? j->out : (char *)"", "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!fail && strncmp(line, "FAIL", 4) == 0)
			fail = line;
		if (strncmp(line, "outcome: ", 9) == 0)
			outcome = line + 9;
		if (strncmp(line, "step ", 5) == 0)
			last_step = line;
	}
	if (timed_out) {
		j->result = O_HANG;
		snprintf(j->why, sizeof(j->why), "no end in time; last: %.200s",
			 last_step ? last_step : "(set-up)");
		return;
	}
	if (WIFSIGNALED(status)) {
		j->result = O_CRASH;
		snprintf(j->why, sizeof(j->why), "signal %d in %.200s", WTERMSIG(status),
			 last_step ? last_step : "(set-up)");
		return;
	}
	if (!read_summary(j->summary, calls, fired, 256)) {
		j->result = O_FAIL;
		snprintf(j->why, sizeof(j->why), "no summary from the interposer (exit %d)",
			 WEXITSTATUS(status));
		return;
	}
	if (fired[nrules] == 0) {
		j->result = O_UNREACHED;
		return;
	}
	if (fail) {
		j->result = strstr(fail, "wrong bytes") ? O_CORRUPT : O_FAIL;
		snprintf(j->why, sizeof(j->why), "%.290s", fail);
		return;
	}
	if (WEXITSTATUS(status) != 0 || !outcome) {
		j->result = O_FAIL;
		snprintf(j->why, sizeof(j->why), "exit status %d, no outcome", WEXITSTATUS(status));
		return;
	}
	if (leaked(calls, j->why, sizeof(j->why))) {
		j->result = O_LEAK;
		return;
	}
	j->result = strncmp(outcome, "exact", 5) == 0 ? O_EXACT : O_ERROR;
}

/* --- one scenario ---------------------------------------------------------------------------- */

struct opts {
	unsigned jobs, shard, nshards, timeout;
	bool quick;
	const char *backend;
	char exec[PATH_MAX];
	char tmpdir[64];
};

static bool start(const struct opts *o, const struct scenario *sc, struct job *j, size_t id)
{
	char rule[256];
	struct inject_argv ia;

	snprintf(rule, sizeof(rule), "%s:%s(%s)@nth(%u) from(libferry)", inj_fns[j->fn].name,
		 j->fc.action, j->fc.err, j->nth);
	j->faults = join_faults(sc->faults, rule);
	snprintf(j->summary, sizeof(j->summary), "%s/run%zu.json", o->tmpdir, id);
	if (!j->faults ||
	    scenario_argv(sc, j->faults, false, j->summary, true, o->exec, o->backend, &ia) != 0)
		return false;
	j->pid = spawn_argv(ia.v, &j->fd);
	j->deadline = now_s() + o->timeout;
	j->n = 0;
	return j->pid > 0;
}

static void finish(struct job *j, int status, bool timed_out)
{
	if (j->out)
		j->out[j->n] = '\0';
	classify(j, status, timed_out);
	remove(j->summary);
	free(j->out);
	j->out = NULL;
	close(j->fd);
	j->pid = 0;
}

static void progress(size_t done, size_t total)
{
	int w = 40, k = total ? (int)(done * (size_t)w / total) : w;

	if (!isatty(2))
		return;
	fprintf(stderr, "\r  [%.*s%*s] %zu/%zu", k, "########################################",
		w - k, "", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Enumerates one scenario; adds its outcomes to counts; false when a run ended badly. */
static bool enumerate(const struct opts *o, const struct scenario *sc, size_t *counts,
		      size_t *injected)
{
	long long matched[INJ_NFNS] = { 0 };
	char *count_rules = NULL, count_summary[PATH_MAX];
	struct job *jobs = NULL;
	size_t njobs = 0, cap = 0, next = 0, done = 0, running = 0, bad = 0, seen = 0;
	size_t local[O_COUNT] = { 0 };
	int fns[INJ_NFNS], nfns = 0;

	/* 1. the clean run: how often libferry calls each function that can fail */
	for (int fn = 0; fn < INJ_NFNS; fn++) {
		struct fault_class fc[8];
		char rule[160];
		char *t;

		if (!classes_for(inj_fns[fn].cls, inj_fns[fn].name, fc))
			continue;
		snprintf(rule, sizeof(rule), "%s:error(cudaErrorUnknown)@after(4000000000) "
			 "from(libferry)", inj_fns[fn].name);
		t = join_faults(count_rules, rule);
		free(count_rules);
		count_rules = t;
		fns[nfns++] = fn;
	}
	{
		char *all = join_faults(sc->faults, count_rules);
		struct inject_argv ia;
		int fd, status = 0;
		pid_t pid;
		char buf[4096];
		json_error_t jerr;
		json_t *root, *rules, *v;
		size_t i;

		snprintf(count_summary, sizeof(count_summary), "%s/count.json", o->tmpdir);
		if (scenario_argv(sc, all, false, count_summary, false, o->exec, o->backend, &ia) ||
		    (pid = spawn_argv(ia.v, &fd)) < 0) {
			fprintf(stderr, "ferry enumerate: cannot start the clean run\n");
			free(all);
			free(count_rules);
			return false;
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		waitpid(pid, &status, 0);
		free(all);
		free(count_rules);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("FAIL  %s: the clean run fails (ferry run %s says why)\n", sc->name,
			       sc->name);
			remove(count_summary);
			return false;
		}
		root = json_load_file(count_summary, 0, &jerr);
		rules = root ? json_object_get(root, "rules") : NULL;
		json_array_foreach(rules, i, v)
		{
			const char *text = json_string_value(json_object_get(v, "rule"));
			const char *colon = text ? strchr(text, ':') : NULL;
			int fn = colon ? inj_fn_lookup(text, (size_t)(colon - text)) : -1;

			if (fn >= 0 && text && strstr(text, "from(libferry)"))
				matched[fn] = json_integer_value(json_object_get(v, "matched"));
		}
		json_decref(root);
		remove(count_summary);
	}
	/* 2. the runs: each call of each function, with each of its error classes */
	for (int i = 0; i < nfns; i++) {
		struct fault_class fc[8];
		size_t nc = (o->quick ? classes_quick : classes_for)(inj_fns[fns[i]].cls,
								     inj_fns[fns[i]].name, fc);

		for (long long k = 1; k <= matched[fns[i]]; k++) {
			for (size_t c = 0; c < nc; c++) {
				if (seen++ % o->nshards != o->shard)
					continue;
				if (njobs >= cap) {
					cap = cap ? cap * 2 : 256;
					jobs = realloc(jobs, cap * sizeof(*jobs));
				}
				memset(&jobs[njobs], 0, sizeof(jobs[0]));
				jobs[njobs].fn = fns[i];
				jobs[njobs].nth = (unsigned)k;
				jobs[njobs].fc = fc[c];
				jobs[njobs].result = O_COUNT;
				njobs++;
			}
		}
	}
	printf("%s: %zu runs%s\n", sc->name, njobs, o->nshards > 1 ? " (this shard)" : "");
	fflush(stdout);
	/* run them, o->jobs at once */
	for (;;) {
		struct pollfd pf[64];
		size_t idx[64], np = 0;

		while (running < o->jobs && next < njobs) {
			struct job *j = &jobs[next];

			if (j->fc.action && j->result == O_COUNT) {
				if (!start(o, sc, j, next)) {
					j->result = O_FAIL;
					snprintf(j->why, sizeof(j->why), "cannot start the run");
					done++;
				} else {
					running++;
				}
			}
			next++;
		}
		if (!running)
			break;
		for (size_t i = 0; i < next && np < 64; i++) {
			if (jobs[i].pid > 0) {
				pf[np].fd = jobs[i].fd;
				pf[np].events = POLLIN;
				idx[np++] = i;
			}
		}
		poll(pf, np, 100);
		for (size_t p = 0; p < np; p++) {
			struct job *j = &jobs[idx[p]];
			bool timed_out = now_s() > j->deadline;
			int status = 0;

			if (pf[p].revents && !timed_out) {
				char buf[8192];
				ssize_t k = read(j->fd, buf, sizeof(buf));

				if (k > 0) {
					if (j->n + (size_t)k + 1 > j->cap) {
						j->cap = (j->n + (size_t)k + 1) * 2;
						j->out = realloc(j->out, j->cap);
					}
					memcpy(j->out + j->n, buf, (size_t)k);
					j->n += (size_t)k;
					continue;
				}
			} else if (!timed_out) {
				continue;
			}
			if (timed_out)
				kill(-j->pid, SIGKILL);
			waitpid(j->pid, &status, 0);
			finish(j, status, timed_out);
			free(j->faults);
			j->faults = NULL;
			running--;
			done++;
			progress(done, njobs);
		}
	}
	/* the table */
	for (size_t i = 0; i < njobs; i++) {
		struct job *j = &jobs[i];

		if (!j->fc.action || j->result == O_COUNT)
			continue;
		local[j->result]++;
		counts[j->result]++;
		if (j->result != O_UNREACHED)
			(*injected)++;
		if (j->result >= O_CORRUPT && j->result != O_UNREACHED) {
			bad++;
			printf("  %-7s %s:%s(%s)@nth(%u): %s\n", outcome_names[j->result],
			       inj_fns[j->fn].name, j->fc.action, j->fc.err, j->nth, j->why);
			if (j->result == O_CORRUPT)
				printf("          reproduce: ferry inject --devices %u --peers '%s' "
				       "--faults '%s%s%s:%s(%s)@nth(%u) from(libferry)' -- "
				       "%s --any-outcome %s\n",
				       sc->devices, sc->peers, sc->faults ? sc->faults : "",
				       sc->faults ? ";" : "", inj_fns[j->fn].name, j->fc.action,
				       j->fc.err, j->nth, o->exec, sc->name);
		}
	}
	printf("  ");
	for (int k = 0; k < O_COUNT; k++)
		if (local[k])
			printf("%s %zu  ", outcome_names[k], local[k]);
	printf("\n");
	free(jobs);
	return bad == 0;
}

int cmd_enumerate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "shard", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "backend", required_argument, NULL, 'b' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .jobs = 0, .shard = 0, .nshards = 1, .timeout = 60, .backend = "sim" };
	char **files = NULL, err[4096];
	size_t nfiles = 0, cap = 0, counts[O_COUNT] = { 0 }, injected = 0;
	bool ok = true, all_good = true;
	double t0 = now_s();
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case 'j':
			if (!ferry__parse_u64(optarg, 1, 64, &v)) {
				fprintf(stderr, "ferry enumerate: --jobs '%s': expected 1..64\n", optarg);
				return EXIT_USAGE;
			}
			o.jobs = (unsigned)v;
			break;
		case 's': {
			unsigned i, n;
			char tail;

			if (sscanf(optarg, "%u/%u%c", &i, &n, &tail) != 2 || n == 0 || i >= n) {
				fprintf(stderr, "ferry enumerate: --shard '%s': expected I/N with "
						"0 <= I < N\n", optarg);
				return EXIT_USAGE;
			}
			o.shard = i;
			o.nshards = n;
			break;
		}
		case 't':
			if (!ferry__parse_u64(optarg, 1, 86400, &v)) {
				fprintf(stderr, "ferry enumerate: --timeout '%s': expected 1..86400\n",
					optarg);
				return EXIT_USAGE;
			}
			o.timeout = (unsigned)v;
			break;
		case 'b':
			o.backend = optarg;
			if (strcmp(optarg, "sim") && strcmp(optarg, "real") && strcmp(optarg, "auto")) {
				fprintf(stderr, "ferry enumerate: --backend '%s': expected sim, real "
						"or auto\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'q': o.quick = true; break;
		case 'h': fputs(usage_enumerate, stdout); return 0;
		default: return bad_option("enumerate", argv);
		}
	}
	if (!o.jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o.jobs = n > 0 && n < 64 ? (unsigned)n : 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "ferry enumerate: no scenario given (ferry help enumerate)\n");
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc && ok; i++)
		ok = collect_scenarios(argv[i], &files, &nfiles, &cap);
	{
		struct scenario *sc = calloc(nfiles ? nfiles : 1, sizeof(*sc));

		for (size_t i = 0; ok && i < nfiles; i++)
			if (!scn_parse_file(files[i], &sc[i], err, sizeof(err))) {
				fprintf(stderr, "%s\n", err);
				ok = false;
			}
		snprintf(o.tmpdir, sizeof(o.tmpdir), "/tmp/ferry-enumerate-XXXXXX");
		if (ok && (!find_executor(o.exec, sizeof(o.exec)) || !mkdtemp(o.tmpdir))) {
			fprintf(stderr, "ferry enumerate: cannot set up (%s)\n", strerror(errno));
			ok = false;
		}
		for (size_t i = 0; ok && i < nfiles; i++)
			all_good &= enumerate(&o, &sc[i], counts, &injected);
		for (size_t i = 0; i < nfiles; i++) {
			scn_free(&sc[i]);
			free(files[i]);
		}
		free(sc);
		free(files);
		if (ok)
			rmdir(o.tmpdir);
	}
	if (!ok)
		return EXIT_USAGE;
	printf("enumerated %zu runs in %.1f s:", injected + counts[O_UNREACHED], now_s() - t0);
	for (int k = 0; k < O_COUNT; k++)
		printf(" %s %zu%s", outcome_names[k], counts[k], k + 1 < O_COUNT ? "," : "\n");
	if (!injected) {
		printf("nothing was injected: the scenarios make no call the copy core can fail\n");
		return 1;
	}
	return all_good ? 0 : 1;
}
