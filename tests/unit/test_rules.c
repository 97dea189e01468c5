/*
 * test_rules: the fault-rule parser and matcher of the interposer (interpose/rules.h): every
 * action, trigger, filter and family; rules files; the limits; every error message (where,
 * what, the caret, the suggestion) and that a failed parse leaves the rules as they were;
 * triggers under several threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "rules.h"
#include "table.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ERRLEN 2048

/* --- helpers -------------------------------------------------------------------------------- */

/* Parses spec as FERRY_FAULTS into r (appending), failing the test with the message if bad. */
static void parse_ok(const char *spec, struct inj_rules *r)
{
	char err[ERRLEN];

	if (!inj_rules_parse(spec, "FERRY_FAULTS", 0, r, err, sizeof(err)))
		fail_msg("'%s' should parse, but: %s", spec, err);
}

/* The one rule of spec (which must parse to exactly one); free with inj_rules_free. */
static struct inj_rule *one_rule(const char *spec, struct inj_rules *r)
{
	*r = (struct inj_rules){ 0 };
	parse_ok(spec, r);
	assert_int_equal(r->n, 1);
	return &r->v[0];
}

/* Copies line number i (0-based) of text into buf, or fails the test when text is shorter. */
static void line_of(const char *text, int i, char *buf, size_t len)
{
	const char *p = text, *nl;

	for (; i > 0; i--) {
		p = strchr(p, '\n');
		if (!p)
			fail_msg("message has too few lines:\n%s", text);
		p++;
	}
	nl = strchr(p, '\n');
	if (!nl)
		nl = p + strlen(p);
	assert_true((size_t)(nl - p) < len);
	memcpy(buf, p, (size_t)(nl - p));
	buf[nl - p] = '\0';
}

static int count_lines(const char *text)
{
	int n = 1;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/*
 * Checks a message: its first line starts with where ("FERRY_FAULTS rule 2, column 7: ") and
 * holds what; then the rule shown, a caret under column col, and "did you mean hint?" when hint
 * is not NULL, and nothing more.
 */
static void check_message(const char *err, const char *where, const char *what, const char *shown,
			  unsigned col, const char *hint)
{
	char line[ERRLEN], want[ERRLEN];

	line_of(err, 0, line, sizeof(line));
	if (strncmp(line, where, strlen(where)) != 0 || !strstr(line, what))
		fail_msg("message\n%s\nshould start with '%s' and say '%s'", err, where, what);
	line_of(err, 1, line, sizeof(line));
	snprintf(want, sizeof(want), "  %s", shown);
	assert_string_equal(line, want);
	line_of(err, 2, line, sizeof(line));
	snprintf(want, sizeof(want), "  %*s^", (int)col - 1, "");
	assert_string_equal(line, want);
	if (hint) {
		assert_int_equal(count_lines(err), 4);
		line_of(err, 3, line, sizeof(line));
		snprintf(want, sizeof(want), "  did you mean %s?", hint);
		assert_string_equal(line, want);
	} else {
		assert_int_equal(count_lines(err), 3);
	}
}

/*
 * Parses spec, as FERRY_FAULTS, into a set that holds one rule already, and checks that it
 * fails, leaves the set as it was, and says: rule number `rule`, column col, what, the rule
 * shown as `shown` (the spec itself when NULL), and the suggestion hint (or none).
 */
static void check_error(const char *spec, unsigned rule, unsigned col, const char *what,
			const char *shown, const char *hint)
{
	struct inj_rules r = { 0 };
	struct inj_rule *v;
	char err[ERRLEN], where[128];

	parse_ok("cudaMalloc:error(cudaErrorMemoryAllocation)", &r);
	v = r.v;
	memset(err, 'x', sizeof(err));
	if (inj_rules_parse(spec, "FERRY_FAULTS", 0, &r, err, sizeof(err)))
		fail_msg("'%s' should not parse", spec);
	assert_int_equal(r.n, 1);
	assert_ptr_equal(r.v, v);
	assert_string_equal(r.v[0].text, "cudaMalloc:error(cudaErrorMemoryAllocation)");
	assert_non_null(memchr(err, '\0', sizeof(err)));
	snprintf(where, sizeof(where), "FERRY_FAULTS rule %u, column %u: ", rule, col);
	check_message(err, where, what, shown ? shown : spec, col, hint);
	inj_rules_free(&r);
}

/* A call of function fn with no devices and no size. */
static struct inj_call call_of(int fn)
{
	return (struct inj_call){ .fn = fn, .family_bits = 0, .src = -1, .dst = -1, .dev = -1 };
}

/* A call of no function of the table, in family f. */
static struct inj_call call_in(enum inj_family f)
{
	return (struct inj_call){
		.fn = -1, .family_bits = 1 << f, .src = -1, .dst = -1, .dev = -1
	};
}

/* Runs spec's one rule over n calls: pattern gets 'x' for each that fired, '.' otherwise. */
static void fire_pattern(const char *spec, int n, char *pattern)
{
	struct inj_rules r;
	struct inj_rule *rule = one_rule(spec, &r);
	uint64_t fired = 0;

	for (int i = 0; i < n; i++) {
		bool f = inj_rule_triggers(rule);

		pattern[i] = f ? 'x' : '.';
		fired += f;
	}
	pattern[n] = '\0';
	assert_int_equal(atomic_load(&rule->matched), n);
	assert_int_equal(atomic_load(&rule->fired), fired);
	inj_rules_free(&r);
}

static void check_pattern(const char *spec, const char *want)
{
	char got[256];

	fire_pattern(spec, (int)strlen(want), got);
	if (strcmp(got, want) != 0)
		fail_msg("%s fired\n%s, not\n%s", spec, got, want);
}

/* --- actions -------------------------------------------------------------------------------- */

static void test_rules_design_example(void **state)
{
	struct inj_rules r = { 0 };

	(void)state;
	parse_ok("cudaMemcpyPeerAsync:error(cudaErrorPeerAccessUnsupported)@nth(3) pair(0>1); "
		 "host-alloc:error(cudaErrorMemoryAllocation)",
		 &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].index, 1);
	assert_int_equal(r.v[0].fn, INJ_FN_cudaMemcpyPeerAsync);
	assert_int_equal(r.v[0].family, INJ_FAM_NONE);
	assert_int_equal(r.v[0].action, INJ_ERROR);
	assert_int_equal(r.v[0].err, inj_error_lookup("cudaErrorPeerAccessUnsupported",
						      strlen("cudaErrorPeerAccessUnsupported")));
	assert_int_equal(r.v[0].trigger, INJ_NTH);
	assert_int_equal(r.v[0].n, 3);
	assert_true(r.v[0].has_pair);
	assert_false(r.v[0].has_dev);
	assert_false(r.v[0].has_size);
	assert_int_equal(r.v[0].pair_src, 0);
	assert_int_equal(r.v[0].pair_dst, 1);
	assert_string_equal(r.v[0].text, "cudaMemcpyPeerAsync:error(cudaErrorPeerAccessUnsupported)"
					 "@nth(3) pair(0>1)");
	assert_int_equal(r.v[1].index, 2);
	assert_int_equal(r.v[1].fn, -1);
	assert_int_equal(r.v[1].family, INJ_FAM_HOST_ALLOC);
	assert_int_equal(r.v[1].action, INJ_ERROR);
	assert_int_equal(r.v[1].err, 2); /* cudaErrorMemoryAllocation */
	assert_int_equal(r.v[1].trigger, INJ_ALWAYS);
	assert_string_equal(r.v[1].text, "host-alloc:error(cudaErrorMemoryAllocation)");
	assert_int_equal(atomic_load(&r.v[0].matched), 0);
	assert_int_equal(atomic_load(&r.v[0].fired), 0);
	inj_rules_free(&r);
	assert_null(r.v);
	assert_int_equal(r.n, 0);
}

static void test_rules_action_error_async_sticky(void **state)
{
	struct inj_rules r;
	struct inj_rule *rule;

	(void)state;
	rule = one_rule("cudaMalloc:error(cudaErrorInvalidValue)", &r);
	assert_int_equal(rule->action, INJ_ERROR);
	assert_int_equal(rule->err, 1);
	inj_rules_free(&r);
	rule = one_rule("cudaMemcpyAsync:async(cudaErrorLaunchFailure)", &r);
	assert_int_equal(rule->action, INJ_ASYNC);
	assert_int_equal(rule->err, inj_error_lookup("cudaErrorLaunchFailure", 22));
	assert_true(rule->err > 0);
	inj_rules_free(&r);
	rule = one_rule("sync:sticky(cudaErrorIllegalAddress)", &r);
	assert_int_equal(rule->action, INJ_STICKY);
	assert_int_equal(rule->err, inj_error_lookup("cudaErrorIllegalAddress", 23));
	assert_true(rule->err > 0);
	inj_rules_free(&r);
}

