/*
 * rules.c: the fault rules of rules.h: parsing FERRY_FAULTS and rules files, matching a call,
 * deciding by a rule's trigger whether it acts.
 *
 * Parsing has two levels. The text level cuts the text into rules at ';' (in a file also at
 * line ends, with '#' comments dropped), trims each, skips the empty ones and enforces the
 * limits. The rule level is a small recursive-descent parser (target, action, trigger,
 * filters) over a cursor bounded by the end of one rule: it never looks past that end, so
 * never past the text's NUL. Rules are built in a scratch vector and appended to the caller's
 * set only once the whole text is good, so a bad text leaves the set as it was.
 *
 * Every failure writes one message: where (origin, line, rule, column), what was found and
 * what was expected, the rule with a caret under the place, and for a misspelt name the
 * nearest valid one (ferry__nearest).
 *
 * Divisions: names; messages; the cursor and its tokens; numbers, devices and sizes; the rule
 * grammar; the text level; matching and triggers.
 */
#include "rules.h"

#include "common.h"
#include "table.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- names ---------------------------------------------------------------------------------- */

static const char *const family_names[] = {
	[INJ_FAM_NONE] = "none",	     [INJ_FAM_PEER_COPY] = "peer-copy",
	[INJ_FAM_PEER_ACCESS] = "peer-access", [INJ_FAM_HOST_ALLOC] = "host-alloc",
	[INJ_FAM_COPY] = "copy",	     [INJ_FAM_SYNC] = "sync",
};
#define NFAMILIES (ARRAY_SIZE(family_names) - 1)	/* without INJ_FAM_NONE */

static const char *const action_names[] = {
	[INJ_ERROR] = "error", [INJ_ASYNC] = "async",	  [INJ_STICKY] = "sticky",
	[INJ_DENY] = "deny",   [INJ_CORRUPT] = "corrupt", [INJ_DELAY] = "delay",
};

static const char *const corrupt_names[] = {
	[INJ_BITFLIP] = "bitflip",
	[INJ_ZERO] = "zero",
	[INJ_TRUNCATE] = "truncate",
};

static const char *const trigger_names[] = {
	[INJ_ALWAYS] = "always", [INJ_NTH] = "nth",	[INJ_EVERY] = "every",
	[INJ_AFTER] = "after",	 [INJ_FIRST] = "first", [INJ_PROB] = "p",
};

static const char *const trigger_forms[] = {
	[INJ_ALWAYS] = "always", [INJ_NTH] = "nth(N)",	   [INJ_EVERY] = "every(N)",
	[INJ_AFTER] = "after(N)", [INJ_FIRST] = "first(N)", [INJ_PROB] = "p(PROB,SEED)",
};

enum filter { FILTER_PAIR, FILTER_DEV, FILTER_SIZE, FILTER_FROM };

static const char *const filter_names[] = {
	[FILTER_PAIR] = "pair",
	[FILTER_DEV] = "dev",
	[FILTER_SIZE] = "size",
	[FILTER_FROM] = "from",
};

/* What a message lists as expected. */
#define FAMILIES "peer-copy, peer-access, host-alloc, copy or sync"
#define ACTIONS "error(NAME), async(NAME), sticky(NAME), deny, corrupt(MODE) or delay(USEC)"
#define MODES "bitflip, zero or truncate"
#define TRIGGERS "always, nth(N), every(N), after(N), first(N) or p(PROB,SEED)"
#define FILTERS "pair(A>B), dev(A), size(MIN..MAX) or from(LIB)"

const char *inj_family_name(enum inj_family f)
{
	if ((unsigned)f < ARRAY_SIZE(family_names))
		return family_names[f];
	return "unknown";
}

const char *inj_action_name(enum inj_action a)
{
	if ((unsigned)a < ARRAY_SIZE(action_names))
		return action_names[a];
	return "unknown";
}

/* The index of the name that is exactly the len bytes at s, or -1. */
static int lookup(const char *const *names, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return (int)i;
	return -1;
}

/* --- messages ------------------------------------------------------------------------------- */

/* A bounded string being written: always NUL-terminated, silently cut at its capacity. */
struct msg {
	char *buf;
	size_t cap;
	size_t len;
};

static void msg_add(struct msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!m->buf || m->cap == 0 || m->len + 1 >= m->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		m->buf[m->len] = '\0';
	else if ((size_t)n >= m->cap - m->len)
		m->len = m->cap - 1;
	else
		m->len += (size_t)n;
}

static bool is_print(int c)
{
	return c >= 0x20 && c < 0x7f;
}

/* How much of a long rule a message shows, around the caret. */
#define SHOW_WIDTH 76

