/*
 * inject.c: `ferry inject`: runs a program under libferry_inject.so (see its --help).
 *
 * The rules are checked here first, so that a bad one is reported once and nothing runs.
 * The backend is chosen (auto: the real runtime when a GPU answers, else the simulator),
 * the environment set (FERRY_DEVICES, FERRY_FAULTS ..., LD_PRELOAD), the program run; then
 * the summaries its processes wrote (FERRY_SUMMARY, FERRY_SUMMARY.<pid>) are added up into
 * one line on stderr, and --require-fired checks that every rule acted at least once.
 */
#include "cli.h"
#include "scenario.h"
#include "common.h"
#include "rules.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char usage_inject[] =
	"usage: ferry inject [OPTIONS] -- CMD [ARGS...]\n"
	"\n"
	"Runs CMD (a program linked against the shared CUDA runtime, libcudart.so.13) under\n"
	"libferry_inject.so: every CUDA runtime call it makes can be failed, delayed or have its\n"
	"data damaged by fault rules, and it can see more GPUs than the machine has. Then prints\n"
	"one line on stderr: which rules fired, how often, and how many CUDA calls were made.\n"
	"\n"
	"options:\n"
	"  --devices N        present N virtual devices over the physical ones (FERRY_DEVICES)\n"
	"  --peers SPEC       peer capability between virtual devices: all (default), none, or\n"
	"                     a list of A-B (both ways) and A>B (one way) (FERRY_PEERS)\n"
	"  --device-mem SIZE  memory of each virtual device, e.g. 16G (FERRY_DEVICE_MEM;\n"
	"                     default: the physical device's, shared among its virtual ones)\n"
	"  --faults SPEC      fault rules (FERRY_FAULTS), grammar below\n"
	"  --faults-file F    fault rules from a file, one or more a line, # comments\n"
	"  --cuda VER         emulate CUDA runtime VER: 11.8, 12.0 ... 12.9, 13.0 (FERRY_CUDA_VERSION):\n"
	"                     the version reported, and what dlsym finds (the symbols VER\n"
	"                     lacks hidden, those it had provided, its ABIs adapted)\n"
	"  --cuda-driver VER  report driver VER (FERRY_CUDA_DRIVER; default: the real one, or\n"
	"                     the emulated runtime's when newer); calls a driver that old\n"
	"                     cannot serve answer cudaErrorCallRequiresNewerDriver\n"
	"  --hide LIST        symbols the program does not find (FERRY_HIDE), comma-separated:\n"
	"                     runtime functions dlsym answers NULL for (and their _ptsz twins),\n"
	"                     driver functions (cu...) the runtime's entry points do not find;\n"
	"                     a runtime with a function missing, for a version shim's tests\n"
	"  --backend B        auto (default: the real runtime when a GPU answers, else the\n"
	"                     simulator), real, or sim\n"
	"  --sim-devices N    physical devices of the simulator (default 1, like a 1-GPU box)\n"
	"  --sim-sched MODE   when the simulator runs queued work: random (default), eager,\n"
	"                     lazy (only when a wait needs it: copies never seen to end by a\n"
	"                     program that only polls, as when P2P writes are dropped, F03)\n"
	"  --sim-progress-ms N  the simulator's progress thread wakes every N ms (0: never)\n"
	"  --summary F        write the JSON summary to F (each other process: F.<pid>)\n"
	"  --require-fired    exit 3 when a rule never fired (a test that injected nothing)\n"
	"  --keep-nvml        with --devices, leave NVML visible (by default it is hidden: it\n"
	"                     counts the physical GPUs, and programs such as PyTorch ask it first)\n"
	"\n"
	"fault rules:\n"
	"  rules   := rule { ';' rule }\n"
	"  rule    := target ':' action [ '@' trigger ] { ' ' filter }\n"
	"  target  := a CUDA runtime function | peer-copy | peer-access | host-alloc | copy | sync\n"
	"  action  := error(NAME)    the call answers NAME and does nothing\n"
	"           | async(NAME)    answers success, does nothing; the next synchronize or\n"
	"                            query of its stream answers NAME (copies, memsets); an\n"
	"                            error that loses the context (700, 719 ...) then stays,\n"
	"                            as after sticky(NAME)\n"
	"           | sticky(NAME)   this call and every later call needing a context answer NAME\n"
	"           | deny           capability queries answer no (can-access-peer, P2P attributes)\n"
	"           | corrupt(MODE)  does the work, then damages the destination: bitflip, zero,\n"
	"                            truncate (the second half is left as it was); success\n"
	"           | delay(USEC)    waits, then the call goes on\n"
	"  trigger := always | nth(N) | every(N) | after(N) | first(N) | p(PROB,SEED)\n"
	"  filter  := pair(A>B) | dev(A) | size(MIN..MAX)      A, B: a device or *\n"
	"           | from(LIB)       only calls made by code in a file whose name holds LIB\n"
	"                             (e.g. from(libferry): the copy core's calls, not yours)\n"
	"\n"
	"examples:\n"
	"  ferry inject --devices 4 -- ./my_multi_gpu_tests\n"
	"  ferry inject --devices 2 --peers none -- python3 train.py        # no peer access\n"
	"  ferry inject --devices 2 --require-fired \\\n"
	"      --faults 'cudaDeviceEnablePeerAccess:error(cudaErrorPeerAccessUnsupported)' -- ./t\n"
	"  ferry inject --devices 2 --faults 'peer-copy:corrupt(bitflip)@nth(3) size(1M..)' -- ./t\n"
	"  ferry inject --faults 'host-alloc:error(cudaErrorMemoryAllocation)@after(2)' -- ./t\n"
	"  ferry inject --backend sim --sim-devices 2 --summary run.json -- ./t\n";

