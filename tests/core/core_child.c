/*
 * core_child: drives libferry's copy core from the command line and checks every byte, for
 * the core's tests (run under the interposer, over the simulator or a real GPU).
 *
 *   core_child [--flags LIST] [--chunk N] [--slots N] [--budget N] [--self-test-ms N]
 *              [--stream DEV]
 *              [--enable S>D] [--latch] [--threads T --iters I --devs N] OP...
 *
 * OP is SRC>DST:SPEC. SRC and DST are a device ordinal, h (pageable host memory) or p (pinned
 * host memory). SPEC is n=BYTES for a contiguous copy, or a strided one:
 * w=ROW,h=ROWS,d=DEPTH,sp=SRC_PITCH,ss=SRC_SLICE,dp=DST_PITCH,ds=DST_SLICE[,pack=src|dst]
 * (pack: that side is one contiguous run; 4-D: e=N, with se=/de= strides), or move:n=BYTES
 * for ferry_move; dlie=N+1 names device N (0: the host) for dst, whatever it is. Each side is allocated with guard bytes before and after it, the source
 * filled with a pattern, the destination with 0xEE; after the copy the whole destination
 * buffer is compared with what it must hold (the elements copied, the gaps and guards
 * untouched; after a refused copy, the whole buffer untouched; after a failed one, not
 * checked: "dst=undefined"). One line per op:
 *
 *   op1 st=FERRY_OK path=peer retries=0 fb=[peer:cudaErrorX:call:tried] exact=1 slot=cudaSuccess
 *
 * --flags: never-peer,always-stage,no-self-test,no-pinned. --enable S>D: the program enables
 * that peer access itself first. --latch: leaves an error in the last-error slot first.
 * --threads: T threads each make I random copies among devices 0..N-1 and the host, sharing
 * one context, and check each; prints "threads ok=K bad=B".
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry.h"

#define GUARD 256
#define FILL 0xee

struct side {
	int dev;		/* ferry's: ordinal or FERRY_HOST */
	bool pinned;
	unsigned char *base;	/* allocation: GUARD + span + GUARD */
	size_t bytes;
	ferry_view v;
};

static void die(const char *what)
{
	fprintf(stderr, "core_child: %s\n", what);
	exit(2);
}

static void pattern(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 7;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 29);
	}
}

static size_t span(const ferry_view *v)
{
	size_t s = v->extent[0], t = 1;

	for (unsigned i = 0; i < v->ndim; i++)
		t *= v->extent[i];
	if (!t)
		return 0;
	for (unsigned i = 1; i < v->ndim; i++)
		s += v->stride[i] * (v->extent[i] - 1);
	return s;
}

static void side_alloc(struct side *s, const char *who)
{
	int saved;

	s->bytes = span(&s->v) + 2 * GUARD;
	if (s->dev == FERRY_HOST && !s->pinned) {
		s->base = malloc(s->bytes);
	} else if (s->dev == FERRY_HOST) {
		if (cudaMallocHost((void **)&s->base, s->bytes) != cudaSuccess)
			die(who);
	} else {
		cudaGetDevice(&saved);
		cudaSetDevice(s->dev);
		if (cudaMalloc((void **)&s->base, s->bytes) != cudaSuccess)
			die(who);
		cudaSetDevice(saved);
	}
	if (!s->base)
		die(who);
	s->v.ptr = s->base + GUARD;
	s->v.dev = s->dev;
}

static void side_put(struct side *s, const unsigned char *h)
{
	if (s->dev == FERRY_HOST)
		memcpy(s->base, h, s->bytes);
	else if (cudaMemcpy(s->base, h, s->bytes, cudaMemcpyHostToDevice) != cudaSuccess)
		die("filling a buffer failed");
}

