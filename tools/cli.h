/*
 * cli.h: what the verbs of the ferry command share (tools/ferry.c).
 */
#ifndef FERRY_CLI_H
#define FERRY_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define EXIT_USAGE 2
#define EXIT_NOT_FIRED 3
#define EXIT_NOEXEC 127

extern const char usage_main[];
extern const char usage_inject[];

/* The directory holding this executable. */
bool self_dir(char *out, size_t len);
bool is_file(const char *p);
/* ferry's libraries, beside the command (or where FERRY_SIM_LIBRARY / FERRY_INJECT_LIBRARY
 * say); NULL with a message when missing. */
const char *find_lib(const char *name, const char *build_path, const char *var, char *buf,
		     size_t len);
const char *find_sim(char *buf, size_t len);
const char *find_inject(char *buf, size_t len);
bool set_env(const char *name, const char *value);
/* Puts libs (a ':' list) first in LD_PRELOAD, after a sanitizer's runtime in sanitizer
 * builds. */
bool preload(const char *libs);
bool preload_sim(void);
/* After getopt_long refused argv[optind - 1]: says why; returns EXIT_USAGE. */
int bad_option(const char *verb, char **argv);
/* Calls fn for the summary files of path (--summary): path itself, the first process's,
 * and path.<pid>, each other process's. */
void for_each_summary(const char *path, void (*fn)(const char *, void *), void *arg);
/* Replaces this process with argv; returns EXIT_NOEXEC with a message when it cannot. */
int run_program(char **argv);

int cmd_inject(int argc, char **argv);
extern const char usage_run[];
int cmd_run(int argc, char **argv);
extern const char usage_enumerate[];
struct scenario;

/* ferry run --campaign (campaign.c) */
struct campaign_opts {
	unsigned runs, max_faults, jobs, timeout;
	unsigned long long seed;
	const char *backend;
	bool verbose;
};
int run_campaign(const struct campaign_opts *co, struct scenario *sc, size_t nsc);
int cmd_enumerate(int argc, char **argv);
extern const char usage_info[];
int cmd_info(int argc, char **argv);
extern const char usage_report[];
int cmd_report(int argc, char **argv);

/* --- what run.c shares with enumerate.c --------------------------------------------------- */

/* Adds path (a .scn file, or every .scn file under a directory, sorted) to *files. */
bool collect_scenarios(const char *path, char ***files, size_t *n, size_t *cap);
/* A program of ferry's libexec directory (name), or of the build tree (build_path) when
 * this command runs from it; false with a message when missing. */
bool find_libexec(const char *name, const char *build_path, char *out, size_t len);
/* The path of ferry-scenario: beside this command's build tree, or installed. */
bool find_executor(char *out, size_t len);

/* The command line of `ferry inject ... -- ferry-scenario [--any-outcome] FILE` for a
 * scenario, under CUDA version cuda (NULL: unemulated), with faults (all of them, or NULL),
 * into ia; 0, or -1. */
struct inject_argv {
	char *v[32];
	char self[4096], devices[16];
};
int scenario_argv(const struct scenario *sc, const char *cuda, const char *faults,
		  bool require_fired, const char *summary, bool any_outcome, const char *exec,
		  const char *backend, struct inject_argv *ia);
/* Starts argv in its own process group with its stdout and stderr on a pipe (*fd); the pid,
 * or -1. */
int spawn_argv(char **argv, int *fd);
/* "a;b" of two rule lists (either may be NULL); NULL when both are. Free it. */
char *join_faults(const char *a, const char *b);

#endif