/*
 * Writes the rule [rule, end) on one line and a caret under at (at may be end) on the next,
 * both indented by two spaces. A tab shows as a space, other bytes that are not printable
 * ASCII as '?', so that the caret stays under its byte; a long rule shows as a window around
 * the caret, cut with "...".
 */
static void show_rule(struct msg *m, const char *rule, const char *end, const char *at)
{
	size_t len = (size_t)(end - rule), col = (size_t)(at - rule);
	size_t from = 0, to = len;
	char text[SHOW_WIDTH + 1];
	size_t n = 0;

	if (len > SHOW_WIDTH) {
		from = col > SHOW_WIDTH / 2 ? col - SHOW_WIDTH / 2 : 0;
		if (from > len - SHOW_WIDTH)
			from = len - SHOW_WIDTH;
		to = from + SHOW_WIDTH;
	}
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)rule[i];

		text[n++] = c == '\t' ? ' ' : is_print(c) ? (char)c : '?';
	}
	text[n] = '\0';
	msg_add(m, "  %s%s%s\n", from ? "..." : "", text, to < len ? "..." : "");
	msg_add(m, "  %*s^", (int)((from ? 3 : 0) + col - from), "");
}

/* --- the cursor and its tokens -------------------------------------------------------------- */

struct parser {
	/* the text */
	const char *origin;	/* "FERRY_FAULTS", or the file's name */
	bool show_line;		/* messages name the line */
	unsigned line;		/* the line the current rule starts on */
	unsigned number;	/* the current rule's number in the text, 1-based */
	/* the current rule, [rule, end), and the cursor in it */
	const char *rule;
	const char *end;
	const char *p;
	/* where the message goes */
	char *err;
	size_t errlen;
};

/*
 * Writes the message for a failure at `at` in the current rule: fmt says what was found and
 * what was expected; hint, when not NULL, is the nearest valid name. Returns false, for
 * "return fail(...)".
 */