static void side_get(struct side *s, unsigned char *h)
{
	if (s->dev == FERRY_HOST)
		memcpy(h, s->base, s->bytes);
	else if (cudaMemcpy(h, s->base, s->bytes, cudaMemcpyDeviceToHost) != cudaSuccess)
		die("reading a buffer back failed");
}

static void side_free(struct side *s)
{
	if (s->dev == FERRY_HOST && !s->pinned)
		free(s->base);
	else if (s->dev == FERRY_HOST)
		cudaFreeHost(s->base);
	else
		cudaFree(s->base);
}

/* Row r (in logical order) of a view: its byte offset from ptr. */
static size_t row_offset(const ferry_view *v, size_t r)
{
	size_t off = 0;

	for (unsigned i = 1; i < v->ndim; i++) {
		off += (r % v->extent[i]) * v->stride[i];
		r /= v->extent[i];
	}
	return off;
}

static size_t rows(const ferry_view *v)
{
	size_t n = 1;

	for (unsigned i = 1; i < v->ndim; i++)
		n *= v->extent[i];
	return v->extent[0] ? n : 0;
}

/* What dst's buffer must hold: FILL, with the source's elements in logical order. */
static void expected(const struct side *d, const struct side *s, const unsigned char *src_buf,
		     unsigned char *want)
{
	size_t dr = 0, doff = 0, sr = 0, soff = 0;
	size_t dn = rows(&d->v), sn = rows(&s->v);

	memset(want, FILL, d->bytes);
	while (dr < dn && sr < sn) {
		size_t dleft = d->v.extent[0] - doff, sleft = s->v.extent[0] - soff;
		size_t n = dleft < sleft ? dleft : sleft;

		memcpy(want + GUARD + row_offset(&d->v, dr) + doff,
		       src_buf + GUARD + row_offset(&s->v, sr) + soff, n);
		doff += n;
		soff += n;
		if (doff == d->v.extent[0]) {
			dr++;
			doff = 0;
		}
		if (soff == s->v.extent[0]) {
			sr++;
			soff = 0;
		}
	}
}

static int parse_dev(const char *s, bool *pinned)
{
	*pinned = false;
	if (*s == 'h')
		return FERRY_HOST;
	if (*s == 'p') {
		*pinned = true;
		return FERRY_HOST;
	}
	return atoi(s);
}

static size_t kv(const char *spec, const char *key, size_t def)
{
	char pat[16];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=", key);
	for (p = spec; (p = strstr(p, pat)); p++)
		if (p == spec || p[-1] == ',' || p[-1] == ':')
			return strtoull(p + strlen(pat), NULL, 0);
	return def;
}

/* Fills the two views from SPEC. */
static void views(const char *spec, struct side *d, struct side *s)
{
	size_t n = kv(spec, "n", 0), w = kv(spec, "w", 0);

	memset(&d->v, 0, sizeof(d->v));
	memset(&s->v, 0, sizeof(s->v));
	if (!w) {
		d->v = ferry_view_1d(NULL, 0, n);
		s->v = ferry_view_1d(NULL, 0, n);
		return;
	}
	{
		size_t h = kv(spec, "h", 1), dd = kv(spec, "d", 1), e = kv(spec, "e", 1);
		size_t sp = kv(spec, "sp", w), dp = kv(spec, "dp", w);
		size_t ss = kv(spec, "ss", sp * h), ds = kv(spec, "ds", dp * h);
		size_t se = kv(spec, "se", ss * dd), de = kv(spec, "de", ds * dd);
		unsigned nd = e > 1 ? 4 : 3;

		d->v.ndim = s->v.ndim = nd;
		d->v.extent[0] = s->v.extent[0] = w;
		d->v.extent[1] = s->v.extent[1] = h;
		d->v.extent[2] = s->v.extent[2] = dd;
		d->v.extent[3] = s->v.extent[3] = e;
		s->v.stride[1] = sp;
		s->v.stride[2] = ss;
		s->v.stride[3] = se;
		d->v.stride[1] = dp;
		d->v.stride[2] = ds;
		d->v.stride[3] = de;
		if (strstr(spec, "pack=dst"))
			d->v = ferry_view_1d(NULL, 0, w * h * dd * e);
		if (strstr(spec, "pack=src"))
			s->v = ferry_view_1d(NULL, 0, w * h * dd * e);
	}
}

