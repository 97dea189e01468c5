/*
 * fuzz_rules: libFuzzer target for the fault-rule parser (interpose/rules.h).
 *
 * Each input is parsed as FERRY_FAULTS and as a rules file. Beyond the sanitizers' checks
 * (ASan, UBSan) it checks what the parser promises: the message is NUL-terminated inside
 * errlen and nothing past errlen is written; a failure leaves the rule set as it was and says
 * where; a success yields at most INJ_MAX_RULES rules whose every field is in range and whose
 * action suits its target; a rule's text, parsed again, gives the same rule; parsing is
 * deterministic. Then each rule is matched against a few synthetic calls and triggered:
 * matching touches no counter, and fired never exceeds what the trigger allows.
 *
 * Built with clang by tests/fuzz/CMakeLists.txt (target fuzz_rules); ctest replays the seed
 * corpus and every saved crash (fuzz_rules_corpus).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "table.h"

#define ERRLEN 600
#define GUARD 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_rules: %s:%d: invariant failed: %s\n", __FILE__, \
				__LINE__, #cond);                                          \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* The message buffer, with guard bytes past errlen that must stay untouched. */
struct errbuf {
	char buf[ERRLEN + GUARD];
	size_t len;
};

static void err_reset(struct errbuf *e, size_t len)
{
	memset(e->buf, 0x5a, sizeof(e->buf));
	e->len = len;
}

