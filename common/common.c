/*
 * common.c: the parsers of common.h.
 */
#include "common.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ferry__parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool ferry__parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	char *end;
	unsigned long long v;
	const char *u;
	int shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			return false;
		shift = 10 * (int)(u - units + 1);
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
		if (*end)
			return false;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

static bool parse_ordinal(const char **p, int ndev, int *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)**p))
		return false;
	v = strtol(*p, &end, 10);
	if (v < 0 || v >= ndev)
		return false;
	*out = (int)v;
	*p = end;
	return true;
}

bool ferry__parse_peers(const char *spec, int ndev, bool *out, char *err, size_t errlen)
{
	const char *p = spec;

	memset(out, 0, sizeof(bool) * (size_t)ndev * (size_t)ndev);
	if (strcmp(spec, "none") == 0)
		return true;
	if (strcmp(spec, "all") == 0) {
		for (int a = 0; a < ndev; a++)
			for (int b = 0; b < ndev; b++)
				out[a * ndev + b] = a != b;
		return true;
	}
	for (;;) {
		const char *item = p;
		int a, b;
		char op;

		if (!parse_ordinal(&p, ndev, &a))
			goto bad;
		op = *p;
		if (op != '-' && op != '>')
			goto bad;
		p++;
		if (!parse_ordinal(&p, ndev, &b) || a == b)
			goto bad;
		if (*p && *p != ',')
			goto bad;
		out[a * ndev + b] = true;
		if (op == '-')
			out[b * ndev + a] = true;
		if (!*p)
			return true;
		p++;
		continue;
bad:
		snprintf(err, errlen,
			 "bad peer item at position %d of '%s': expected A-B or A>B with A != B, "
			 "devices 0..%d, separated by commas (or 'all', 'none')",
			 (int)(item - spec) + 1, spec, ndev - 1);
		return false;
	}
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = calloc(lb + 1, sizeof(*row));
	size_t d;

	if (!row)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *ferry__nearest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, cands[i]);

		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	/* Close enough to be a typo: at most a third of the word, and at least 2 edits. */
	if (best && best_d <= 2 + strlen(word) / 3)
		return best;
	return NULL;
}

const char *const ferry__cuda_versions[FERRY_CUDA_NVERSIONS] = {
	"11.8", "12.0", "12.1", "12.2", "12.3", "12.4", "12.5", "12.6", "12.8", "12.9", "13.0",
};
const char *const ferry__cuda_matrix[FERRY_CUDA_NMATRIX] = {
	"11.8", "12.0", "12.2", "12.4", "12.6", "12.8", "12.9", "13.0",
};

int ferry__cuda_version_index(const char *v)
{
	for (int i = 0; i < FERRY_CUDA_NVERSIONS; i++)
		if (strcmp(v, ferry__cuda_versions[i]) == 0)
			return i;
	return -1;
}