static void print_report(const ferry_report *r)
{
	printf("path=%s retries=%u fb=[", ferry_path_name(r->path), r->retries);
	for (unsigned i = 0; i < r->nfallbacks; i++) {
		const ferry_fallback *f = &r->fallbacks[i];

		printf("%s%s:%s:%s:%s", i ? "," : "", ferry_path_name(f->path),
		       cudaGetErrorName(f->error), f->call ? f->call : "?",
		       f->remembered ? "remembered" : "now");
	}
	printf("] selftest=%d", r->self_test_ns > 0);
	if (r->message[0])
		printf(" msg='%s'", r->message);
}

static unsigned parse_flags(const char *s)
{
	unsigned f = 0;

	if (strstr(s, "never-peer"))
		f |= FERRY_NEVER_PEER;
	if (strstr(s, "always-stage"))
		f |= FERRY_ALWAYS_STAGE;
	if (strstr(s, "no-self-test"))
		f |= FERRY_NO_SELF_TEST;
	if (strstr(s, "no-pinned"))
		f |= FERRY_NO_PINNED;
	return f;
}

static int run_op(ferry_ctx *ctx, int idx, const char *op, cudaStream_t stream)
{
	struct side d = { 0 }, s = { 0 };
	const char *gt = strchr(op, '>'), *colon = strchr(op, ':');
	unsigned char *sbuf, *dbuf, *want;
	ferry_report rep;
	ferry_status st;
	bool move = strstr(op, "move:") != NULL;
	void *moved = NULL;
	int bad = 0;

	if (!gt || !colon)
		die("an op is SRC>DST:SPEC");
	s.dev = parse_dev(op, &s.pinned);
	d.dev = parse_dev(gt + 1, &d.pinned);
	views(colon + 1, &d, &s);
	side_alloc(&s, "allocating the source failed");
	side_alloc(&d, "allocating the destination failed");
	if (strstr(colon, "dlie="))	/* name the wrong device for dst */
		d.v.dev = (int)kv(colon + 1, "dlie", 0) - 1;
	sbuf = malloc(s.bytes);
	dbuf = malloc(d.bytes);
	want = malloc(d.bytes);
	pattern(sbuf, s.bytes, (uint64_t)idx + 1);
	side_put(&s, sbuf);
	memset(dbuf, FILL, d.bytes);
	side_put(&d, dbuf);
	cudaDeviceSynchronize();

	if (move)
		st = ferry_move(ctx, &moved, d.dev, s.v.ptr, s.dev, s.v.extent[0], stream, &rep);
	else
		st = ferry_copy_strided(ctx, &d.v, &s.v, stream, &rep);
	printf("op%d st=%s ", idx, ferry_status_name(st));
	print_report(&rep);

	if (move && st == FERRY_OK) {
		/* the moved buffer against the source */
		unsigned char *got = malloc(s.v.extent[0] + 1);

		if (d.dev == FERRY_HOST)
			memcpy(got, moved, s.v.extent[0]);
		else
			cudaMemcpy(got, moved, s.v.extent[0], cudaMemcpyDeviceToHost);
		bad = memcmp(got, sbuf + GUARD, s.v.extent[0]) != 0;
		printf(" exact=%d", !bad);
		free(got);
		ferry_free(moved, d.dev);
	} else if (move) {
		printf(" out=%s", moved ? "set" : "NULL");
	} else if (st != FERRY_OK && st != FERRY_E_INVALID && st != FERRY_E_PENDING &&
		   st != FERRY_E_CAPTURE) {
		printf(" dst=undefined");	/* a failed copy may have written part of it */
	} else {
		side_get(&d, dbuf);
		if (st == FERRY_OK)
			expected(&d, &s, sbuf, want);
		else
			memset(want, FILL, d.bytes);	/* refused: nothing written */
		for (size_t i = 0; i < d.bytes; i++) {
			if (dbuf[i] != want[i]) {
				printf(" %s=0 first_mismatch=%zd want=%02x got=%02x",
				       st == FERRY_OK ? "exact" : "untouched",
				       (ssize_t)i - GUARD, want[i], dbuf[i]);
				bad = 1;
				break;
			}
		}
		if (!bad)
			printf(" %s=1", st == FERRY_OK ? "exact" : "untouched");
	}
	printf(" slot=%s\n", cudaGetErrorName(cudaGetLastError()));
	fflush(stdout);
	side_free(&s);
	side_free(&d);
	free(sbuf);
	free(dbuf);
	free(want);
	return bad;
}