static void test_rules_action_deny(void **state)
{
	static const char *const ok[] = {
		"cudaDeviceCanAccessPeer:deny",
		"cudaDeviceGetP2PAttribute:deny",
		"peer-access:deny",
	};
	struct inj_rules r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(one_rule(ok[i], &r)->action, INJ_DENY);
		inj_rules_free(&r);
	}
}

static void test_rules_action_corrupt_modes(void **state)
{
	static const struct {
		const char *spec;
		enum inj_corrupt mode;
	} ok[] = {
		{ "cudaMemcpy:corrupt(bitflip)", INJ_BITFLIP },
		{ "cudaMemcpyPeerAsync:corrupt(zero)", INJ_ZERO },
		{ "cudaMemset2DAsync:corrupt(truncate)", INJ_TRUNCATE },
		{ "copy:corrupt(zero)", INJ_ZERO },
		{ "peer-copy:corrupt(truncate)", INJ_TRUNCATE },
	};
	struct inj_rules r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct inj_rule *rule = one_rule(ok[i].spec, &r);

		assert_int_equal(rule->action, INJ_CORRUPT);
		assert_int_equal(rule->corrupt, ok[i].mode);
		inj_rules_free(&r);
	}
}

static void test_rules_action_delay_bounds(void **state)
{
	struct inj_rules r;

	(void)state;
	assert_int_equal(one_rule("sync:delay(0)", &r)->delay_us, 0);
	inj_rules_free(&r);
	assert_int_equal(one_rule("sync:delay(10000000)", &r)->delay_us, INJ_MAX_DELAY_US);
	inj_rules_free(&r);
	assert_int_equal(one_rule("sync:delay(0250)", &r)->delay_us, 250);
	assert_int_equal(r.v[0].action, INJ_DELAY);
	inj_rules_free(&r);
	check_error("sync:delay(10000001)", 1, 12, "number 10000001 out of range in delay(USEC)",
		    NULL, NULL);
}

/* Whether spec parses (nothing kept). */
static bool parses(const char *spec)
{
	struct inj_rules r = { 0 };
	char err[ERRLEN];
	bool ok = inj_rules_parse(spec, "FERRY_FAULTS", 0, &r, err, sizeof(err));

	inj_rules_free(&r);
	return ok;
}

/* Every target of the table and every family, against the actions that take any target and
 * those that take only some. */
static void test_rules_action_targets(void **state)
{
	static const char *const families[] = { "peer-copy", "peer-access", "host-alloc", "copy",
						"sync" };
	char spec[256];

	(void)state;
	for (int i = 0; i < INJ_NFNS; i++) {
		enum inj_class c = inj_fns[i].cls;
		bool device_work =
			c == INJ_CLS_COPY || c == INJ_CLS_PEER_COPY || c == INJ_CLS_MEMSET;

		snprintf(spec, sizeof(spec), "%s:error(cudaErrorUnknown)", inj_fns[i].name);
		assert_true(parses(spec));
		snprintf(spec, sizeof(spec), "%s:sticky(cudaErrorUnknown)", inj_fns[i].name);
		assert_true(parses(spec));
		snprintf(spec, sizeof(spec), "%s:delay(5)", inj_fns[i].name);
		assert_true(parses(spec));
		snprintf(spec, sizeof(spec), "%s:deny", inj_fns[i].name);
		assert_int_equal(parses(spec), c == INJ_CLS_PEER_QUERY);
		snprintf(spec, sizeof(spec), "%s:corrupt(zero)", inj_fns[i].name);
		assert_int_equal(parses(spec), device_work);
		snprintf(spec, sizeof(spec), "%s:async(cudaErrorUnknown)", inj_fns[i].name);
		assert_int_equal(parses(spec), device_work);
	}
	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		bool device_work = f == 0 || f == 3;

		snprintf(spec, sizeof(spec), "%s:error(cudaErrorUnknown)", families[f]);
		assert_true(parses(spec));
		snprintf(spec, sizeof(spec), "%s:sticky(cudaErrorUnknown)", families[f]);
		assert_true(parses(spec));
		snprintf(spec, sizeof(spec), "%s:delay(5)", families[f]);
		assert_true(parses(spec));
		snprintf(spec, sizeof(spec), "%s:deny", families[f]);
		assert_int_equal(parses(spec), f == 1);
		snprintf(spec, sizeof(spec), "%s:corrupt(bitflip)", families[f]);
		assert_int_equal(parses(spec), device_work);
		snprintf(spec, sizeof(spec), "%s:async(cudaErrorUnknown)", families[f]);
		assert_int_equal(parses(spec), device_work);
	}
}

static void test_rules_names(void **state)
{
	(void)state;
	assert_string_equal(inj_family_name(INJ_FAM_NONE), "none");
	assert_string_equal(inj_family_name(INJ_FAM_PEER_COPY), "peer-copy");
	assert_string_equal(inj_family_name(INJ_FAM_PEER_ACCESS), "peer-access");
	assert_string_equal(inj_family_name(INJ_FAM_HOST_ALLOC), "host-alloc");
	assert_string_equal(inj_family_name(INJ_FAM_COPY), "copy");
	assert_string_equal(inj_family_name(INJ_FAM_SYNC), "sync");
	assert_string_equal(inj_family_name((enum inj_family)99), "unknown");
	assert_string_equal(inj_action_name(INJ_ERROR), "error");
	assert_string_equal(inj_action_name(INJ_ASYNC), "async");
	assert_string_equal(inj_action_name(INJ_STICKY), "sticky");
	assert_string_equal(inj_action_name(INJ_DENY), "deny");
	assert_string_equal(inj_action_name(INJ_CORRUPT), "corrupt");
	assert_string_equal(inj_action_name(INJ_DELAY), "delay");
	assert_string_equal(inj_action_name((enum inj_action)99), "unknown");
}

/* --- triggers ------------------------------------------------------------------------------- */

static void test_rules_trigger_default_always(void **state)
{
	struct inj_rules r;

	(void)state;
	assert_int_equal(one_rule("sync:delay(1)", &r)->trigger, INJ_ALWAYS);
	inj_rules_free(&r);
	assert_int_equal(one_rule("sync:delay(1)@always", &r)->trigger, INJ_ALWAYS);
	inj_rules_free(&r);
	check_pattern("sync:delay(1)", "xxxxxxxxxxxxxxxxxxxx");
	check_pattern("sync:delay(1)@always", "xxxxxxxxxxxxxxxxxxxx");
}

static void test_rules_trigger_nth(void **state)
{
	(void)state;
	check_pattern("sync:delay(1)@nth(1)", "x...................");
	check_pattern("sync:delay(1)@nth(3)", "..x.................");
	check_pattern("sync:delay(1)@nth(20)", "...................x");
	check_pattern("sync:delay(1)@nth(21)", "....................");
}

static void test_rules_trigger_every(void **state)
{
	(void)state;
	check_pattern("sync:delay(1)@every(1)", "xxxxxxxxxxxxxxxxxxxx");
	check_pattern("sync:delay(1)@every(4)", "...x...x...x...x...x");
	check_pattern("sync:delay(1)@every(7)", "......x......x......");
}

static void test_rules_trigger_after(void **state)
{
	(void)state;
	check_pattern("sync:delay(1)@after(0)", "xxxxxxxxxxxxxxxxxxxx");
	check_pattern("sync:delay(1)@after(17)", ".................xxx");
	check_pattern("sync:delay(1)@after(20)", "....................");
}

static void test_rules_trigger_first(void **state)
{
	(void)state;
	check_pattern("sync:delay(1)@first(1)", "x...................");
	check_pattern("sync:delay(1)@first(2)", "xx..................");
	check_pattern("sync:delay(1)@first(25)", "xxxxxxxxxxxxxxxxxxxx");
}

