/*
 * misuse.c: the `misuse` step: libferry's API called wrongly on purpose (misuse.def), and
 * what each call must answer. A refused call must return its status with a message that
 * names what is wrong, write nothing (four buffers of FILL bytes, on two devices, pageable
 * and pinned, are read back after each case), count one failure in ferry_counters and leave
 * the last-error slot clean.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "misuse.h"

#define N 65536		/* bytes of each buffer */
#define FILL 0xa5

struct mu {
	ferry_ctx *ctx;
	int ndev;
	bool any;
	unsigned char *d0, *d1, *h, *pin;	/* d1: device 1's, or device 0's with one device */
	unsigned char *img;			/* N bytes read back */
	struct scn_misuse_result *res;
	const char *call;			/* the call being checked, for messages */
};

/* The case's call (m->call) answered wrong: why, after its name. */
__attribute__((format(printf, 2, 3))) static bool wrong(struct mu *m, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(m->res->why, sizeof(m->res->why), "%s: %s", m->call, what);
	return false;
}

/* One call's answer: status want, a message holding frag (when frag), failures counted
 * counted times since before. */
static bool answer(struct mu *m, const char *call, ferry_status got, ferry_status want,
		   const char *msg, const char *frag, const ferry_counters *before, int counted)
{
	ferry_counters after;
	cudaError_t e = cudaPeekAtLastError();

	m->call = call;
	ferry_counters_get(&after);
	/* a lost context (an injected one): its error stays in the slot, and nothing after
	 * it can run */
	if (m->any && got == FERRY_E_STICKY) {
		m->res->lost = true;
		if (!m->res->error[0])
			snprintf(m->res->error, sizeof(m->res->error), "%s: FERRY_E_STICKY: %.200s",
				 call, msg ? msg : "");
		m->res->checks++;
		return true;
	}
	if (e != cudaSuccess) {
		cudaGetLastError();
		return wrong(m, "left %s in the last-error slot", cudaGetErrorName(e));
	}
	if (got != want) {
		/* an injected failure may turn the answer into another clear error */
		if (m->any && got != FERRY_OK && (!msg || msg[0])) {
			if (!m->res->error[0])
				snprintf(m->res->error, sizeof(m->res->error), "%s: %s: %.200s", call,
					 ferry_status_name(got), msg ? msg : "");
			m->res->checks++;
			return true;
		}
		snprintf(m->res->why, sizeof(m->res->why), "%s: %s, expected %s%s%.200s%s", call,
			 ferry_status_name(got), ferry_status_name(want), msg && msg[0] ? " (" : "",
			 msg ? msg : "", msg && msg[0] ? ")" : "");
		return false;
	}
	/* an injected failure may change what is wrong (a context of no devices) */
	if (frag && (!msg || !strstr(msg, frag)) && !(m->any && msg && msg[0])) {
		snprintf(m->res->why, sizeof(m->res->why), "%s: the message '%.200s' does not say "
			 "'%s'", call, msg ? msg : "", frag);
		return false;
	}
	if (before && after.failures - before->failures != (uint64_t)counted) {
		snprintf(m->res->why, sizeof(m->res->why), "%s: ferry_counters counted %llu "
			 "failures, expected %d", call,
			 (unsigned long long)(after.failures - before->failures), counted);
		return false;
	}
	m->res->checks++;
	return true;
}

