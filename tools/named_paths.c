/*
 * named_paths.c: the named paths as the ferry command knows them, and the path matrix
 * (named_paths.h).
 */
#include "named_paths.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *meaning;
} core_paths[] = {
#define FERRY_NAMED(id, n, m) { n, m },
#include "named_paths.def"
#undef FERRY_NAMED
};

static const char *const shim_variants[][5] = {
#define FERRY_SHIM_CAP(id, name, v0, v1, v2, v3) { name, v0, v1, v2, v3 },
#include "variants.def"
#undef FERRY_SHIM_CAP
};

#define NCORE (sizeof(core_paths) / sizeof(core_paths[0]))
#define NCAPS (sizeof(shim_variants) / sizeof(shim_variants[0]))

static char shim_names[NCAPS * 4][64];
static size_t nshim;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* "shim.CAP.VARIANT", as libferry's shim names its variants */
static void name_shim(void)
{
	for (size_t c = 0; c < NCAPS; c++)
		for (size_t v = 1; v < 5; v++)
			if (shim_variants[c][v])
				snprintf(shim_names[nshim++], sizeof(shim_names[0]),
					 FERRY_SHIM_PATH_FORMAT,
					 shim_variants[c][0], shim_variants[c][v]);
}

size_t np_count(void)
{
	pthread_once(&once, name_shim);
	return NCORE + nshim;
}

const char *np_name(size_t i)
{
	pthread_once(&once, name_shim);
	return i < NCORE ? core_paths[i].name : i < NCORE + nshim ? shim_names[i - NCORE] : NULL;
}

const char *np_meaning(size_t i)
{
	return i < NCORE ? core_paths[i].meaning
			 : "the version shim chose this variant of the capability";
}

long np_index(const char *name)
{
	for (size_t i = 0; i < np_count(); i++)
		if (strcmp(np_name(i), name) == 0)
			return (long)i;
	return -1;
}

void np_parse_line(const char *line, unsigned char *took, char *unknown, size_t len)
{
	char buf[16384], *save = NULL;

	if (strncmp(line, "paths:", 6) != 0)
		return;
	snprintf(buf, sizeof(buf), "%s", line + 6);
	for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		long i = np_index(t);

		if (i >= 0)
			took[i] = 1;
		else if (unknown && !unknown[0])
			snprintf(unknown, len, "%s", t);
	}
}

bool np_write_matrix(const char *path, const char *const *runs,
		     const unsigned char *const *took, size_t nruns)
{
	json_t *root = json_object(), *paths = json_array(), *never = json_array();
	size_t n = np_count();
	char tmp[4096];
	bool ok;

	/* never-taken paths first, then the others, each in libferry's order */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			json_t *p = json_object(), *by = json_array();

			for (size_t r = 0; r < nruns; r++)
				if (took[r][i])
					json_array_append_new(by, json_string(runs[r]));
			if ((json_array_size(by) == 0) != (pass == 0)) {
				json_decref(by);
				json_decref(p);
				continue;
			}
			if (pass == 0)
				json_array_append_new(never, json_string(np_name(i)));
			json_object_set_new(p, "name", json_string(np_name(i)));
			json_object_set_new(p, "meaning", json_string(np_meaning(i)));
			json_object_set_new(p, "taken_by", by);
			json_array_append_new(paths, p);
		}
	}
	json_object_set_new(root, "named_paths", json_integer((json_int_t)n));
	json_object_set_new(root, "never_taken", never);
	json_object_set_new(root, "paths", paths);
	/* whole or not at all: written beside, then renamed over */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ok = json_dump_file(root, tmp, JSON_INDENT(1)) == 0 && rename(tmp, path) == 0;
	if (!ok) {
		fprintf(stderr, "ferry run: cannot write the path matrix to %s: %s\n", path,
			strerror(errno));
		remove(tmp);
	}
	json_decref(root);
	return ok;
}