static void err_check(const struct errbuf *e)
{
	for (size_t i = e->len; i < sizeof(e->buf); i++)
		CHECK(e->buf[i] == 0x5a);
	if (e->len)
		CHECK(memchr(e->buf, '\0', e->len) != NULL);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Every field of a parsed rule is in range, and its action suits its target. */
static void check_rule(const struct inj_rule *r, unsigned index, size_t textlen)
{
	int cls = r->fn >= 0 ? (int)inj_fns[r->fn].cls : -1;
	bool device_work = r->family == INJ_FAM_COPY || r->family == INJ_FAM_PEER_COPY ||
			   cls == INJ_CLS_COPY || cls == INJ_CLS_PEER_COPY || cls == INJ_CLS_MEMSET;
	size_t len;

	CHECK(r->index == index);
	CHECK(r->text != NULL);
	len = strlen(r->text);
	CHECK(len > 0 && len <= textlen);
	CHECK(!is_space(r->text[0]) && !is_space(r->text[len - 1]));
	CHECK(!strchr(r->text, ';'));
	CHECK(r->fn >= -1 && r->fn < INJ_NFNS);
	CHECK((r->fn >= 0) == (r->family == INJ_FAM_NONE));
	CHECK(r->family >= INJ_FAM_NONE && r->family <= INJ_FAM_SYNC);
	switch (r->action) {
	case INJ_ERROR:
	case INJ_STICKY:
		CHECK(r->err > 0);
		break;
	case INJ_ASYNC:
		CHECK(r->err > 0 && device_work);
		break;
	case INJ_DENY:
		CHECK(r->family == INJ_FAM_PEER_ACCESS || cls == INJ_CLS_PEER_QUERY);
		break;
	case INJ_CORRUPT:
		CHECK(device_work);
		CHECK(r->corrupt == INJ_BITFLIP || r->corrupt == INJ_ZERO ||
		      r->corrupt == INJ_TRUNCATE);
		break;
	case INJ_DELAY:
		CHECK(r->delay_us <= INJ_MAX_DELAY_US);
		break;
	default:
		CHECK(!"bad action");
	}
	CHECK(strcmp(inj_action_name(r->action), "unknown") != 0);
	CHECK(strcmp(inj_family_name(r->family), "unknown") != 0);
	switch (r->trigger) {
	case INJ_ALWAYS:
	case INJ_AFTER:
		break;
	case INJ_NTH:
	case INJ_EVERY:
	case INJ_FIRST:
		CHECK(r->n >= 1);
		break;
	case INJ_PROB:
		CHECK(r->prob >= 0.0 && r->prob <= 1.0);
		break;
	default:
		CHECK(!"bad trigger");
	}
	CHECK(r->pair_src >= INJ_ANY && r->pair_src <= INJ_MAX_DEVICE);
	CHECK(r->pair_dst >= INJ_ANY && r->pair_dst <= INJ_MAX_DEVICE);
	CHECK(r->dev >= INJ_ANY && r->dev <= INJ_MAX_DEVICE);
	CHECK(r->has_pair || (r->pair_src == INJ_ANY && r->pair_dst == INJ_ANY));
	CHECK(r->has_dev || r->dev == INJ_ANY);
	CHECK(r->size_min <= r->size_max);
	CHECK(atomic_load(&r->matched) == 0 && atomic_load(&r->fired) == 0);
}

/* The same rule, up to its index and text. */
static void check_same(const struct inj_rule *a, const struct inj_rule *b)
{
	CHECK(a->family == b->family && a->fn == b->fn && a->action == b->action);
	CHECK(a->err == b->err && a->delay_us == b->delay_us);
	CHECK(a->action != INJ_CORRUPT || a->corrupt == b->corrupt);
	CHECK(a->trigger == b->trigger && a->n == b->n && a->seed == b->seed);
	CHECK(a->prob == b->prob);
	CHECK(a->has_pair == b->has_pair && a->has_dev == b->has_dev && a->has_size == b->has_size);
	CHECK(a->pair_src == b->pair_src && a->pair_dst == b->pair_dst && a->dev == b->dev);
	CHECK(a->size_min == b->size_min && a->size_max == b->size_max);
}

/* A rule's own text parses alone, to the same rule. */
static void check_round_trip(const struct inj_rule *r)
{
	struct inj_rules again = { 0 };
	struct errbuf e;

	err_reset(&e, ERRLEN);
	if (!inj_rules_parse(r->text, "again", 0, &again, e.buf, e.len)) {
		fprintf(stderr, "fuzz_rules: rule '%s' does not parse alone: %s\n", r->text, e.buf);
		abort();
	}
	CHECK(again.n == 1);
	check_same(r, &again.v[0]);
	inj_rules_free(&again);
}

/* Runs rule r over a few synthetic calls drawn from data. */
static void exercise(struct inj_rule *r, const uint8_t *data, size_t size)
{
	uint64_t matched = 0, fired = 0;

	for (int i = 0; i < 16; i++) {
		uint8_t b = size ? data[(size_t)i * 7 % size] : (uint8_t)i;
		struct inj_call c = {
			.fn = r->fn >= 0 && (b & 1) ? r->fn : (b * 13 + i) % INJ_NFNS,
			.family_bits = (b >> 1) & 0x3e,
			.src = (b & 3) - 1,
			.dst = ((b >> 2) & 3) - 1,
			.dev = ((b >> 4) & 3) - 1,
			.size = (uint64_t)b << (i * 4 % 64),
		};
		bool m = inj_rule_matches(r, &c);

		CHECK(atomic_load(&r->matched) == matched);
		if (!m)
			continue;
		matched++;
		fired += inj_rule_triggers(r);
		CHECK(atomic_load(&r->matched) == matched);
		CHECK(atomic_load(&r->fired) == fired);
	}
	/* a few more, beyond what the filters let through */
	for (int i = 0; i < 8; i++) {
		matched++;
		fired += inj_rule_triggers(r);
	}
	CHECK(atomic_load(&r->matched) == matched && atomic_load(&r->fired) == fired);
	switch (r->trigger) {
	case INJ_ALWAYS:
		CHECK(fired == matched);
		break;
	case INJ_NTH:
		CHECK(fired == (r->n <= matched));
		break;
	case INJ_FIRST:
		CHECK(fired == (r->n < matched ? r->n : matched));
		break;
	case INJ_AFTER:
		CHECK(fired == (r->n < matched ? matched - r->n : 0));
		break;
	case INJ_EVERY:
		CHECK(fired == matched / r->n);
		break;
	case INJ_PROB:
		CHECK(fired <= matched);
		CHECK(r->prob != 0.0 || fired == 0);
		CHECK(r->prob != 1.0 || fired == matched);
		break;
	}
}

/* Checks one parse of text (file or FERRY_FAULTS) into a set that held `before` rules. */
static void check_parse(bool ok, const struct inj_rules *r, size_t before, struct inj_rule *v,
			const struct errbuf *e, const char *origin, size_t textlen)
{
	err_check(e);
	if (!ok) {
		CHECK(r->n == before && r->v == v);
		if (e->len > strlen(origin))
			CHECK(strncmp(e->buf, origin, strlen(origin)) == 0);
		return;
	}
	CHECK(r->n <= INJ_MAX_RULES);
	CHECK(r->n >= before);
	for (size_t i = before; i < r->n; i++)
		check_rule(&r->v[i], (unsigned)i + 1, textlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct inj_rules env = { 0 }, file = { 0 };
	struct errbuf e;
	size_t errlen, n;
	bool ok;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* mostly a roomy message buffer, sometimes a tiny one */
	errlen = size && data[0] == '~' ? (size_t)(size % 9) : ERRLEN;

	err_reset(&e, errlen);
	ok = inj_rules_parse(text, "FERRY_FAULTS", 0, &env, e.buf, e.len);
	check_parse(ok, &env, 0, NULL, &e, "FERRY_FAULTS", size);
	if (ok) {
		/* appending the same text again: deterministic, bounded */
		struct inj_rule *v = env.v;

		n = env.n;
		err_reset(&e, ERRLEN);
		ok = inj_rules_parse(text, "FERRY_FAULTS", 3, &env, e.buf, e.len);
		CHECK(ok == (2 * n <= INJ_MAX_RULES));
		check_parse(ok, &env, n, ok ? env.v : v, &e, "FERRY_FAULTS", size);
		for (size_t i = 0; ok && i < n; i++)
			check_same(&env.v[i], &env.v[n + i]);
		for (size_t i = 0; i < n; i++) {
			check_round_trip(&env.v[i]);
			exercise(&env.v[i], data, size);
		}
	}

	err_reset(&e, errlen);
	ok = inj_rules_parse_file(text, "fuzz.txt", &file, e.buf, e.len);
	check_parse(ok, &file, 0, NULL, &e, "fuzz.txt", size);
	for (size_t i = 0; ok && i < file.n; i++) {
		check_round_trip(&file.v[i]);
		exercise(&file.v[i], data, size);
	}

	inj_rules_free(&env);
	inj_rules_free(&file);
	CHECK(env.n == 0 && env.v == NULL);
	free(text);
	return 0;
}
