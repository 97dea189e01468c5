/*
 * rules.h: fault rules (FERRY_FAULTS, FERRY_FAULTS_FILE): their grammar, parsed form and
 * matching. No CUDA calls happen here, so the parser can be tested and fuzzed on its own.
 *
 *   rules   := rule { ';' rule }                      (blank rules and spaces around are allowed)
 *   rule    := target ':' action [ '@' trigger ] { ' ' filter }
 *   target  := a function of common/cuda_api.def | peer-copy | peer-access | host-alloc | copy | sync
 *   action  := error(NAME) | async(NAME) | sticky(NAME) | deny | corrupt(bitflip|zero|truncate)
 *            | delay(USEC)
 *   trigger := always | nth(N) | every(N) | after(N) | first(N) | p(PROB,SEED)   default: always
 *   filter  := pair(A>B) | dev(A) | size(MIN..MAX)      A, B: a device or *; MIN, MAX: sizes
 *            | from(LIB)                                 (K, M, G, T suffixes), either may be empty;
 *                                                        LIB: part of the file name of the
 *                                                        library (or program) making the call
 * A file (FERRY_FAULTS_FILE) holds rules one a line (or several with ';'); '#' starts a comment.
 *
 * Names: inj_ (the interposer's internal prefix).
 */
#ifndef FERRY_INJECT_RULES_H
#define FERRY_INJECT_RULES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits: what the environment may ask for is bounded. */
#define INJ_MAX_SPEC (64u * 1024u)	/* bytes of FERRY_FAULTS or of a rules file */
#define INJ_MAX_RULES 256
#define INJ_MAX_DEVICE 1023		/* largest device number a filter may name */
#define INJ_MAX_DELAY_US 10000000u	/* 10 s */

/* The families a rule may target instead of one function. */
enum inj_family {
	INJ_FAM_NONE,		/* the rule names one function */
	INJ_FAM_PEER_COPY,	/* peer copies, and any copy between two different devices */
	INJ_FAM_PEER_ACCESS,	/* can-access, enable, disable, P2P attributes */
	INJ_FAM_HOST_ALLOC,	/* pinned allocation and host registration */
	INJ_FAM_COPY,		/* every copy */
	INJ_FAM_SYNC,		/* synchronize and query calls */
};

enum inj_action {
	INJ_ERROR,	/* return the error, do nothing */
	INJ_ASYNC,	/* return success, do nothing, report the error at the next sync/query */
	INJ_STICKY,	/* this call and every later call that needs a context fail */
	INJ_DENY,	/* capability queries answer no */
	INJ_CORRUPT,	/* do the work, then damage the destination; return success */
	INJ_DELAY,	/* add latency, then do the work */
};

enum inj_corrupt { INJ_BITFLIP, INJ_ZERO, INJ_TRUNCATE };

enum inj_trigger {
	INJ_ALWAYS,
	INJ_NTH,	/* the n-th matching call only */
	INJ_EVERY,	/* every n-th matching call: n, 2n, 3n ... */
	INJ_AFTER,	/* every matching call after the n-th: n+1, n+2 ... */
	INJ_FIRST,	/* the first n matching calls */
	INJ_PROB,	/* each matching call with probability p, drawn from seed and its number */
};

#define INJ_ANY (-1)	/* '*' in a filter */

struct inj_rule {
	unsigned index;			/* 1-based position among the rules */
	char *text;			/* the rule as written (trimmed), for messages and summaries */
	enum inj_family family;
	int fn;				/* index in common/cuda_api.def, or -1 for a family */
	enum inj_action action;
	int err;			/* the cudaError_t of error/async/sticky */
	enum inj_corrupt corrupt;
	unsigned delay_us;
	enum inj_trigger trigger;
	uint64_t n;			/* nth, every, after, first */
	double prob;			/* p */
	uint64_t seed;			/* p */
	bool has_pair, has_dev, has_size, has_from;
	char from[64];			/* from(LIB) */
	int pair_src, pair_dst;		/* device or INJ_ANY */
	int dev;			/* device or INJ_ANY */
	uint64_t size_min, size_max;	/* inclusive */
	/* counters, updated by matching (any thread) */
	atomic_uint_fast64_t matched;	/* calls that matched target and filters */
	atomic_uint_fast64_t fired;	/* calls the rule acted on */
};

struct inj_rules {
	struct inj_rule *v;
	size_t n;
};

/*
 * Parses spec (NUL-terminated) into out, appending to the rules already there. origin names
 * where the text comes from, for messages ("FERRY_FAULTS", or a file name); for a file, line
 * is the line the text starts on (0 for FERRY_FAULTS). On error returns false, leaves out as it
 * was, and writes into err a message of several lines: where (origin, rule number, line and
 * column), what was expected, the rule with a caret under the position, and the nearest valid
 * name when a name was unknown. Never reads past spec's NUL, never allocates more than a small
 * multiple of strlen(spec).
 */
bool inj_rules_parse(const char *spec, const char *origin, unsigned line, struct inj_rules *out,
		     char *err, size_t errlen);

/* Parses a whole rules file's content (lines, '#' comments). */
bool inj_rules_parse_file(const char *text, const char *path, struct inj_rules *out, char *err,
			  size_t errlen);

void inj_rules_free(struct inj_rules *r);

/* What a call is, for matching. */
struct inj_call {
	int fn;			/* index in common/cuda_api.def */
	int family_bits;	/* 1 << enum inj_family for each family the call belongs to */
	int src, dst;		/* devices of a pair (copies, peer calls), or -1 */
	int dev;		/* the device the call concerns, or -1 */
	uint64_t size;		/* bytes moved or allocated, or 0 */
	const char *caller;	/* the file of the code that made the call (from() rules), or
				 * NULL */
};

/* Whether rule r's target and filters match call c (no counters touched). */
bool inj_rule_matches(const struct inj_rule *r, const struct inj_call *c);

/* Counts a matching call and decides, by r's trigger, whether the rule acts on it. */
bool inj_rule_triggers(struct inj_rule *r);

/* Names, for messages and summaries. */
const char *inj_family_name(enum inj_family f);
const char *inj_action_name(enum inj_action a);

#endif