/* --- threads ---------------------------------------------------------------------------------- */

struct thread_arg {
	ferry_ctx *ctx;
	int id, iters, ndev;
	int ok, bad;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	uint64_t x = (uint64_t)a->id * 7919 + 17;
	cudaStream_t s;

	cudaSetDevice(a->id % a->ndev);
	cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
	for (int i = 0; i < a->iters; i++) {
		int src, dst;
		size_t n;
		unsigned char *hs, *hd, *ds = NULL, *dd = NULL;
		ferry_status st;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		src = (int)((x >> 33) % (uint64_t)(a->ndev + 1)) - 1;
		dst = (int)((x >> 40) % (uint64_t)(a->ndev + 1)) - 1;
		n = 1 + (size_t)((x >> 20) % (3u << 20));
		hs = malloc(n);
		hd = malloc(n);
		pattern(hs, n, x);
		if (src != FERRY_HOST) {
			cudaSetDevice(src);
			cudaMalloc((void **)&ds, n);
			cudaMemcpy(ds, hs, n, cudaMemcpyHostToDevice);
		}
		if (dst != FERRY_HOST) {
			cudaSetDevice(dst);
			cudaMalloc((void **)&dd, n);
			cudaMemset(dd, 0, n);
			cudaDeviceSynchronize();
		}
		memset(hd, 0, n);
		st = ferry_copy(a->ctx, dst == FERRY_HOST ? (void *)hd : dd, dst,
				src == FERRY_HOST ? (const void *)hs : ds, src, n, s, NULL);
		if (dst != FERRY_HOST)
			cudaMemcpy(hd, dd, n, cudaMemcpyDeviceToHost);
		if (st == FERRY_OK && memcmp(hd, hs, n) == 0 &&
		    cudaGetLastError() == cudaSuccess)
			a->ok++;
		else
			a->bad++;
		cudaFree(ds);
		cudaFree(dd);
		free(hs);
		free(hd);
	}
	cudaStreamDestroy(s);
	return NULL;
}

