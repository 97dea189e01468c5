/*
 * campaign.c: `ferry run --campaign N --seed S`: random fault schedules over scenarios. Run i
 * takes scenario i mod (number of scenarios) and draws, from a generator seeded with S and i
 * alone (so a run is the same whatever else runs), 2..F faults among the calls that libferry
 * makes in that scenario's clean run: a function, which of its calls, one of its error
 * classes, and whether the failure is one call (nth) or lasts from that call on (after). Each
 * run must end as an enumeration's run must (fault_runs.h). A run that ends badly is shrunk:
 * faults are taken away, one at a time, while the run still ends the same way, and a lasting
 * failure is made a single one where that still fails; the minimal schedule is printed with the
 * command that reproduces it.
 */
#include "cli.h"
#include "fault_runs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* splitmix64: a small, well-mixed generator; each run seeds its own. */
static uint64_t next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return next_u64(s) % n;
}

#define MAX_FAULTS 8

struct schedule {
	size_t scn;			/* which scenario */
	const char *cuda;		/* under which CUDA version (NULL: unemulated) */
	unsigned n;
	char rule[MAX_FAULTS][160];
};

/* Draws run i's schedule from what scenario scn makes libferry do: its calls that can fail,
 * and the self-test's copies (damaged: the self-test must see it). */
static void draw(uint64_t seed, uint64_t i, size_t scn, const char *cuda,
		 const struct fr_counts *cnt, unsigned max_faults, struct schedule *out)
{
	static const char *const modes[] = { "bitflip", "zero", "truncate" };
	uint64_t s = seed ^ (i * 0xd1342543de82ef95ull);
	int cand[INJ_NFNS + FR_NSELF], ncand = 0;	/* a function, or -1 - self-test copy */

	next_u64(&s);
	for (int fn = 0; fn < INJ_NFNS; fn++) {
		struct fault_class fc[FR_MAX_CLASSES];

		if (cnt->calls[fn] > 0 && fr_classes(inj_fns[fn].cls, inj_fns[fn].name, fc))
			cand[ncand++] = fn;
	}
	for (int k = 0; k < FR_NSELF; k++)
		if (cnt->self_calls[k] > 0)
			cand[ncand++] = -1 - k;
	out->scn = scn;
	out->cuda = cuda;
	out->n = 2 + (unsigned)below(&s, max_faults - 1);
	for (unsigned k = 0; k < out->n; k++) {
		struct fault_class fc[FR_MAX_CLASSES];
		int fn = cand[below(&s, (uint64_t)ncand)];
		size_t nc;
		const struct fault_class *c;
		long long call;
		bool lasting;

		if (fn < 0) {
			size_t st = (size_t)(-1 - fn);

			call = 1 + (long long)below(&s, (uint64_t)cnt->self_calls[st]);
			fr_self_test_rule(cnt, st, call, modes[below(&s, 3)], out->rule[k],
					  sizeof(out->rule[k]));
			continue;
		}
		nc = fr_classes(inj_fns[fn].cls, inj_fns[fn].name, fc);
		c = &fc[below(&s, nc)];
		call = 1 + (long long)below(&s, (uint64_t)cnt->calls[fn]);
		lasting = below(&s, 4) == 0;
		if (lasting)	/* this call and every later one */
			snprintf(out->rule[k], sizeof(out->rule[k]),
				 "%s:%s(%s)@after(%lld) from(libferry)", inj_fns[fn].name,
				 c->action, c->err, call - 1);
		else
			snprintf(out->rule[k], sizeof(out->rule[k]),
				 "%s:%s(%s)@nth(%lld) from(libferry)", inj_fns[fn].name, c->action,
				 c->err, call);
	}
}

static char *joined(const struct schedule *s)
{
	char *all = NULL;

	for (unsigned k = 0; k < s->n; k++) {
		char *t = join_faults(all, s->rule[k]);

		free(all);
		all = t;
	}
	return all;
}

/* Runs one schedule variant per element of v (all at once); the index of the first that
 * ends with outcome want, or -1. */
