/*
 * ferry: the command.
 *   ferry inject   runs a program under the fault-injecting interposer, on real GPUs or on
 *                  the simulator, with virtual devices and fault rules, and reports what fired;
 *   ferry sim      runs a program on the simulated CUDA runtime;
 *   ferry demo     the demonstration;
 *   ferry run      runs scenario files (tools/run.c);
 *   ferry enumerate  fails each call of the copy core in turn (tools/enumerate.c).
 * The other verb of DESIGN.md (replay) joins as it is built.
 *
 * It finds its libraries beside itself: in the build tree, or installed in the library
 * directory next to its bin directory (FERRY_SIM_LIBRARY and FERRY_INJECT_LIBRARY override).
 */
#include "cli.h"
#include "common.h"


#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FERRY_VERSION
#error "FERRY_VERSION must be defined by the build"
#endif

const char usage_main[] =
	"ferry " FERRY_VERSION " - move data between CUDA GPUs, and prove it arrives\n"
	"\n"
	"usage: ferry VERB [OPTIONS]\n"
	"\n"
	"verbs:\n"
	"  inject [OPTIONS] -- CMD [ARGS...]  run CMD with virtual devices and fault rules\n"
	"  sim [OPTIONS] -- CMD [ARGS...]  run CMD on the simulated CUDA runtime (no GPU needed)\n"
	"  demo [OPTIONS]                  run a small multi-GPU program on the simulator\n"
	"  run [OPTIONS] SCENARIO|DIR...   run scenario files, each under the interposer\n"
	"  enumerate [OPTIONS] SCENARIO|DIR...  fail every call of the copy core, one by one\n"
	"  info [OPTIONS]                  the CUDA runtime, devices, peers and the version shim\n"
	"  report [OPTIONS]                coverage reports of the fallback paths (a coverage\n"
	"                                  build runs the scenario suite; gcovr; path matrix)\n"
	"  version                         print the version\n"
	"  help [VERB]                     print this, or a verb's options\n"
	"\n"
	"Exit status: the program's own; 2 for bad usage or a bad fault rule; 3 when\n"
	"inject --require-fired finds a rule that never fired; 127 when the program cannot run.\n";



static const char usage_sim[] =
	"usage: ferry sim [OPTIONS] -- CMD [ARGS...]\n"
	"\n"
	"Runs CMD, a program linked against the shared CUDA runtime (libcudart.so.13), on\n"
	"libferry_sim.so: a CUDA 13.0 runtime in host memory, with as many devices as asked.\n"
	"\n"
	"options (each sets the FERRY_SIM_ variable named; unset ones keep their defaults):\n"
	"  --devices N       FERRY_SIM_DEVICES   number of devices, 0 to 32 (default 1)\n"
	"  --mem SIZE        FERRY_SIM_MEM       memory per device, e.g. 16G (default 80G)\n"
	"  --peers SPEC      FERRY_SIM_PEERS     peer capability: all, none, or a list of\n"
	"                                        A-B (both ways) and A>B (one way) (default all)\n"
	"  --seed S          FERRY_SIM_SEED      seed of the scheduler (default 1)\n"
	"  --sched MODE      FERRY_SIM_SCHED     when queued work runs: random (default), eager\n"
	"                                        (at once, a fast GPU), lazy (only when waited on)\n"
	"  --pinned-max SIZE FERRY_SIM_PINNED_MAX  cap on pinned host memory (default none)\n"
	"\n"
	"examples:\n"
	"  ferry sim --devices 4 -- ./my_multi_gpu_test\n"
	"  ferry sim --devices 2 --peers none --sched lazy -- ./copy_test   # no peer access,\n"
	"                                        # and a missing synchronization shows at once\n"
	"  for s in 1 2 3 4; do ferry sim --seed $s -- ./racy; done   # other interleavings\n";

static const char usage_demo[] =
	"usage: ferry demo [--devices N] [--peers SPEC] [--seed S]\n"
	"\n"
	"Runs examples/peer_ring on the simulator: every device passes a patterned buffer\n"
	"round a ring of peer copies (with peer access where the peer matrix allows), and the\n"
	"bytes are checked when they come home. Default: 4 devices.\n";

/* The directory holding this executable. */
bool self_dir(char *out, size_t len)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	if (n <= 0)
		return false;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return false;
	*slash = '\0';
	return snprintf(out, len, "%s", path) < (int)len;
}

bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where one of ferry's libraries is (name, as built at build_path, or as env says), or NULL
 * with a message. */
const char *find_lib(const char *name, const char *build_path, const char *var, char *buf,
		     size_t len)
{
	const char *env = getenv(var);
	char dir[PATH_MAX];

	if (env && *env) {
		if (!is_file(env)) {
			fprintf(stderr, "ferry: %s='%s' is not a file\n", var, env);
			return NULL;
		}
		return env;
	}
	if (!self_dir(dir, sizeof(dir))) {
		fprintf(stderr, "ferry: cannot tell where this executable is\n");
		return NULL;
	}
	if (strcmp(dir, FERRY_BUILD_TOOLS_DIR) == 0 && is_file(build_path))
		return build_path;
	if (snprintf(buf, len, "%s/%s/%s", dir, FERRY_REL_LIBDIR, name) < (int)len && is_file(buf))
		return buf;
	fprintf(stderr, "ferry: %s is not at %s (set %s)\n", name, buf, var);
	return NULL;
}