static void test_rules_trigger_numbers(void **state)
{
	struct inj_rules r;

	(void)state;
	assert_true(one_rule("sync:delay(1)@nth(18446744073709551615)", &r)->n == UINT64_MAX);
	inj_rules_free(&r);
	assert_int_equal(one_rule("sync:delay(1)@every(007)", &r)->n, 7);
	assert_int_equal(r.v[0].trigger, INJ_EVERY);
	inj_rules_free(&r);
	assert_int_equal(one_rule("sync:delay(1)@nth(000000000000000000000000000000042)", &r)->n,
			 42);
	assert_int_equal(r.v[0].trigger, INJ_NTH);
	inj_rules_free(&r);
	assert_int_equal(one_rule("sync:delay(1)@after(0)", &r)->trigger, INJ_AFTER);
	inj_rules_free(&r);
	assert_int_equal(one_rule("sync:delay(1)@first(9)", &r)->trigger, INJ_FIRST);
	inj_rules_free(&r);
}

static void test_rules_trigger_p_parse(void **state)
{
	struct inj_rules r;
	struct inj_rule *rule;

	(void)state;
	rule = one_rule("sync:delay(1)@p(0.25,42)", &r);
	assert_int_equal(rule->trigger, INJ_PROB);
	assert_true(rule->prob == 0.25);
	assert_int_equal(rule->seed, 42);
	inj_rules_free(&r);
	rule = one_rule("sync:delay(1)@p(1,18446744073709551615)", &r);
	assert_true(rule->prob == 1.0);
	assert_true(rule->seed == UINT64_MAX);
	inj_rules_free(&r);
	assert_true(one_rule("sync:delay(1)@p(0,0)", &r)->prob == 0.0);
	inj_rules_free(&r);
	assert_true(one_rule("sync:delay(1)@p(1.000,0)", &r)->prob == 1.0);
	inj_rules_free(&r);
	assert_true(one_rule("sync:delay(1)@p(00.5,0)", &r)->prob == 0.5);
	inj_rules_free(&r);
	rule = one_rule("sync:delay(1)@p(0.3333333333333333333333333,0)", &r);
	assert_true(rule->prob > 0.33333333 && rule->prob < 0.33333334);
	inj_rules_free(&r);
}

/* How many of n calls p(prob,seed) fires on. */
static int p_count(const char *prob, uint64_t seed, int n, char *pattern)
{
	struct inj_rules r;
	char spec[128];
	struct inj_rule *rule;
	int count = 0;

	snprintf(spec, sizeof(spec), "copy:delay(1)@p(%s,%llu)", prob, (unsigned long long)seed);
	rule = one_rule(spec, &r);
	for (int i = 0; i < n; i++) {
		bool f = inj_rule_triggers(rule);

		count += f;
		if (pattern)
			pattern[i] = f ? 'x' : '.';
	}
	if (pattern)
		pattern[n] = '\0';
	assert_int_equal(atomic_load(&rule->fired), count);
	inj_rules_free(&r);
	return count;
}

static void test_rules_trigger_p_deterministic(void **state)
{
	char a[129], b[129], c[129];

	(void)state;
	p_count("0.5", 42, 128, a);
	p_count("0.5", 42, 128, b);
	p_count("0.5", 43, 128, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	for (uint64_t seed = 0; seed < 4; seed++) {
		int n = p_count("0.5", seed, 10000, NULL);

		assert_in_range(n, 4700, 5300);
	}
	assert_in_range(p_count("0.1", 7, 10000, NULL), 800, 1200);
	assert_in_range(p_count("0.9", 7, 10000, NULL), 8800, 9200);
}

static void test_rules_trigger_p_never_always(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 3; seed++) {
		assert_int_equal(p_count("0", seed, 10000, NULL), 0);
		assert_int_equal(p_count("0.0", seed, 10000, NULL), 0);
		assert_int_equal(p_count("1", seed, 10000, NULL), 10000);
		assert_int_equal(p_count("1.0", seed, 10000, NULL), 10000);
	}
	assert_int_equal(p_count("1", UINT64_MAX, 10000, NULL), 10000);
}

/* --- targets, families and filters ---------------------------------------------------------- */

static void test_rules_match_function(void **state)
{
	struct inj_rules r;
	struct inj_rule *rule = one_rule("cudaMemcpyPeer:delay(1)", &r);
	struct inj_call c = call_of(INJ_FN_cudaMemcpyPeer);

	(void)state;
	assert_true(inj_rule_matches(rule, &c));
	c.family_bits = -1; /* families do not matter to a function's rule */
	assert_true(inj_rule_matches(rule, &c));
	c = call_of(INJ_FN_cudaMemcpyPeerAsync);
	c.family_bits = 1 << INJ_FAM_PEER_COPY;
	assert_false(inj_rule_matches(rule, &c));
	/* matching counts nothing */
	assert_int_equal(atomic_load(&rule->matched), 0);
	assert_int_equal(atomic_load(&rule->fired), 0);
	inj_rules_free(&r);
}

static void test_rules_match_families(void **state)
{
	static const struct {
		const char *spec;
		enum inj_family f;
	} fams[] = {
		{ "peer-copy:delay(1)", INJ_FAM_PEER_COPY },
		{ "peer-access:delay(1)", INJ_FAM_PEER_ACCESS },
		{ "host-alloc:delay(1)", INJ_FAM_HOST_ALLOC },
		{ "copy:delay(1)", INJ_FAM_COPY },
		{ "sync:delay(1)", INJ_FAM_SYNC },
	};
	struct inj_rules r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fams); i++) {
		struct inj_rule *rule = one_rule(fams[i].spec, &r);
		struct inj_call c;

		assert_int_equal(rule->family, fams[i].f);
		assert_int_equal(rule->fn, -1);
		for (enum inj_family g = INJ_FAM_PEER_COPY; g <= INJ_FAM_SYNC; g++) {
			c = call_in(g);
			assert_int_equal(inj_rule_matches(rule, &c), g == fams[i].f);
			/* a call in several families matches each of their rules */
			c.family_bits |= 1 << fams[i].f;
			assert_true(inj_rule_matches(rule, &c));
		}
		/* the function alone never makes a family match: the caller's bits decide */
		c = call_of(INJ_FN_cudaMemcpy);
		assert_false(inj_rule_matches(rule, &c));
		inj_rules_free(&r);
	}
}

static void test_rules_filter_pair(void **state)
{
	struct inj_rules r;
	struct inj_rule *rule;
	struct inj_call c = call_in(INJ_FAM_COPY);

	(void)state;
	rule = one_rule("copy:delay(1) pair(0>1)", &r);
	c.src = 0, c.dst = 1;
	assert_true(inj_rule_matches(rule, &c));
	c.src = 1, c.dst = 0;
	assert_false(inj_rule_matches(rule, &c));
	c.src = 0, c.dst = 2;
	assert_false(inj_rule_matches(rule, &c));
	c.src = 0, c.dst = -1;
	assert_false(inj_rule_matches(rule, &c));
	inj_rules_free(&r);

	rule = one_rule("copy:delay(1) pair(*>3)", &r);
	assert_int_equal(rule->pair_src, INJ_ANY);
	assert_int_equal(rule->pair_dst, 3);
	c.src = 7, c.dst = 3;
	assert_true(inj_rule_matches(rule, &c));
	c.src = 0, c.dst = 3;
	assert_true(inj_rule_matches(rule, &c));
	c.src = 3, c.dst = 0;
	assert_false(inj_rule_matches(rule, &c));
	/* a call without a pair does not match a pair naming a device, even through '*' */
	c.src = -1, c.dst = 3;
	assert_false(inj_rule_matches(rule, &c));
	inj_rules_free(&r);

	rule = one_rule("copy:delay(1) pair(2>*)", &r);
	c.src = 2, c.dst = 5;
	assert_true(inj_rule_matches(rule, &c));
	c.src = 5, c.dst = 2;
	assert_false(inj_rule_matches(rule, &c));
	c.src = 2, c.dst = -1;
	assert_false(inj_rule_matches(rule, &c));
	inj_rules_free(&r);

	rule = one_rule("copy:delay(1) pair(*>*)", &r);
	c.src = -1, c.dst = -1;
	assert_true(inj_rule_matches(rule, &c));
	c.src = 4, c.dst = 9;
	assert_true(inj_rule_matches(rule, &c));
	inj_rules_free(&r);

	rule = one_rule("copy:delay(1) pair(1023>0001)", &r);
	assert_int_equal(rule->pair_src, INJ_MAX_DEVICE);
	assert_int_equal(rule->pair_dst, 1);
	inj_rules_free(&r);
}