/* A refusal by a call that takes a report: FERRY_E_INVALID, frag in its message, counted. */
#define REFUSED(call, frag)                                                                      \
	do {                                                                                     \
		ferry_counters b_;                                                               \
		ferry_report r_;                                                                 \
		ferry_status s_;                                                                 \
		ferry_counters_get(&b_);                                                         \
		s_ = (call);                                                                     \
		if (!answer(m, #call, s_, FERRY_E_INVALID, r_.message, frag, &b_, 1))           \
			return false;                                                            \
	} while (0)

/* A call that must succeed without copying anything. */
#define NOTHING(call)                                                                            \
	do {                                                                                     \
		ferry_counters b_;                                                               \
		ferry_report r_;                                                                 \
		ferry_status s_;                                                                 \
		ferry_counters_get(&b_);                                                         \
		s_ = (call);                                                                     \
		if (!answer(m, #call, s_, FERRY_OK, r_.message, NULL, &b_, 0))                  \
			return false;                                                            \
		if (r_.bytes != 0) {                                                             \
			snprintf(m->res->why, sizeof(m->res->why), "%s: reports %zu bytes, "     \
				 "expected 0", #call, r_.bytes);                                 \
			return false;                                                            \
		}                                                                                \
	} while (0)

static ferry_view view1(void *p, int dev, size_t n)
{
	return ferry_view_1d(p, dev, n);
}

/* p, memory of dev, filled with FILL (set on its own device) and finished. */
static bool dev_fill(int dev, unsigned char *p)
{
	int saved = 0;
	cudaError_t e;

	cudaGetDevice(&saved);
	e = cudaSetDevice(dev);
	if (e == cudaSuccess)
		e = cudaMemset(p, FILL, N);
	if (e == cudaSuccess)
		e = cudaDeviceSynchronize();
	cudaSetDevice(saved);
	if (e != cudaSuccess)
		cudaGetLastError();
	return e == cudaSuccess;
}

/* A case's buffer of dev filled with FILL again after it copied into it; under
 * --any-outcome, a context an injected failure lost cannot be: the case ends there. */
static bool refill(struct mu *m, int dev, unsigned char *p)
{
	if (m->res->lost || dev_fill(dev, p))
		return true;
	if (m->any) {
		m->res->lost = true;
		return true;
	}
	return wrong(m, "filling device %d's buffer again failed", dev);
}

/* --- the cases --------------------------------------------------------------------------------- */

static bool bad_config(struct mu *m, const ferry_config *cfg, const char *frag)
{
	char msg[256] = "";
	ferry_ctx *c = (ferry_ctx *)&c;	/* must come back NULL */

	if (!answer(m, "ferry_config_check", ferry_config_check(cfg, msg, sizeof(msg)),
		    FERRY_E_INVALID, msg, frag, NULL, 0) ||
	    !answer(m, "ferry_config_check (no message)", ferry_config_check(cfg, NULL, 0),
		    FERRY_E_INVALID, NULL, NULL, NULL, 0))
		return false;
	if (!cfg)
		return true;
	if (!answer(m, "ferry_ctx_init", ferry_ctx_init(&c, cfg), FERRY_E_INVALID, NULL, NULL,
		    NULL, 0))
		return false;
	if (c) {
		m->call = "ferry_ctx_init";
		return wrong(m, "refused the config but made a context");
	}
	return true;
}

static bool case_config(struct mu *m, enum scn_misuse_id id)
{
	ferry_config c;

	ferry_config_default(&c);
	switch (id) {
	case SCN_MISUSE_CONFIG_NULL:
		return bad_config(m, NULL, "the config is NULL");
	case SCN_MISUSE_CONFIG_CHUNK:
		c.chunk_bytes = 1024;
		if (!bad_config(m, &c, "chunk_bytes 1024 is out of range"))
			return false;
		c.chunk_bytes = (size_t)2 << 30;
		return bad_config(m, &c, "chunk_bytes 2147483648 is out of range");
	case SCN_MISUSE_CONFIG_SLOTS:
		c.slots = 1;
		if (!bad_config(m, &c, "slots 1 is out of range"))
			return false;
		c.slots = 65;
		return bad_config(m, &c, "slots 65 is out of range");
	case SCN_MISUSE_CONFIG_FLAGS:
		c.flags = 0x100;
		return bad_config(m, &c, "flags 0x100 has bits that are no policy");
	default:
		c.self_test_timeout_ms = 0;
		return bad_config(m, &c, "self_test_timeout_ms is 0");
	}
}

static bool case_ctx(struct mu *m, enum scn_misuse_id id)
{
	ferry_config c;
	ferry_ctx *ctx = NULL;
	ferry_report r;
	ferry_status s;

	if (id == SCN_MISUSE_CTX_NULL_OUT) {
		ferry_config_default(&c);
		return answer(m, "ferry_ctx_init(NULL, &cfg)", ferry_ctx_init(NULL, &c),
			      FERRY_E_INVALID, NULL, NULL, NULL, 0) &&
		       answer(m, "ferry_ctx_init(NULL, NULL)", ferry_ctx_init(NULL, NULL),
			      FERRY_E_INVALID, NULL, NULL, NULL, 0);
	}
	if (id == SCN_MISUSE_CTX_BAD_CONFIG) {
		ferry_config_default(&c);
		c.slots = 0;
		return bad_config(m, &c, "slots 0 is out of range");
	}
	/* the defaults: a context that copies */
	if (!answer(m, "ferry_ctx_init(&ctx, NULL)", ferry_ctx_init(&ctx, NULL), FERRY_OK, NULL,
		    NULL, NULL, 0))
		return false;
	memset(m->h, 0x3c, 4096);
	s = ferry_copy(ctx, m->d0, 0, m->h, FERRY_HOST, 4096, 0, &r);
	ferry_ctx_fini(ctx);
	ferry_ctx_fini(NULL);
	if (!answer(m, "ferry_copy through a context of the defaults", s, FERRY_OK, r.message,
		    NULL, NULL, 0))
		return false;
	if (s == FERRY_OK) {
		if (cudaMemcpy(m->img, m->d0, 4096, cudaMemcpyDeviceToHost) != cudaSuccess ||
		    memcmp(m->img, m->h, 4096) != 0) {
			cudaGetLastError();
			m->call = "ferry_copy through a context of the defaults";
			return wrong(m, "FERRY_OK with wrong bytes");
		}
	}
	/* what the case copied is put back: the buffers are checked after each case */
	memset(m->h, FILL, 4096);
	return refill(m, 0, m->d0);
}

static bool case_names(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	m->call = "names";
	for (int s = 0; s < FERRY_STATUS_COUNT; s++) {
		const char *n = ferry_status_name((ferry_status)s);

		if (!n || strncmp(n, "FERRY_", 6) != 0 || strcmp(n, "FERRY_E_UNKNOWN") == 0 ||
		    !ferry_strerror((ferry_status)s) || !ferry_strerror((ferry_status)s)[0] ||
		    strcmp(ferry_strerror((ferry_status)s), "unknown status") == 0)
			return wrong(m, "status %d (%s) has no name or text of its own", s,
				     n ? n : "(null)");
		for (int t = 0; t < s; t++)
			if (strcmp(n, ferry_status_name((ferry_status)t)) == 0)
				return wrong(m, "two statuses are called %s", n);
	}
	if (strcmp(ferry_status_name(FERRY_STATUS_COUNT), "FERRY_E_UNKNOWN") != 0 ||
	    strcmp(ferry_status_name((ferry_status)-1), "FERRY_E_UNKNOWN") != 0 ||
	    strcmp(ferry_strerror(FERRY_STATUS_COUNT), "unknown status") != 0)
		return wrong(m, "a status past the last is not FERRY_E_UNKNOWN, 'unknown status'");
	for (int p = 0; p < FERRY_PATH_COUNT; p++)
		if (!ferry_path_name((ferry_path)p) ||
		    strcmp(ferry_path_name((ferry_path)p), "unknown") == 0)
			return wrong(m, "path %d has no name", p);
	if (strcmp(ferry_path_name(FERRY_PATH_COUNT), "unknown") != 0)
		return wrong(m, "a path past the last is not 'unknown'");
	m->res->checks++;
	return true;
}

static bool case_copy(struct mu *m, enum scn_misuse_id id)
{
	ferry_ctx *x = m->ctx;
	unsigned char *far = (unsigned char *)(UINTPTR_MAX - 100);

	switch (id) {
	case SCN_MISUSE_COPY_NULL_CTX:
		REFUSED(ferry_copy(NULL, m->d0, 0, m->h, FERRY_HOST, 64, 0, &r_),
			"the context is NULL");
		return true;
	case SCN_MISUSE_COPY_NULL_PTR:
		REFUSED(ferry_copy(x, NULL, 0, m->h, FERRY_HOST, 64, 0, &r_),
			"dst: the pointer is NULL");
		REFUSED(ferry_copy(x, m->d0, 0, NULL, FERRY_HOST, 64, 0, &r_),
			"src: the pointer is NULL");
		return true;
	case SCN_MISUSE_COPY_OVERFLOW:
		REFUSED(ferry_copy(x, far, FERRY_HOST, m->h, FERRY_HOST, 4096, 0, &r_),
			"overflows the address space");
		REFUSED(ferry_copy(x, m->h, FERRY_HOST, far, FERRY_HOST, 4096, 0, &r_),
			"overflows the address space");
		return true;
	case SCN_MISUSE_COPY_BAD_DEVICE:
		REFUSED(ferry_copy(x, m->d0, m->ndev, m->h, FERRY_HOST, 64, 0, &r_),
			"dst device");
		REFUSED(ferry_copy(x, m->d0, 0, m->h, -7, 64, 0, &r_), "src device -7");
		return true;
	case SCN_MISUSE_COPY_OVERLAP:
		REFUSED(ferry_copy(x, m->d0 + 100, 0, m->d0, 0, 4096, 0, &r_),
			"dst and src overlap");
		return true;
	case SCN_MISUSE_COPY_WRONG_DEVICE:
		REFUSED(ferry_copy(x, m->pin, 0, m->h, FERRY_HOST, 64, 0, &r_),
			"is pinned host memory, not memory of device 0");
		REFUSED(ferry_copy(x, m->d0, 0, m->h, 0, 64, 0, &r_),
			"is host memory unknown to CUDA, not memory of device 0");
		REFUSED(ferry_copy(x, m->h, FERRY_HOST, m->d0, FERRY_HOST, 64, 0, &r_),
			"is memory of device 0, not memory of host");
		if (m->ndev > 1)
			REFUSED(ferry_copy(x, m->d1, 0, m->d0, 0, 64, 0, &r_),
				"is memory of device 1, not memory of device 0");
		return true;
	default:
		NOTHING(ferry_copy(x, m->d0, 0, m->h, FERRY_HOST, 0, 0, &r_));
		NOTHING(ferry_copy(x, NULL, 0, NULL, FERRY_HOST, 0, 0, &r_));
		return true;
	}
}

static bool case_strided(struct mu *m, enum scn_misuse_id id)
{
	ferry_ctx *x = m->ctx;
	ferry_view d = view1(m->d0, 0, 4096), s = view1(m->h, FERRY_HOST, 4096), v;

	switch (id) {
	case SCN_MISUSE_STRIDED_NULL:
		REFUSED(ferry_copy_strided(NULL, &d, &s, 0, &r_), "the context is NULL");
		REFUSED(ferry_copy_strided(x, NULL, &s, 0, &r_), "dst: the view is NULL");
		REFUSED(ferry_copy_strided(x, &d, NULL, 0, &r_), "src: the view is NULL");
		return true;
	case SCN_MISUSE_STRIDED_NDIM:
		v = d;
		v.ndim = 0;
		REFUSED(ferry_copy_strided(x, &v, &s, 0, &r_), "dst: ndim 0 is out of range");
		v.ndim = FERRY_MAX_DIMS + 1;
		REFUSED(ferry_copy_strided(x, &d, &v, 0, &r_), "src: ndim 9 is out of range");
		return true;
	case SCN_MISUSE_STRIDED_EXTENTS:
		v = ferry_view_3d(m->d0, 0, 64, SIZE_MAX / 2, 4, 64, 64);
		REFUSED(ferry_copy_strided(x, &v, &s, 0, &r_), "the extents overflow size_t");
		return true;
	case SCN_MISUSE_STRIDED_NULL_PTR:
		v = view1(NULL, 0, 4096);
		REFUSED(ferry_copy_strided(x, &v, &s, 0, &r_), "dst: the pointer is NULL");
		return true;
	case SCN_MISUSE_STRIDED_SELF_OVERLAP:
		v = ferry_view_2d(m->d0, 0, 64, 64, 32);
		REFUSED(ferry_copy_strided(x, &v, &s, 0, &r_), "the view overlaps itself");
		return true;
	case SCN_MISUSE_STRIDED_SPAN:
		v = ferry_view_2d(m->d0, 0, 64, 64, SIZE_MAX / 32);
		REFUSED(ferry_copy_strided(x, &v, &s, 0, &r_), "span overflows the address space");
		return true;
	case SCN_MISUSE_STRIDED_SIZE:
		v = view1(m->d0, 0, 4095);
		REFUSED(ferry_copy_strided(x, &v, &s, 0, &r_),
			"dst holds 4095 bytes but src holds 4096");
		return true;
	case SCN_MISUSE_STRIDED_SHAPE: {
		/* 64 rows of 64 bytes, and 32 rows of 128, both pitched */
		ferry_view a = ferry_view_2d(m->d0, 0, 64, 64, 256);
		ferry_view b = ferry_view_2d(m->d1, m->ndev > 1 ? 1 : 0, 128, 32, 256);

		REFUSED(ferry_copy_strided(x, &a, &b, 0, &r_), "different shapes");
		return true;
	}
	case SCN_MISUSE_STRIDED_EMPTY:
		v = ferry_view_2d(m->d0, 0, 64, 0, 128);
		NOTHING(ferry_copy_strided(x, &v, &v, 0, &r_));
		v = ferry_view_2d(NULL, 0, 0, 4, 128);
		NOTHING(ferry_copy_strided(x, &v, &v, 0, &r_));
		return true;
	default: {
		/* src: 32 rows of 128 bytes, pitch 200, in pinned memory; dst: 32 blocks of two
		 * contiguous 64-byte rows (the same 128 bytes), 256 bytes apart, on device 1 (or
		 * 0): the same rows once each side's contiguous ones are folded */
		ferry_view a = ferry_view_3d(m->d1, m->ndev > 1 ? 1 : 0, 64, 2, 32, 64, 256);
		ferry_view b = ferry_view_2d(m->pin, FERRY_HOST, 128, 32, 200);
		ferry_counters b_;
		ferry_report r_;
		ferry_status s_;

		for (size_t i = 0; i < 32 * 200; i++)
			m->pin[i] = (unsigned char)(i * 131 + (i >> 7) * 17 + 1);
		ferry_counters_get(&b_);
		s_ = ferry_copy_strided(x, &a, &b, 0, &r_);
		if (!answer(m, "ferry_copy_strided (2-D into 3-D)", s_, FERRY_OK, r_.message, NULL,
			    &b_, 0))
			return false;
		if (s_ == FERRY_OK) {
			if (cudaMemcpy(m->img, m->d1, N, cudaMemcpyDeviceToHost) != cudaSuccess) {
				cudaGetLastError();
				return wrong(m, "reading back failed");
			}
			for (size_t row = 0; row < 32; row++)
				for (size_t i = 0; i < 256; i++) {
					unsigned char want = i < 128 ? m->pin[row * 200 + i] : FILL;

					if (m->img[row * 256 + i] != want) {
						char at[64];

						snprintf(at, sizeof(at), "row %zu byte %zu", row, i);
						return wrong(m, "FERRY_OK with a wrong byte at %s", at);
					}
				}
			for (size_t i = 32 * 256; i < N; i++)
				if (m->img[i] != FILL)
					return wrong(m, "wrote past the last row");
		}
		memset(m->pin, FILL, N);
		return refill(m, m->ndev > 1 ? 1 : 0, m->d1);
	}
	}
}

/* Two rows of 64 bytes, 2 GiB apart on both sides (device 0 to device 1, or 0): a pitch past
 * what cudaMemcpy2D takes, so ferry copies row by row. Only the rows are written and read:
 * the memory between them is allocated, never touched. */
static bool case_huge_pitch(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	const size_t pitch = (size_t)1 << 31, w = 64;
	int d1 = m->ndev > 1 ? 1 : 0, saved = 0;
	unsigned char *a = NULL, *b = NULL, rows[2][64], back[2][64];
	ferry_view dv, sv;
	ferry_counters b_;
	ferry_report r_;
	ferry_status s_;
	bool ok = false;

	m->call = "ferry_copy_strided (a 2 GiB pitch)";
	cudaGetDevice(&saved);
	if (cudaMalloc((void **)&b, pitch + w) != cudaSuccess || cudaSetDevice(d1) != cudaSuccess ||
	    cudaMalloc((void **)&a, pitch + w) != cudaSuccess) {
		cudaGetLastError();
		cudaSetDevice(saved);
		cudaFree(b);
		return wrong(m, "allocating two buffers of 2 GiB failed");
	}
	cudaSetDevice(saved);
	for (size_t i = 0; i < sizeof(rows); i++)
		rows[i / w][i % w] = (unsigned char)(i * 37 + 5);
	memset(back, FILL, sizeof(back));
	if (cudaMemcpy(b, rows[0], w, cudaMemcpyHostToDevice) != cudaSuccess ||
	    cudaMemcpy(b + pitch, rows[1], w, cudaMemcpyHostToDevice) != cudaSuccess ||
	    cudaMemcpy(a, back[0], w, cudaMemcpyHostToDevice) != cudaSuccess ||
	    cudaMemcpy(a + pitch, back[1], w, cudaMemcpyHostToDevice) != cudaSuccess) {
		cudaGetLastError();
		wrong(m, "filling the rows failed");
		goto out;
	}
	dv = ferry_view_2d(a, d1, w, 2, pitch);
	sv = ferry_view_2d(b, 0, w, 2, pitch);
	ferry_counters_get(&b_);
	s_ = ferry_copy_strided(m->ctx, &dv, &sv, 0, &r_);
	if (!answer(m, m->call, s_, FERRY_OK, r_.message, NULL, &b_, 0))
		goto out;
	/* and from a packed source (its two rows one run) into the same rows: only the
	 * destination's pitch is past the limit */
	if (s_ == FERRY_OK) {
		sv = ferry_view_2d(b + pitch - w, 0, w, 2, w);
		if (cudaMemcpy(b + pitch - w, rows[0], w, cudaMemcpyHostToDevice) != cudaSuccess) {
			cudaGetLastError();
			wrong(m, "filling the rows failed");
			goto out;
		}
		ferry_counters_get(&b_);
		s_ = ferry_copy_strided(m->ctx, &dv, &sv, 0, &r_);
		if (!answer(m, m->call, s_, FERRY_OK, r_.message, NULL, &b_, 0))
			goto out;
	}
	if (s_ == FERRY_OK) {
		if (cudaMemcpy(back[0], a, w, cudaMemcpyDeviceToHost) != cudaSuccess ||
		    cudaMemcpy(back[1], a + pitch, w, cudaMemcpyDeviceToHost) != cudaSuccess) {
			cudaGetLastError();
			wrong(m, "reading the rows back failed");
			goto out;
		}
		if (memcmp(back, rows, sizeof(rows)) != 0) {
			wrong(m, "FERRY_OK with wrong bytes in the rows");
			goto out;
		}
	}
	ok = true;
out:
	cudaFree(a);
	cudaFree(b);
	cudaGetLastError();
	return ok;
}

/* 4-D: rows of 64 bytes, 4 a plane, 3 planes a block, 2 blocks; each side's planes follow
 * their rows without a gap (so the copy merges those two dimensions), its blocks do not. */
static bool case_4d(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	static const size_t ext[4] = { 64, 4, 3, 2 }, ds[4] = { 0, 96, 384, 2048 },
			    ss[4] = { 0, 80, 320, 1500 };
	int d1 = m->ndev > 1 ? 1 : 0;
	ferry_view dv = { .ptr = m->d1, .dev = d1, .ndim = 4 }, sv = { .ptr = m->d0, .ndim = 4 };
	unsigned char *src = malloc(N);
	ferry_counters b_;
	ferry_report r_;
	ferry_status s_;
	bool ok = false;

	m->call = "ferry_copy_strided (4-D)";
	if (!src)
		return wrong(m, "out of host memory");
	for (unsigned i = 0; i < 4; i++) {
		dv.extent[i] = sv.extent[i] = ext[i];
		dv.stride[i] = ds[i];
		sv.stride[i] = ss[i];
	}
	for (size_t i = 0; i < N; i++)
		src[i] = (unsigned char)(i * 151 + (i >> 9) + 3);
	if (cudaMemcpy(m->d0, src, N, cudaMemcpyHostToDevice) != cudaSuccess) {
		cudaGetLastError();
		wrong(m, "filling the source failed");
		goto out;
	}
	ferry_counters_get(&b_);
	s_ = ferry_copy_strided(m->ctx, &dv, &sv, 0, &r_);
	if (!answer(m, m->call, s_, FERRY_OK, r_.message, NULL, &b_, 0))
		goto out;
	if (s_ == FERRY_OK) {
		if (cudaMemcpy(m->img, m->d1, N, cudaMemcpyDeviceToHost) != cudaSuccess) {
			cudaGetLastError();
			wrong(m, "reading back failed");
			goto out;
		}
		/* every byte: the rows where they belong, FILL everywhere else */
		for (size_t at = 0; at < N; at++) {
			unsigned char want = FILL;
			size_t b = at / ds[3], r = at % ds[3], p = r / ds[2], q = r % ds[2];
			size_t row = q / ds[1], x = q % ds[1];

			if (b < ext[3] && p < ext[2] && row < ext[1] && x < ext[0])
				want = src[b * ss[3] + p * ss[2] + row * ss[1] + x];
			if (m->img[at] != want) {
				char where[64];

				snprintf(where, sizeof(where), "%zu", at);
				wrong(m, "FERRY_OK with a wrong byte at offset %s", where);
				goto out;
			}
		}
	}
	ok = refill(m, 0, m->d0) && refill(m, d1, m->d1);
out:
	free(src);
	return ok;
}

/* A batch of device 0's memory with an empty item between two others, on a stream of its
 * own (so the batched copy is tried), then each way: the empty item is skipped everywhere,
 * the others delivered. */
static bool batch_with_empty_item(struct mu *m)
{
	ferry_batch_item it[3] = { { m->d0 + 4096, m->d0, 512 }, { NULL, NULL, 0 },
				   { m->d0 + 8192, m->d0 + 1024, 512 } };
	cudaStream_t s = NULL;
	ferry_counters b_;
	ferry_report r_;
	ferry_status s_;
	bool ok = false;

	m->call = "ferry_copy_batch (an empty item among others)";
	for (size_t i = 0; i < 2048; i++)
		m->h[i] = (unsigned char)(i * 7 + 1);
	if (cudaMemcpy(m->d0, m->h, 2048, cudaMemcpyHostToDevice) != cudaSuccess ||
	    cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) != cudaSuccess) {
		cudaGetLastError();
		return wrong(m, "setting up failed");
	}
	ferry_counters_get(&b_);
	s_ = ferry_copy_batch(m->ctx, it, 3, 0, 0, s, &r_);
	if (!answer(m, m->call, s_, FERRY_OK, r_.message, NULL, &b_, 0))
		goto out;
	if (s_ == FERRY_OK) {
		if (r_.bytes != 1024) {
			wrong(m, "reports %zu bytes, not 1024", r_.bytes);
			goto out;
		}
		if (cudaMemcpy(m->img, m->d0 + 4096, 512, cudaMemcpyDeviceToHost) != cudaSuccess ||
		    cudaMemcpy(m->img + 512, m->d0 + 8192, 512, cudaMemcpyDeviceToHost) !=
			    cudaSuccess ||
		    memcmp(m->img, m->h, 512) != 0 || memcmp(m->img + 512, m->h + 1024, 512) != 0) {
			cudaGetLastError();
			wrong(m, "FERRY_OK with wrong bytes");
			goto out;
		}
	}
	memset(m->h, FILL, 2048);
	ok = refill(m, 0, m->d0);
out:
	cudaStreamDestroy(s);
	cudaGetLastError();
	return ok;
}

static bool case_batch(struct mu *m, enum scn_misuse_id id)
{
	ferry_ctx *x = m->ctx;
	ferry_batch_item it[3] = {
		{ m->d0, m->h, 512 }, { m->d0 + 1024, m->h + 1024, 512 }, { m->d0 + 2048,
									     m->h + 2048, 512 },
	};

	switch (id) {
	case SCN_MISUSE_BATCH_NULL:
		REFUSED(ferry_copy_batch(NULL, it, 3, 0, FERRY_HOST, 0, &r_), "the context is NULL");
		REFUSED(ferry_copy_batch(x, NULL, 3, 0, FERRY_HOST, 0, &r_), "items is NULL");
		return true;
	case SCN_MISUSE_BATCH_BAD_DEVICE:
		REFUSED(ferry_copy_batch(x, it, 3, m->ndev + 3, FERRY_HOST, 0, &r_), "dst device");
		REFUSED(ferry_copy_batch(x, it, 3, 0, -9, 0, &r_), "src device -9");
		return true;
	case SCN_MISUSE_BATCH_NULL_PTR:
		it[1].dst = NULL;
		REFUSED(ferry_copy_batch(x, it, 3, 0, FERRY_HOST, 0, &r_),
			"item 1: the dst pointer is NULL");
		it[1].dst = m->d0 + 1024;
		it[2].src = NULL;
		REFUSED(ferry_copy_batch(x, it, 3, 0, FERRY_HOST, 0, &r_),
			"item 2: the src pointer is NULL");
		return true;
	case SCN_MISUSE_BATCH_OVERFLOW:
		it[2].src = (const void *)(UINTPTR_MAX - 10);
		REFUSED(ferry_copy_batch(x, it, 3, 0, FERRY_HOST, 0, &r_),
			"item 2: its span overflows the address space");
		return true;
	case SCN_MISUSE_BATCH_OVERLAP:
		/* device to device on device 0: dsts and srcs in one buffer */
		it[0] = (ferry_batch_item){ m->d0, m->d0 + 8192, 512 };
		it[1] = (ferry_batch_item){ m->d0 + 256, m->d0 + 16384, 512 };
		it[2] = (ferry_batch_item){ m->d0 + 4096, m->d0 + 20480, 512 };
		REFUSED(ferry_copy_batch(x, it, 3, 0, 0, 0, &r_), "item 1's dst overlaps item 0's dst");
		it[1] = (ferry_batch_item){ m->d0 + 1024, m->d0 + 200, 512 };
		REFUSED(ferry_copy_batch(x, it, 3, 0, 0, 0, &r_), "item 1's src overlaps item 0's dst");
		it[1] = (ferry_batch_item){ m->d0 + 8400, m->d0 + 30000, 512 };
		REFUSED(ferry_copy_batch(x, it, 3, 0, 0, 0, &r_), "item 1's dst overlaps item 0's src");
		return true;
	case SCN_MISUSE_BATCH_WRONG_DEVICE:
		it[1].dst = m->pin;
		REFUSED(ferry_copy_batch(x, it, 3, 0, FERRY_HOST, 0, &r_),
			"item 1: dst: the first byte");
		return true;
	default:
		NOTHING(ferry_copy_batch(x, NULL, 0, 0, FERRY_HOST, 0, &r_));
		it[0].bytes = it[1].bytes = it[2].bytes = 0;
		it[1].dst = NULL;
		NOTHING(ferry_copy_batch(x, it, 3, 0, FERRY_HOST, 0, &r_));
		return batch_with_empty_item(m);
	}
}

static bool case_plan(struct mu *m, enum scn_misuse_id id)
{
	ferry_ctx *x = m->ctx;
	ferry_plan *p = (ferry_plan *)&p, **out = &p;
	unsigned char *far = (unsigned char *)(UINTPTR_MAX - 100);

	if (id == SCN_MISUSE_PLAN_NULL) {
		REFUSED(ferry_plan_create(NULL, out, m->d0, 0, m->h, FERRY_HOST, 64, &r_),
			"the context is NULL");
		if (p) {
			m->call = "ferry_plan_create(NULL, ...)";
			return wrong(m, "refused but left *out set");
		}
		REFUSED(ferry_plan_create(x, NULL, m->d0, 0, m->h, FERRY_HOST, 64, &r_),
			"out is NULL");
		REFUSED(ferry_plan_launch(NULL, 0, &r_), "the plan is NULL");
		ferry_plan_destroy(NULL);
		return true;
	}
	REFUSED(ferry_plan_create(x, out, m->d0, 0, m->h, FERRY_HOST, 0, &r_), "a plan of 0 bytes");
	REFUSED(ferry_plan_create(x, out, NULL, 0, m->h, FERRY_HOST, 64, &r_),
		"dst: the pointer is NULL");
	REFUSED(ferry_plan_create(x, out, m->d0, 0, NULL, FERRY_HOST, 64, &r_),
		"src: the pointer is NULL");
	REFUSED(ferry_plan_create(x, out, far, FERRY_HOST, m->h, FERRY_HOST, 4096, &r_),
		"overflows the address space");
	REFUSED(ferry_plan_create(x, out, m->h, FERRY_HOST, far, FERRY_HOST, 4096, &r_),
		"overflows the address space");
	REFUSED(ferry_plan_create(x, out, m->d0, m->ndev, m->h, FERRY_HOST, 64, &r_),
		"not a device of this process");
	REFUSED(ferry_plan_create(x, out, m->d0, 0, m->h, -4, 64, &r_),
		"not a device of this process");
	REFUSED(ferry_plan_create(x, out, m->d0, 0, m->d0 + 32, 0, 64, &r_), "dst and src overlap");
	REFUSED(ferry_plan_create(x, out, m->d0, 0, m->pin, 0, 64, &r_), "src: the first byte");
	if (p) {
		m->call = "ferry_plan_create";
		return wrong(m, "refused but left *out set");
	}
	return true;
}

static bool case_move(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	ferry_ctx *x = m->ctx;
	void *p = &p;

	REFUSED(ferry_move(x, NULL, 0, m->h, FERRY_HOST, 64, 0, &r_), "out is NULL");
	REFUSED(ferry_move(NULL, &p, 0, m->h, FERRY_HOST, 64, 0, &r_), "the context is NULL");
	if (p) {
		m->call = "ferry_move(NULL, &p, ...)";
		return wrong(m, "refused but left *out set");
	}
	REFUSED(ferry_move(x, &p, m->ndev, m->h, FERRY_HOST, 64, 0, &r_),
		"dst_dev is not a device of this process");
	REFUSED(ferry_move(x, &p, FERRY_HOST, NULL, 0, 64, 0, &r_), "src: the pointer is NULL");
	if (p) {
		m->call = "ferry_move";
		return wrong(m, "refused but left *out set");
	}
	/* 0 bytes: a buffer all the same (of 1 byte), on the host and on a device */
	for (int dev = FERRY_HOST; dev <= 0; dev += 1 - FERRY_HOST) {
		ferry_status s;

		NOTHING(ferry_move(x, &p, dev, m->h, FERRY_HOST, 0, 0, &r_));
		if (!p) {
			m->call = "ferry_move of 0 bytes";
			return wrong(m, "FERRY_OK without a buffer");
		}
		s = ferry_free(p, dev);
		if (!answer(m, "ferry_free of a move of 0 bytes", s, FERRY_OK, NULL, NULL, NULL, 0))
			return false;
	}
	return true;
}

/* Every call with a NULL report: the status says what the report would have. */
static bool case_reports_null(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	ferry_ctx *x = m->ctx;
	ferry_view d = view1(m->d0, 0, 64), s = view1(m->h, FERRY_HOST, 64);
	ferry_batch_item it = { m->d0, m->h, 64 };
	ferry_plan *p = NULL;
	void *moved = NULL;

	m->call = "NULL reports";
	if (ferry_copy(x, m->d0, 0, NULL, FERRY_HOST, 64, 0, NULL) != FERRY_E_INVALID ||
	    ferry_copy_strided(NULL, &d, &s, 0, NULL) != FERRY_E_INVALID ||
	    ferry_copy_batch(NULL, &it, 1, 0, FERRY_HOST, 0, NULL) != FERRY_E_INVALID ||
	    ferry_plan_create(x, &p, m->d0, 0, m->h, FERRY_HOST, 0, NULL) != FERRY_E_INVALID ||
	    ferry_plan_launch(NULL, 0, NULL) != FERRY_E_INVALID ||
	    ferry_move(x, NULL, 0, m->h, FERRY_HOST, 64, 0, NULL) != FERRY_E_INVALID)
		return wrong(m, "a refusal without a report is not FERRY_E_INVALID");
	/* and what is right still happens: the bytes are put back after */
	if (ferry_copy(x, m->d0, 0, m->h, FERRY_HOST, 64, 0, NULL) != FERRY_OK ||
	    ferry_copy_strided(x, &d, &s, 0, NULL) != FERRY_OK ||
	    ferry_copy_batch(x, &it, 1, 0, FERRY_HOST, 0, NULL) != FERRY_OK ||
	    ferry_plan_create(x, &p, m->d0, 0, m->h, FERRY_HOST, 64, NULL) != FERRY_OK ||
	    ferry_plan_launch(p, 0, NULL) != FERRY_OK ||
	    ferry_move(x, &moved, FERRY_HOST, m->h, FERRY_HOST, 64, 0, NULL) != FERRY_OK) {
		ferry_plan_destroy(p);
		ferry_free(moved, FERRY_HOST);
		cudaGetLastError();
		/* an injected failure: an error is the answer, said by the status alone */
		if (!m->any)
			return wrong(m, "a copy without a report failed");
		if (cudaPeekAtLastError() != cudaSuccess) {	/* a lost context stays */
			m->res->lost = true;
			return true;
		}
	} else {
		ferry_plan_destroy(p);
		ferry_free(moved, FERRY_HOST);
	}
	m->res->checks++;
	return refill(m, 0, m->d0);
}

/* An error the caller left in the slot: the calls that make something refuse to. */
static bool case_pending_create(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	ferry_plan *p = (ferry_plan *)&p;
	void *moved = &moved;
	char byte = 0;
	ferry_report r;
	ferry_status s1, s2;
	cudaError_t left;

	m->call = "ferry_plan_create and ferry_move after an error left in the slot";
	if (cudaMemcpy(&byte, &byte, 1, (enum cudaMemcpyKind)77) != cudaErrorInvalidMemcpyDirection)
		return wrong(m, "a memcpy of direction 77 did not fail");
	s1 = ferry_plan_create(m->ctx, &p, m->d0, 0, m->h, FERRY_HOST, 64, &r);
	s2 = ferry_move(m->ctx, &moved, 0, m->h, FERRY_HOST, 64, 0, NULL);
	left = cudaGetLastError();
	if (left != cudaErrorInvalidMemcpyDirection)
		return wrong(m, "the caller's error is gone: the slot held %s", cudaGetErrorName(left));
	/* an injected failure may refuse them for another reason (a context of no devices) */
	if ((s1 != FERRY_E_PENDING || s2 != FERRY_E_PENDING || p || moved) &&
	    !(m->any && s1 != FERRY_OK && s2 != FERRY_OK && !p && !moved))
		return wrong(m, "answered %s and %s%s", ferry_status_name(s1), ferry_status_name(s2),
			     p || moved ? ", and made something" : "");
	m->res->checks++;
	return true;
}

static bool case_free(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	ferry_status s;

	if (!answer(m, "ferry_free(NULL, 0)", ferry_free(NULL, 0), FERRY_OK, NULL, NULL, NULL, 0) ||
	    !answer(m, "ferry_free(NULL, FERRY_HOST)", ferry_free(NULL, FERRY_HOST), FERRY_OK, NULL,
		    NULL, NULL, 0))
		return false;
	/* inside an allocation, not its start: cudaFree refuses it */
	s = ferry_free(m->d0 + 64, 0);
	return answer(m, "ferry_free of a pointer inside an allocation", s, FERRY_E_CUDA, NULL,
		      NULL, NULL, 0);
}

static bool case_pair(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	ferry_fallback why = { .call = "unset" };

	m->call = "ferry_pair_get";
	if (ferry_pair_get(NULL, 0, 0, &why) != FERRY_PAIR_UNKNOWN ||
	    ferry_pair_get(m->ctx, -1, 0, NULL) != FERRY_PAIR_UNKNOWN ||
	    ferry_pair_get(m->ctx, 0, m->ndev, &why) != FERRY_PAIR_UNKNOWN ||
	    ferry_pair_get(m->ctx, m->ndev, 0, NULL) != FERRY_PAIR_UNKNOWN ||
	    ferry_pair_get(m->ctx, 0, -2, &why) != FERRY_PAIR_UNKNOWN)
		return wrong(m, "a pair out of range is not FERRY_PAIR_UNKNOWN");
	if (why.call != NULL)
		return wrong(m, "the reason of a pair out of range is not cleared");
	m->res->checks++;
	return true;
}

#define NTHREADS 4
#define TBYTES 4096

struct racer {
	ferry_ctx *ctx;
	pthread_barrier_t *go;
	unsigned char *dst, *src;
	size_t bytes;
	int dst_dev;
	ferry_status st;
	ferry_report rep;
};

/* Each thread on a stream of its own (an error of one thread's copy is its own). */
static void *race(void *arg)
{
	struct racer *t = arg;
	cudaStream_t s = NULL;

	if (cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) != cudaSuccess) {
		cudaGetLastError();
		s = NULL;
	}
	pthread_barrier_wait(t->go);
	t->st = s ? ferry_copy(t->ctx, t->dst, t->dst_dev, t->src, 0, t->bytes, s, &t->rep)
		  : FERRY_E_CUDA;
	if (!s)
		snprintf(t->rep.message, sizeof(t->rep.message), "the thread's stream: not made");
	cudaStreamDestroy(s);
	cudaGetLastError();
	return NULL;
}

/* Threads that meet a pair no copy has decided yet, at once: one sets it up, the others wait
 * for its decision and take it. */
static bool case_pair_concurrent(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	struct racer t[NTHREADS];
	pthread_t th[NTHREADS];
	pthread_barrier_t go;
	ferry_counters before, after;
	ferry_ctx *ctx = NULL;
	bool ok = true;
	int n = 0;

	m->call = "four threads' ferry_copy 0>1";
	if (m->ndev < 2) {	/* one device: no pair */
		m->res->checks++;
		return true;
	}
	for (size_t i = 0; i < NTHREADS * TBYTES; i++)
		m->h[i] = (unsigned char)(i * 13 + (i >> 12) + 7);
	if (cudaMemcpy(m->d0, m->h, NTHREADS * TBYTES, cudaMemcpyHostToDevice) != cudaSuccess ||
	    ferry_ctx_init(&ctx, NULL) != FERRY_OK) {
		cudaGetLastError();
		return wrong(m, "setting up failed");
	}
	ferry_counters_get(&before);
	pthread_barrier_init(&go, NULL, NTHREADS);
	for (n = 0; n < NTHREADS; n++) {
		t[n] = (struct racer){ .ctx = ctx, .go = &go, .dst = m->d1 + n * TBYTES,
				       .src = m->d0 + n * TBYTES, .bytes = TBYTES, .dst_dev = 1 };
		if (pthread_create(&th[n], NULL, race, &t[n]) != 0)
			break;
	}
	if (n < NTHREADS) {
		/* the barrier would never open: not a state this can recover from */
		fprintf(stderr, "misuse pair.concurrent: pthread_create failed\n");
		abort();
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	ferry_counters_get(&after);
	ferry_ctx_fini(ctx);
	for (int i = 0; i < NTHREADS && ok; i++)
		ok = answer(m, m->call, t[i].st, FERRY_OK, t[i].rep.message, NULL, NULL, 0);
	if (!ok || m->res->lost)
		return ok;
	if (cudaMemcpy(m->img, m->d1, NTHREADS * TBYTES, cudaMemcpyDeviceToHost) != cudaSuccess) {
		cudaGetLastError();
		return wrong(m, "reading back failed");
	}
	for (int i = 0; i < NTHREADS; i++) {
		if (t[i].st != FERRY_OK)
			continue;
		if (memcmp(m->img + i * TBYTES, m->h + i * TBYTES, TBYTES) != 0)
			return wrong(m, "thread %d: FERRY_OK with wrong bytes", i);
		/* the pair decided once: the same way for every thread (an injected failure of
		 * one thread's peer copy sends that copy, and the pair, to staging) */
		if (!m->any && t[i].rep.path != t[0].rep.path && t[0].st == FERRY_OK)
			return wrong(m, "thread %d went %s, thread 0 %s", i,
				     ferry_path_name(t[i].rep.path), ferry_path_name(t[0].rep.path));
	}
	if (!m->any && after.self_tests - before.self_tests != 1)
		return wrong(m, "%llu self-tests of one pair, not 1",
			     (unsigned long long)(after.self_tests - before.self_tests));
	memset(m->h, FILL, NTHREADS * TBYTES);
	return refill(m, 0, m->d0) && refill(m, 1, m->d1);
}

/* One ring for four threads staging at once: three wait for it (1 MiB each in 16 pieces of
 * 64 KiB takes far longer than the threads take to reach the ring). */
static bool case_rings_shared(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	const size_t each = (size_t)1 << 20;
	struct racer t[NTHREADS];
	pthread_t th[NTHREADS];
	pthread_barrier_t go;
	ferry_config cfg;
	ferry_ctx *ctx = NULL;
	unsigned char *src = NULL, *dst = NULL, *h = malloc(NTHREADS * each), *back = NULL;
	int d1 = m->ndev > 1 ? 1 : 0, saved = 0, n;
	bool ok = false;

	m->call = "four threads staging through one ring";
	ferry_config_default(&cfg);
	cfg.chunk_bytes = 64 << 10;
	cfg.slots = 2;
	cfg.pinned_budget = cfg.chunk_bytes * cfg.slots;
	cfg.flags = FERRY_NEVER_PEER | FERRY_ALWAYS_STAGE;
	back = h ? malloc(NTHREADS * each) : NULL;
	cudaGetDevice(&saved);
	if (!back || cudaMalloc((void **)&src, NTHREADS * each) != cudaSuccess ||
	    cudaSetDevice(d1) != cudaSuccess ||
	    cudaMalloc((void **)&dst, NTHREADS * each) != cudaSuccess ||
	    cudaSetDevice(saved) != cudaSuccess || ferry_ctx_init(&ctx, &cfg) != FERRY_OK) {
		cudaGetLastError();
		cudaSetDevice(saved);
		wrong(m, "setting up failed");
		goto out;
	}
	for (size_t i = 0; i < NTHREADS * each; i++)
		h[i] = (unsigned char)(i * 29 + (i >> 16) + 11);
	if (cudaMemcpy(src, h, NTHREADS * each, cudaMemcpyHostToDevice) != cudaSuccess) {
		cudaGetLastError();
		wrong(m, "filling the source failed");
		goto out;
	}
	pthread_barrier_init(&go, NULL, NTHREADS);
	for (n = 0; n < NTHREADS; n++) {
		t[n] = (struct racer){ .ctx = ctx, .go = &go, .dst = dst + n * each,
				       .src = src + n * each, .bytes = each, .dst_dev = d1 };
		if (pthread_create(&th[n], NULL, race, &t[n]) != 0) {
			fprintf(stderr, "misuse rings.shared: pthread_create failed\n");
			abort();	/* the barrier would never open */
		}
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	for (int i = 0; i < NTHREADS; i++)
		if (!answer(m, m->call, t[i].st, FERRY_OK, t[i].rep.message, NULL, NULL, 0))
			goto out;
	if (m->res->lost) {
		ok = true;
		goto out;
	}
	if (cudaMemcpy(back, dst, NTHREADS * each, cudaMemcpyDeviceToHost) != cudaSuccess) {
		cudaGetLastError();
		wrong(m, "reading back failed");
		goto out;
	}
	for (int i = 0; i < NTHREADS; i++)
		if (t[i].st == FERRY_OK && memcmp(back + i * each, h + i * each, each) != 0) {
			wrong(m, "thread %d: FERRY_OK with wrong bytes", i);
			goto out;
		}
	ok = true;
out:
	ferry_ctx_fini(ctx);
	cudaFree(src);
	cudaFree(dst);
	cudaGetLastError();
	free(h);
	free(back);
	return ok;
}

static bool case_lists(struct mu *m, enum scn_misuse_id id)
{
	(void)id;
	ferry_named_path np[4];
	ferry_shim_choice sc[3];
	size_t n = ferry_named_paths(NULL, 0), k;
	int rt = -1, drv = -1;

	m->call = "ferry_named_paths";
	memset(np, 0, sizeof(np));
	if (n < 4 || ferry_named_paths(np, 3) != n || !np[2].name || np[3].name)
		return wrong(m, "into 3 entries it does not fill 3 and return all");
	memset(sc, 0, sizeof(sc));
	m->call = "ferry_shim_describe";
	k = ferry_shim_describe(sc, 2, &rt, &drv);
	if (k < 3 || !sc[1].capability || sc[2].capability || rt <= 0 || drv < 0 ||
	    ferry_shim_describe(NULL, 0, NULL, NULL) != k)
		return wrong(m, "into 2 entries it does not fill 2, return all and the versions");
	m->res->checks++;
	return true;
}

/* --- the buffers ----------------------------------------------------------------------------- */

static bool dev_alloc(int dev, unsigned char **p)
{
	int saved = 0;
	cudaError_t e;

	cudaGetDevice(&saved);
	e = cudaSetDevice(dev);
	if (e == cudaSuccess)
		e = cudaMalloc((void **)p, N);
	cudaSetDevice(saved);
	return e == cudaSuccess;
}

/* Every buffer holds FILL still. */
static bool untouched(struct mu *m)
{
	unsigned char *const bufs[] = { m->d0, m->d1, m->h, m->pin };
	static const char *const names[] = { "device 0's", "device 1's", "pageable", "pinned" };

	for (int b = 0; b < 4; b++) {
		const unsigned char *p = bufs[b];

		if (b < 2) {
			if (cudaMemcpy(m->img, bufs[b], N, cudaMemcpyDeviceToHost) != cudaSuccess) {
				cudaGetLastError();
				m->call = "after the case";
				return wrong(m, "the %s buffer could not be read", names[b]);
			}
			p = m->img;
		}
		for (size_t i = 0; i < N; i++)
			if (p[i] != FILL) {
				char at[64];

				snprintf(at, sizeof(at), "%zu (0x%02x)", i, p[i]);
				m->call = "after the case";
				return wrong(m, "the %s buffer written: byte %s", names[b], at);
			}
	}
	return true;
}

/* Each case's function, in misuse.def's order. */
static bool (*const run_case[])(struct mu *, enum scn_misuse_id) = {
#define MISUSE(id, name, fn, meaning) fn,
#include "misuse.def"
#undef MISUSE
};

bool scn_misuse_run(ferry_ctx *ctx, enum scn_misuse_id id, bool any,
		    struct scn_misuse_result *res)
{
	struct mu m = { .ctx = ctx, .any = any, .res = res };
	bool ok = false;

	res->why[0] = '\0';
	if (cudaGetDeviceCount(&m.ndev) != cudaSuccess || m.ndev < 1) {
		cudaGetLastError();
		snprintf(res->why, sizeof(res->why), "no device");
		return false;
	}
	m.h = malloc(N);
	m.img = malloc(N);
	if (!m.h || !m.img || !dev_alloc(0, &m.d0) || !dev_alloc(m.ndev > 1 ? 1 : 0, &m.d1) ||
	    cudaMallocHost((void **)&m.pin, N) != cudaSuccess) {
		cudaGetLastError();
		snprintf(res->why, sizeof(res->why), "allocating the case's buffers failed");
		goto out;
	}
	memset(m.h, FILL, N);
	memset(m.pin, FILL, N);
	if (!dev_fill(0, m.d0) || !dev_fill(m.ndev > 1 ? 1 : 0, m.d1)) {
		snprintf(res->why, sizeof(res->why), "filling the case's buffers failed");
		goto out;
	}
	ok = id < SCN_MISUSE_COUNT && run_case[id](&m, id);
	/* after a lost context nothing can be read back: the case stops there */
	ok = ok && (res->lost || untouched(&m));
out:
	free(m.h);
	free(m.img);
	if (m.d0)
		cudaFree(m.d0);
	if (m.d1)
		cudaFree(m.d1);
	if (m.pin)
		cudaFreeHost(m.pin);
	cudaGetLastError();
	return ok;
}