static bool fail(struct parser *ps, const char *at, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool fail(struct parser *ps, const char *at, const char *hint, const char *fmt, ...)
{
	struct msg m = { ps->err, ps->errlen, 0 };
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	msg_add(&m, "%s", ps->origin);
	if (ps->show_line)
		msg_add(&m, " line %u,", ps->line);
	msg_add(&m, " rule %u, column %zu: %s\n", ps->number, (size_t)(at - ps->rule) + 1, what);
	show_rule(&m, ps->rule, ps->end, at);
	if (hint)
		msg_add(&m, "\n  did you mean %s?", hint);
	return false;
}

/* The byte under the cursor, or 0 at the end of the rule (a rule holds no NUL). */
static int peek(const struct parser *ps)
{
	return ps->p < ps->end ? (unsigned char)*ps->p : 0;
}

/* What the cursor is on, for "found ...". buf must hold 16 bytes. */
static const char *found(const struct parser *ps, char *buf)
{
	int c = peek(ps);

	if (ps->p >= ps->end)
		return "the end of the rule";
	if (c == ' ')
		return "a space";
	if (c == '\t')
		return "a tab";
	if (c == '\n')
		return "a line break";
	if (is_print(c))
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", (unsigned)c);
	return buf;
}

struct tok {
	const char *s;
	size_t len;
};

/* Classes of token bytes, ASCII only (never the locale's). */
static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_word(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

/* Targets: function names and families (peer-copy). */
static bool is_name(int c)
{
	return is_word(c) || c == '-';
}

/* Numbers, devices, sizes and probabilities, with what a mistaken one may hold. */
static bool is_num(int c)
{
	return is_word(c) || c == '.' || c == '+' || c == '-' || c == '*';
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static bool is_space(int c)
{
	return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Takes the longest run of bytes of class cls at the cursor (maybe empty). */
static struct tok take(struct parser *ps, bool (*cls)(int))
{
	struct tok t = { ps->p, 0 };

	while (ps->p < ps->end && cls((unsigned char)*ps->p))
		ps->p++;
	t.len = (size_t)(ps->p - t.s);
	return t;
}

#define TOKBUF 48

/* The token as a C string for a message (tokens hold printable bytes only), cut when long. */
static const char *tokstr(char *buf, struct tok t)
{
	if (t.len < TOKBUF) {
		memcpy(buf, t.s, t.len);
		buf[t.len] = '\0';
	} else {
		memcpy(buf, t.s, TOKBUF - 4);
		memcpy(buf + TOKBUF - 4, "...", 4);
	}
	return buf;
}

/* The candidate nearest to the token, or NULL (a long token is near nothing). */
static const char *suggest(struct tok t, const char *const *cands, size_t n)
{
	char word[64];

	if (t.len == 0 || t.len >= sizeof(word))
		return NULL;
	memcpy(word, t.s, t.len);
	word[t.len] = '\0';
	return ferry__nearest(word, cands, n);
}

/* Takes c, or fails saying c was expected `what` (e.g. "to close error(NAME)"). */
static bool expect(struct parser *ps, char c, const char *what)
{
	char buf[16];

	if (peek(ps) == c) {
		ps->p++;
		return true;
	}
	return fail(ps, ps->p, NULL, "expected '%c' %s, found %s", c, what, found(ps, buf));
}

static bool expect_open(struct parser *ps, const char *name, const char *form)
{
	char what[64];

	snprintf(what, sizeof(what), "after %s, as in %s", name, form);
	return expect(ps, '(', what);
}

static bool expect_close(struct parser *ps, const char *form)
{
	char what[64];

	snprintf(what, sizeof(what), "to close %s", form);
	return expect(ps, ')', what);
}

/* --- numbers, devices and sizes ------------------------------------------------------------- */

static bool all_digits(struct tok t)
{
	for (size_t i = 0; i < t.len; i++)
		if (!is_digit((unsigned char)t.s[i]))
			return false;
	return t.len > 0;
}

/* The value of a token of digits, if it is in [min, max]. */
static bool digits_value(struct tok t, uint64_t min, uint64_t max, uint64_t *out)
{
	char buf[24];

	while (t.len > 1 && t.s[0] == '0') {
		t.s++;
		t.len--;
	}
	if (t.len >= sizeof(buf))
		return false;
	memcpy(buf, t.s, t.len);
	buf[t.len] = '\0';
	return ferry__parse_u64(buf, min, max, out);
}

/* A whole number in [min, max] at the cursor; form names the place, as in "nth(N)". */
static bool parse_number(struct parser *ps, const char *form, uint64_t min, uint64_t max,
			 uint64_t *out)
{
	const char *at = ps->p;
	struct tok t = take(ps, is_num);
	char buf[16], tb[TOKBUF];

	if (t.len == 0)
		return fail(ps, at, NULL, "expected a number in %s, found %s", form,
			    found(ps, buf));
	if (!all_digits(t))
		return fail(ps, at, NULL,
			    "bad number '%s' in %s: expected decimal digits only, %" PRIu64
			    " to %" PRIu64,
			    tokstr(tb, t), form, min, max);
	if (!digits_value(t, min, max, out))
		return fail(ps, at, NULL,
			    "number %s out of range in %s: expected %" PRIu64 " to %" PRIu64,
			    tokstr(tb, t), form, min, max);
	return true;
}

/* A device of a filter, 0..INJ_MAX_DEVICE or '*' (INJ_ANY); pair: in pair(A>B), else dev(A). */
static bool parse_device(struct parser *ps, bool pair, int *out)
{
	const char *form = pair ? "pair(A>B)" : "dev(A)";
	const char *at = ps->p;
	struct tok t = take(ps, is_num);
	char buf[16], tb[TOKBUF];
	uint64_t v;

	if (t.len == 1 && t.s[0] == '*') {
		*out = INJ_ANY;
		return true;
	}
	if (t.len == 0)
		return fail(ps, at, NULL, "expected a device number or * in %s, found %s", form,
			    found(ps, buf));
	if (!all_digits(t))
		return fail(ps, at, NULL,
			    "bad device '%s' in %s: expected a device number (0 to %d) or *%s",
			    tokstr(tb, t), form, INJ_MAX_DEVICE,
			    pair && memchr(t.s, '-', t.len) ? " (a pair is written A>B)" : "");
	if (!digits_value(t, 0, INJ_MAX_DEVICE, &v))
		return fail(ps, at, NULL, "device %s out of range in %s: expected 0 to %d or *",
			    tokstr(tb, t), form, INJ_MAX_DEVICE);
	*out = (int)v;
	return true;
}

/* Takes a size token: number bytes up to ')' or "..". */
static struct tok take_size(struct parser *ps)
{
	struct tok t = { ps->p, 0 };

	while (ps->p < ps->end && is_num((unsigned char)*ps->p) &&
	       !(ps->p[0] == '.' && ps->p + 1 < ps->end && ps->p[1] == '.'))
		ps->p++;
	t.len = (size_t)(ps->p - t.s);
	return t;
}

/* One bound of size(MIN..MAX), a non-empty token. */
static bool size_value(struct parser *ps, struct tok t, uint64_t *out)
{
	char buf[64], tb[TOKBUF];
	size_t ndig = 0, slen;
	uint64_t one;

	while (ndig < t.len && is_digit((unsigned char)t.s[ndig]))
		ndig++;
	slen = t.len - ndig;
	if (t.len < sizeof(buf)) {
		memcpy(buf, t.s, t.len);
		buf[t.len] = '\0';
		if (ferry__parse_size(buf, out))
			return true;
	}
	/* Digits and a good suffix (tried after a single digit) that failed: too large. */
	if (ndig > 0 && slen < sizeof(buf) - 1) {
		buf[0] = '1';
		memcpy(buf + 1, t.s + ndig, slen);
		buf[1 + slen] = '\0';
		if (ferry__parse_size(buf, &one))
			return fail(ps, t.s, NULL,
				    "size %s out of range in size(MIN..MAX): at most 2^64-1 bytes",
				    tokstr(tb, t));
	}
	return fail(ps, t.s, NULL,
		    "bad size '%s' in size(MIN..MAX): expected bytes with an optional K, M, G or T "
		    "suffix, like 4096, 64K or 1MiB",
		    tokstr(tb, t));
}

/*
 * A probability at the cursor: digits with an optional fraction ("0", "1", "0.25"), in
 * [0, 1]. Converted by hand: strtod would follow the host program's locale.
 */
static bool parse_prob(struct parser *ps, double *out)
{
	const char *at = ps->p;
	struct tok t = take(ps, is_num);
	char buf[16], tb[TOKBUF];
	size_t i = 0, nint = 0, nfrac = 0;
	uint64_t ip = 0, frac = 0, scale = 1;
	bool frac_nonzero = false;

	if (t.len == 0)
		return fail(ps, at, NULL, "expected a probability in p(PROB,SEED), found %s",
			    found(ps, buf));
	for (; i < t.len && is_digit((unsigned char)t.s[i]); i++, nint++)
		if (ip <= 1)
			ip = ip * 10 + (uint64_t)(t.s[i] - '0');
	if (i < t.len && t.s[i] == '.')
		for (i++; i < t.len && is_digit((unsigned char)t.s[i]); i++, nfrac++) {
			frac_nonzero = frac_nonzero || t.s[i] != '0';
			if (nfrac < 18) {
				frac = frac * 10 + (uint64_t)(t.s[i] - '0');
				scale *= 10;
			}
		}
	if (i < t.len || nint == 0 || (nint < t.len && nfrac == 0))
		return fail(ps, at, NULL,
			    "bad probability '%s' in p(PROB,SEED): expected a decimal from 0 to 1, "
			    "like 0.25 (digits and an optional fraction; no sign, no exponent)",
			    tokstr(tb, t));
	if (ip > 1 || (ip == 1 && frac_nonzero))
		return fail(ps, at, NULL,
			    "probability %s out of range in p(PROB,SEED): expected 0 to 1",
			    tokstr(tb, t));
	*out = ip == 1 ? 1.0 : (double)frac / (double)scale;
	return true;
}

/* --- the rule grammar ----------------------------------------------------------------------- */

static const char *target_name(const struct inj_rule *r)
{
	return r->fn >= 0 ? inj_fns[r->fn].name : family_names[r->family];
}

/* target ':' */
static bool parse_target(struct parser *ps, struct inj_rule *r)
{
	const char *at = ps->p;
	struct tok t = take(ps, is_name);
	const char *cands[INJ_NFNS + NFAMILIES];
	char buf[16], tb[TOKBUF];
	int i;

	if (t.len == 0)
		return fail(ps, at, NULL,
			    "expected a CUDA function name or a family (" FAMILIES
			    ") at the start of the rule, found %s",
			    found(ps, buf));
	i = lookup(family_names + 1, NFAMILIES, t.s, t.len);
	if (i >= 0) {
		r->family = (enum inj_family)(i + 1);
		r->fn = -1;
	} else if ((i = inj_fn_lookup(t.s, t.len)) >= 0) {
		r->family = INJ_FAM_NONE;
		r->fn = i;
	} else {
		for (i = 0; i < INJ_NFNS; i++)
			cands[i] = inj_fns[i].name;
		for (size_t f = 0; f < NFAMILIES; f++)
			cands[INJ_NFNS + f] = family_names[f + 1];
		return fail(ps, at, suggest(t, cands, ARRAY_SIZE(cands)),
			    "unknown function or family '%s': expected a function of "
			    "common/cuda_api.def (case matters) or a family: " FAMILIES,
			    tokstr(tb, t));
	}
	if (peek(ps) == ':') {
		ps->p++;
		return true;
	}
	return fail(ps, ps->p, NULL, "expected ':' and an action after the target %s, found %s%s",
		    target_name(r), found(ps, buf),
		    is_blank(peek(ps)) ? " (a rule has no spaces, except before each filter)" : "");
}

/* Whether r's action may act on r's target; fails saying what the action applies to when not. */
static bool action_fits(struct parser *ps, const struct inj_rule *r, const char *at)
{
	int cls = r->fn >= 0 ? (int)inj_fns[r->fn].cls : -1;
	bool device_work = r->family == INJ_FAM_COPY || r->family == INJ_FAM_PEER_COPY ||
			   cls == INJ_CLS_COPY || cls == INJ_CLS_PEER_COPY || cls == INJ_CLS_MEMSET;

	switch (r->action) {
	case INJ_DENY:
		if (r->family == INJ_FAM_PEER_ACCESS || cls == INJ_CLS_PEER_QUERY)
			return true;
		return fail(ps, at, NULL,
			    "deny does not apply to %s: it applies only to capability queries "
			    "(cudaDeviceCanAccessPeer, cudaDeviceGetP2PAttribute, or the family "
			    "peer-access)",
			    target_name(r));
	case INJ_CORRUPT:
		if (device_work)
			return true;
		return fail(ps, at, NULL,
			    "corrupt does not apply to %s: it applies only to calls that write a "
			    "destination (copies, peer copies and memsets, or the families copy "
			    "and peer-copy)",
			    target_name(r));
	case INJ_ASYNC:
		if (device_work)
			return true;
		return fail(ps, at, NULL,
			    "async does not apply to %s: it applies only to work that runs on a "
			    "device (copies, peer copies and memsets, or the families copy and "
			    "peer-copy)",
			    target_name(r));
	case INJ_ERROR:
	case INJ_STICKY:
	case INJ_DELAY:
		break;
	}
	return true;
}

/* The NAME of error(NAME), async(NAME), sticky(NAME), after the '('. */
static bool parse_error_name(struct parser *ps, struct inj_rule *r, const char *form)
{
	const char *at = ps->p;
	struct tok t = take(ps, is_word);
	char buf[16], tb[TOKBUF];
	size_t nnames = 0;
	int v;

	if (t.len == 0)
		return fail(ps, at, NULL, "expected a cudaError_t name in %s, found %s", form,
			    found(ps, buf));
	v = inj_error_lookup(t.s, t.len);
	if (v < 0) {
		while (inj_error_names[nnames])
			nnames++;
		return fail(ps, at, suggest(t, inj_error_names, nnames),
			    "unknown error name '%s': expected a cudaError_t name, like "
			    "cudaErrorMemoryAllocation",
			    tokstr(tb, t));
	}
	if (v == 0)
		return fail(ps, at, NULL,
			    "cudaSuccess is not an error: %s needs a cudaError_t other than "
			    "cudaSuccess",
			    form);
	r->err = v;
	return true;
}

/*
 * One of names at the cursor: its index, or -1 after a message. expected: what a missing
 * one should have been; kind and list: what an unknown one is, and the names it could be.
 */
static int take_keyword(struct parser *ps, const char *const *names, size_t n,
			const char *expected, const char *kind, const char *list)
{
	const char *at = ps->p;
	struct tok t = take(ps, is_word);
	char buf[16], tb[TOKBUF];
	int i;

	if (t.len == 0) {
		fail(ps, at, NULL, "expected %s, found %s", expected, found(ps, buf));
		return -1;
	}
	i = lookup(names, n, t.s, t.len);
	if (i < 0)
		fail(ps, at, suggest(t, names, n), "unknown %s '%s': expected %s", kind,
		     tokstr(tb, t), list);
	return i;
}

/* The MODE of corrupt(MODE), after the '('. */
static bool parse_corrupt_mode(struct parser *ps, struct inj_rule *r)
{
	int m = take_keyword(ps, corrupt_names, ARRAY_SIZE(corrupt_names),
			     "a mode in corrupt(MODE): " MODES, "corrupt mode", MODES);

	if (m < 0)
		return false;
	r->corrupt = (enum inj_corrupt)m;
	return true;
}

/* action, after the ':' */
static bool parse_action(struct parser *ps, struct inj_rule *r)
{
	static const char *const forms[] = {
		[INJ_ERROR] = "error(NAME)", [INJ_ASYNC] = "async(NAME)",
		[INJ_STICKY] = "sticky(NAME)", [INJ_DENY] = "deny",
		[INJ_CORRUPT] = "corrupt(MODE)", [INJ_DELAY] = "delay(USEC)",
	};
	const char *at = ps->p;
	int a = take_keyword(ps, action_names, ARRAY_SIZE(action_names),
			     "an action after ':' (" ACTIONS ")", "action", ACTIONS);
	uint64_t v;

	if (a < 0)
		return false;
	r->action = (enum inj_action)a;
	if (!action_fits(ps, r, at))
		return false;
	if (r->action == INJ_DENY) {
		if (peek(ps) == '(')
			return fail(ps, ps->p, NULL, "deny takes no argument: write just deny");
		return true;
	}
	if (!expect_open(ps, action_names[a], forms[a]))
		return false;
	switch (r->action) {
	case INJ_ERROR:
	case INJ_ASYNC:
	case INJ_STICKY:
		if (!parse_error_name(ps, r, forms[a]))
			return false;
		break;
	case INJ_CORRUPT:
		if (!parse_corrupt_mode(ps, r))
			return false;
		break;
	case INJ_DELAY:
		if (!parse_number(ps, "delay(USEC)", 0, INJ_MAX_DELAY_US, &v))
			return false;
		r->delay_us = (unsigned)v;
		break;
	case INJ_DENY:
		break;
	}
	return expect_close(ps, forms[r->action]);
}

/* trigger, after the '@' */
static bool parse_trigger(struct parser *ps, struct inj_rule *r)
{
	int tr = take_keyword(ps, trigger_names, ARRAY_SIZE(trigger_names),
			      "a trigger after '@' (" TRIGGERS ")", "trigger", TRIGGERS);
	const char *form;

	if (tr < 0)
		return false;
	r->trigger = (enum inj_trigger)tr;
	form = trigger_forms[tr];
	if (r->trigger == INJ_ALWAYS) {
		if (peek(ps) == '(')
			return fail(ps, ps->p, NULL, "always takes no argument: write just always");
		return true;
	}
	if (!expect_open(ps, trigger_names[tr], form))
		return false;
	if (r->trigger == INJ_PROB) {
		if (!parse_prob(ps, &r->prob) ||
		    !expect(ps, ',', "between PROB and SEED in p(PROB,SEED)") ||
		    !parse_number(ps, "p(PROB,SEED)", 0, UINT64_MAX, &r->seed))
			return false;
	} else if (!parse_number(ps, form, r->trigger == INJ_AFTER ? 0 : 1, UINT64_MAX, &r->n)) {
		return false;
	}
	return expect_close(ps, form);
}

/* One filter, at the cursor; seen[] tells the kinds the rule has already. */
static bool parse_filter(struct parser *ps, struct inj_rule *r, bool *seen)
{
	const char *at = ps->p, *min_at;
	int f = take_keyword(ps, filter_names, ARRAY_SIZE(filter_names), "a filter (" FILTERS ")",
			     "filter", FILTERS);
	struct tok lo, hi;
	char buf[16];

	if (f < 0)
		return false;
	if (seen[f])
		return fail(ps, at, NULL,
			    "duplicate filter %s: each kind of filter may appear once in a rule",
			    filter_names[f]);
	seen[f] = true;
	switch ((enum filter)f) {
	case FILTER_PAIR:
		r->has_pair = true;
		return expect_open(ps, "pair", "pair(A>B)") &&
		       parse_device(ps, true, &r->pair_src) &&
		       expect(ps, '>', "between the devices of pair(A>B)") &&
		       parse_device(ps, true, &r->pair_dst) && expect_close(ps, "pair(A>B)");
	case FILTER_DEV:
		r->has_dev = true;
		return expect_open(ps, "dev", "dev(A)") && parse_device(ps, false, &r->dev) &&
		       expect_close(ps, "dev(A)");
	case FILTER_SIZE:
		r->has_size = true;
		if (!expect_open(ps, "size", "size(MIN..MAX)"))
			return false;
		min_at = ps->p;
		lo = take_size(ps);
		if (lo.len && !size_value(ps, lo, &r->size_min))
			return false;
		if (ps->end - ps->p < 2 || ps->p[0] != '.' || ps->p[1] != '.')
			return fail(ps, ps->p, NULL,
				    "expected '..' between MIN and MAX in size(MIN..MAX), found %s",
				    found(ps, buf));
		ps->p += 2;
		hi = take_size(ps);
		if (hi.len && !size_value(ps, hi, &r->size_max))
			return false;
		if (!expect_close(ps, "size(MIN..MAX)"))
			return false;
		if (r->size_min > r->size_max)
			return fail(ps, min_at, NULL,
				    "empty range in size(MIN..MAX): MIN (%" PRIu64
				    " bytes) is more than MAX (%" PRIu64 " bytes)",
				    r->size_min, r->size_max);
		return true;
	case FILTER_FROM: {
		const char *name_at;
		size_t n = 0;

		r->has_from = true;
		if (!expect_open(ps, "from", "from(LIB)"))
			return false;
		name_at = ps->p;
		while (ps->p < ps->end && n + 1 < sizeof(r->from) &&
		       (isalnum((unsigned char)*ps->p) || strchr("_.+-", *ps->p)))
			r->from[n++] = *ps->p++;
		r->from[n] = '\0';
		if (!n)
			return fail(ps, name_at, NULL,
				    "expected a library name in from(LIB) (letters, digits, _ . + -), "
				    "found %s",
				    found(ps, buf));
		return expect_close(ps, "from(LIB)");
	}
	}
	return true;
}

/*
 * rule := target ':' action [ '@' trigger ] { ' ' filter }, over [ps->rule, ps->end), which
 * is trimmed and not empty. r has its defaults.
 */
static bool parse_rule(struct parser *ps, struct inj_rule *r)
{
	bool seen[ARRAY_SIZE(filter_names)] = { false };
	bool has_trigger = false, has_filter = false;
	char buf[16];

	if (!parse_target(ps, r) || !parse_action(ps, r))
		return false;
	if (peek(ps) == '@') {
		ps->p++;
		if (!parse_trigger(ps, r))
			return false;
		has_trigger = true;
	}
	while (ps->p < ps->end) {
		const char *want = "'@' and a trigger, a space and a filter";

		if (has_trigger)
			want = "a space and a filter";
		if (has_filter)
			want = "a space and another filter";
		if (peek(ps) == '@' && has_trigger)
			return fail(ps, ps->p, NULL, "a rule has one trigger at most");
		if (peek(ps) == '@')
			return fail(ps, ps->p, NULL,
				    "the trigger goes right after the action, before the filters");
		if (!is_blank(peek(ps)))
			return fail(ps, ps->p, NULL,
				    "expected %s, or the end of the rule, found %s", want,
				    found(ps, buf));
		while (is_blank(peek(ps)))
			ps->p++;
		if (peek(ps) == '@')
			return fail(ps, ps->p, NULL,
				    "the trigger goes right after the action, with no space: "
				    "ACTION@TRIGGER");
		if (!parse_filter(ps, r, seen))
			return false;
		has_filter = true;
	}
	return true;
}

/* --- the text level ------------------------------------------------------------------------- */

static void rule_defaults(struct inj_rule *r, unsigned index)
{
	memset(r, 0, sizeof(*r));
	r->index = index;
	r->fn = -1;
	r->trigger = INJ_ALWAYS;
	r->pair_src = INJ_ANY;
	r->pair_dst = INJ_ANY;
	r->dev = INJ_ANY;
	r->size_max = UINT64_MAX;
	atomic_init(&r->matched, 0);
	atomic_init(&r->fired, 0);
}

static void free_texts(struct inj_rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
}

/*
 * Parses text into out. In a file (file), a line end also ends a rule and '#' starts a
 * comment; elsewhere a line break is only space around rules. line is the text's first line
 * (0: the messages name none).
 */
static bool parse_text(const char *text, const char *origin, unsigned line, bool file,
		       struct inj_rules *out, char *err, size_t errlen)
{
	struct parser ps = {
		.origin = origin ? origin : "FERRY_FAULTS",
		.show_line = file || line > 0,
		.line = line ? line : 1,
		.err = err,
		.errlen = errlen,
	};
	struct msg m = { err, errlen, 0 };
	struct inj_rule *v = NULL, *nv;
	size_t n = 0, cap = 0;
	const char *p = text;

	if (err && errlen)
		err[0] = '\0';
	if (!text || !out) {
		msg_add(&m, "%s: no rules text given", ps.origin);
		return false;
	}
	if (strnlen(text, INJ_MAX_SPEC + 1) > INJ_MAX_SPEC) {
		msg_add(&m, "%s: too long: more than %u bytes", ps.origin, INJ_MAX_SPEC);
		return false;
	}
	for (;;) {
		const char *start, *end;
		unsigned breaks = 0;

		/* space, empty rules and comments between rules */
		while (*p) {
			if (*p == '\n') {
				ps.line++;
				p++;
			} else if (is_space((unsigned char)*p) || *p == ';') {
				p++;
			} else if (file && *p == '#') {
				while (*p && *p != '\n')
					p++;
			} else {
				break;
			}
		}
		if (!*p)
			break;
		start = p;
		while (*p && *p != ';' && !(file && (*p == '\n' || *p == '#'))) {
			breaks += *p == '\n';
			p++;
		}
		end = p;
		while (end > start && is_space((unsigned char)end[-1]))
			end--;
		ps.number++;
		ps.rule = start;
		ps.end = end;
		ps.p = start;
		if (out->n + n >= INJ_MAX_RULES) {
			fail(&ps, start, NULL, "too many rules: at most %d in all%s", INJ_MAX_RULES,
			     out->n ? " (counting those given before)" : "");
			goto out_free_scratch;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto out_no_memory;
			v = nv;
		}
		rule_defaults(&v[n], (unsigned)(out->n + n + 1));
		if (!parse_rule(&ps, &v[n]))
			goto out_free_scratch;
		v[n].text = strndup(start, (size_t)(end - start));
		if (!v[n].text)
			goto out_no_memory;
		n++;
		ps.line += breaks;
	}
	if (n) {
		nv = realloc(out->v, (out->n + n) * sizeof(*nv));
		if (!nv)
			goto out_no_memory;
		memcpy(nv + out->n, v, n * sizeof(*v));
		out->v = nv;
		out->n += n;
	}
	free(v);
	return true;

out_no_memory:
	msg_add(&m, "%s: out of memory", ps.origin);
out_free_scratch:
	free_texts(v, n);
	free(v);
	return false;
}

/*
 * Appending may move out->v (realloc): take pointers to rules only once every text is parsed,
 * and never parse into a set that other threads are matching against.
 */
bool inj_rules_parse(const char *spec, const char *origin, unsigned line, struct inj_rules *out,
		     char *err, size_t errlen)
{
	return parse_text(spec, origin, line, false, out, err, errlen);
}

/* A file's rules: as inj_rules_parse's, and a line end also ends a rule, '#' a comment. */
bool inj_rules_parse_file(const char *text, const char *path, struct inj_rules *out, char *err,
			  size_t errlen)
{
	return parse_text(text, path ? path : "rules file", 1, true, out, err, errlen);
}

void inj_rules_free(struct inj_rules *r)
{
	if (!r)
		return;
	free_texts(r->v, r->n);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* --- matching and triggers ------------------------------------------------------------------ */

bool inj_rule_matches(const struct inj_rule *r, const struct inj_call *c)
{
	if (r->fn >= 0) {
		if (c->fn != r->fn)
			return false;
	} else if (!(c->family_bits & (1 << r->family))) {
		return false;
	}
	if (r->has_pair) {
		/* a call without a pair of devices has no device to compare with a named one */
		bool names_device = r->pair_src != INJ_ANY || r->pair_dst != INJ_ANY;

		if (names_device && (c->src < 0 || c->dst < 0))
			return false;
		if (r->pair_src != INJ_ANY && c->src != r->pair_src)
			return false;
		if (r->pair_dst != INJ_ANY && c->dst != r->pair_dst)
			return false;
	}
	if (r->has_dev && r->dev != INJ_ANY && c->dev != r->dev && c->src != r->dev &&
	    c->dst != r->dev)
		return false;
	if (r->has_size && (c->size < r->size_min || c->size > r->size_max))
		return false;
	if (r->has_from) {
		const char *base;

		if (!c->caller)
			return false;
		base = strrchr(c->caller, '/');
		if (!strstr(base ? base + 1 : c->caller, r->from))
			return false;
	}
	return true;
}

/* splitmix64's finaliser: a well-mixed 64-bit value of x. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Counts the call (its number k is 1 for the first call that matched r) and decides by k
 * alone, so that any number of threads may call it at once: each k is drawn once, and
 * p(PROB,SEED) depends only on the seed and k.
 */
bool inj_rule_triggers(struct inj_rule *r)
{
	uint64_t k = atomic_fetch_add_explicit(&r->matched, 1, memory_order_relaxed) + 1;
	bool fire = false;

	switch (r->trigger) {
	case INJ_ALWAYS:
		fire = true;
		break;
	case INJ_NTH:
		fire = k == r->n;
		break;
	case INJ_EVERY:
		fire = r->n && k % r->n == 0;
		break;
	case INJ_AFTER:
		fire = k > r->n;
		break;
	case INJ_FIRST:
		fire = k <= r->n;
		break;
	case INJ_PROB:
		/* 53 bits of the hash as a double in [0, 1): p(1,..) always fires, p(0,..) never */
		fire = (double)(mix64(r->seed + k * 0x9e3779b97f4a7c15ULL) >> 11) * 0x1.0p-53 <
		       r->prob;
		break;
	}
	if (fire)
		atomic_fetch_add_explicit(&r->fired, 1, memory_order_relaxed);
	return fire;
}