static void test_rules_filter_dev(void **state)
{
	struct inj_rules r;
	struct inj_rule *rule;
	struct inj_call c = call_in(INJ_FAM_SYNC);

	(void)state;
	rule = one_rule("sync:delay(1) dev(2)", &r);
	assert_true(rule->has_dev);
	assert_false(inj_rule_matches(rule, &c));
	c.dev = 2;
	assert_true(inj_rule_matches(rule, &c));
	c.dev = 1;
	assert_false(inj_rule_matches(rule, &c));
	c.dev = -1, c.src = 2;
	assert_true(inj_rule_matches(rule, &c));
	c.src = 0, c.dst = 2;
	assert_true(inj_rule_matches(rule, &c));
	c.src = 0, c.dst = 1, c.dev = 3;
	assert_false(inj_rule_matches(rule, &c));
	inj_rules_free(&r);

	rule = one_rule("sync:delay(1) dev(*)", &r);
	assert_int_equal(rule->dev, INJ_ANY);
	c = call_in(INJ_FAM_SYNC);
	assert_true(inj_rule_matches(rule, &c));
	inj_rules_free(&r);
}

static void test_rules_filter_from(void **state)
{
	struct inj_rules r;
	struct inj_rule *rule;
	struct inj_call c = call_in(INJ_FAM_COPY);

	(void)state;
	rule = one_rule("copy:delay(1) from(libferry.so)", &r);
	assert_true(rule->has_from);
	assert_string_equal(rule->from, "libferry.so");
	assert_false(inj_rule_matches(rule, &c));	/* caller unknown */
	c.caller = "/opt/x/lib/libferry.so.0";
	assert_true(inj_rule_matches(rule, &c));
	c.caller = "/opt/libferry.so.0/bin/prog";	/* the file's name, not its directory */
	assert_false(inj_rule_matches(rule, &c));
	c.caller = "libferry.so";
	assert_true(inj_rule_matches(rule, &c));
	inj_rules_free(&r);
	check_error("copy:delay(1) from()", 1, 20,
		    "expected a library name in from(LIB) (letters, digits, _ . + -), found ')'",
		    NULL, NULL);
	check_error("copy:delay(1) from(a b)", 1, 21, "expected ')'", NULL, NULL);
	check_error("copy:delay(1) from(a) from(b)", 1, 23, "duplicate filter from", NULL, NULL);
}

static void test_rules_filter_size(void **state)
{
	struct inj_rules r;
	struct inj_rule *rule;
	struct inj_call c = call_in(INJ_FAM_COPY);

	(void)state;
	rule = one_rule("copy:delay(1) size(4K..1M)", &r);
	assert_int_equal(rule->size_min, 4096);
	assert_int_equal(rule->size_max, 1 << 20);
	c.size = 4095;
	assert_false(inj_rule_matches(rule, &c));
	c.size = 4096;
	assert_true(inj_rule_matches(rule, &c));
	c.size = 1 << 20;
	assert_true(inj_rule_matches(rule, &c));
	c.size = (1 << 20) + 1;
	assert_false(inj_rule_matches(rule, &c));
	inj_rules_free(&r);

	rule = one_rule("copy:delay(1) size(1MiB..)", &r);
	assert_int_equal(rule->size_min, 1 << 20);
	assert_true(rule->size_max == UINT64_MAX);
	c.size = UINT64_MAX;
	assert_true(inj_rule_matches(rule, &c));
	c.size = (1 << 20) - 1;
	assert_false(inj_rule_matches(rule, &c));
	inj_rules_free(&r);

	rule = one_rule("copy:delay(1) size(..4K)", &r);
	assert_int_equal(rule->size_min, 0);
	c.size = 0;
	assert_true(inj_rule_matches(rule, &c));
	c.size = 4097;
	assert_false(inj_rule_matches(rule, &c));
	inj_rules_free(&r);

	rule = one_rule("copy:delay(1) size(..)", &r);
	assert_true(rule->has_size);
	c.size = 12345;
	assert_true(inj_rule_matches(rule, &c));
	inj_rules_free(&r);

	rule = one_rule("copy:delay(1) size(100..100)", &r);
	c.size = 100;
	assert_true(inj_rule_matches(rule, &c));
	c.size = 101;
	assert_false(inj_rule_matches(rule, &c));
	inj_rules_free(&r);
}

static void test_rules_filter_combined(void **state)
{
	static const char *const orders[] = {
		"peer-copy:corrupt(bitflip)@every(2) pair(0>1) dev(1) size(1K..64K)",
		"peer-copy:corrupt(bitflip)@every(2) size(1K..64K) pair(0>1) dev(1)",
		"peer-copy:corrupt(bitflip)@every(2)   dev(1)\tsize(1K..64K) \t pair(0>1)",
	};
	struct inj_rules r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		struct inj_rule *rule = one_rule(orders[i], &r);
		struct inj_call c = call_in(INJ_FAM_PEER_COPY);

		assert_true(rule->has_pair && rule->has_dev && rule->has_size);
		c.src = 0, c.dst = 1, c.size = 2048;
		assert_true(inj_rule_matches(rule, &c));
		c.size = 128 * 1024; /* size alone fails */
		assert_false(inj_rule_matches(rule, &c));
		c.size = 2048, c.src = 1, c.dst = 0; /* pair alone fails */
		assert_false(inj_rule_matches(rule, &c));
		c.src = 0, c.dst = 1, c.family_bits = 1 << INJ_FAM_COPY; /* family alone fails */
		assert_false(inj_rule_matches(rule, &c));
		inj_rules_free(&r);
	}
	/* dev fails alone: pair(*>*) lets any devices through, dev(5) does not */
	{
		struct inj_rule *rule = one_rule("copy:delay(1) pair(*>*) dev(5)", &r);
		struct inj_call c = call_in(INJ_FAM_COPY);

		c.src = 0, c.dst = 1;
		assert_false(inj_rule_matches(rule, &c));
		c.dst = 5;
		assert_true(inj_rule_matches(rule, &c));
		inj_rules_free(&r);
	}
}

/* --- the text: spaces, several rules, files ------------------------------------------------- */

static void test_rules_whitespace_and_empty_rules(void **state)
{
	struct inj_rules r = { 0 };

	(void)state;
	parse_ok("", &r);
	assert_int_equal(r.n, 0);
	assert_null(r.v);
	parse_ok(" ;; ; \t ;", &r);
	assert_int_equal(r.n, 0);
	parse_ok("  sync:delay(1) ;;\t; copy:delay(2)  dev(0)  ;\n peer-access:deny\n;", &r);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].text, "sync:delay(1)");
	assert_string_equal(r.v[1].text, "copy:delay(2)  dev(0)");
	assert_string_equal(r.v[2].text, "peer-access:deny");
	assert_int_equal(r.v[0].index, 1);
	assert_int_equal(r.v[1].index, 2);
	assert_int_equal(r.v[2].index, 3);
	inj_rules_free(&r);
}

static void test_rules_append_continues_index(void **state)
{
	struct inj_rules r = { 0 };
	char err[ERRLEN];

	(void)state;
	parse_ok("sync:delay(1);copy:delay(2)", &r);
	assert_true(inj_rules_parse_file("# more\nhost-alloc:error(cudaErrorMemoryAllocation)\n",
					 "f.txt", &r, err, sizeof(err)));
	assert_int_equal(r.n, 3);
	assert_int_equal(r.v[2].index, 3);
	assert_int_equal(r.v[2].family, INJ_FAM_HOST_ALLOC);
	assert_string_equal(r.v[0].text, "sync:delay(1)");
	inj_rules_free(&r);
}

