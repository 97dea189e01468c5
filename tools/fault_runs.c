/*
 * fault_runs.c: runs of a scenario with injected faults (fault_runs.h). Each run is
 * `ferry inject ... --summary FILE -- ferry-scenario --any-outcome SCENARIO` with the
 * scenario's rules and the injected ones; it is judged from its output (the steps, the
 * first failure, the outcome line) and the interposer's summary (which rules fired, the calls
 * that made and released resources).
 */
#include "fault_runs.h"

#include "cli.h"
#include "ferry.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *const fr_outcome_names[FR_COUNT] = { "exact", "clear error", "CORRUPT", "FAIL",
						 "CRASH", "HANG", "LEAK", "not reached" };

/* --- what may fail, and how --------------------------------------------------------------- */

size_t fr_classes(enum inj_class cls, const char *fn, struct fault_class *out)
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
	case INJ_CLS_GRAPH:	/* building a graph, instantiating it, uploading it */
		if (strstr(fn, "Destroy"))
			break;
		ADD("error", "cudaErrorMemoryAllocation");
		ADD("error", "cudaErrorInvalidValue");
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

size_t fr_classes_quick(enum inj_class cls, const char *fn, struct fault_class *out)
{
	struct fault_class all[FR_MAX_CLASSES];
	size_t n = fr_classes(cls, fn, all), k = 0;
	bool err = false, async = false;

	for (size_t i = 0; i < n; i++) {
		bool is_async = strcmp(all[i].action, "async") == 0;
		/* the context lost: never left out, whatever kind came first */
		bool lost = strcmp(all[i].err, "cudaErrorIllegalAddress") == 0;

		if (lost) {
			out[k++] = all[i];
			continue;
		}
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

/* --- set-up ---------------------------------------------------------------------------------- */

double fr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool fr_setup(struct fr_opts *o)
{
	if (!find_executor(o->exec, sizeof(o->exec)))
		return false;
	snprintf(o->tmpdir, sizeof(o->tmpdir), "/tmp/ferry-faults-XXXXXX");
	if (!mkdtemp(o->tmpdir)) {
		fprintf(stderr, "%s: cannot make a temporary directory: %s\n", o->verb,
			strerror(errno));
		return false;
	}
	return true;
}

void fr_teardown(struct fr_opts *o)
{
	rmdir(o->tmpdir);
}

/* --- judging a run ---------------------------------------------------------------------------- */

/* What the processes of a run said, summed over their summaries (each process writes its
 * own): the successful calls per function, and per rule how often it acted and (largest in
 * one process, since a rule counts per process) how many calls it matched. */
struct totals {
	bool any;
	size_t nrules;
	long long calls[INJ_NFNS];
	long long fired[INJ_MAX_RULES], matched[INJ_MAX_RULES];
};

static void add_summary(const char *path, void *arg)
{
	struct totals *t = arg;
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *c, *r;
	const char *key;
	json_t *v;
	size_t i;

	if (!root)
		return;
	t->any = true;
	/* calls_ok: those that answered cudaSuccess (what made or released something) */
	c = json_object_get(root, "calls_ok");
	json_object_foreach(c, key, v)
	{
		int fn = inj_fn_lookup(key, strlen(key));

		if (fn >= 0)
			t->calls[fn] += json_integer_value(v);
	}
	r = json_object_get(root, "rules");
	json_array_foreach(r, i, v)
	{
		long long m = json_integer_value(json_object_get(v, "matched"));

		if (i >= INJ_MAX_RULES)
			break;
		if (i >= t->nrules)
			t->nrules = i + 1;
		t->fired[i] += json_integer_value(json_object_get(v, "fired"));
		if (m > t->matched[i])
			t->matched[i] = m;
	}
	json_decref(root);
}

static void remove_summary(const char *path, void *arg)
{
	(void)arg;
	remove(path);
}

/* Reads (then removes) every summary of a run; false when no process wrote one. */
static bool read_summaries(const char *path, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for_each_summary(path, add_summary, t);
	for_each_summary(path, remove_summary, NULL);
	return t->any;
}

static long long get_calls(const long long *calls, const char *name)
{
	int fn = inj_fn_lookup(name, strlen(name));

	return fn >= 0 ? calls[fn] : 0;
}

/* Resources made and not given back, seen through the interposer's counts of the calls that
 * succeeded. abandoned: peer self-tests libferry gave up on (F03: their copies never end),
 * each of which keeps a pinned block and a stream on purpose, as ferry-scenario says. */
static bool leaked(const long long *calls, long long abandoned, char *why, size_t len)
{
	static const char *const pairs[][3] = {
		{ "cudaHostAlloc", "cudaMallocHost", "cudaFreeHost" },
		{ "cudaStreamCreateWithFlags", "cudaStreamCreate", "cudaStreamDestroy" },
		{ "cudaEventCreateWithFlags", "cudaEventCreate", "cudaEventDestroy" },
	};

	for (size_t i = 0; i < 3; i++) {
		long long made = get_calls(calls, pairs[i][0]) + get_calls(calls, pairs[i][1]);
		long long gone = get_calls(calls, pairs[i][2]) + (i < 2 ? abandoned : 0);

		if (made > gone) {
			snprintf(why, len, "%lld %s not matched by %s (%lld made, %lld released)",
				 made - gone, pairs[i][0], pairs[i][2], made, gone);
			return true;
		}
	}
	return false;
}

static void judge_output(struct fr_run *j, const struct totals *t, int status, const char *fail,
			 const char *outcome, long long abandoned)
{
	if (j->fired == 0) {
		j->result = FR_UNREACHED;
		return;
	}
	if (fail) {
		j->result = strstr(fail, "wrong bytes") ? FR_CORRUPT : FR_FAIL;
		snprintf(j->why, sizeof(j->why), "%.290s", fail);
		return;
	}
	if (WEXITSTATUS(status) != 0 || !outcome) {
		j->result = FR_FAIL;
		snprintf(j->why, sizeof(j->why), "exit status %d, no outcome", WEXITSTATUS(status));
		return;
	}
	if (abandoned >= 0 && leaked(t->calls, abandoned, j->why, sizeof(j->why))) {
		j->result = FR_LEAK;
		return;
	}
	j->result = strncmp(outcome, "exact", 5) == 0 ? FR_EXACT : FR_ERROR;
}

static void judge(struct fr_run *j, unsigned first_rule, int status, bool timed_out)
{
	struct totals *t = calloc(1, sizeof(*t));
	char *line, *save = NULL, *fail = NULL, *outcome = NULL, *last_step = NULL;
	bool summary = t && read_summaries(j->summary, t);
	long long abandoned = 0;

	for (line = strtok_r(j->out ? j->out : (char *)"", "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!fail && strncmp(line, "FAIL", 4) == 0)
			fail = line;
		if (strncmp(line, "outcome: ", 9) == 0)
			outcome = line + 9;
		if (strncmp(line, "step ", 5) == 0)
			last_step = line;
		if (strncmp(line, "abandoned: ", 11) == 0 && abandoned >= 0)
			abandoned = strtoll(line + 11, NULL, 10);
		if (strcmp(line, "context: lost") == 0)
			abandoned = -1;	/* nothing could be released: no leak to count */
	}
	if (timed_out) {
		j->result = FR_HANG;
		snprintf(j->why, sizeof(j->why), "no end in time; last: %.200s",
			 last_step ? last_step : "(set-up)");
	} else if (WIFSIGNALED(status)) {
		j->result = FR_CRASH;
		snprintf(j->why, sizeof(j->why), "signal %d in %.200s", WTERMSIG(status),
			 last_step ? last_step : "(set-up)");
	} else if (!summary) {
		j->result = FR_FAIL;
		snprintf(j->why, sizeof(j->why), "no summary from the interposer (exit %d)",
			 WEXITSTATUS(status));
	} else {
		j->fired = 0;
		for (unsigned i = first_rule; i < first_rule + j->ninject && i < INJ_MAX_RULES; i++)
			j->fired += t->fired[i] > 0;
		judge_output(j, t, status, fail, outcome, abandoned);
	}
	free(t);
}

/* --- the clean run ---------------------------------------------------------------------------- */

void fr_self_test_rule(const struct fr_counts *c, size_t i, long long k, const char *mode,
		       char *out, size_t len)
{
	snprintf(out, len, "cudaMemcpyPeerAsync:corrupt(%s)@nth(%lld) size(%zu..%zu) from(libferry)",
		 mode, k, c->self_size[i], c->self_size[i]);
}

bool fr_count_calls(const struct fr_opts *o, const struct scenario *sc, const char *cuda,
		    struct fr_counts *c)
{
	char *count_rules = NULL, *all, summary[PATH_MAX + 16], buf[4096];
	size_t sizes[FERRY__SELF_TEST_NSIZES], nrules = 0;
	int rule_fn[INJ_NFNS + FR_NSELF];	/* what each counting rule counts: a function, or
						 * -1 - i for self-test copy i */
	struct inject_argv ia;
	int fd, status = 0;
	pid_t pid;
	struct totals *t;

	memset(c, 0, sizeof(*c));
	/* a rule per function that can fail, from libferry, that never acts: it counts */
	for (int fn = 0; fn < INJ_NFNS; fn++) {
		struct fault_class fc[FR_MAX_CLASSES];
		char rule[160], *r;

		if (!fr_classes(inj_fns[fn].cls, inj_fns[fn].name, fc))
			continue;
		snprintf(rule, sizeof(rule), "%s:error(cudaErrorUnknown)@after(4000000000) "
			 "from(libferry)", inj_fns[fn].name);
		r = join_faults(count_rules, rule);
		free(count_rules);
		count_rules = r;
		rule_fn[nrules++] = fn;
	}
	/* and one per self-test copy the enumerator can pick out by its size */
	ferry__self_test_sizes(sc->chunk ? sc->chunk : FERRY_DEFAULT_CHUNK_BYTES, sizes);
	for (size_t i = 0; i < FR_NSELF; i++) {
		char rule[200], *r;

		/* the self-test's copy of this size: a peer copy from libferry of exactly it */
		c->self_size[i] = sizes[FERRY__SELF_TEST_FIRST_DISTINCT + i];
		snprintf(rule, sizeof(rule), "cudaMemcpyPeerAsync:error(cudaErrorUnknown)"
			 "@after(4000000000) size(%zu..%zu) from(libferry)", c->self_size[i],
			 c->self_size[i]);
		r = join_faults(count_rules, rule);
		free(count_rules);
		count_rules = r;
		rule_fn[nrules++] = -1 - (int)i;
	}
	all = join_faults(sc->faults, count_rules);
	free(count_rules);
	snprintf(summary, sizeof(summary), "%s/count.json", o->tmpdir);
	if (!all || scenario_argv(sc, cuda, all, false, summary, false, o->exec, o->backend, &ia) ||
	    (pid = spawn_argv(ia.v, &fd)) < 0) {
		fprintf(stderr, "%s: cannot start the clean run of %s\n", o->verb, sc->name);
		free(all);
		return false;
	}
	free(all);
	{
		/* the output, for a line "abandoned: N" */
		char *out = NULL, *a;
		size_t len = 0;
		ssize_t n;

		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			char *grown = realloc(out, len + (size_t)n + 1);

			if (!grown)
				continue;	/* drained all the same; nothing abandoned is seen */
			out = grown;
			memcpy(out + len, buf, (size_t)n);
			len += (size_t)n;
			out[len] = '\0';
		}
		for (a = out ? strstr(out, "abandoned: ") : NULL; a; a = strstr(a + 1, "abandoned: "))
			if (a == out || a[-1] == '\n')
				c->abandoned = strtoll(a + 11, NULL, 10);
		free(out);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("FAIL  %s: the clean run fails (ferry run %s says why)\n", sc->name, sc->name);
		for_each_summary(summary, remove_summary, NULL);
		return false;
	}
	t = calloc(1, sizeof(*t));
	if (!t || !read_summaries(summary, t)) {
		printf("FAIL  %s: the clean run wrote no summary\n", sc->name);
		free(t);
		return false;
	}
	for (size_t i = 0; i < nrules && sc->nrules + i < t->nrules; i++) {
		long long m = t->matched[sc->nrules + i];

		if (rule_fn[i] >= 0)
			c->calls[rule_fn[i]] = m;
		else if (!c->abandoned)
			c->self_calls[-1 - rule_fn[i]] = m;
	}
	free(t);
	return true;
}

/* --- running many ------------------------------------------------------------------------------ */

static bool start(const struct fr_opts *o, const struct scenario *sc, struct fr_run *j, size_t id)
{
	struct inject_argv ia;

	j->faults = join_faults(sc->faults, j->inject);
	snprintf(j->summary, sizeof(j->summary), "%s/run%zu.json", o->tmpdir, id);
	if (!j->faults ||
	    scenario_argv(sc, j->cuda, j->faults, false, j->summary, true, o->exec, o->backend,
			  &ia) != 0)
		return false;
	j->n = 0;
	j->pid = spawn_argv(ia.v, &j->fd);
	j->deadline = fr_now() + o->timeout;
	return j->pid > 0;
}

static void finish(struct fr_run *j, unsigned first_rule, int status, bool timed_out)
{
	if (j->out)
		j->out[j->n] = '\0';
	judge(j, first_rule, status, timed_out);
	free(j->out);
	j->out = NULL;
	free(j->faults);
	j->faults = NULL;
	close(j->fd);
	j->pid = 0;
}

static void show_progress(size_t done, size_t total)
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

void fr_run_all(const struct fr_opts *o, const struct scenario *sc, struct fr_run *runs,
		size_t n, bool progress)
{
	size_t next = 0, done = 0, running = 0;

	for (;;) {
		struct pollfd pf[64];
		size_t idx[64], np = 0;

		while (running < o->jobs && running < 64 && next < n) {
			struct fr_run *j = &runs[next];

			j->result = FR_COUNT;
			if (!start(o, sc, j, next)) {
				j->result = FR_FAIL;
				snprintf(j->why, sizeof(j->why), "cannot start the run: %s",
					 strerror(errno));
				free(j->faults);
				j->faults = NULL;
				j->pid = 0;
				done++;
			} else {
				running++;
			}
			next++;
		}
		if (!running)
			break;
		for (size_t i = 0; i < next && np < 64; i++) {
			if (runs[i].pid > 0) {
				pf[np].fd = runs[i].fd;
				pf[np].events = POLLIN;
				idx[np++] = i;
			}
		}
		poll(pf, np, 100);
		for (size_t p = 0; p < np; p++) {
			struct fr_run *j = &runs[idx[p]];
			bool timed_out = fr_now() > j->deadline;
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
			while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
				;
			finish(j, sc->nrules, status, timed_out);
			j->cap = 0;
			running--;
			done++;
			if (progress)
				show_progress(done, n);
		}
	}
}

void fr_print_reproduce(const struct fr_opts *o, const struct scenario *sc, const char *cuda,
			const char *inject)
{
	printf("          reproduce: ferry inject --devices %u --peers '%s'%s%s --faults '%s%s%s' "
	       "-- %s --any-outcome %s\n",
	       sc->devices, sc->peers, cuda ? " --cuda " : "", cuda ? cuda : "",
	       sc->faults ? sc->faults : "", sc->faults ? ";" : "", inject, o->exec, sc->name);
}