const char *find_sim(char *buf, size_t len)
{
	return find_lib("libferry_sim.so", FERRY_BUILD_SIM, "FERRY_SIM_LIBRARY", buf, len);
}

const char *find_inject(char *buf, size_t len)
{
	return find_lib("libferry_inject.so", FERRY_BUILD_INJECT, "FERRY_INJECT_LIBRARY", buf,
			len);
}

bool set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0) {
		fprintf(stderr, "ferry: cannot set %s: %s\n", name, strerror(errno));
		return false;
	}
	return true;
}

/* Puts libs (after a sanitizer's runtime, in sanitizer builds) first in LD_PRELOAD, keeping
 * what was there. */
bool preload(const char *libs)
{
	char list[4 * PATH_MAX];
	const char *old = getenv("LD_PRELOAD");
	const char *san = FERRY_SAN_RUNTIME;

	if (snprintf(list, sizeof(list), "%s%s%s%s%s", san, *san ? ":" : "", libs,
		     old && *old ? ":" : "", old && *old ? old : "") >= (int)sizeof(list)) {
		fprintf(stderr, "ferry: LD_PRELOAD would be too long\n");
		return false;
	}
	return set_env("LD_PRELOAD", list);
}

bool preload_sim(void)
{
	char buf[PATH_MAX];
	const char *sim = find_sim(buf, sizeof(buf));

	return sim && preload(sim);
}

struct sim_opts {
	const char *devices, *mem, *peers, *seed, *sched, *pinned_max;
};

/* Checks the options here, so that the message names the option (the simulator would
 * refuse them too, naming its variable), and exports them. */
static bool apply_sim_opts(const struct sim_opts *o)
{
	uint64_t n;
	int ndev = 1;
	bool peers[FERRY_PEERS_MAX * FERRY_PEERS_MAX];
	char err[256];
	const char *env_devices = getenv("FERRY_SIM_DEVICES");

	if (env_devices && ferry__parse_u64(env_devices, 0, 32, &n))
		ndev = (int)n;

	if (o->devices) {
		if (!ferry__parse_u64(o->devices, 0, 32, &n)) {
			fprintf(stderr, "ferry sim: --devices '%s' is not a count from 0 to 32\n",
				o->devices);
			return false;
		}
		ndev = (int)n;
	}
	if (o->mem && (!ferry__parse_size(o->mem, &n) || n < (2ULL << 20) || n > (1ULL << 40))) {
		fprintf(stderr, "ferry sim: --mem '%s' is not a size from 2M to 1T (e.g. 16G)\n",
			o->mem);
		return false;
	}
	if (o->peers && ndev > 0 && !ferry__parse_peers(o->peers, ndev, peers, err, sizeof(err))) {
		fprintf(stderr, "ferry sim: --peers: %s\n", err);
		return false;
	}
	if (o->seed && !ferry__parse_u64(o->seed, 0, UINT64_MAX, &n)) {
		fprintf(stderr, "ferry sim: --seed '%s' is not an unsigned integer\n", o->seed);
		return false;
	}
	if (o->sched && strcmp(o->sched, "random") && strcmp(o->sched, "eager") &&
	    strcmp(o->sched, "lazy")) {
		fprintf(stderr, "ferry sim: --sched '%s' is not one of random, eager, lazy\n",
			o->sched);
		return false;
	}
	if (o->pinned_max && !ferry__parse_size(o->pinned_max, &n)) {
		fprintf(stderr, "ferry sim: --pinned-max '%s' is not a size (e.g. 64M)\n",
			o->pinned_max);
		return false;
	}
	return (!o->devices || set_env("FERRY_SIM_DEVICES", o->devices)) &&
	       (!o->mem || set_env("FERRY_SIM_MEM", o->mem)) &&
	       (!o->peers || set_env("FERRY_SIM_PEERS", o->peers)) &&
	       (!o->seed || set_env("FERRY_SIM_SEED", o->seed)) &&
	       (!o->sched || set_env("FERRY_SIM_SCHED", o->sched)) &&
	       (!o->pinned_max || set_env("FERRY_SIM_PINNED_MAX", o->pinned_max));
}

static int parse_sim_opts(int argc, char **argv, const char *verb, const char *usage,
			  struct sim_opts *o)
{
	static const struct option longopts[] = {
		{ "devices", required_argument, NULL, 'd' },
		{ "mem", required_argument, NULL, 'm' },
		{ "peers", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "sched", required_argument, NULL, 'S' },
		{ "pinned-max", required_argument, NULL, 'P' },
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
		case 'm': o->mem = optarg; break;
		case 'p': o->peers = optarg; break;
		case 's': o->seed = optarg; break;
		case 'S': o->sched = optarg; break;
		case 'P': o->pinned_max = optarg; break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return -bad_option(verb, argv);
		}
	}
	return optind;
}