static void test_rules_file_comments(void **state)
{
	static const char text[] = "# faults for the ring test\n"
				   "\n"
				   "   \t\n"
				   "cudaMemcpyPeerAsync:error(cudaErrorPeerAccessUnsupported)"
				   "@nth(3) pair(0>1)   # the third copy\n"
				   "sync:delay(10); copy:delay(20)#no space before the comment\r\n"
				   "  # indented comment; not:a rule\n"
				   "peer-access:deny";
	struct inj_rules r = { 0 };
	char err[ERRLEN];

	(void)state;
	if (!inj_rules_parse_file(text, "faults.txt", &r, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.v[0].text, "cudaMemcpyPeerAsync:error(cudaErrorPeerAccessUnsupported)"
					 "@nth(3) pair(0>1)");
	assert_string_equal(r.v[1].text, "sync:delay(10)");
	assert_string_equal(r.v[2].text, "copy:delay(20)");
	assert_int_equal(r.v[2].delay_us, 20);
	assert_string_equal(r.v[3].text, "peer-access:deny");
	assert_int_equal(r.v[3].index, 4);
	inj_rules_free(&r);

	assert_true(inj_rules_parse_file("# only comments\n\n#\n", "f", &r, err, sizeof(err)));
	assert_int_equal(r.n, 0);
	assert_true(inj_rules_parse_file("", "f", &r, err, sizeof(err)));
	assert_int_equal(r.n, 0);
}

static void test_rules_file_error_names_line_and_rule(void **state)
{
	static const char text[] = "# comment\n"
				   "\n"
				   "sync:delay(1); copy:delay(2)\n"
				   "  cudaMemcpy:error(cudaErrorInvalidValue) # ok\n"
				   "copy:delay(1) dev(1) dev(2)   # the fourth rule\n"
				   "sync:delay(3)\n";
	struct inj_rules r = { 0 };
	char err[ERRLEN];

	(void)state;
	parse_ok("sync:delay(9)", &r);
	assert_false(inj_rules_parse_file(text, "faults.txt", &r, err, sizeof(err)));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].delay_us, 9);
	check_message(err, "faults.txt line 5, rule 4, column 22: ", "duplicate filter dev",
		      "copy:delay(1) dev(1) dev(2)", 22, NULL);
	/* rule numbers and lines count every rule and line of the file */
	assert_false(inj_rules_parse_file("sync:delay(1)\ncopy:delai(1)", "f.txt", &r, err,
					  sizeof(err)));
	check_message(err, "f.txt line 2, rule 2, column 6: ", "unknown action 'delai'",
		      "copy:delai(1)", 6, "delay");
	inj_rules_free(&r);
}

static void test_rules_env_hash_is_not_a_comment(void **state)
{
	(void)state;
	check_error("sync:delay(1) # comment", 1, 15, "expected a filter", NULL, NULL);
}

static void test_rules_line_numbers_from_caller(void **state)
{
	struct inj_rules r = { 0 };
	char err[ERRLEN];

	(void)state;
	assert_false(inj_rules_parse("sync:delay(1);\n  copy:delay(x)", "conf", 7, &r, err,
				     sizeof(err)));
	check_message(err, "conf line 8, rule 2, column 12: ", "bad number 'x' in delay(USEC)",
		      "copy:delay(x)", 12, NULL);
	assert_false(inj_rules_parse("sync:delay(1);copy:delay(x)", "conf", 3, &r, err,
				     sizeof(err)));
	check_message(err, "conf line 3, rule 2, column 12: ", "bad number", "copy:delay(x)", 12,
		      NULL);
	assert_int_equal(r.n, 0);
}

/* --- limits --------------------------------------------------------------------------------- */

static void test_rules_limit_spec_length(void **state)
{
	char *spec = malloc(INJ_MAX_SPEC + 2);
	struct inj_rules r = { 0 };
	char err[ERRLEN];
	static const char rule[] = "sync:delay(1)";

	(void)state;
	assert_non_null(spec);
	/* exactly INJ_MAX_SPEC bytes: padding of spaces, then one rule */
	memset(spec, ' ', INJ_MAX_SPEC);
	memcpy(spec + INJ_MAX_SPEC - strlen(rule), rule, strlen(rule));
	spec[INJ_MAX_SPEC] = '\0';
	parse_ok(spec, &r);
	assert_int_equal(r.n, 1);
	/* one byte more */
	spec[INJ_MAX_SPEC] = ' ';
	spec[INJ_MAX_SPEC + 1] = '\0';
	assert_false(inj_rules_parse(spec, "FERRY_FAULTS", 0, &r, err, sizeof(err)));
	assert_non_null(strstr(err, "FERRY_FAULTS: too long: more than 65536 bytes"));
	assert_false(inj_rules_parse_file(spec, "big.txt", &r, err, sizeof(err)));
	assert_non_null(strstr(err, "big.txt: too long"));
	assert_int_equal(r.n, 1);
	inj_rules_free(&r);
	free(spec);
}

static void test_rules_limit_rule_count(void **state)
{
	size_t len = (INJ_MAX_RULES + 1) * 16 + 1;
	char *spec = malloc(len), *p = spec;
	struct inj_rules r = { 0 };
	char err[ERRLEN], where[64];

	(void)state;
	assert_non_null(spec);
	for (int i = 0; i < INJ_MAX_RULES; i++)
		p += sprintf(p, "sync:delay(%d);", i);
	parse_ok(spec, &r);
	assert_int_equal(r.n, INJ_MAX_RULES);
	assert_int_equal(r.v[INJ_MAX_RULES - 1].delay_us, INJ_MAX_RULES - 1);
	inj_rules_free(&r);

	sprintf(p, "copy:delay(1)");
	assert_false(inj_rules_parse(spec, "FERRY_FAULTS", 0, &r, err, sizeof(err)));
	snprintf(where, sizeof(where), "FERRY_FAULTS rule %d, column 1: ", INJ_MAX_RULES + 1);
	check_message(err, where, "too many rules: at most 256", "copy:delay(1)", 1, NULL);
	assert_int_equal(r.n, 0);
	assert_null(r.v);

	/* the limit counts the rules given before */
	parse_ok("sync:delay(1);sync:delay(2)", &r);
	p = spec;
	for (int i = 0; i < INJ_MAX_RULES - 1; i++)
		p += sprintf(p, "sync:delay(%d);", i);
	assert_false(inj_rules_parse(spec, "FERRY_FAULTS", 0, &r, err, sizeof(err)));
	assert_non_null(strstr(err, "rule 255, column 1: too many rules"));
	assert_int_equal(r.n, 2);
	inj_rules_free(&r);
	free(spec);
}

static void test_rules_limit_error_buffer(void **state)
{
	struct inj_rules r = { 0 };
	char err[16], big[ERRLEN];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_false(inj_rules_parse("nonsense", "FERRY_FAULTS", 0, &r, err, 8));
	assert_string_equal(err, "FERRY_F");
	assert_int_equal(err[8], 'x');
	assert_false(inj_rules_parse("nonsense", "FERRY_FAULTS", 0, &r, err, 0));
	assert_int_equal(err[0], 'F');
	assert_false(inj_rules_parse("nonsense", "FERRY_FAULTS", 0, &r, NULL, 0));
	assert_false(inj_rules_parse(NULL, "FERRY_FAULTS", 0, &r, big, sizeof(big)));
	assert_string_equal(big, "FERRY_FAULTS: no rules text given");
	assert_false(inj_rules_parse("sync:delay(1)", "FERRY_FAULTS", 0, NULL, big, sizeof(big)));
	assert_int_equal(r.n, 0);
	inj_rules_free(NULL);
}

static void test_rules_long_rule_shown_around_caret(void **state)
{
	char spec[400], shown[ERRLEN], caret[ERRLEN];
	struct inj_rules r = { 0 };
	char err[ERRLEN];
	size_t at;

	(void)state;
	snprintf(spec, sizeof(spec), "copy:delay(1)%100sdev(9999)%100ssize(..)", "", "");
	assert_false(inj_rules_parse(spec, "FERRY_FAULTS", 0, &r, err, sizeof(err)));
	assert_non_null(strstr(err, "column 118: device 9999 out of range"));
	/* a window of the rule, cut on both sides, with the caret under the device */
	line_of(err, 1, shown, sizeof(shown));
	line_of(err, 2, caret, sizeof(caret));
	assert_int_equal(strlen(shown), 2 + 3 + 76 + 3);
	assert_memory_equal(shown, "  ...", 5);
	assert_string_equal(shown + strlen(shown) - 3, "...");
	at = strlen(caret) - 1;
	assert_int_equal(caret[at], '^');
	assert_memory_equal(shown + at, "9999)", 5);

	/* near the end: cut on the left only */
	snprintf(spec, sizeof(spec), "copy:delay(1)%100sdev(9999)", "");
	assert_false(inj_rules_parse(spec, "FERRY_FAULTS", 0, &r, err, sizeof(err)));
	line_of(err, 1, shown, sizeof(shown));
	line_of(err, 2, caret, sizeof(caret));
	assert_int_equal(strlen(shown), 2 + 3 + 76);
	assert_memory_equal(shown, "  ...", 5);
	assert_string_equal(shown + strlen(shown) - 9, "dev(9999)");
	assert_memory_equal(shown + strlen(caret) - 1, "9999)", 5);
}

