/*
 * summary.c: what a process under the interposer did, written at exit where FERRY_SUMMARY
 * names a file: every rule with how often it matched and fired, every wrapped function with
 * its call count. One file a process: the first process writes FERRY_SUMMARY itself, every
 * other one (a forked child, a program it runs) FERRY_SUMMARY.<pid>; `ferry inject` reads
 * them all; a process other than the first that made no CUDA call (a shell, make ...)
 * writes none. JSON, through jansson; written to a temporary name, then renamed, so a reader
 * never sees half a file.
 */
#include "inject.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *summary_json(void)
{
	json_t *root = json_object(), *rules = json_array(), *calls = json_object();
	json_t *devices = json_object(), *calls_ok = json_object();
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (!root || !rules || !calls || !devices || !calls_ok) {
		json_decref(calls_ok);
		json_decref(root);
		json_decref(rules);
		json_decref(calls);
		json_decref(devices);
		return NULL;
	}
	exe[n > 0 ? n : 0] = '\0';
	json_object_set_new(root, "ferry_inject", json_integer(1));
	json_object_set_new(root, "pid", json_integer(getpid()));
	json_object_set_new(root, "program", json_string(exe));
	json_object_set_new(root, "backend", json_string(inj_backend()));
	json_object_set_new(devices, "virtual", inj_vd.active ? json_integer(inj_vd.n) : json_null());
	/* physical: learnt at the first call that needed it (null when none did) */
	json_object_set_new(devices, "physical",
			    inj_vd.nphys ? json_integer(inj_vd.nphys) : json_null());
	json_object_set_new(root, "devices", devices);
	for (size_t i = 0; i < inj.rules.n; i++) {
		struct inj_rule *r = &inj.rules.v[i];

		json_array_append_new(rules,
				      json_pack("{s:I, s:s, s:I, s:I}", "index", (json_int_t)r->index,
						"rule", r->text, "matched",
						(json_int_t)atomic_load(&r->matched), "fired",
						(json_int_t)atomic_load(&r->fired)));
	}
	json_object_set_new(root, "rules", rules);
	for (int fn = 0; fn < INJ_NFNS; fn++) {
		json_object_set_new(calls, inj_fns[fn].name,
				    json_integer((json_int_t)atomic_load(&inj.calls[fn])));
		json_object_set_new(calls_ok, inj_fns[fn].name,
				    json_integer((json_int_t)(atomic_load(&inj.calls[fn]) -
							      atomic_load(&inj.calls_failed[fn]))));
	}
	json_object_set_new(root, "calls", calls);
	json_object_set_new(root, "calls_ok", calls_ok);
	return root;
}

int inj_summary_write_to(const char *path)
{
	char tmp[4200];
	json_t *root = summary_json();
	int rc = -1;

	if (!root)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (json_dump_file(root, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) == 0 &&
	    rename(tmp, path) == 0)
		rc = 0;
	else
		unlink(tmp);
	json_decref(root);
	return rc;
}

void inj_summary_write(void)
{
	char path[4200];
	const char *root = getenv("FERRY_SUMMARY_ROOT");

	bool is_root = root && atol(root) == (long)getpid();
	uint64_t calls = 0;

	if (!inj.summary_path[0])
		return;
	for (int fn = 0; fn < INJ_NFNS; fn++)
		calls += atomic_load(&inj.calls[fn]);
	/* The processes a program starts that never call CUDA (a shell, make ...) say nothing. */
	if (!is_root && calls == 0)
		return;
	if (is_root)
		snprintf(path, sizeof(path), "%s", inj.summary_path);
	else
		snprintf(path, sizeof(path), "%s.%ld", inj.summary_path, (long)getpid());
	if (inj_summary_write_to(path) != 0)
		fprintf(stderr, "ferry-inject: cannot write the summary to %s\n", path);
}