int main(int argc, char **argv)
{
	ferry_config cfg;
	ferry_ctx *ctx;
	ferry_status st;
	cudaStream_t stream = 0;
	int i, bad = 0, nthreads = 0, iters = 10, devs = 2, stream_dev = -1, idx = 0;
	bool latch = false;
	const char *enable = NULL;

	ferry_config_default(&cfg);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(argv[i], "--flags"))
			cfg.flags = parse_flags(v);
		else if (!strcmp(argv[i], "--chunk"))
			cfg.chunk_bytes = strtoull(v, NULL, 0);
		else if (!strcmp(argv[i], "--slots"))
			cfg.slots = (unsigned)atoi(v);
		else if (!strcmp(argv[i], "--self-test-ms"))
			cfg.self_test_timeout_ms = (unsigned)atoi(v);
		else if (!strcmp(argv[i], "--budget"))
			cfg.pinned_budget = strtoull(v, NULL, 0);
		else if (!strcmp(argv[i], "--stream"))
			stream_dev = atoi(v);
		else if (!strcmp(argv[i], "--enable"))
			enable = v;
		else if (!strcmp(argv[i], "--threads"))
			nthreads = atoi(v);
		else if (!strcmp(argv[i], "--iters"))
			iters = atoi(v);
		else if (!strcmp(argv[i], "--devs"))
			devs = atoi(v);
		else if (!strcmp(argv[i], "--latch")) {
			latch = true;
			continue;
		} else
			die("unknown option");
		i++;
	}
	st = ferry_ctx_init(&ctx, &cfg);
	if (st != FERRY_OK) {
		char why[160] = "";

		ferry_config_check(&cfg, why, sizeof(why));
		printf("init st=%s: %s\n", ferry_status_name(st), why);
		return 0;	/* what the test asked about */
	}
	if (enable) {
		int saved;

		cudaGetDevice(&saved);
		cudaSetDevice(atoi(strchr(enable, '>') + 1));
		printf("pre-enable=%s\n", cudaGetErrorName(cudaDeviceEnablePeerAccess(atoi(enable), 0)));
		cudaSetDevice(saved);
	}
	if (stream_dev >= 0) {
		cudaSetDevice(stream_dev);
		cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
		cudaSetDevice(0);
	}
	if (nthreads) {
		pthread_t th[64];
		struct thread_arg args[64];
		int ok = 0, nbad = 0;

		for (int t = 0; t < nthreads && t < 64; t++) {
			args[t] = (struct thread_arg){ ctx, t, iters, devs, 0, 0 };
			pthread_create(&th[t], NULL, thread_main, &args[t]);
		}
		for (int t = 0; t < nthreads && t < 64; t++) {
			pthread_join(th[t], NULL);
			ok += args[t].ok;
			nbad += args[t].bad;
		}
		printf("threads ok=%d bad=%d\n", ok, nbad);
		bad = nbad != 0;
	}
	for (; i < argc; i++) {
		if (latch && idx == 0) {
			printf("latched=%s\n", cudaGetErrorName(cudaSetDevice(9999)));
		}
		bad |= run_op(ctx, ++idx, argv[i], stream);
		if (latch && idx == 1) {
			cudaGetLastError();
			latch = false;
		}
	}
	{
		ferry_counters c;

		ferry_counters_get(&c);
		printf("counters");
		for (int p = 0; p < FERRY_PATH_COUNT; p++)
			if (c.copies[p] || c.fallbacks[p])
				printf(" %s=%llu/%llu", ferry_path_name((ferry_path)p),
				       (unsigned long long)c.copies[p],
				       (unsigned long long)c.fallbacks[p]);
		printf(" failures=%llu selftests=%llu/%llu demoted=%llu\n",
		       (unsigned long long)c.failures, (unsigned long long)c.self_tests,
		       (unsigned long long)c.self_test_failures,
		       (unsigned long long)c.demoted_pairs);
	}
	{
		/* under the interposer: how often each fault rule fired (a test counts, say, a
		 * self-test's polls by a rule on cudaStreamQuery) */
		unsigned (*nrules)(void) = (unsigned (*)(void))dlsym(RTLD_DEFAULT,
								    "ferry_inject_rule_count");
		long long (*fired)(unsigned) = (long long (*)(unsigned))dlsym(RTLD_DEFAULT,
									   "ferry_inject_rule_fired");

		if (nrules && fired && nrules()) {
			printf("rules");
			for (unsigned k = 1; k <= nrules(); k++)
				printf(" %u:fired=%lld", k, fired(k));
			printf("\n");
		}
	}
	if (stream)
		cudaStreamDestroy(stream);
	ferry_ctx_fini(ctx);
	printf("end slot=%s\n", cudaGetErrorName(cudaGetLastError()));
	return bad;
}