/* --- error messages ------------------------------------------------------------------------- */

/* A rule that must fail: '^' in spec marks the byte the caret must stand under (at the end:
 * after the rule) and is not part of the rule. */
struct bad {
	const char *spec;
	const char *what;	/* in the first line of the message */
	const char *hint;	/* the suggestion, or NULL */
};

static void check_bad(const struct bad *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *mark = strchr(b[i].spec, '^');
		char spec[256];
		size_t at;

		assert_non_null(mark);
		assert_null(strchr(mark + 1, '^'));
		at = (size_t)(mark - b[i].spec);
		assert_true(strlen(b[i].spec) < sizeof(spec));
		memcpy(spec, b[i].spec, at);
		strcpy(spec + at, mark + 1);
		check_error(spec, 1, (unsigned)at + 1, b[i].what, NULL, b[i].hint);
	}
}

static void test_rules_error_garbage(void **state)
{
	static const struct bad b[] = {
		{ "^garbage", "unknown function or family 'garbage'", NULL },
		{ "^!!!",
		  "expected a CUDA function name or a family (peer-copy, peer-access, host-alloc, "
		  "copy or sync) at the start of the rule, found '!'", NULL },
		{ "^:deny", "at the start of the rule, found ':'", NULL },
		{ "^\"copy:delay(1)\"", "at the start of the rule, found '\"'", NULL },
	};

	(void)state;
	check_bad(b, ARRAY_SIZE(b));
	/* a byte that does not print shows as '?', so that the caret stays under it */
	check_error("\x01", 1, 1, "found byte 0x01", "?", NULL);
	check_error("sync:delay(1)\x7f", 1, 14, "found byte 0x7f", "sync:delay(1)?", NULL);
	check_error("sync:delay(1)\xc3\xa9 dev(1)", 1, 14, "found byte 0xc3",
		    "sync:delay(1)?? dev(1)", NULL);
	/* a tab shows as a space; in FERRY_FAULTS a line break is no separator */
	check_error("copy\t:delay(1)", 1, 5,
		    "found a tab (a rule has no spaces, except before each filter)",
		    "copy :delay(1)", NULL);
	check_error("sync:delay(1)\n dev(1)", 1, 14, "found a line break", "sync:delay(1)? dev(1)",
		    NULL);
	/* a name too long to be a typo of any has no suggestion */
	check_error("cudaMemcpyPeerAsyncccccccccccccccccccccc"
		    "cccccccccccccccccccccccccccccc:deny",
		    1, 1,
		    "unknown function or family "
		    "'cudaMemcpyPeerAsyncccccccccccccccccccccccccc...'",
		    NULL, NULL);
}

static void test_rules_error_unknown_target(void **state)
{
	static const struct bad b[] = {
		{ "^cudaMaloc:delay(1)",
		  "unknown function or family 'cudaMaloc': expected a function of "
		  "common/cuda_api.def (case matters) or a family: peer-copy, peer-access, "
		  "host-alloc, copy or sync", "cudaMalloc" },
		{ "^cudamemcpy:delay(1)", "'cudamemcpy'", "cudaMemcpy" },
		{ "^cudaMemcpyPeerAsyn:delay(1)", "'cudaMemcpyPeerAsyn'", "cudaMemcpyPeerAsync" },
		{ "^peer_copy:delay(1)", "unknown function or family 'peer_copy'", "peer-copy" },
		{ "^hostalloc:delay(1)", "'hostalloc'", "host-alloc" },
		{ "^COPY:delay(1)", "'COPY'", "copy" },
		{ "^totally-unrelated-words:delay(1)", "'totally-unrelated-words'", NULL },
	};

	(void)state;
	check_bad(b, ARRAY_SIZE(b));
}

static void test_rules_error_missing_colon(void **state)
{
	static const struct bad b[] = {
		{ "copy^",
		  "expected ':' and an action after the target copy, found the end of the rule",
		  NULL },
		{ "copy^ :delay(1)",
		  "found a space (a rule has no spaces, except before each filter)", NULL },
		{ "cudaMalloc^=delay(1)", "after the target cudaMalloc, found '='", NULL },
		{ "cudaMalloc^(x):delay(1)", "after the target cudaMalloc, found '('", NULL },
	};

	(void)state;
	check_bad(b, ARRAY_SIZE(b));
}

static void test_rules_error_unknown_action(void **state)
{
	static const struct bad b[] = {
		{ "copy:^eror(cudaErrorInvalidValue)",
		  "unknown action 'eror': expected error(NAME), async(NAME), sticky(NAME), deny, "
		  "corrupt(MODE) or delay(USEC)", "error" },
		{ "copy:^corupt(zero)", "unknown action 'corupt'", "corrupt" },
		{ "copy:^Delay(1)", "unknown action 'Delay'", "delay" },
		{ "copy:^explode", "unknown action 'explode'", NULL },
		{ "copy:^",
		  "expected an action after ':' (error(NAME), async(NAME), sticky(NAME), deny, "
		  "corrupt(MODE) or delay(USEC)), found the end of the rule", NULL },
		{ "copy:^@nth(1)", "expected an action after ':'", NULL },
	};

	(void)state;
	check_bad(b, ARRAY_SIZE(b));
}

static void test_rules_error_action_arguments(void **state)
{
	static const struct bad b[] = {
		{ "copy:error^",
		  "expected '(' after error, as in error(NAME), found the end of the rule", NULL },
		{ "copy:error(^)", "expected a cudaError_t name in error(NAME), found ')'", NULL },
		{ "copy:async^[cudaErrorUnknown]",
		  "expected '(' after async, as in async(NAME), found '['", NULL },
		{ "copy:error(^cudaErrorPeerAcessUnsupported)",
		  "unknown error name 'cudaErrorPeerAcessUnsupported': expected a cudaError_t name",
		  "cudaErrorPeerAccessUnsupported" },
		{ "copy:sticky(^notAnErrorAtAll)", "unknown error name 'notAnErrorAtAll'", NULL },
		{ "copy:error(^cudaSuccess)",
		  "cudaSuccess is not an error: error(NAME) needs a cudaError_t other than "
		  "cudaSuccess", NULL },
		{ "copy:async(^cudaSuccess)", "async(NAME) needs a cudaError_t", NULL },
		{ "copy:error(cudaErrorUnknown^",
		  "expected ')' to close error(NAME), found the end of the rule", NULL },
		{ "copy:error(cudaErrorUnknown^]",
		  "expected ')' to close error(NAME), found ']'", NULL },
		{ "copy:error(cudaErrorUnknown^ x)", "found a space", NULL },
		{ "copy:corrupt(^)",
		  "expected a mode in corrupt(MODE): bitflip, zero or truncate, found ')'", NULL },
		{ "copy:corrupt(^zeros)",
		  "unknown corrupt mode 'zeros': expected bitflip, zero or truncate", "zero" },
		{ "copy:corrupt(^bitflop)", "unknown corrupt mode 'bitflop'", "bitflip" },
		{ "copy:corrupt(^shred)", "unknown corrupt mode 'shred'", NULL },
		{ "copy:delay(^)", "expected a number in delay(USEC), found ')'", NULL },
		{ "copy:delay(^1s)",
		  "bad number '1s' in delay(USEC): expected decimal digits only, 0 to 10000000",
		  NULL },
		{ "copy:delay(^-1)", "bad number '-1' in delay(USEC)", NULL },
		{ "copy:delay(^99999999999999999999999)",
		  "number 99999999999999999999999 out of range in delay(USEC): expected 0 to "
		  "10000000", NULL },
		{ "copy:delay(^ 1)", "expected a number in delay(USEC), found a space", NULL },
		{ "peer-access:deny^()", "deny takes no argument: write just deny", NULL },
		{ "copy:delay(1)^x",
		  "expected '@' and a trigger, a space and a filter, or the end of the rule, "
		  "found 'x'", NULL },
	};

	(void)state;
	check_bad(b, ARRAY_SIZE(b));
}

