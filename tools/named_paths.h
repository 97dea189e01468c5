/*
 * named_paths.h: the named paths of libferry as the ferry command knows them (from
 * core/named_paths.def and shim/variants.def, the same lists libferry is built from), and
 * the path matrix: each named path × the scenario runs that took it.
 */
#ifndef FERRY_TOOLS_NAMED_PATHS_H
#define FERRY_TOOLS_NAMED_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* Every named path, in libferry's order (its own, then the shim's "shim.CAP.VARIANT"). */
size_t np_count(void);
const char *np_name(size_t i);
const char *np_meaning(size_t i);
/* The index of name, or -1. */
long np_index(const char *name);

/* Marks in took (np_count() bytes) the names of a "paths: NAME ..." line; an unknown name
 * (a libferry of another version) is written to unknown (the first such), if not NULL. */
void np_parse_line(const char *line, unsigned char *took, char *unknown, size_t len);

/* The path matrix as JSON at path: for each named path its meaning and the runs that took
 * it, never-taken paths first; runs[i] took took[i]. False (and said) when it cannot be
 * written. */
bool np_write_matrix(const char *path, const char *const *runs,
		     const unsigned char *const *took, size_t nruns);

#endif
