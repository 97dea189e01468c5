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
#include "fault_runs.h"

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
	"failing (and failing late, at the synchronize, for copies); and once per copy of the\n"
	"peer self-test and way of damaging it (corrupt: the self-test must catch it). Every\n"
	"run must end with every byte exact or with a clear error, the last-error slot clean,\n"
	"nothing leaked (pinned memory, streams, events), no crash and no hang. Prints a table\n"
	"of outcomes, and for a run that ended in silent corruption, the command that\n"
	"reproduces it. A scenario that names several CUDA versions (cuda 12.8|13.0) is\n"
	"enumerated under the first.\n"
	"\n"
	"options:\n"
	"  --jobs N        runs at once (default: the number of processors)\n"
	"  --shard I/N     only runs whose number is I modulo N (split the work over machines)\n"
	"  --timeout SEC   time limit of one run (default 60)\n"
	"  --backend B     sim (default), real, or auto\n"
	"  --quick         one error class of each kind per call (error, async), the lost\n"
	"                  context (cudaErrorIllegalAddress) wherever a call can answer it,\n"
	"                  and one way of damaging each self-test copy, not all: every call is\n"
	"                  still failed; what CI runs\n"
	"\n"
	"Exit status: 0 when every run ended well; 1 when one did not, or when nothing could be\n"
	"injected; 2 for bad usage or a scenario that does not parse.\n";

/* Enumerates one scenario; adds its outcomes to counts; false when a run ended badly. */
static bool enumerate(struct fr_opts *o, bool quick, unsigned shard, unsigned nshards,
		      const struct scenario *sc, size_t *counts, size_t *injected)
{
	struct fr_counts cnt;
	/* a scenario of several versions is enumerated under its first */
	const char *cuda = sc->ncuda ? sc->cuda[0] : NULL;
	struct fr_run *runs = NULL;
	size_t nruns = 0, cap = 0, bad = 0, seen = 0, local[FR_COUNT] = { 0 }, nself = 0;

	/* 1. the clean run: how often libferry calls each function that can fail */
	if (!fr_count_calls(o, sc, cuda, &cnt))
		return false;
	/* 2. the runs: each call of each function, with each of its error classes */
	for (int fn = 0; fn < INJ_NFNS; fn++) {
		struct fault_class fc[FR_MAX_CLASSES];
		size_t nc = (quick ? fr_classes_quick : fr_classes)(inj_fns[fn].cls,
								      inj_fns[fn].name, fc);

		for (long long k = 1; k <= cnt.calls[fn]; k++) {
			for (size_t c = 0; c < nc; c++) {
				char rule[256];

				if (seen++ % nshards != shard)
					continue;
				if (nruns >= cap) {
					cap = cap ? cap * 2 : 256;
					runs = realloc(runs, cap * sizeof(*runs));
				}
				snprintf(rule, sizeof(rule), "%s:%s(%s)@nth(%lld) from(libferry)",
					 inj_fns[fn].name, fc[c].action, fc[c].err, k);
				memset(&runs[nruns], 0, sizeof(runs[0]));
				runs[nruns].inject = strdup(rule);
				runs[nruns].ninject = 1;
				runs[nruns].cuda = cuda;
				nruns++;
			}
		}
	}
	/* 3. the self-test's copies, each damaged in each way: the self-test must see it (and
	 * the copy go another way), never let it through */
	for (size_t i = 0; i < FR_NSELF; i++) {
		static const char *const modes[] = { "bitflip", "zero", "truncate" };

		for (long long k = 1; k <= cnt.self_calls[i]; k++) {
			for (size_t m = 0; m < (quick ? 1 : 3); m++) {
				char rule[256];

				if (seen++ % nshards != shard)
					continue;
				if (nruns >= cap) {
					cap = cap ? cap * 2 : 256;
					runs = realloc(runs, cap * sizeof(*runs));
				}
				fr_self_test_rule(&cnt, i, k, modes[m], rule, sizeof(rule));
				nself++;
				memset(&runs[nruns], 0, sizeof(runs[0]));
				runs[nruns].inject = strdup(rule);
				runs[nruns].ninject = 1;
				runs[nruns].cuda = cuda;
				nruns++;
			}
		}
	}
	printf("%s%s%s%s: %zu runs%s (%zu of them damage a copy of the peer self-test%s)\n",
	       sc->name, cuda ? " [cuda " : "", cuda ? cuda : "", cuda ? "]" : "", nruns,
	       nshards > 1 ? " (this shard)" : "", nself,
	       cnt.abandoned ? "; none: its copies never end in this scenario" : "");
	fflush(stdout);
	fr_run_all(o, sc, runs, nruns, true);
	/* the table */
	for (size_t i = 0; i < nruns; i++) {
		struct fr_run *j = &runs[i];

		local[j->result]++;
		counts[j->result]++;
		if (j->result != FR_UNREACHED)
			(*injected)++;
		/* one failure in a run that made the counting run's calls up to it: never
		 * reaching it means the calls before it changed (a clock, a race), and the point
		 * went untested; a campaign's later faults may not be reached, an enumeration's
		 * must */
		if (j->result == FR_UNREACHED)
			snprintf(j->why, sizeof(j->why), "the fault never fired: this run made other "
				 "calls before it than the counting run made");
		if (fr_bad(j->result) || j->result == FR_UNREACHED) {
			bad++;
			printf("  %-7s %s: %s\n", fr_outcome_names[j->result], j->inject, j->why);
			if (j->result == FR_CORRUPT)
				fr_print_reproduce(o, sc, cuda, j->inject);
		}
		free(j->inject);
	}
	printf("  ");
	for (int k = 0; k < FR_COUNT; k++)
		if (local[k])
			printf("%s %zu  ", fr_outcome_names[k], local[k]);
	printf("\n");
	free(runs);
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
	struct fr_opts o = { .jobs = 0, .timeout = 60, .backend = "sim",
			     .verb = "ferry enumerate" };
	unsigned shard = 0, nshards = 1;
	char **files = NULL, err[4096];
	size_t nfiles = 0, cap = 0, counts[FR_COUNT] = { 0 }, injected = 0;
	bool ok = true, all_good = true, quick = false;
	double t0 = fr_now();
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
			shard = i;
			nshards = n;
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
		case 'q': quick = true; break;
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
		ok = ok && fr_setup(&o);
		for (size_t i = 0; ok && i < nfiles; i++)
			all_good &= enumerate(&o, quick, shard, nshards, &sc[i], counts, &injected);
		for (size_t i = 0; i < nfiles; i++) {
			scn_free(&sc[i]);
			free(files[i]);
		}
		free(sc);
		free(files);
		if (ok)
			fr_teardown(&o);
	}
	if (!ok)
		return EXIT_USAGE;
	printf("enumerated %zu runs in %.1f s:", injected + counts[FR_UNREACHED], fr_now() - t0);
	for (int k = 0; k < FR_COUNT; k++)
		printf(" %s %zu%s", fr_outcome_names[k], counts[k], k + 1 < FR_COUNT ? "," : "\n");
	if (!injected) {
		printf("nothing was injected: the scenarios make no call the copy core can fail\n");
		return 1;
	}
	return all_good ? 0 : 1;
}