static void test_rules_error_action_not_for_target(void **state)
{
	static const struct bad b[] = {
		{ "cudaMalloc:^deny",
		  "deny does not apply to cudaMalloc: it applies only to capability queries "
		  "(cudaDeviceCanAccessPeer, cudaDeviceGetP2PAttribute, or the family peer-access)",
		  NULL },
		{ "cudaDeviceEnablePeerAccess:^deny",
		  "deny does not apply to cudaDeviceEnablePeerAccess", NULL },
		{ "peer-copy:^deny", "deny does not apply to peer-copy", NULL },
		{ "cudaMallocHost:^corrupt(zero)",
		  "corrupt does not apply to cudaMallocHost: it applies only to calls that write "
		  "a destination (copies, peer copies and memsets, or the families copy and "
		  "peer-copy)", NULL },
		{ "sync:^corrupt(bitflip)", "corrupt does not apply to sync", NULL },
		{ "host-alloc:^corrupt(zero)", "corrupt does not apply to host-alloc", NULL },
		{ "cudaStreamSynchronize:^async(cudaErrorLaunchFailure)",
		  "async does not apply to cudaStreamSynchronize: it applies only to work that "
		  "runs on a device (copies, peer copies and memsets, or the families copy and "
		  "peer-copy)", NULL },
		{ "peer-access:^async(cudaErrorUnknown)",
		  "async does not apply to peer-access", NULL },
	};

	(void)state;
	check_bad(b, ARRAY_SIZE(b));
}

static void test_rules_error_trigger(void **state)
{
	static const struct bad b[] = {
		{ "sync:delay(1)@^",
		  "expected a trigger after '@' (always, nth(N), every(N), after(N), first(N) or "
		  "p(PROB,SEED)), found the end of the rule", NULL },
		{ "sync:delay(1)@^nht(2)",
		  "unknown trigger 'nht': expected always, nth(N), every(N), after(N), first(N) "
		  "or p(PROB,SEED)", "nth" },
		{ "sync:delay(1)@^frist(2)", "unknown trigger 'frist'", "first" },
		{ "sync:delay(1)@^sometimes", "unknown trigger 'sometimes'", NULL },
		{ "sync:delay(1)@nth^",
		  "expected '(' after nth, as in nth(N), found the end of the rule", NULL },
		{ "sync:delay(1)@nth(^0)",
		  "number 0 out of range in nth(N): expected 1 to 18446744073709551615", NULL },
		{ "sync:delay(1)@every(^0)", "number 0 out of range in every(N)", NULL },
		{ "sync:delay(1)@first(^0)", "number 0 out of range in first(N)", NULL },
		{ "sync:delay(1)@after(^18446744073709551616)",
		  "number 18446744073709551616 out of range in after(N): expected 0 to "
		  "18446744073709551615", NULL },
		{ "sync:delay(1)@first(^123456789012345678901234567890)",
		  "number 123456789012345678901234567890 out of range in first(N)", NULL },
		{ "sync:delay(1)@nth(^-1)", "bad number '-1' in nth(N)", NULL },
		{ "sync:delay(1)@nth(^2.0)", "bad number '2.0' in nth(N)", NULL },
		{ "sync:delay(1)@nth(^)", "expected a number in nth(N), found ')'", NULL },
		{ "sync:delay(1)@nth(3^", "expected ')' to close nth(N), found the end", NULL },
		{ "sync:delay(1)@always^(1)", "always takes no argument: write just always", NULL },
		{ "sync:delay(1)@nth(1)^@nth(2)", "a rule has one trigger at most", NULL },
		{ "sync:delay(1)@nth(2)^x",
		  "expected a space and a filter, or the end of the rule, found 'x'", NULL },
	};

	(void)state;
	check_bad(b, ARRAY_SIZE(b));
}

static void test_rules_error_probability(void **state)
{
	static const struct bad b[] = {
		{ "copy:delay(1)@p(^)", "expected a probability in p(PROB,SEED), found ')'", NULL },
		{ "copy:delay(1)@p(^1.5,1)",
		  "probability 1.5 out of range in p(PROB,SEED): expected 0 to 1", NULL },
		{ "copy:delay(1)@p(^2,1)", "probability 2 out of range", NULL },
		{ "copy:delay(1)@p(^10,1)", "probability 10 out of range", NULL },
		{ "copy:delay(1)@p(^1.0001,1)", "probability 1.0001 out of range", NULL },
		{ "copy:delay(1)@p(^1e-3,1)",
		  "bad probability '1e-3' in p(PROB,SEED): expected a decimal from 0 to 1, like "
		  "0.25 (digits and an optional fraction; no sign, no exponent)", NULL },
		{ "copy:delay(1)@p(^-0.5,1)", "bad probability '-0.5'", NULL },
		{ "copy:delay(1)@p(^+0.5,1)", "bad probability '+0.5'", NULL },
		{ "copy:delay(1)@p(^.5,1)", "bad probability '.5'", NULL },
		{ "copy:delay(1)@p(^1.,1)", "bad probability '1.'", NULL },
		{ "copy:delay(1)@p(^0.5.1,1)", "bad probability '0.5.1'", NULL },
		{ "copy:delay(1)@p(0.5^)",
		  "expected ',' between PROB and SEED in p(PROB,SEED), found ')'", NULL },
		{ "copy:delay(1)@p(0.5,^)", "expected a number in p(PROB,SEED), found ')'", NULL },
		{ "copy:delay(1)@p(0.5,^ 1)",
		  "expected a number in p(PROB,SEED), found a space", NULL },
		{ "copy:delay(1)@p(0.5,^-3)", "bad number '-3' in p(PROB,SEED)", NULL },
		{ "copy:delay(1)@p(0.5,^18446744073709551616)",
		  "number 18446744073709551616 out of range in p(PROB,SEED)", NULL },
		{ "copy:delay(1)@p(0.5,1^,2)",
		  "expected ')' to close p(PROB,SEED), found ','", NULL },
	};

	(void)state;
	check_bad(b, ARRAY_SIZE(b));
}

static void test_rules_error_filter(void **state)
{
	static const struct bad b[] = {
		{ "copy:delay(1) ^(x)",
		  "expected a filter (pair(A>B), dev(A), size(MIN..MAX) or from(LIB)), found '('",
		  NULL },
		{ "copy:delay(1) ^paire(0>1)",
		  "unknown filter 'paire': expected pair(A>B), dev(A), size(MIN..MAX) or from(LIB)",
		  "pair" },
		{ "copy:delay(1) ^device(1)", "unknown filter 'device'", "dev" },
		{ "copy:delay(1) ^bandwidth(1)", "unknown filter 'bandwidth'", NULL },
		{ "copy:delay(1) pair(0>1) size(..) ^pair(1>0)",
		  "duplicate filter pair: each kind of filter may appear once in a rule", NULL },
		{ "copy:delay(1) dev(1) ^dev(1)", "duplicate filter dev", NULL },
		{ "copy:delay(1) size(1..) ^size(..2)", "duplicate filter size", NULL },
		{ "copy:delay(1) pair^",
		  "expected '(' after pair, as in pair(A>B), found the end of the rule", NULL },
		{ "copy:delay(1) pair(^0-1)",
		  "bad device '0-1' in pair(A>B): expected a device number (0 to 1023) or * (a "
		  "pair is written A>B)", NULL },
		{ "copy:delay(1) pair(0^)",
		  "expected '>' between the devices of pair(A>B), found ')'", NULL },
		{ "copy:delay(1) pair(0>^1024)",
		  "device 1024 out of range in pair(A>B): expected 0 to 1023 or *", NULL },
		{ "copy:delay(1) pair(^>1)",
		  "expected a device number or * in pair(A>B), found '>'", NULL },
		{ "copy:delay(1) pair(^**>1)", "bad device '**' in pair(A>B)", NULL },
		{ "copy:delay(1) pair(0>1^",
		  "expected ')' to close pair(A>B), found the end", NULL },
		{ "copy:delay(1) dev(^)",
		  "expected a device number or * in dev(A), found ')'", NULL },
		{ "copy:delay(1) dev(^x)",
		  "bad device 'x' in dev(A): expected a device number (0 to 1023) or *", NULL },
		{ "copy:delay(1) dev(^99999999999999999999999)",
		  "device 99999999999999999999999 out of range in dev(A)", NULL },
		{ "copy:delay(1) dev(1^>2)", "expected ')' to close dev(A), found '>'", NULL },
		{ "copy:delay(1) size(1M^)",
		  "expected '..' between MIN and MAX in size(MIN..MAX), found ')'", NULL },
		{ "copy:delay(1) size(^1M.2M)", "bad size '1M.2M'", NULL },
		{ "copy:delay(1) size(^2M..1M)",
		  "empty range in size(MIN..MAX): MIN (2097152 bytes) is more than MAX (1048576 "
		  "bytes)", NULL },
		{ "copy:delay(1) size(^1.5M..)",
		  "bad size '1.5M' in size(MIN..MAX): expected bytes with an optional K, M, G or "
		  "T suffix, like 4096, 64K or 1MiB", NULL },
		{ "copy:delay(1) size(..^12Q)", "bad size '12Q'", NULL },
		{ "copy:delay(1) size(^*..)", "bad size '*'", NULL },
		{ "copy:delay(1) size(^99999999999T..)",
		  "size 99999999999T out of range in size(MIN..MAX): at most 2^64-1 bytes", NULL },
		{ "copy:delay(1) size(..^18446744073709551616)",
		  "size 18446744073709551616 out of range", NULL },
		{ "copy:delay(1) size(1..2^",
		  "expected ')' to close size(MIN..MAX), found the end", NULL },
		{ "copy:delay(1) dev(1)^x",
		  "expected a space and another filter, or the end of the rule, found 'x'", NULL },
		{ "copy:delay(1) dev(1)^@nth(2)",
		  "the trigger goes right after the action, before the filters", NULL },
		{ "copy:delay(1) ^@nth(2)",
		  "the trigger goes right after the action, with no space: ACTION@TRIGGER", NULL },
	};

	(void)state;
	check_bad(b, ARRAY_SIZE(b));
}

