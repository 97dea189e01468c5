/*
 * common.h: small parsers shared by the simulator (sim/) and the interposer (interpose/):
 * numbers and sizes from environment variables, the peer-matrix grammar, and the nearest
 * valid name for a misspelt one. Internal to ferry (prefix ferry__), hidden in every library.
 */
#ifndef FERRY_COMMON_H
#define FERRY_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FERRY_PEERS_MAX 64

/* Parses a whole string as an unsigned decimal integer in [min, max]. */
bool ferry__parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Parses a byte size: digits with an optional binary suffix K, M, G or T (also KiB, MB ...:
 * all mean powers of 1024). Returns false on junk or overflow. */
bool ferry__parse_size(const char *s, uint64_t *out);

/*
 * Parses a peer matrix for ndev devices: "all", "none", or a comma list of "A-B" (A and B can
 * access each other) and "A>B" (A can access B only). out[a * ndev + b] is set when a can
 * access b; the diagonal is always false. On error returns false and writes into err a
 * message that names the offending item and its position.
 */
bool ferry__parse_peers(const char *spec, int ndev, bool *out, char *err, size_t errlen);

/* The CUDA runtime versions ferry emulates (FERRY_CUDA_VERSION), oldest first; the "matrix"
 * ones are those a version axis (`cuda all`, `--cuda all`) runs under. */
#define FERRY_CUDA_NVERSIONS 11
#define FERRY_CUDA_NMATRIX 8
extern const char *const ferry__cuda_versions[FERRY_CUDA_NVERSIONS];
extern const char *const ferry__cuda_matrix[FERRY_CUDA_NMATRIX];
/* The index of version v in ferry__cuda_versions, or -1. */
int ferry__cuda_version_index(const char *v);

/* The candidate closest to word (edit distance), or NULL when none is reasonably close. */
const char *ferry__nearest(const char *word, const char *const *cands, size_t n);

#endif