int bad_option(const char *verb, char **argv)
{
	if (optopt)
		fprintf(stderr, "ferry %s: option '%s' needs a value, or is unknown\n", verb,
			argv[optind - 1]);
	else
		fprintf(stderr, "ferry %s: unknown option '%s'\n", verb, argv[optind - 1]);
	fprintf(stderr, "(ferry help %s lists the options)\n", verb);
	return EXIT_USAGE;
}

int run_program(char **argv)
{
	execvp(argv[0], argv);
	fprintf(stderr, "ferry: cannot run '%s': %s\n", argv[0], strerror(errno));
	return EXIT_NOEXEC;
}

static int cmd_sim(int argc, char **argv)
{
	struct sim_opts o;
	int first = parse_sim_opts(argc, argv, "sim", usage_sim, &o);

	if (first <= 0)
		return -first;
	if (strcmp(argv[first - 1], "--") != 0 || first >= argc) {
		fprintf(stderr, "ferry sim: expected -- and the program to run (ferry help sim)\n");
		return EXIT_USAGE;
	}
	if (!apply_sim_opts(&o) || !preload_sim())
		return EXIT_USAGE;
	return run_program(argv + first);
}

static int cmd_demo(int argc, char **argv)
{
	struct sim_opts o;
	int first = parse_sim_opts(argc, argv, "demo", usage_demo, &o);
	char dir[PATH_MAX], prog[PATH_MAX + 32];
	char *args[2];

	if (first <= 0)
		return -first;
	if (first < argc) {
		fprintf(stderr, "ferry demo: unexpected argument '%s'\n", argv[first]);
		return EXIT_USAGE;
	}
	if (!o.devices)
		o.devices = "4";
	if (!self_dir(dir, sizeof(dir)))
		return EXIT_NOEXEC;
	if (strcmp(dir, FERRY_BUILD_TOOLS_DIR) == 0) {
		snprintf(prog, sizeof(prog), "%s", FERRY_BUILD_DEMO);
	} else if (snprintf(prog, sizeof(prog), "%s/%s/ferry/peer_ring", dir,
			    FERRY_REL_LIBEXECDIR) >= (int)sizeof(prog)) {
		fprintf(stderr, "ferry demo: path too long\n");
		return EXIT_NOEXEC;
	}
	if (!apply_sim_opts(&o) || !preload_sim())
		return EXIT_USAGE;
	args[0] = prog;
	args[1] = NULL;
	return run_program(args);
}

int main(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : NULL;

	if (!verb || strcmp(verb, "help") == 0 || strcmp(verb, "--help") == 0 ||
	    strcmp(verb, "-h") == 0) {
		const char *topic = verb && argc > 2 ? argv[2] : NULL;

		if (topic && strcmp(topic, "sim") == 0)
			fputs(usage_sim, stdout);
		else if (topic && strcmp(topic, "inject") == 0)
			fputs(usage_inject, stdout);
		else if (topic && strcmp(topic, "demo") == 0)
			fputs(usage_demo, stdout);
		else if (topic && strcmp(topic, "run") == 0)
			fputs(usage_run, stdout);
		else if (topic && strcmp(topic, "enumerate") == 0)
			fputs(usage_enumerate, stdout);
		else if (topic && strcmp(topic, "info") == 0)
			fputs(usage_info, stdout);
		else if (topic && strcmp(topic, "report") == 0)
			fputs(usage_report, stdout);
		else if (topic) {
			fprintf(stderr, "ferry: no verb '%s'\n%s", topic, usage_main);
			return EXIT_USAGE;
		} else
			fputs(usage_main, verb ? stdout : stderr);
		return verb ? 0 : EXIT_USAGE;
	}
	if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
		printf("ferry %s\n", FERRY_VERSION);
		return 0;
	}
	if (strcmp(verb, "sim") == 0)
		return cmd_sim(argc - 1, argv + 1);
	if (strcmp(verb, "inject") == 0)
		return cmd_inject(argc - 1, argv + 1);
	if (strcmp(verb, "demo") == 0)
		return cmd_demo(argc - 1, argv + 1);
	if (strcmp(verb, "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(verb, "enumerate") == 0)
		return cmd_enumerate(argc - 1, argv + 1);
	if (strcmp(verb, "info") == 0)
		return cmd_info(argc - 1, argv + 1);
	if (strcmp(verb, "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	{
		static const char *const verbs[] = { "inject", "sim", "demo", "run", "enumerate",
						     "info", "report", "version", "help" };
		const char *near = ferry__nearest(verb, verbs, 9);

		fprintf(stderr, "ferry: unknown verb '%s'%s%s%s (ferry help lists them)\n", verb,
			near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
	}
	return EXIT_USAGE;
}
