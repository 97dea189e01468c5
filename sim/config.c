/*
 * config.c: the simulator's settings, from FERRY_SIM_* environment variables.
 *
 * Every variable is checked when the library is loaded, before the program's main runs: a
 * bad value, or a FERRY_SIM_ variable that does not exist (a typo), stops the process with a
 * message naming the variable and the value. A simulator that silently ran with defaults
 * would make a test pass that asked for something else.
 */
#include "sim.h"

#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_config sim_cfg;

extern char **environ;

static const char *const known_vars[] = {
	"FERRY_SIM_DEVICES", "FERRY_SIM_MEM",	  "FERRY_SIM_SEED",	   "FERRY_SIM_SCHED",
	"FERRY_SIM_PEERS",   "FERRY_SIM_PINNED_MAX", "FERRY_SIM_PROGRESS_MS",
	"FERRY_SIM_LIBRARY",	/* read by the ferry command, not here */
};

#define DEFAULT_MEM (80ULL << 30)
#define MIN_MEM (2ULL << 20)
#define MAX_MEM (1ULL << 40)

static bool check_unknown(char *err, size_t errlen)
{
	for (char **e = environ; e && *e; e++) {
		char name[128];
		const char *eq = strchr(*e, '=');
		size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
		bool known = false;
		const char *near;

		if (strncmp(*e, "FERRY_SIM_", 10) != 0)
			continue;
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, *e, len);
		name[len] = '\0';
		for (size_t i = 0; i < sizeof(known_vars) / sizeof(known_vars[0]); i++)
			known = known || strcmp(name, known_vars[i]) == 0;
		if (known)
			continue;
		near = ferry__nearest(name, known_vars, sizeof(known_vars) / sizeof(known_vars[0]));
		snprintf(err, errlen, "unknown variable %s%s%s%s", name,
			 near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
		return false;
	}
	return true;
}

bool sim_config_load(char *err, size_t errlen)
{
	const char *v;
	uint64_t n;
	bool peers[FERRY_PEERS_MAX * FERRY_PEERS_MAX];

	memset(&sim_cfg, 0, sizeof(sim_cfg));
	sim_cfg.devices = 1;
	sim_cfg.mem_bytes = DEFAULT_MEM;
	sim_cfg.seed = 1;
	sim_cfg.sched = SIM_SCHED_RANDOM;
	sim_cfg.pinned_max = SIZE_MAX;
	sim_cfg.progress_ms = 100;

	if (!check_unknown(err, errlen))
		return false;

	v = getenv("FERRY_SIM_DEVICES");
	if (v) {
		if (!ferry__parse_u64(v, 0, SIM_MAX_DEVICES, &n)) {
			snprintf(err, errlen,
				 "FERRY_SIM_DEVICES='%s' is not a device count from 0 to %d", v,
				 SIM_MAX_DEVICES);
			return false;
		}
		sim_cfg.devices = (int)n;
	}
	v = getenv("FERRY_SIM_MEM");
	if (v) {
		if (!ferry__parse_size(v, &n) || n < MIN_MEM || n > MAX_MEM) {
			snprintf(err, errlen,
				 "FERRY_SIM_MEM='%s' is not a memory size per device from 2M to 1T "
				 "(bytes, or with a suffix K, M, G, T)",
				 v);
			return false;
		}
		sim_cfg.mem_bytes = (size_t)n;
	}
	v = getenv("FERRY_SIM_SEED");
	if (v) {
		if (!ferry__parse_u64(v, 0, UINT64_MAX, &n)) {
			snprintf(err, errlen, "FERRY_SIM_SEED='%s' is not an unsigned integer", v);
			return false;
		}
		sim_cfg.seed = n;
	}
	v = getenv("FERRY_SIM_SCHED");
	if (v) {
		if (strcmp(v, "random") == 0) {
			sim_cfg.sched = SIM_SCHED_RANDOM;
		} else if (strcmp(v, "eager") == 0) {
			sim_cfg.sched = SIM_SCHED_EAGER;
		} else if (strcmp(v, "lazy") == 0) {
			sim_cfg.sched = SIM_SCHED_LAZY;
		} else {
			snprintf(err, errlen,
				 "FERRY_SIM_SCHED='%s' is not one of random, eager, lazy", v);
			return false;
		}
	}
	v = getenv("FERRY_SIM_PEERS");
	if (!v)
		v = "all";
	if (sim_cfg.devices > 0) {
		char perr[256];

		if (!ferry__parse_peers(v, sim_cfg.devices, peers, perr, sizeof(perr))) {
			snprintf(err, errlen, "FERRY_SIM_PEERS: %s", perr);
			return false;
		}
		for (int a = 0; a < sim_cfg.devices; a++)
			for (int b = 0; b < sim_cfg.devices; b++)
				sim_cfg.peer[a][b] = peers[a * sim_cfg.devices + b];
	}
	v = getenv("FERRY_SIM_PINNED_MAX");
	if (v) {
		if (!ferry__parse_size(v, &n)) {
			snprintf(err, errlen,
				 "FERRY_SIM_PINNED_MAX='%s' is not a byte size (bytes, or with a "
				 "suffix K, M, G, T)",
				 v);
			return false;
		}
		sim_cfg.pinned_max = (size_t)n;
	}
	v = getenv("FERRY_SIM_PROGRESS_MS");
	if (v) {
		if (!ferry__parse_u64(v, 0, 60000, &n)) {
			snprintf(err, errlen,
				 "FERRY_SIM_PROGRESS_MS='%s' is not a number of milliseconds from 0 "
				 "to 60000",
				 v);
			return false;
		}
		sim_cfg.progress_ms = (unsigned)n;
	}
	return true;
}
