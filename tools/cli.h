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
/* Replaces this process with argv; returns EXIT_NOEXEC with a message when it cannot. */
int run_program(char **argv);

int cmd_inject(int argc, char **argv);
extern const char usage_run[];
int cmd_run(int argc, char **argv);

#endif