struct inject_opts {
	const char *devices, *peers, *device_mem, *faults, *faults_file, *cuda, *cuda_driver;
	const char *hide;
	const char *backend;
	const char *sim_devices, *sim_sched, *sim_progress, *summary;
	bool require_fired, keep_nvml;
};

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ferry inject: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(ferry help inject lists the options)\n");
	return EXIT_USAGE;
}

/* Reads a rules file whole (bounded). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(INJ_MAX_SPEC + 2);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, INJ_MAX_SPEC + 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Checks every option; the rules too. Returns the number of rules, or -1. */
static int check_opts(const struct inject_opts *o)
{
	uint64_t n;
	int ndev = 0;
	bool m[FERRY_PEERS_MAX * FERRY_PEERS_MAX];
	char err[4096];
	struct inj_rules rules = { NULL, 0 };
	int nrules;

	if (o->devices) {
		if (!ferry__parse_u64(o->devices, 1, 64, &n))
			return usage_error("--devices '%s' is not a count from 1 to 64",
					   o->devices), -1;
		ndev = (int)n;
	}
	if (o->peers) {
		if (!ndev)
			return usage_error("--peers '%s' needs --devices", o->peers), -1;
		if (!ferry__parse_peers(o->peers, ndev, m, err, sizeof(err)))
			return usage_error("--peers: %s", err), -1;
	}
	if (o->device_mem && (!ndev || !ferry__parse_size(o->device_mem, &n) || n == 0))
		return usage_error("--device-mem '%s' needs --devices and a size (e.g. 16G)",
				   o->device_mem), -1;
	if (o->faults && o->faults_file)
		return usage_error("%s", "give --faults or --faults-file, not both"), -1;
	if (o->faults && !inj_rules_parse(o->faults, "--faults", 0, &rules, err, sizeof(err))) {
		fprintf(stderr, "ferry inject: %s\n", err);
		return -1;
	}
	if (o->faults_file) {
		char *text = slurp(o->faults_file);
		bool ok;

		if (!text)
			return usage_error("--faults-file '%s' cannot be read", o->faults_file), -1;
		ok = inj_rules_parse_file(text, o->faults_file, &rules, err, sizeof(err));
		free(text);
		if (!ok) {
			fprintf(stderr, "ferry inject: %s\n", err);
			return -1;
		}
	}
	nrules = (int)rules.n;
	inj_rules_free(&rules);
	if (o->cuda && ferry__cuda_version_index(o->cuda) < 0)
		return usage_error("--cuda '%s' is not one of 11.8, 12.0 ... 12.6, 12.8, 12.9, 13.0",
				   o->cuda), -1;
	if (o->cuda_driver && ferry__cuda_version_index(o->cuda_driver) < 0)
		return usage_error("--cuda-driver '%s' is not one of 11.8, 12.0 ... 12.6, 12.8, "
				   "12.9, 13.0", o->cuda_driver), -1;
	if (o->hide) {
		char buf[4096], msg[256], *save = NULL;
		unsigned k = 0;

		if (!*o->hide || strlen(o->hide) >= sizeof(buf))
			return usage_error("--hide needs a comma list of CUDA symbols"), -1;
		snprintf(buf, sizeof(buf), "%s", o->hide);
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), k++) {
			if (!scn_symbol_check(t, msg, sizeof(msg)))
				return usage_error("--hide: %s", msg), -1;
			if (k == 32)
				return usage_error("--hide: more than 32 symbols"), -1;
		}
	}
	if (o->backend && strcmp(o->backend, "auto") && strcmp(o->backend, "real") &&
	    strcmp(o->backend, "sim"))
		return usage_error("--backend '%s' is not one of auto, real, sim", o->backend), -1;
	if (o->sim_devices && !ferry__parse_u64(o->sim_devices, 1, 32, &n))
		return usage_error("--sim-devices '%s' is not a count from 1 to 32", o->sim_devices),
		       -1;
	if (o->sim_sched && strcmp(o->sim_sched, "random") && strcmp(o->sim_sched, "eager") &&
	    strcmp(o->sim_sched, "lazy"))
		return usage_error("--sim-sched '%s' is not one of random, eager, lazy",
				   o->sim_sched), -1;
	if (o->sim_progress && !ferry__parse_u64(o->sim_progress, 0, 3600000, &n))
		return usage_error("--sim-progress-ms '%s' is not a number of milliseconds from 0 "
				   "to 3600000", o->sim_progress), -1;
	return nrules;
}

