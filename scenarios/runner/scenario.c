/*
 * scenario.c: the scenario parser (grammar in scenario.h). Line by line: a directive, then
 * its words; copy steps with lists of values are expanded into one step per combination.
 * Fault rules are checked with the interposer's own parser, so a bad rule is reported at its
 * line in the scenario before anything runs.
 */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ferry.h"
#include "rules.h"

static const char *const path_names[] = {
#define FERRY_XX(name, text) text,
	FERRY_PATH_MAP(FERRY_XX)
#undef FERRY_XX
};
#define NPATHS (sizeof(path_names) / sizeof(path_names[0]))

static const char *const status_names[] = {
#define FERRY_XX(name, msg) "FERRY_" #name,
	FERRY_STATUS_MAP(FERRY_XX)
#undef FERRY_XX
};
#define NSTATUSES (sizeof(status_names) / sizeof(status_names[0]))

const char *scn_path_name(int p)
{
	return p >= 0 && (size_t)p < NPATHS ? path_names[p] : "unknown";
}

const char *scn_status_name(int s)
{
	return s >= 0 && (size_t)s < NSTATUSES ? status_names[s] : "FERRY_E_UNKNOWN";
}

/* --- the parser's state -------------------------------------------------------------------- */

struct parser {
	const char *name;
	unsigned line;
	const char *bol;	/* start of the current line, for columns */
	char *err;
	size_t errlen;
	struct scenario *s;
	size_t cap;
	struct inj_rules rules;
	unsigned peers_line, peers_col;	/* where the peers directive's spec starts */
};