static int first_still_failing(const struct fr_opts *o, const struct scenario *sc,
			       struct schedule *v, size_t n, enum fr_outcome want, char *why,
			       size_t len)
{
	struct fr_run *runs = calloc(n, sizeof(*runs));
	int found = -1;

	for (size_t i = 0; i < n; i++) {
		runs[i].inject = joined(&v[i]);
		runs[i].ninject = v[i].n;
		runs[i].cuda = v[i].cuda;
	}
	fr_run_all(o, sc, runs, n, false);
	for (size_t i = 0; i < n; i++) {
		if (found < 0 && runs[i].result == want) {
			found = (int)i;
			snprintf(why, len, "%s", runs[i].why);
		}
		free(runs[i].inject);
	}
	free(runs);
	return found;
}

/* Shrinks s (which ended with outcome want) to a schedule that still does and from which no
 * fault can be taken away; the number of runs it took. */
static size_t shrink(const struct fr_opts *o, const struct scenario *sc, struct schedule *s,
		     enum fr_outcome want, char *why, size_t len)
{
	struct schedule v[MAX_FAULTS];
	size_t tried = 0;
	int k;

	/* 1. take faults away while it still fails */
	while (s->n > 1) {
		for (unsigned drop = 0; drop < s->n; drop++) {
			v[drop] = *s;
			v[drop].n = 0;
			for (unsigned j = 0; j < s->n; j++)
				if (j != drop)
					memcpy(v[drop].rule[v[drop].n++], s->rule[j], sizeof(s->rule[j]));
		}
		tried += s->n;
		k = first_still_failing(o, sc, v, s->n, want, why, len);
		if (k < 0)
			break;
		*s = v[k];
	}
	/* 2. a lasting failure that one failing call reproduces becomes that call */
	for (unsigned j = 0; j < s->n; j++) {
		char *at = strstr(s->rule[j], "@after(");
		long long after;

		if (!at || sscanf(at, "@after(%lld)", &after) != 1)
			continue;
		v[0] = *s;
		snprintf(v[0].rule[j] + (at - s->rule[j]),
			 sizeof(v[0].rule[j]) - (size_t)(at - s->rule[j]), "@nth(%lld) from(libferry)",
			 after + 1);
		tried++;
		if (first_still_failing(o, sc, v, 1, want, why, len) == 0)
			*s = v[0];
	}
	return tried;
}

/* A scenario under one version: what the runs go round. */
struct kase {
	size_t scn;
	const char *cuda;
	struct fr_counts cnt;
};