/* Whether the real runtime answers with at least one GPU. */
static bool gpu_answers(void)
{
	void *h = dlopen("libcudart.so.13", RTLD_NOW | RTLD_LOCAL);
	int (*count)(int *);
	int n = 0;

	if (!h)
		return false;
	count = (int (*)(int *))(uintptr_t)dlsym(h, "cudaGetDeviceCount");
	return count && count(&n) == 0 && n > 0;
}

/* --- the summaries ------------------------------------------------------------------------- */

struct totals {
	int processes;
	unsigned long long calls;
	long long matched[INJ_MAX_RULES], fired[INJ_MAX_RULES];
	char rule[INJ_MAX_RULES][160];
	int nrules;
	char backend[16];
	int vdev, pdev;
};

static void add_summary(const char *path, struct totals *t)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *rules, *calls, *v;
	const char *key;
	size_t i;

	if (!root) {
		fprintf(stderr, "ferry inject: unreadable summary %s: %s\n", path, jerr.text);
		return;
	}
	t->processes++;
	rules = json_object_get(root, "rules");
	json_array_foreach(rules, i, v) {
		json_int_t idx = json_integer_value(json_object_get(v, "index"));

		if (idx < 1 || idx > INJ_MAX_RULES)
			continue;
		t->matched[idx - 1] += json_integer_value(json_object_get(v, "matched"));
		t->fired[idx - 1] += json_integer_value(json_object_get(v, "fired"));
		snprintf(t->rule[idx - 1], sizeof(t->rule[0]), "%s",
			 json_string_value(json_object_get(v, "rule")) ?: "?");
		if (idx > t->nrules)
			t->nrules = (int)idx;
	}
	calls = json_object_get(root, "calls");
	json_object_foreach(calls, key, v)
		t->calls += (unsigned long long)json_integer_value(v);
	/* The devices, from a process that used some (the first may be a shell). */
	if (!t->backend[0] || (t->pdev == 0 && json_integer_value(json_object_get(
						   json_object_get(root, "devices"), "physical")))) {
		json_t *d = json_object_get(root, "devices");

		snprintf(t->backend, sizeof(t->backend), "%s",
			 json_string_value(json_object_get(root, "backend")) ?: "?");
		t->vdev = (int)json_integer_value(json_object_get(d, "virtual"));
		t->pdev = (int)json_integer_value(json_object_get(d, "physical"));
	}
	json_decref(root);
}

void for_each_summary(const char *path, void (*fn)(const char *, void *), void *arg)
{
	char dir[PATH_MAX], base[PATH_MAX], full[2 * PATH_MAX + 2];
	const char *slash = strrchr(path, '/');
	DIR *d;
	struct dirent *e;
	size_t blen;

	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		snprintf(base, sizeof(base), "%s", slash + 1);
	} else {
		snprintf(dir, sizeof(dir), ".");
		snprintf(base, sizeof(base), "%s", path);
	}
	if (!dir[0])
		snprintf(dir, sizeof(dir), "/");
	blen = strlen(base);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *rest = e->d_name + blen;

		if (strncmp(e->d_name, base, blen) != 0)
			continue;
		if (*rest == '.') {
			/* path.<pid> only: not path.tmp.<pid> or anything else */
			const char *p = rest + 1;

			if (!*p)
				continue;
			while (*p >= '0' && *p <= '9')
				p++;
			if (*p)
				continue;
		} else if (*rest) {
			continue;
		}
		snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
		fn(full, arg);
	}
	closedir(d);
}