static bool fail(struct parser *p, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct parser *p, const char *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%u:%u: ", p->name, p->line,
		     (unsigned)(at - p->bol) + 1);
	if (n < 0 || (size_t)n >= p->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static const char *skip_space(const char *c)
{
	while (*c == ' ' || *c == '\t')
		c++;
	return c;
}

/* The word at c (up to a space or the end), copied into out. */
static const char *word(const char *c, char *out, size_t len)
{
	size_t n = 0;

	while (*c && *c != ' ' && *c != '\t') {
		if (n + 1 < len)
			out[n++] = *c;
		c++;
	}
	out[n] = '\0';
	return c;
}

static bool parse_size(const char *t, size_t *out)
{
	uint64_t v;

	if (!ferry__parse_size(t, &v) || v > ((uint64_t)1 << 40))
		return false;
	*out = (size_t)v;
	return true;
}

/* --- devices and lists ------------------------------------------------------------------- */

static bool parse_endpoint(struct parser *p, const char *at, const char *t, size_t n, int *out)
{
	char buf[16];
	uint64_t v;

	if (n >= sizeof(buf))
		return fail(p, at, "'%.*s' is not a device number, host, pinned or registered",
			    (int)n, t);
	memcpy(buf, t, n);
	buf[n] = '\0';
	if (strcmp(buf, "host") == 0)
		*out = SCN_HOST;
	else if (strcmp(buf, "pinned") == 0)
		*out = SCN_PINNED;
	else if (strcmp(buf, "registered") == 0)
		*out = SCN_REGISTERED;
	else if (ferry__parse_u64(buf, 0, 63, &v))
		*out = (int)v;
	else
		return fail(p, at, "'%s' is not a device number (0..63), host, pinned or registered",
			    buf);
	return true;
}

/* Splits s at '|' into at most max alternatives (in place). */
static size_t split_alts(char *s, char **alts, size_t max)
{
	size_t n = 0;

	for (char *c = s; n < max;) {
		alts[n++] = c;
		c = strchr(c, '|');
		if (!c)
			break;
		*c++ = '\0';
	}
	return n;
}

/* --- copy steps -------------------------------------------------------------------------- */

#define MAX_ALTS 16
#define NINPUTS 4	/* size/layout, pattern, stream, repeat */

static const char *const copy_keys[] = { "size", "layout", "pattern", "stream", "repeat",
					 "path", "status", "fallback", "count", "via", "mode" };
static const char *const via_names[] = { "batch", "loop", "per-item", "graph", "unplanned" };

static bool parse_layout(struct parser *p, const char *at, const char *v, struct scn_layout *l)
{
	char buf[160], *f[8], *save = NULL;
	size_t n = 0, want;

	memset(l, 0, sizeof(*l));
	if (strncmp(v, "2d:", 3) == 0) {
		l->ndim = 2;
		want = 4;
	} else if (strncmp(v, "3d:", 3) == 0) {
		l->ndim = 3;
		want = 7;
	} else {
		return fail(p, at, "layout '%s': expected 2d:W,H,SP,DP or 3d:W,H,D,SP,SS,DP,DS", v);
	}
	snprintf(buf, sizeof(buf), "%s", v + 3);
	for (char *t = strtok_r(buf, ",", &save); t && n < 8; t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	if (n != want)
		return fail(p, at, "layout '%s': expected %zu numbers, found %zu", v, want, n);
	for (size_t i = 0; i < n; i++) {
		size_t x;

		if (!parse_size(f[i], &x))
			return fail(p, at, "layout '%s': '%s' is not a size", v, f[i]);
		if (l->ndim == 2)
			*((size_t *[]){ &l->w, &l->h, &l->sp, &l->dp })[i] = x;
		else
			*((size_t *[]){ &l->w, &l->h, &l->d, &l->sp, &l->ss, &l->dp, &l->ds })[i] = x;
	}
	if (l->ndim == 2) {
		l->d = 1;
		l->ss = l->sp * l->h;
		l->ds = l->dp * l->h;
	}
	if (l->w == 0 || l->h == 0 || l->d == 0)
		return fail(p, at, "layout '%s': extents must not be 0", v);
	if ((l->h > 1 && (l->sp < l->w || l->dp < l->w)) ||
	    (l->d > 1 && (l->ss < l->sp * (l->h - 1) + l->w || l->ds < l->dp * (l->h - 1) + l->w)))
		return fail(p, at, "layout '%s': a pitch is smaller than what it must hold", v);
	return true;
}

static bool add_step(struct parser *p, const struct scn_step *st)
{
	struct scenario *s = p->s;

	if (s->nsteps == SCN_MAX_STEPS)
		return fail(p, p->bol, "more than %d steps (after expanding lists)", SCN_MAX_STEPS);
	if (s->nsteps == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct scn_step *v = realloc(s->steps, cap * sizeof(*v));

		if (!v)
			return fail(p, p->bol, "out of memory");
		s->steps = v;
		p->cap = cap;
	}
	s->steps[s->nsteps++] = *st;
	return true;
}

enum step_kind { STEP_COPY, STEP_BATCH, STEP_PLAN, STEP_MOVE };

static bool parse_copy(struct parser *p, const char *c, enum step_kind kind)
{
	bool batch = kind == STEP_BATCH;
	struct scn_step base;
	char tok[256], *alts[NINPUTS][MAX_ALTS], inbuf[NINPUTS][256];
	size_t nalts[NINPUTS] = { 0, 0, 0, 0 };
	const char *at_in[NINPUTS] = { NULL, NULL, NULL, NULL };
	const char *route = c, *gt;
	size_t idx[NINPUTS] = { 0, 0, 0, 0 };
	bool is_layout = false, has_status = false;
	const char *at_mode = route;

	memset(&base, 0, sizeof(base));
	base.line = p->line;
	base.stream_dev = -1;
	base.repeat = 1;
	base.status = FERRY_OK;
	base.is_batch = batch;
	base.is_plan = kind == STEP_PLAN;
	base.is_move = kind == STEP_MOVE;
	base.count = 1;
	c = word(c, tok, sizeof(tok));
	gt = strchr(tok, '>');
	if (!tok[0] || !gt)
		return fail(p, route, "expected SRC>DST (a device number, host or pinned, each side)");
	if (!parse_endpoint(p, route, tok, (size_t)(gt - tok), &base.src) ||
	    !parse_endpoint(p, route + (gt - tok) + 1, gt + 1, strlen(gt + 1), &base.dst))
		return false;
	if (kind == STEP_MOVE && (base.dst == SCN_PINNED || base.dst == SCN_REGISTERED))
		return fail(p, route + (gt - tok) + 1, "a move's DST is a device or host: "
			    "ferry_move allocates it");
	for (c = skip_space(c); *c; c = skip_space(c)) {
		const char *at = c, *eq;
		char *v;
		size_t k;

		c = word(c, tok, sizeof(tok));
		eq = strchr(tok, '=');
		if (!eq || eq == tok)
			return fail(p, at, "expected KEY=VALUE, found '%s'", tok);
		tok[eq - tok] = '\0';
		v = tok + (eq - tok) + 1;
		for (k = 0; k < sizeof(copy_keys) / sizeof(copy_keys[0]); k++)
			if (strcmp(tok, copy_keys[k]) == 0)
				break;
		if (k == sizeof(copy_keys) / sizeof(copy_keys[0])) {
			const char *near = ferry__nearest(tok, copy_keys,
							  sizeof(copy_keys) / sizeof(copy_keys[0]));

			return fail(p, at, "unknown key '%s'%s%s%s", tok,
				    near ? " (did you mean '" : "", near ? near : "",
				    near ? "'?)" : "");
		}
		if (!*v)
			return fail(p, at, "%s= needs a value", tok);
		if ((k == 8 && !batch) || (k == 9 && (kind == STEP_COPY || kind == STEP_MOVE)))
			return fail(p, at, "%s= belongs to %s steps", tok,
				    k == 8 ? "batch" : "batch and plan");
		if (k == 1 && kind != STEP_COPY)
			return fail(p, at, "a %s step copies size= bytes, not a layout",
				    batch ? "batch" : kind == STEP_PLAN ? "plan" : "move");
		if (k == 8) {	/* count=N */
			uint64_t n;

			if (!ferry__parse_u64(v, 1, 65536, &n))
				return fail(p, at, "count '%s': expected 1..65536 items", v);
			base.count = (unsigned)n;
			continue;
		}
		if (k == 10) {	/* mode=plain|capture|pending */
			static const char *const modes[] = { "plain", "capture", "pending",
							     "invalidated" };
			size_t q;

			for (q = 0; q < 4; q++)
				if (strcmp(v, modes[q]) == 0)
					break;
			if (q == 4) {
				const char *near = ferry__nearest(v, modes, 4);

				return fail(p, at, "unknown mode '%s'%s%s%s (plain, capture, pending, "
					    "invalidated)", v, near ? " (did you mean '" : "",
					    near ? near : "", near ? "'?)" : "");
			}
			if ((q == SCN_CAPTURE || q == SCN_INVALIDATED) && kind == STEP_MOVE)
				return fail(p, at, "a move allocates: it cannot be captured (mode=plain "
					    "or pending)");
			base.mode = (enum scn_mode)q;
			at_mode = at;
			continue;
		}
		if (k == 9) {	/* via=a|b */
			char *va[MAX_ALTS];
			size_t n = split_alts(v, va, MAX_ALTS);

			for (size_t i = 0; i < n; i++) {
				size_t q, lo = batch ? 0 : 3, hi = batch ? 3 : 5;

				for (q = lo; q < hi; q++)
					if (strcmp(va[i], via_names[q]) == 0)
						break;
				if (q == hi)
					return fail(p, at, "unknown via '%s' (%s)", va[i],
						    batch ? "batch, loop, per-item" : "graph, unplanned");
				base.via_mask |= 1u << q;
			}
			continue;
		}
		if (k <= 4) {
			/* inputs: size and layout share axis 0; pattern 1, stream 2, repeat 3 */
			size_t slot = k <= 1 ? 0 : k - 1;

			if (nalts[slot])
				return fail(p, at, "%s given twice%s", tok,
					    slot == 0 ? " (or with size/layout)" : "");
			snprintf(inbuf[slot], sizeof(inbuf[slot]), "%s", v);
			nalts[slot] = split_alts(inbuf[slot], alts[slot], MAX_ALTS);
			at_in[slot] = at;
			is_layout |= k == 1;
			continue;
		}
		if (k == 5) {	/* path=a|b */
			char *pa[MAX_ALTS];
			size_t n = split_alts(v, pa, MAX_ALTS);

			for (size_t i = 0; i < n; i++) {
				size_t q;

				for (q = 0; q < NPATHS; q++)
					if (strcmp(pa[i], path_names[q]) == 0)
						break;
				if (q == NPATHS) {
					const char *near = ferry__nearest(pa[i], path_names, NPATHS);

					return fail(p, at, "unknown path '%s'%s%s%s", pa[i],
						    near ? " (did you mean '" : "", near ? near : "",
						    near ? "'?)" : "");
				}
				base.path_mask |= 1u << q;
			}
		} else if (k == 6) {	/* status */
			char full[64];
			size_t q;

			snprintf(full, sizeof(full), "%s%s", strncmp(v, "FERRY_", 6) ? "FERRY_" : "",
				 v);
			for (q = 0; q < NSTATUSES; q++)
				if (strcmp(full, status_names[q]) == 0)
					break;
			if (q == NSTATUSES) {
				const char *near = ferry__nearest(full, status_names, NSTATUSES);

				return fail(p, at, "unknown status '%s'%s%s%s", v,
					    near ? " (did you mean '" : "", near ? near : "",
					    near ? "'?)" : "");
			}
			base.status = (int)q;
			has_status = true;
		} else {	/* fallback=PATH:ERROR */
			char *colon = strchr(v, ':');
			size_t q;

			if (base.nfallbacks == SCN_MAX_FALLBACKS)
				return fail(p, at, "more than %d fallback= expectations",
					    SCN_MAX_FALLBACKS);
			if (!colon)
				return fail(p, at, "fallback '%s': expected PATH:ERROR", v);
			*colon = '\0';
			for (q = 0; q < NPATHS; q++)
				if (strcmp(v, path_names[q]) == 0)
					break;
			if (q == NPATHS)
				return fail(p, at, "fallback: unknown path '%s'", v);
			if (strcmp(colon + 1, "any") != 0 && strncmp(colon + 1, "cudaError", 9) != 0 &&
			    strcmp(colon + 1, "cudaSuccess") != 0)
				return fail(p, at, "fallback: '%s' is not a cudaError name, cudaSuccess "
					    "(a policy or a self-test) or any",
					    colon + 1);
			base.fb_path[base.nfallbacks] = (int)q;
			snprintf(base.fb_error[base.nfallbacks], sizeof(base.fb_error[0]), "%s",
				 colon + 1);
			base.nfallbacks++;
		}
	}
	if (!nalts[0])
		return fail(p, route, "a copy needs size= or layout=");
	if (base.mode == SCN_PENDING && !has_status)
		base.status = FERRY_E_PENDING;
	if (base.mode == SCN_INVALIDATED && !has_status)
		base.status = FERRY_E_CAPTURE;
	if (base.mode == SCN_CAPTURE || base.mode == SCN_INVALIDATED) {
		bool legacy = !nalts[2];

		for (size_t i = 0; i < nalts[2]; i++)
			legacy |= strcmp(alts[2][i], "default") == 0;
		if (legacy)
			return fail(p, at_mode, "mode=%s needs stream=DEV: the legacy stream "
				    "(stream=default, the default) cannot capture",
				    base.mode == SCN_CAPTURE ? "capture" : "invalidated");
	}
	for (size_t i = 0; i < NINPUTS; i++)
		if (!nalts[i]) {
			alts[i][0] = NULL;
			nalts[i] = 1;
		}
	/* one step per combination of the lists */
	for (;;) {
		struct scn_step st = base;
		const char *sz = alts[0][idx[0]], *pat = alts[1][idx[1]], *str = alts[2][idx[2]];
		const char *rep = alts[3][idx[3]];

		if (is_layout) {
			if (!parse_layout(p, at_in[0], sz, &st.layout))
				return false;
		} else {
			st.layout.ndim = 1;
			if (!parse_size(sz, &st.layout.size))
				return fail(p, at_in[0], "'%s' is not a size", sz);
		}
		if (pat) {
			static const char *const pats[] = { "random", "f32", "bf16", "fp16" };
			size_t q;

			for (q = 0; q < 4; q++)
				if (strcmp(pat, pats[q]) == 0)
					break;
			if (q == 4)
				return fail(p, at_in[1], "unknown pattern '%s' (random, f32, bf16, fp16)",
					    pat);
			st.pattern = (enum scn_pattern)q;
		}
		if (str && strcmp(str, "default") != 0) {
			uint64_t v;

			if (!ferry__parse_u64(str, 0, 63, &v))
				return fail(p, at_in[2], "stream '%s': expected default or a device",
					    str);
			st.stream_dev = (int)v;
		}
		if (rep) {
			uint64_t v;

			if (!ferry__parse_u64(rep, 1, 100000, &v))
				return fail(p, at_in[3], "repeat '%s': expected 1..100000", rep);
			st.repeat = (unsigned)v;
		}
		{
			char e[16], f[16];

			snprintf(e, sizeof(e), "%d", st.src);
			snprintf(f, sizeof(f), "%d", st.dst);
			snprintf(st.text, sizeof(st.text), "%s %s>%s %s%s%s%s",
				 kind == STEP_BATCH ? "batch" : kind == STEP_PLAN ? "plan" :
				 kind == STEP_MOVE ? "move" : "copy",
				 st.src == SCN_HOST ? "host" : st.src == SCN_PINNED ? "pinned" :
				 st.src == SCN_REGISTERED ? "registered" : e,
				 st.dst == SCN_HOST ? "host" : st.dst == SCN_PINNED ? "pinned" :
				 st.dst == SCN_REGISTERED ? "registered" : f,
				 st.layout.ndim == 1 ? "size=" : "layout=", sz,
				 pat ? " pattern=" : "", pat ? pat : "");
		}
		if (!add_step(p, &st))
			return false;
		/* the next combination */
		{
			size_t i = 0;

			while (i < NINPUTS && ++idx[i] == nalts[i])
				idx[i++] = 0;
			if (i == NINPUTS)
				break;
		}
	}
	return true;
}

/* --- other directives ----------------------------------------------------------------------- */

static const char *const config_keys[] = { "chunk", "slots", "budget", "flags",
					   "self-test-timeout" };
#define NCONFIG (sizeof(config_keys) / sizeof(config_keys[0]))
static const char *const flag_names[] = { "never-peer", "always-stage", "no-self-test",
					  "no-pinned", "no-batch" };
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static bool parse_config(struct parser *p, const char *c)
{
	struct scenario *s = p->s;
	char tok[256];

	s->has_config = true;
	for (c = skip_space(c); *c; c = skip_space(c)) {
		const char *at = c;
		char *v, *eq;
		uint64_t n;
		size_t k;

		c = word(c, tok, sizeof(tok));
		eq = strchr(tok, '=');
		if (!eq)
			return fail(p, at, "expected KEY=VALUE, found '%s'", tok);
		*eq = '\0';
		v = eq + 1;
		for (k = 0; k < NCONFIG; k++)
			if (strcmp(tok, config_keys[k]) == 0)
				break;
		if (k == NCONFIG) {
			const char *near = ferry__nearest(tok, config_keys, NCONFIG);

			return fail(p, at, "unknown config key '%s'%s%s%s", tok,
				    near ? " (did you mean '" : "", near ? near : "",
				    near ? "'?)" : "");
		}
		if (k == 0 && !parse_size(v, &s->chunk))
			return fail(p, at, "chunk '%s' is not a size", v);
		if (k == 2 && !parse_size(v, &s->budget))
			return fail(p, at, "budget '%s' is not a size", v);
		s->has_budget |= k == 2;
		if (k == 1) {
			if (!ferry__parse_u64(v, 2, 64, &n))
				return fail(p, at, "slots '%s': expected 2..64", v);
			s->slots = (unsigned)n;
		}
		if (k == 4) {
			if (!ferry__parse_u64(v, 1, 600000, &n))
				return fail(p, at, "self-test-timeout '%s': expected 1..600000 ms", v);
			s->self_test_ms = (unsigned)n;
		}
		if (k == 3) {
			char *save = NULL;

			for (char *f = strtok_r(v, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
				size_t q;

				for (q = 0; q < NFLAGS; q++)
					if (strcmp(f, flag_names[q]) == 0)
						break;
				if (q == NFLAGS) {
					const char *near = ferry__nearest(f, flag_names, NFLAGS);

					return fail(p, at, "unknown flag '%s'%s%s%s", f,
						    near ? " (did you mean '" : "",
						    near ? near : "", near ? "'?)" : "");
				}
				s->flags |= 1u << q;
			}
		}
	}
	return true;
}

static bool parse_fault(struct parser *p, const char *c)
{
	struct scenario *s = p->s;
	char msg[1024];
	size_t have = s->faults ? strlen(s->faults) : 0, add = strlen(c);
	char *f;

	if (!*c)
		return fail(p, c, "fault needs a rule");
	if (!inj_rules_parse(c, p->name, p->line, &p->rules, msg, sizeof(msg)))
		return fail(p, c, "bad fault rule:\n%s", msg);
	f = realloc(s->faults, have + add + 2);
	if (!f)
		return fail(p, c, "out of memory");
	if (have)
		f[have++] = ';';
	memcpy(f + have, c, add + 1);
	s->faults = f;
	s->nrules = (unsigned)p->rules.n;
	return true;
}

/* cuda VER|VER...|all */
static bool parse_cuda(struct parser *p, const char *c)
{
	struct scenario *s = p->s;
	const char *v = c;

	if (s->ncuda)
		return fail(p, c, "cuda is given twice (one line lists every version: 12.8|13.0)");
	if (strcmp(c, "all") == 0) {
		for (unsigned i = 0; i < FERRY_CUDA_NMATRIX; i++)
			snprintf(s->cuda[s->ncuda++], sizeof(s->cuda[0]), "%s", ferry__cuda_matrix[i]);
		return true;
	}
	for (;;) {
		size_t n = strcspn(v, "|");
		char ver[16];

		snprintf(ver, sizeof(ver), "%.*s", (int)(n < 15 ? n : 15), v);
		if (n == 0 || n > 5 || ferry__cuda_version_index(ver) < 0) {
			const char *near = ferry__nearest(ver, ferry__cuda_versions,
							  FERRY_CUDA_NVERSIONS);

			return fail(p, v, "cuda '%.*s': not a version ferry emulates (11.8, 12.0 ... "
				    "12.6, 12.8, 12.9, 13.0, or all)%s%s%s", (int)n, v,
				    near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
		}
		for (unsigned i = 0; i < s->ncuda; i++)
			if (strcmp(s->cuda[i], ver) == 0)
				return fail(p, v, "cuda %s is listed twice", ver);
		snprintf(s->cuda[s->ncuda++], sizeof(s->cuda[0]), "%s",
			 ferry__cuda_versions[ferry__cuda_version_index(ver)]);
		if (v[n] != '|')
			return true;
		v += n + 1;
	}
}

/* --- shim expectations ----------------------------------------------------------------------- */

static const char *const shim_caps[] = {
#define FERRY_SHIM_CAP(id, name, v0, v1, v2, v3) name,
#include "variants.def"
#undef FERRY_SHIM_CAP
};

static const char *const shim_variants[][4] = {
#define FERRY_SHIM_CAP(id, name, v0, v1, v2, v3) { v0, v1, v2, v3 },
#include "variants.def"
#undef FERRY_SHIM_CAP
};

#define NCAPS (sizeof(shim_caps) / sizeof(shim_caps[0]))

unsigned scn_shim_ncaps(void)
{
	return NCAPS;
}

const char *scn_shim_cap(unsigned cap)
{
	return cap < NCAPS ? shim_caps[cap] : NULL;
}

const char *scn_shim_variant(unsigned cap, unsigned v)
{
	return cap < NCAPS && v < 4 ? shim_variants[cap][v] : NULL;
}

/* shim VER|*: CAP=V[|V] ... */
static bool parse_shim(struct parser *p, const char *c)
{
	struct scenario *s = p->s;
	const char *colon = strchr(c, ':'), *t;
	char ver[16];
	int vi = -1;

	if (!colon || colon == c)
		return fail(p, c, "shim needs VERSION: CAP=VARIANT ... (or *: for every version)");
	snprintf(ver, sizeof(ver), "%.*s", (int)(colon - c < 15 ? colon - c : 15), c);
	if (strcmp(ver, "*") != 0) {
		vi = ferry__cuda_version_index(ver);
		if (vi < 0)
			return fail(p, c, "shim '%s': not a version ferry emulates (11.8, 12.0 ... "
				    "13.0) nor *", ver);
	}
	t = skip_space(colon + 1);
	if (!*t)
		return fail(p, t, "shim %s: needs CAP=VARIANT", ver);
	while (*t) {
		char tok[128], *eq, *v, *save = NULL;
		const char *at = t;
		struct scn_shim e;
		unsigned cap;

		t = skip_space(word(t, tok, sizeof(tok)));
		eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1])
			return fail(p, at, "'%s': expected CAP=VARIANT", tok);
		*eq = '\0';
		for (cap = 0; cap < NCAPS; cap++)
			if (strcmp(tok, shim_caps[cap]) == 0)
				break;
		if (cap == NCAPS) {
			const char *near = ferry__nearest(tok, shim_caps, NCAPS);

			return fail(p, at, "unknown shim capability '%s'%s%s%s", tok,
				    near ? " (did you mean '" : "", near ? near : "",
				    near ? "'?)" : "");
		}
		memset(&e, 0, sizeof(e));
		e.version = vi;
		e.cap = cap;
		e.line = p->line;
		e.col = (unsigned)(at - p->bol) + 1;
		for (v = strtok_r(eq + 1, "|", &save); v; v = strtok_r(NULL, "|", &save)) {
			unsigned k;

			for (k = 0; k < 4 && shim_variants[cap][k]; k++)
				if (strcmp(v, shim_variants[cap][k]) == 0)
					break;
			if (k == 4 || !shim_variants[cap][k]) {
				size_t nv = 0;
				const char *near;

				while (nv < 4 && shim_variants[cap][nv])
					nv++;
				near = ferry__nearest(v, shim_variants[cap], nv);
				return fail(p, at, "unknown variant '%s' of %s%s%s%s", v,
					    shim_caps[cap], near ? " (did you mean '" : "",
					    near ? near : "", near ? "'?)" : "");
			}
			e.variants |= 1u << k;
		}
		if (s->nshim == SCN_MAX_SHIM)
			return fail(p, at, "more than %d shim expectations", SCN_MAX_SHIM);
		s->shim[s->nshim++] = e;
	}
	return true;
}

/* --- symbols (hide) ---------------------------------------------------------------------------- */

/* Every function CUDA 13.0's runtime exports: the ones ferry models and wraps, the ones the
 * simulator answers as unmodelled (both generated from libcudart.so.13), and those written
 * by hand. */
static const char *const runtime_symbols[] = {
#define FERRY_CUDA_FN(name, params, args, family, devices, size, stream, dst, twin, flags) #name,
#include "cuda_api.def"
#undef FERRY_CUDA_FN
#define FERRY_SIM_UNMODELLED(name) #name,
#include "unmodelled.def"
#undef FERRY_SIM_UNMODELLED
	"cudaGetErrorName", "cudaGetErrorString", "cudaGetDriverEntryPoint",
	"cudaGetDriverEntryPointByVersion",
};
#define NRUNTIME (sizeof(runtime_symbols) / sizeof(runtime_symbols[0]))

bool scn_symbol_check(const char *name, char *msg, size_t len)
{
	char base[64];
	size_t n = strlen(name);
	bool ok = n >= 3 && n < sizeof(base) && strncmp(name, "cu", 2) == 0;

	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || name[i] == '_';
	if (!ok) {
		snprintf(msg, len, "'%.80s' is not a CUDA symbol name (cu..., letters, digits and _)",
			 name);
		return false;
	}
	if (strncmp(name, "cuda", 4) != 0)
		return true;	/* a driver symbol: the driver's set is not known here */
	snprintf(base, sizeof(base), "%s", name);
	n = strlen(base);
	if (n > 5 && (strcmp(base + n - 5, "_ptsz") == 0 || strcmp(base + n - 5, "_ptds") == 0))
		base[n -= 5] = '\0';
	/* the names older runtimes had: a _v2/_v3 of a function, the calls 13.0 removed */
	if (n > 3 && base[n - 3] == '_' && base[n - 2] == 'v' && isdigit((unsigned char)base[n - 1]))
		base[n -= 3] = '\0';
	if (strncmp(base, "cudaThread", 10) == 0 || strncmp(base, "cudaSetDoubleFor", 16) == 0 ||
	    strcmp(base, "cudaLaunchCooperativeKernelMultiDevice") == 0)
		return true;
	for (size_t i = 0; i < NRUNTIME; i++)
		if (strcmp(base, runtime_symbols[i]) == 0)
			return true;
	{
		const char *near = ferry__nearest(base, runtime_symbols, NRUNTIME);

		snprintf(msg, len, "no CUDA runtime function '%s'%s%s%s", name,
			 near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	}
	return false;
}

static bool parse_hide(struct parser *p, const char *c)
{
	struct scenario *s = p->s;

	if (!*c)
		return fail(p, c, "hide needs CUDA symbol names");
	for (c = skip_space(c); *c; c = skip_space(c)) {
		const char *at = c;
		char tok[96], msg[200];

		c = word(c, tok, sizeof(tok));
		if (!scn_symbol_check(tok, msg, sizeof(msg)))
			return fail(p, at, "hide: %s", msg);
		if (strlen(s->hide) + strlen(tok) + 2 > sizeof(s->hide) || s->nhide == 32)
			return fail(p, at, "hide: more than 32 symbols");
		if (s->hide[0])
			strcat(s->hide, ",");
		strcat(s->hide, tok);
		s->nhide++;
	}
	return true;
}

static const char *const misuse_names[] = {
#define MISUSE(id, name, fn, meaning) name,
#include "misuse.def"
#undef MISUSE
};

#define NMISUSE (sizeof(misuse_names) / sizeof(misuse_names[0]))
_Static_assert(NMISUSE <= 64, "misuse_mask holds 64 cases");

/* sim sched=MODE progress-ms=N */
static bool parse_sim(struct parser *p, const char *c)
{
	struct scenario *s = p->s;
	char tok[64];

	if (!*c)
		return fail(p, c, "sim needs sched=random|eager|lazy or progress-ms=N");
	for (c = skip_space(c); *c; c = skip_space(c)) {
		const char *at = c;
		uint64_t n;

		c = word(c, tok, sizeof(tok));
		if (strncmp(tok, "sched=", 6) == 0) {
			if (strcmp(tok + 6, "random") && strcmp(tok + 6, "eager") &&
			    strcmp(tok + 6, "lazy"))
				return fail(p, at, "sim: sched '%s' is not one of random, eager, lazy",
					    tok + 6);
			snprintf(s->sim_sched, sizeof(s->sim_sched), "%s", tok + 6);
		} else if (strncmp(tok, "progress-ms=", 12) == 0) {
			if (!ferry__parse_u64(tok + 12, 0, 3600000, &n))
				return fail(p, at, "sim: progress-ms '%s': expected 0..3600000",
					    tok + 12);
			snprintf(s->sim_progress, sizeof(s->sim_progress), "%llu",
				 (unsigned long long)n);
		} else {
			return fail(p, at, "sim: unknown key '%s' (sched=, progress-ms=)", tok);
		}
	}
	return true;
}

/* misuse CASE...|all: one step running the cases named, in misuse.def's order. */
static bool parse_misuse(struct parser *p, const char *c)
{
	struct scn_step st;
	char tok[64];

	memset(&st, 0, sizeof(st));
	st.line = p->line;
	st.is_misuse = true;
	if (!*c)
		return fail(p, c, "misuse needs a case name or all");
	snprintf(st.text, sizeof(st.text), "misuse %.150s", c);
	for (c = skip_space(c); *c; c = skip_space(c)) {
		const char *at = c;
		size_t k;

		c = word(c, tok, sizeof(tok));
		if (strcmp(tok, "all") == 0) {
			st.misuse_mask |= NMISUSE == 64 ? ~0ull : (1ull << NMISUSE) - 1;
			continue;
		}
		for (k = 0; k < NMISUSE; k++)
			if (strcmp(tok, misuse_names[k]) == 0)
				break;
		if (k == NMISUSE) {
			const char *near = ferry__nearest(tok, misuse_names, NMISUSE);

			return fail(p, at, "unknown misuse case '%s'%s%s%s (the cases: "
				    "scenarios/runner/misuse.def)", tok,
				    near ? " (did you mean '" : "", near ? near : "",
				    near ? "'?)" : "");
		}
		if (st.misuse_mask & (1ull << k))
			return fail(p, at, "misuse case '%s' named twice", tok);
		st.misuse_mask |= 1ull << k;
	}
	return add_step(p, &st);
}

static const char *const directives[] = { "scenario", "cites", "devices", "peers", "config",
					  "fault", "copy", "run", "enable", "cuda", "shim", "batch",
					  "plan", "hide", "move", "misuse", "sim", "driver" };

static bool parse_line(struct parser *p, char *line)
{
	struct scenario *s = p->s;
	char dir[32];
	const char *c = skip_space(line), *at = c;
	char *hash = strchr(line, '#');
	size_t k;

	if (hash)
		*hash = '\0';
	for (char *e = line + strlen(line); e > line && (e[-1] == ' ' || e[-1] == '\t' ||
							   e[-1] == '\r');)
		*--e = '\0';
	if (!*c)
		return true;
	c = word(c, dir, sizeof(dir));
	c = skip_space(c);
	for (k = 0; k < sizeof(directives) / sizeof(directives[0]); k++)
		if (strcmp(dir, directives[k]) == 0)
			break;
	switch (k) {
	case 0:
		snprintf(s->title, sizeof(s->title), "%s", c);
		return true;
	case 1:
		snprintf(s->cites, sizeof(s->cites), "%s", c);
		return true;
	case 2: {
		uint64_t n;

		if (!ferry__parse_u64(c, 1, 64, &n))
			return fail(p, c, "devices '%s': expected 1..64", c);
		s->devices = (unsigned)n;
		return true;
	}
	case 3: {
		bool m[64 * 64];
		char msg[256];

		if (!ferry__parse_peers(c, 64, m, msg, sizeof(msg)))
			return fail(p, c, "peers: %s", msg);
		snprintf(s->peers, sizeof(s->peers), "%s", c);
		p->peers_line = p->line;
		p->peers_col = (unsigned)(c - p->bol);
		return true;
	}
	case 4:
		return parse_config(p, c);
	case 5:
		return parse_fault(p, c);
	case 6:
		return parse_copy(p, c, STEP_COPY);
	case 7: {
		struct scn_step st;

		if (!*c)
			return fail(p, c, "run needs a command");
		memset(&st, 0, sizeof(st));
		st.line = p->line;
		st.is_run = true;
		st.cmd = strdup(c);
		snprintf(st.text, sizeof(st.text), "run %s", c);
		if (!st.cmd || !add_step(p, &st)) {
			free(st.cmd);
			return st.cmd ? false : fail(p, c, "out of memory");
		}
		return true;
	}
	case 8: {
		struct scn_step st;
		char tok[64];
		const char *gt;

		memset(&st, 0, sizeof(st));
		st.line = p->line;
		st.is_enable = true;
		word(c, tok, sizeof(tok));
		gt = strchr(tok, '>');
		if (!gt)
			return fail(p, c, "enable needs SRC>DST (two devices)");
		if (!parse_endpoint(p, c, tok, (size_t)(gt - tok), &st.src) ||
		    !parse_endpoint(p, c + (gt - tok) + 1, gt + 1, strlen(gt + 1), &st.dst))
			return false;
		if (st.src < 0 || st.dst < 0 || st.src == st.dst)
			return fail(p, c, "enable needs two different devices");
		snprintf(st.text, sizeof(st.text), "enable %d>%d", st.src, st.dst);
		return add_step(p, &st);
	}
	case 9:
		return parse_cuda(p, c);
	case 10:
		return parse_shim(p, c);
	case 11:
		return parse_copy(p, c, STEP_BATCH);
	case 12:
		return parse_copy(p, c, STEP_PLAN);
	case 13:
		return parse_hide(p, c);
	case 14:
		return parse_copy(p, c, STEP_MOVE);
	case 15:
		return parse_misuse(p, c);
	case 16:
		return parse_sim(p, c);
	case 17:
		if (ferry__cuda_version_index(c) < 0)
			return fail(p, c, "driver '%s': expected a CUDA version (11.8, 12.0, ... 13.0)",
				    c);
		snprintf(s->driver, sizeof(s->driver), "%s", c);
		return true;
	default: {
		const char *near = ferry__nearest(dir, directives,
						  sizeof(directives) / sizeof(directives[0]));

		return fail(p, at, "unknown directive '%s'%s%s%s (scenario, cites, devices, "
			    "peers, cuda, driver, shim, hide, sim, config, fault, copy, batch, plan, "
			    "move, misuse, enable, run)",
			    dir,
			    near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
	}
	}
}

void scn_free(struct scenario *s)
{
	for (size_t i = 0; i < s->nsteps; i++)
		free(s->steps[i].cmd);
	free(s->steps);
	free(s->faults);
	memset(s, 0, sizeof(*s));
}

bool scn_parse(const char *name, const char *text, struct scenario *s, char *err, size_t len)
{
	struct parser p = { .name = name, .err = err, .errlen = len, .s = s };
	const char *c = text;
	bool ok = true;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->devices = 2;
	snprintf(s->peers, sizeof(s->peers), "all");
	while (ok && *c) {
		const char *nl = strchr(c, '\n');
		size_t n = nl ? (size_t)(nl - c) : strlen(c);
		char *line = malloc(n + 1);

		p.line++;
		if (!line) {
			ok = fail(&p, c, "out of memory");
			break;
		}
		memcpy(line, c, n);
		line[n] = '\0';
		p.bol = line;
		if (memchr(c, '\0', n)) {
			ok = fail(&p, line, "a NUL byte in the file");
		} else {
			ok = parse_line(&p, line);
		}
		free(line);
		c = nl ? nl + 1 : c + n;
	}
	p.bol = "";
	/* after the whole file: the peer matrix fits the devices, and so do the steps */
	if (ok && p.peers_line) {
		bool m[64 * 64];
		char msg[256];
		char pad[256];

		memset(pad, ' ', sizeof(pad));
		pad[p.peers_col < sizeof(pad) ? p.peers_col : sizeof(pad) - 1] = '\0';
		if (!ferry__parse_peers(s->peers, (int)s->devices, m, msg, sizeof(msg))) {
			p.line = p.peers_line;
			p.bol = pad;	/* the column: the spec's */
			ok = fail(&p, pad + strlen(pad), "peers: %s (with %u devices)", msg,
				  s->devices);
			p.bol = "";
		}
	}
	/* devices named by steps exist */
	for (size_t i = 0; ok && i < s->nsteps; i++) {
		const struct scn_step *st = &s->steps[i];

		if (st->is_run || st->is_enable || st->is_misuse) {
			if (st->is_enable &&
			    (st->src >= (int)s->devices || st->dst >= (int)s->devices)) {
				p.line = st->line;
				ok = fail(&p, p.bol, "%s: the scenario has %u devices (0..%u)",
					  st->text, s->devices, s->devices - 1);
			}
			continue;
		}
		if (st->src >= (int)s->devices || st->dst >= (int)s->devices ||
		    st->stream_dev >= (int)s->devices) {
			p.line = st->line;
			ok = fail(&p, p.bol, "%s: the scenario has %u devices (0..%u)", st->text,
				  s->devices, s->devices - 1);
		}
	}
	/* a shim line names a version the scenario runs under */
	for (unsigned i = 0; ok && i < s->nshim; i++) {
		const struct scn_shim *e = &s->shim[i];
		bool listed = e->version < 0;

		for (unsigned k = 0; !listed && k < s->ncuda; k++)
			listed = ferry__cuda_version_index(s->cuda[k]) == e->version;
		if (!listed) {
			snprintf(err, len, "%s:%u:%u: shim %s: the scenario does not run under %s "
				 "(add it to the cuda line)", name, e->line, e->col,
				 ferry__cuda_versions[e->version], ferry__cuda_versions[e->version]);
			ok = false;
		}
	}
	if (ok && s->nsteps == 0) {
		p.line = 1;
		ok = fail(&p, p.bol, "no steps: a scenario needs at least one copy or run");
	}
	if (!s->title[0]) {
		const char *b = strrchr(name, '/');

		snprintf(s->title, sizeof(s->title), "%s", b ? b + 1 : name);
	}
	inj_rules_free(&p.rules);
	if (!ok)
		scn_free(s);
	return ok;
}

bool scn_parse_file(const char *path, struct scenario *s, char *err, size_t len)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;
	bool ok;

	memset(s, 0, sizeof(*s));
	if (!f) {
		snprintf(err, len, "%s: cannot open: %s", path, strerror(errno));
		return false;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1 << 20) ||
	    fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, len, "%s: cannot read it (or it is over 1 MiB)", path);
		fclose(f);
		return false;
	}
	text = malloc((size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, len, "%s: cannot read it", path);
		free(text);
		fclose(f);
		return false;
	}
	fclose(f);
	text[n] = '\0';
	ok = scn_parse(path, text, s, err, len);
	free(text);
	return ok;
}