/* Size bounds of every length around the parser's 64-byte scratch buffer (the fuzzer found an
 * overrun there, tests/fuzz/crashes/). */
static void test_rules_error_size_long_token(void **state)
{
	static const char *const fills[] = { "J", "9", "9K" };
	struct inj_rules r = { 0 };
	char spec[256], err[ERRLEN];

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(fills); f++) {
		for (size_t len = 58; len <= 70; len++) {
			int n = snprintf(spec, sizeof(spec), "copy:delay(1) size(");

			for (size_t i = 0; i < len; i++)
				spec[n++] = fills[f][i < len - 1 ? 0 : strlen(fills[f]) - 1];
			snprintf(spec + n, sizeof(spec) - (size_t)n, "..)");
			assert_false(inj_rules_parse(spec, "FERRY_FAULTS", 0, &r, err,
						     sizeof(err)));
			if (f == 0) {
				assert_non_null(strstr(err, "column 20: bad size 'JJJJ"));
			} else {
				assert_non_null(strstr(err, "column 20: size 9999"));
				assert_non_null(strstr(err, "out of range in size(MIN..MAX)"));
			}
		}
	}
	assert_int_equal(r.n, 0);
}

static void test_rules_error_later_rule(void **state)
{
	(void)state;
	/* the number counts rules, not ';'s; the column is the rule's own */
	check_error("  peer-access:deny ; ;  sync:delay(1);\t "
		    "copy:error(cudaErrorInvalidValu)@nth(2)  ; sync:delay(2)",
		    3, 12, "unknown error name 'cudaErrorInvalidValu'",
		    "copy:error(cudaErrorInvalidValu)@nth(2)", "cudaErrorInvalidValue");
	/* the example of the brief, to the byte */
	check_error("cudaMalloc:error(cudaErrorMemoryAllocation); "
		    "cudaMemcpyPeerAsync:error(cudaErrorPeerAcessUnsupported)@nth(3)",
		    2, 27, "unknown error name 'cudaErrorPeerAcessUnsupported'",
		    "cudaMemcpyPeerAsync:error(cudaErrorPeerAcessUnsupported)@nth(3)",
		    "cudaErrorPeerAccessUnsupported");
}

/* --- threads -------------------------------------------------------------------------------- */

#define NTHREADS 8
#define CALLS_PER_THREAD 20000

static void *hammer(void *arg)
{
	struct inj_rule *rule = arg;
	uint64_t fired = 0;

	for (int i = 0; i < CALLS_PER_THREAD; i++)
		fired += inj_rule_triggers(rule);
	return (void *)(uintptr_t)fired;
}

/* Runs NTHREADS threads of CALLS_PER_THREAD calls on spec's rule; returns the fired count
 * that the threads saw, after checking it is the rule's. */
static uint64_t hammer_rule(const char *spec)
{
	struct inj_rules r;
	struct inj_rule *rule = one_rule(spec, &r);
	pthread_t t[NTHREADS];
	uint64_t fired = 0;

	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, rule), 0);
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		fired += (uintptr_t)ret;
	}
	assert_int_equal(atomic_load(&rule->matched), NTHREADS * CALLS_PER_THREAD);
	assert_int_equal(atomic_load(&rule->fired), fired);
	inj_rules_free(&r);
	return fired;
}

static void test_rules_triggers_threads(void **state)
{
	const uint64_t total = NTHREADS * CALLS_PER_THREAD;

	(void)state;
	assert_int_equal(hammer_rule("sync:delay(1)@first(12345)"), 12345);
	assert_int_equal(hammer_rule("sync:delay(1)@nth(77777)"), 1);
	assert_int_equal(hammer_rule("sync:delay(1)@every(7)"), total / 7);
	assert_int_equal(hammer_rule("sync:delay(1)@after(100000)"), total - 100000);
	assert_int_equal(hammer_rule("sync:delay(1)"), total);
	/* p draws by the call's number alone: the same count as one thread */
	assert_int_equal(hammer_rule("sync:delay(1)@p(0.3,99)"),
			 p_count("0.3", 99, (int)total, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_design_example),
		cmocka_unit_test(test_rules_action_error_async_sticky),
		cmocka_unit_test(test_rules_action_deny),
		cmocka_unit_test(test_rules_action_corrupt_modes),
		cmocka_unit_test(test_rules_action_delay_bounds),
		cmocka_unit_test(test_rules_action_targets),
		cmocka_unit_test(test_rules_names),
		cmocka_unit_test(test_rules_trigger_default_always),
		cmocka_unit_test(test_rules_trigger_nth),
		cmocka_unit_test(test_rules_trigger_every),
		cmocka_unit_test(test_rules_trigger_after),
		cmocka_unit_test(test_rules_trigger_first),
		cmocka_unit_test(test_rules_trigger_numbers),
		cmocka_unit_test(test_rules_trigger_p_parse),
		cmocka_unit_test(test_rules_trigger_p_deterministic),
		cmocka_unit_test(test_rules_trigger_p_never_always),
		cmocka_unit_test(test_rules_match_function),
		cmocka_unit_test(test_rules_match_families),
		cmocka_unit_test(test_rules_filter_pair),
		cmocka_unit_test(test_rules_filter_dev),
		cmocka_unit_test(test_rules_filter_from),
		cmocka_unit_test(test_rules_filter_size),
		cmocka_unit_test(test_rules_filter_combined),
		cmocka_unit_test(test_rules_whitespace_and_empty_rules),
		cmocka_unit_test(test_rules_append_continues_index),
		cmocka_unit_test(test_rules_file_comments),
		cmocka_unit_test(test_rules_file_error_names_line_and_rule),
		cmocka_unit_test(test_rules_env_hash_is_not_a_comment),
		cmocka_unit_test(test_rules_line_numbers_from_caller),
		cmocka_unit_test(test_rules_limit_spec_length),
		cmocka_unit_test(test_rules_limit_rule_count),
		cmocka_unit_test(test_rules_limit_error_buffer),
		cmocka_unit_test(test_rules_long_rule_shown_around_caret),
		cmocka_unit_test(test_rules_error_garbage),
		cmocka_unit_test(test_rules_error_unknown_target),
		cmocka_unit_test(test_rules_error_missing_colon),
		cmocka_unit_test(test_rules_error_unknown_action),
		cmocka_unit_test(test_rules_error_action_arguments),
		cmocka_unit_test(test_rules_error_action_not_for_target),
		cmocka_unit_test(test_rules_error_trigger),
		cmocka_unit_test(test_rules_error_probability),
		cmocka_unit_test(test_rules_error_filter),
		cmocka_unit_test(test_rules_error_size_long_token),
		cmocka_unit_test(test_rules_error_later_rule),
		cmocka_unit_test(test_rules_triggers_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