static void add_one(const char *file, void *arg)
{
	add_summary(file, arg);
}

static void remove_one(const char *file, void *arg)
{
	(void)arg;
	unlink(file);
}

/* Prints the line; returns whether every rule fired. */
static bool report(const struct totals *t, int nrules)
{
	bool all = true;
	char line[8192];
	size_t len = 0;

	len += (size_t)snprintf(line + len, sizeof(line) - len, "ferry inject: ");
	if (t->processes == 0) {
		fprintf(stderr, "ferry inject: no process wrote a summary: the program made no call "
				"through the interposer (is it linked against the static CUDA "
				"runtime? build it with -cudart shared)\n");
		return nrules == 0;
	}
	for (int i = 0; i < nrules && len < sizeof(line) - 200; i++) {
		if (t->fired[i] == 0)
			all = false;
		len += (size_t)snprintf(line + len, sizeof(line) - len, "rule %d fired %lld of %lld; ",
					i + 1, t->fired[i], t->matched[i]);
	}
	if (nrules == 0)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "no rules; ");
	snprintf(line + len, sizeof(line) - len, "%d process%s, %llu CUDA calls (%s", t->processes,
		 t->processes == 1 ? "" : "es", t->calls, t->backend);
	fprintf(stderr, "%s", line);
	if (t->vdev && t->pdev)
		fprintf(stderr, ", %d virtual devices over %d", t->vdev, t->pdev);
	else if (t->vdev)
		fprintf(stderr, ", %d virtual devices", t->vdev);
	fprintf(stderr, ")\n");
	for (int i = 0; i < nrules; i++)
		if (t->fired[i] == 0)
			fprintf(stderr, "ferry inject: rule %d never fired: %s\n", i + 1, t->rule[i]);
	return all;
}

/* --- the verb ------------------------------------------------------------------------------- */

static int parse(int argc, char **argv, struct inject_opts *o)
{
	static const struct option longopts[] = {
		{ "devices", required_argument, NULL, 'd' },
		{ "peers", required_argument, NULL, 'p' },
		{ "device-mem", required_argument, NULL, 'm' },
		{ "faults", required_argument, NULL, 'f' },
		{ "faults-file", required_argument, NULL, 'F' },
		{ "cuda", required_argument, NULL, 'c' },
		{ "cuda-driver", required_argument, NULL, 'C' },
		{ "hide", required_argument, NULL, 'H' },
		{ "backend", required_argument, NULL, 'b' },
		{ "sim-devices", required_argument, NULL, 'S' },
		{ "sim-sched", required_argument, NULL, 'Q' },
		{ "sim-progress-ms", required_argument, NULL, 'P' },
		{ "summary", required_argument, NULL, 's' },
		{ "require-fired", no_argument, NULL, 'r' },
		{ "keep-nvml", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->devices = optarg; break;
		case 'p': o->peers = optarg; break;
		case 'm': o->device_mem = optarg; break;
		case 'f': o->faults = optarg; break;
		case 'F': o->faults_file = optarg; break;
		case 'c': o->cuda = optarg; break;
		case 'C': o->cuda_driver = optarg; break;
		case 'H': o->hide = optarg; break;
		case 'b': o->backend = optarg; break;
		case 'S': o->sim_devices = optarg; break;
		case 'Q': o->sim_sched = optarg; break;
		case 'P': o->sim_progress = optarg; break;
		case 's': o->summary = optarg; break;
		case 'r': o->require_fired = true; break;
		case 'k': o->keep_nvml = true; break;
		case 'h':
			fputs(usage_inject, stdout);
			return 0;
		default:
			return -bad_option("inject", argv);
		}
	}
	return optind;
}