int run_campaign(const struct campaign_opts *co, struct scenario *sc, size_t nsc)
{
	struct fr_opts o = { .jobs = co->jobs, .timeout = co->timeout, .backend = co->backend,
			     .verb = "ferry run --campaign" };
	struct kase *cases = NULL;
	struct schedule *sched = calloc(co->runs, sizeof(*sched));
	struct fr_run *runs = calloc(co->runs, sizeof(*runs));
	size_t counts[FR_COUNT] = { 0 }, bad = 0, shrink_runs = 0, ncases = 0;
	size_t hist[MAX_FAULTS + 1] = { 0 };
	double t0 = fr_now();
	int rc = 1;

	for (size_t s = 0; s < nsc; s++)
		ncases += sc[s].ncuda ? sc[s].ncuda : 1;
	cases = calloc(ncases, sizeof(*cases));
	if (!cases || !sched || !runs || !fr_setup(&o))
		goto out_free;
	ncases = 0;
	for (size_t s = 0; s < nsc; s++) {
		for (unsigned v = 0; v < (sc[s].ncuda ? sc[s].ncuda : 1); v++) {
			cases[ncases].scn = s;
			cases[ncases++].cuda = sc[s].ncuda ? sc[s].cuda[v] : NULL;
		}
	}
	printf("campaign: %u runs over %zu scenario%s (%zu with their versions), seed %llu, "
	       "2..%u faults a run\n", co->runs, nsc, nsc == 1 ? "" : "s", ncases,
	       (unsigned long long)co->seed, co->max_faults);
	/* 1. the clean runs */
	for (size_t c = 0; c < ncases; c++) {
		struct kase *k = &cases[c];
		bool any = false;

		if (!fr_count_calls(&o, &sc[k->scn], k->cuda, &k->cnt))
			goto out;
		for (int fn = 0; fn < INJ_NFNS; fn++) {
			struct fault_class fc[FR_MAX_CLASSES];

			any |= k->cnt.calls[fn] > 0 &&
			       fr_classes(inj_fns[fn].cls, inj_fns[fn].name, fc) > 0;
		}
		if (!any) {
			printf("FAIL  %s: libferry makes no call that can fail here; nothing to "
			       "draw from\n", sc[k->scn].name);
			goto out;
		}
	}
	/* 2. the draws (run i: case i mod ncases), then the runs, case by case */
	for (unsigned i = 0; i < co->runs; i++) {
		struct kase *k = &cases[i % ncases];

		draw(co->seed, i, k->scn, k->cuda, &k->cnt, co->max_faults, &sched[i]);
		runs[i].inject = joined(&sched[i]);
		runs[i].ninject = sched[i].n;
		runs[i].cuda = k->cuda;
	}
	for (size_t c = 0; c < ncases && c < co->runs; c++) {
		/* the runs of case c are c, c + ncases, ...: gathered, run, put back */
		size_t m = 0;
		struct fr_run *mine = calloc(co->runs / ncases + 1, sizeof(*mine));

		if (!mine)
			goto out;
		for (size_t i = c; i < co->runs; i += ncases)
			mine[m++] = runs[i];
		fr_run_all(&o, &sc[cases[c].scn], mine, m, false);
		m = 0;
		for (size_t i = c; i < co->runs; i += ncases)
			runs[i] = mine[m++];
		free(mine);
		if (co->verbose || isatty(2))
			fprintf(co->verbose ? stdout : stderr, "  %s%s%s%s: %zu runs done\n",
				sc[cases[c].scn].name, cases[c].cuda ? " [cuda " : "",
				cases[c].cuda ? cases[c].cuda : "", cases[c].cuda ? "]" : "", m);
	}
	/* 3. the outcomes; each bad run shrunk */
	for (unsigned i = 0; i < co->runs; i++) {
		struct fr_run *r = &runs[i];
		const struct scenario *s = &sc[sched[i].scn];
		const char *cuda = sched[i].cuda;

		counts[r->result]++;
		hist[r->fired]++;
		if (co->verbose)
			printf("  run %u  %-12s %s%s%s  fired %u/%u: %s\n", i,
			       fr_outcome_names[r->result], s->name, cuda ? " cuda " : "",
			       cuda ? cuda : "", r->fired, r->ninject, r->inject);
		if (!fr_bad(r->result))
			continue;
		bad++;
		printf("%-7s run %u of %s%s%s (%u faults, %u fired): %s\n",
		       fr_outcome_names[r->result], i, s->name, cuda ? " under cuda " : "",
		       cuda ? cuda : "", r->ninject, r->fired, r->why);
		printf("          schedule: %s\n", r->inject);
		{
			struct schedule min = sched[i];
			char why[300], *all;

			snprintf(why, sizeof(why), "%s", r->why);
			shrink_runs += shrink(&o, s, &min, r->result, why, sizeof(why));
			all = joined(&min);
			printf("          minimal (%u fault%s): %s\n          %s\n", min.n,
			       min.n == 1 ? "" : "s", all, why);
			fr_print_reproduce(&o, s, cuda, all);
			free(all);
		}
	}
	printf("campaign: %u runs in %.1f s (%zu more to shrink):", co->runs, fr_now() - t0,
	       shrink_runs);
	for (int k = 0; k < FR_COUNT; k++)
		printf(" %s %zu%s", fr_outcome_names[k], counts[k], k + 1 < FR_COUNT ? "," : "\n");
	printf("faults that acted per run:");
	for (unsigned k = 0; k <= co->max_faults; k++)
		printf(" %u: %zu%s", k, hist[k], k < co->max_faults ? "," : "\n");
	if (counts[FR_UNREACHED] == co->runs) {
		printf("nothing was injected: no run reached any of its faults\n");
		goto out;
	}
	rc = bad ? 1 : 0;
out:
	fr_teardown(&o);
out_free:
	for (unsigned i = 0; runs && i < co->runs; i++)
		free(runs[i].inject);
	free(runs);
	free(sched);
	free(cases);
	return rc;
}