int cmd_inject(int argc, char **argv)
{
	struct inject_opts o;
	int first = parse(argc, argv, &o), nrules, status;
	char libs[3 * PATH_MAX + 3], ibuf[PATH_MAX], sbuf[PATH_MAX], nbuf[PATH_MAX];
	char tmpdir[] = "/tmp/ferry-inject-XXXXXX", summary[PATH_MAX];
	const char *inject, *sim = NULL, *nvml = NULL;
	bool use_sim, all_fired;
	struct totals *t;
	pid_t pid;

	if (first <= 0)
		return -first;
	if (strcmp(argv[first - 1], "--") != 0 || first >= argc)
		return usage_error("%s", "expected -- and the program to run");
	nrules = check_opts(&o);
	if (nrules < 0)
		return EXIT_USAGE;
	inject = find_inject(ibuf, sizeof(ibuf));
	if (!inject)
		return EXIT_USAGE;
	use_sim = o.backend && strcmp(o.backend, "sim") == 0;
	if (!o.backend || strcmp(o.backend, "auto") == 0)
		use_sim = !gpu_answers();
	if (o.sim_devices && !use_sim)
		return usage_error("--sim-devices '%s' needs the sim backend", o.sim_devices);
	if ((o.sim_sched || o.sim_progress) && !use_sim)
		return usage_error("--%s needs the sim backend (a GPU's schedule is its own)",
				   o.sim_sched ? "sim-sched" : "sim-progress-ms");
	if (use_sim && !(sim = find_sim(sbuf, sizeof(sbuf))))
		return EXIT_USAGE;
	/* Under virtual devices, NVML (which counts the physical GPUs) is hidden. */
	if (o.devices && !o.keep_nvml && !(nvml = find_lib("libferry_nvml.so", FERRY_BUILD_NVML,
							  "FERRY_NVML_LIBRARY", nbuf,
							  sizeof(nbuf))))
		return EXIT_USAGE;
	snprintf(libs, sizeof(libs), "%s%s%s%s%s", inject, sim ? ":" : "", sim ? sim : "",
		 nvml ? ":" : "", nvml ? nvml : "");

	if (o.summary) {
		if (strlen(o.summary) >= sizeof(summary) - 32)
			return usage_error("--summary: the path is too long (%zu characters)",
					   strlen(o.summary));
		snprintf(summary, sizeof(summary), "%s", o.summary);
	} else {
		if (!mkdtemp(tmpdir)) {
			fprintf(stderr, "ferry inject: cannot make a temporary directory: %s\n",
				strerror(errno));
			return EXIT_USAGE;
		}
		snprintf(summary, sizeof(summary), "%s/summary.json", tmpdir);
	}
	for_each_summary(summary, remove_one, NULL);	/* no stale summaries */
	unsetenv("FERRY_SUMMARY_ROOT");
	if (!set_env("FERRY_SUMMARY", summary) || !preload(libs) ||
	    (o.devices && !set_env("FERRY_DEVICES", o.devices)) ||
	    (o.peers && !set_env("FERRY_PEERS", o.peers)) ||
	    (o.device_mem && !set_env("FERRY_DEVICE_MEM", o.device_mem)) ||
	    (o.faults && !set_env("FERRY_FAULTS", o.faults)) ||
	    (o.faults_file && !set_env("FERRY_FAULTS_FILE", o.faults_file)) ||
	    (o.cuda && !set_env("FERRY_CUDA_VERSION", o.cuda)) ||
	    (o.cuda_driver && !set_env("FERRY_CUDA_DRIVER", o.cuda_driver)) ||
	    (o.hide && !set_env("FERRY_HIDE", o.hide)) ||
	    (use_sim && !getenv("FERRY_SIM_DEVICES") &&
	     !set_env("FERRY_SIM_DEVICES", o.sim_devices ? o.sim_devices : "1")) ||
	    (use_sim && o.sim_devices && !set_env("FERRY_SIM_DEVICES", o.sim_devices)) ||
	    (o.sim_sched && !set_env("FERRY_SIM_SCHED", o.sim_sched)) ||
	    (o.sim_progress && !set_env("FERRY_SIM_PROGRESS_MS", o.sim_progress)))
		return EXIT_USAGE;

	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ferry inject: fork: %s\n", strerror(errno));
		return EXIT_NOEXEC;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		_exit(run_program(argv + first));
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	t = calloc(1, sizeof(*t));
	if (!t)
		return EXIT_NOEXEC;
	for_each_summary(summary, add_one, t);
	all_fired = report(t, nrules);
	free(t);
	if (!o.summary) {
		for_each_summary(summary, remove_one, NULL);
		rmdir(tmpdir);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	if (WEXITSTATUS(status) != 0)
		return WEXITSTATUS(status);
	if (o.require_fired && !all_fired)
		return EXIT_NOT_FIRED;
	return 0;
}
