/*
 * ferry-scenario: runs one scenario's steps in this process, through libferry, and checks
 * every byte. `ferry run` starts it under the interposer (virtual devices, peer matrix and
 * fault rules from the scenario); it can also be run by hand that way:
 *
 *   ferry inject --devices 2 --faults '...' -- ferry-scenario FILE
 *
 * Prints "step N (line L): TEXT" as each step starts (so that a hang names its step), and
 * "FAIL step N (line L) TEXT: WHY" for the first failure, with the first wrong byte's offset,
 * expected and actual value. Exit status: 0 when every step passed and something was checked;
 * 1 on a failure; 2 for a scenario that does not parse.
 *
 * With --any-outcome (ferry enumerate's runs, where an injected failure changes what the
 * steps can give), a copy may take any path and may fail with a clear error (a status and a
 * message); what it may not do is succeed with wrong bytes, write after refusing, or leave
 * the slot dirty. The last line says "outcome: exact" or "outcome: error ...".
 *
 * Before it exits (pass or fail) it prints "paths: NAME ..." : the named paths libferry took
 * in this process (ferry_named_paths), which `ferry run` collects per scenario; and
 * "abandoned: N" when N peer self-tests never ended (their pinned block and stream are kept
 * on purpose: ferry enumerate's leak check allows for them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry.h"
#include "misuse.h"
#include "scenario.h"
#include "table.h"

#define GUARD 256
#define FILL 0xee

/* --- patterns --------------------------------------------------------------------------------- */

static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Fills p with the pattern: random bytes, or floats whose every 4th element is one of the
 * values a careless copy or conversion changes (NaNs with payloads, signalling NaNs,
 * infinities, negative zero, denormals). */
static void fill_pattern(unsigned char *p, size_t n, enum scn_pattern pat, uint64_t seed)
{
	static const uint32_t f32[] = { 0x7fc00001, 0x7f800001, 0xffc12345, 0x7f800000,
					0xff800000, 0x80000000, 0x00000001, 0x807fffff };
	static const uint16_t h16[2][7] = {
		{ 0x7fc1, 0x7f81, 0xffc3, 0x7f80, 0x8000, 0x0001, 0x807f },	/* bf16 */
		{ 0x7e01, 0x7c01, 0xfe55, 0x7c00, 0x8000, 0x0001, 0x83ff },	/* fp16 */
	};
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 11;
	size_t i = 0;

	if (pat == SCN_F32) {
		for (size_t k = 0; i + 4 <= n; i += 4, k++) {
			uint32_t v = k % 4 == 0 ? f32[(k / 4) % 8] : (uint32_t)next(&x);

			memcpy(p + i, &v, 4);
		}
	} else if (pat == SCN_BF16 || pat == SCN_FP16) {
		for (size_t k = 0; i + 2 <= n; i += 2, k++) {
			uint16_t v = k % 4 == 0 ? h16[pat == SCN_FP16][(k / 4) % 7]
						: (uint16_t)next(&x);

			memcpy(p + i, &v, 2);
		}
	}
	for (; i < n; i++)
		p[i] = (unsigned char)(next(&x) >> 24);
}

/* --- buffers ---------------------------------------------------------------------------------- */

struct side {
	int where;		/* a device, SCN_HOST, SCN_PINNED or SCN_REGISTERED */
	bool registered_failed;
	unsigned char *base;	/* GUARD + span + GUARD */
	size_t bytes;
	ferry_view v;
};

static size_t span(const ferry_view *v)
{
	size_t s = v->extent[0];

	for (unsigned i = 1; i < v->ndim; i++)
		s += v->stride[i] * (v->extent[i] - 1);
	return s;
}

static const char *side_alloc(struct side *s)
{
	int saved;

	s->bytes = span(&s->v) + 2 * GUARD;
	if (s->where == SCN_HOST) {
		s->base = malloc(s->bytes);
	} else if (s->where == SCN_REGISTERED) {
		s->base = malloc(s->bytes);
		/* a refused or doubled registration leaves it pageable (F13's workaround) */
		if (s->base && cudaHostRegister(s->base, s->bytes, cudaHostRegisterDefault) !=
				       cudaSuccess) {
			cudaGetLastError();
			s->registered_failed = true;
		}
	} else if (s->where == SCN_PINNED) {
		if (cudaMallocHost((void **)&s->base, s->bytes) != cudaSuccess)
			s->base = NULL;
	} else {
		cudaGetDevice(&saved);
		cudaSetDevice(s->where);
		if (cudaMalloc((void **)&s->base, s->bytes) != cudaSuccess)
			s->base = NULL;
		cudaSetDevice(saved);
	}
	if (!s->base) {
		cudaGetLastError();
		return "allocating a buffer of the scenario failed";
	}
	s->v.ptr = s->base + GUARD;
	s->v.dev = s->where < 0 ? FERRY_HOST : s->where;
	return NULL;
}

static const char *side_put(struct side *s, const unsigned char *h)
{
	if (s->where < 0)
		memcpy(s->base, h, s->bytes);
	else if (cudaMemcpy(s->base, h, s->bytes, cudaMemcpyHostToDevice) != cudaSuccess)
		return "filling a buffer failed (outside the copy under test)";
	return NULL;
}

static const char *side_get(struct side *s, unsigned char *h)
{
	if (s->where < 0)
		memcpy(h, s->base, s->bytes);
	else if (cudaMemcpy(h, s->base, s->bytes, cudaMemcpyDeviceToHost) != cudaSuccess)
		return "reading a buffer back failed (outside the copy under test)";
	return NULL;
}

static void side_free(struct side *s)
{
	if (!s->base)
		return;
	if (s->where == SCN_HOST) {
		free(s->base);
	} else if (s->where == SCN_REGISTERED) {
		if (!s->registered_failed)
			cudaHostUnregister(s->base);
		cudaGetLastError();	/* 713 or 4 tolerated (F13) */
		free(s->base);
	} else if (s->where == SCN_PINNED)
		cudaFreeHost(s->base);
	else
		cudaFree(s->base);
	cudaGetLastError();
}

/* enable SRC>DST: what another library does before ferry sees the pair. */
static bool enable_step(const struct scn_step *st)
{
	int saved;
	cudaError_t e;

	cudaGetDevice(&saved);
	cudaSetDevice(st->dst);
	e = cudaDeviceEnablePeerAccess(st->src, 0);
	cudaSetDevice(saved);
	cudaGetLastError();
	printf("  enable %d>%d: %s\n", st->src, st->dst, cudaGetErrorName(e));
	return true;
}

static void views(const struct scn_layout *l, ferry_view *d, ferry_view *s)
{
	memset(d, 0, sizeof(*d));
	memset(s, 0, sizeof(*s));
	if (l->ndim == 1) {
		*d = ferry_view_1d(NULL, 0, l->size);
		*s = ferry_view_1d(NULL, 0, l->size);
		return;
	}
	*d = ferry_view_3d(NULL, 0, l->w, l->h, l->d, l->dp, l->ds);
	*s = ferry_view_3d(NULL, 0, l->w, l->h, l->d, l->sp, l->ss);
}

/* What dst's whole buffer must hold after the copy: FILL, with src's rows in their places. */
static void expected(const struct scn_layout *l, const unsigned char *sbuf, unsigned char *want,
		     size_t bytes)
{
	memset(want, FILL, bytes);
	if (l->ndim == 1) {
		memcpy(want + GUARD, sbuf + GUARD, l->size);
		return;
	}
	for (size_t z = 0; z < l->d; z++)
		for (size_t y = 0; y < l->h; y++)
			memcpy(want + GUARD + z * l->ds + y * l->dp,
			       sbuf + GUARD + z * l->ss + y * l->sp, l->w);
}

/* --- a step ---------------------------------------------------------------------------------- */

struct run {
	ferry_ctx *ctx;
	size_t checks;		/* steps that checked something */
	size_t bytes;		/* bytes compared */
	bool sticky;		/* a step expected the context lost */
	bool any;		/* --any-outcome */
	char first_error[300];	/* --any-outcome: the first error a copy returned */
	unsigned long long capture_id;	/* mode=capture: the capture's, at its start */
	bool capture_known;		/* ... when the query answered (--any-outcome) */
	char why[512];
};

static bool check_report(struct run *r, const struct scn_step *st, ferry_status status,
			 const ferry_report *rep)
{
	if (r->any) {
		if (status != FERRY_OK && !rep->message[0]) {
			snprintf(r->why, sizeof(r->why), "%s with no message",
				 ferry_status_name(status));
			return false;
		}
		if (status != FERRY_OK && !r->first_error[0])
			snprintf(r->first_error, sizeof(r->first_error), "%s: %.200s",
				 ferry_status_name(status), rep->message);
		return true;
	}
	if ((int)status != st->status) {
		snprintf(r->why, sizeof(r->why), "status %s, expected %s%s%s%s",
			 ferry_status_name(status), scn_status_name(st->status),
			 rep->message[0] ? " (" : "", rep->message, rep->message[0] ? ")" : "");
		return false;
	}
	if (status == FERRY_OK && st->path_mask && !(st->path_mask & (1u << rep->path))) {
		char want[160] = "";

		for (int q = 0; q < FERRY_PATH_COUNT; q++)
			if (st->path_mask & (1u << q))
				snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
					 want[0] ? " or " : "", scn_path_name(q));
		snprintf(r->why, sizeof(r->why), "delivered by %s, expected %s",
			 ferry_path_name(rep->path), want);
		return false;
	}
	for (unsigned i = 0; i < st->nfallbacks; i++) {
		bool found = false;

		for (unsigned j = 0; j < rep->nfallbacks && !found; j++)
			found = (int)rep->fallbacks[j].path == st->fb_path[i] &&
				(strcmp(st->fb_error[i], "any") == 0 ||
				 strcmp(st->fb_error[i], cudaGetErrorName(rep->fallbacks[j].error)) ==
					 0);
		if (!found) {
			int n = snprintf(r->why, sizeof(r->why),
					 "no fallback from %s for %s in the report [",
					 scn_path_name(st->fb_path[i]), st->fb_error[i]);

			for (unsigned j = 0; j < rep->nfallbacks && n > 0 && (size_t)n < sizeof(r->why);
			     j++)
				n += snprintf(r->why + n, sizeof(r->why) - (size_t)n, "%s%s:%s:%s",
					      j ? ", " : "", ferry_path_name(rep->fallbacks[j].path),
					      cudaGetErrorName(rep->fallbacks[j].error),
					      rep->fallbacks[j].call);
			if (n > 0 && (size_t)n < sizeof(r->why))
				snprintf(r->why + n, sizeof(r->why) - (size_t)n, "]");
			return false;
		}
	}
	return true;
}

/* --- what the copying steps share ------------------------------------------------------------ */

/* A copying step's buffers: both sides (their views set by the step), host images of them,
 * and the caller's stream. */
struct bufs {
	struct side d, s;
	unsigned char *sbuf, *dbuf, *want;
	cudaStream_t stream;
};

/* The portable queries (ferry.h) checked against what the runtime says directly. */

/* The variant the shim chose for cap. */
static const char *shim_variant(const char *cap)
{
	ferry_shim_choice ch[32];
	size_t n = ferry_shim_describe(ch, 32, NULL, NULL);

	for (size_t k = 0; k < n && k < 32; k++)
		if (strcmp(ch[k].capability, cap) == 0)
			return ch[k].variant;
	return "";
}

/* A query answered e: true to go on and compare. Under --any-outcome an injected failure may
 * answer an error (noted, the slot cleared); else an error is wrong. */
static bool query_answered(struct run *r, cudaError_t e, const char *what, bool *ok)
{
	*ok = true;
	if (e == cudaSuccess)
		return true;
	cudaGetLastError();
	if (r->any) {
		if (!r->first_error[0])
			snprintf(r->first_error, sizeof(r->first_error), "%s: %s", what,
				 cudaGetErrorName(e));
		return false;
	}
	*ok = false;
	snprintf(r->why, sizeof(r->why), "%s answered %s", what, cudaGetErrorName(e));
	return false;
}

/* ferry_stream_device(s) is dev. */
static bool stream_device_is(struct run *r, cudaStream_t s, int dev)
{
	int got = -1;
	bool ok;

	if (query_answered(r, ferry_stream_device(s, &got), "ferry_stream_device", &ok) &&
	    got != dev) {
		snprintf(r->why, sizeof(r->why), "ferry_stream_device says a stream of device %d is "
			 "device %d's (stream-device=%s)", dev, got, shim_variant("stream-device"));
		return false;
	}
	return ok;
}

/* At the start of a run: device and peer attributes through the shim agree with the
 * runtime's own answers (devices 0 and 1: each attribute is one call to fail under
 * enumeration), peer attributes a version does not know are refused, and stream 0 is the
 * current device's. */
static bool check_queries(struct run *r, const struct scenario *sc)
{
	bool absent_dev = strcmp(shim_variant("device-attrs"), "absent") == 0;
	const char *p2p = shim_variant("p2p-attrs");
	int n = 0, v, want;
	bool ok;

	if (cudaGetDeviceCount(&n) != cudaSuccess) {
		cudaGetLastError();
		snprintf(r->why, sizeof(r->why), "cudaGetDeviceCount failed");
		return false;
	}
	for (int d = 0; d < n && d < 2; d++) {
		cudaError_t e = ferry_device_attribute(d, cudaDevAttrMultiProcessorCount, &v);

		if (absent_dev) {
			if (e != cudaErrorNotSupported) {
				snprintf(r->why, sizeof(r->why), "ferry_device_attribute answered %s "
					 "where the runtime lacks cudaDeviceGetAttribute",
					 cudaGetErrorName(e));
				return false;
			}
			cudaGetLastError();
			continue;
		}
		if (!query_answered(r, e, "ferry_device_attribute", &ok)) {
			if (!ok)
				return false;
			continue;
		}
		if (cudaDeviceGetAttribute(&want, cudaDevAttrMultiProcessorCount, d) != cudaSuccess ||
		    v != want) {
			cudaGetLastError();
			snprintf(r->why, sizeof(r->why), "ferry_device_attribute says device %d has "
				 "%d multiprocessors, cudaDeviceGetAttribute %d", d, v, want);
			return false;
		}
	}
	for (int a = 0; a < n && a < 2; a++) {
		int b = 1 - a, can = 0;
		cudaError_t e;

		if (b >= n)
			break;
		e = ferry_p2p_attribute(a, b, cudaDevP2PAttrAccessSupported, &v);
		if (strcmp(p2p, "absent") == 0) {
			if (e != cudaErrorNotSupported) {
				snprintf(r->why, sizeof(r->why), "ferry_p2p_attribute answered %s where "
					 "the runtime lacks cudaDeviceGetP2PAttribute",
					 cudaGetErrorName(e));
				return false;
			}
			continue;
		}
		if (!query_answered(r, e, "ferry_p2p_attribute", &ok)) {
			if (!ok)
				return false;
			continue;
		}
		/* a fault rule may answer one query and not the other */
		if (!sc->nrules && (cudaDeviceCanAccessPeer(&can, a, b) != cudaSuccess ||
				    !v != !can)) {
			cudaGetLastError();
			snprintf(r->why, sizeof(r->why), "ferry_p2p_attribute says %d>%d access is "
				 "%ssupported, cudaDeviceCanAccessPeer says %d", a, b, v ? "" : "not ",
				 can);
			return false;
		}
		/* attribute 5 is 13.0's; 0 is none */
		e = ferry_p2p_attribute(a, b, (enum cudaDeviceP2PAttr)5, &v);
		if (strcmp(p2p, "attrs-1-4") == 0 && e != cudaErrorNotSupported) {
			snprintf(r->why, sizeof(r->why), "ferry_p2p_attribute answered %s for attribute "
				 "5 under a runtime that knows 1..4", cudaGetErrorName(e));
			return false;
		}
		cudaGetLastError();
		if (ferry_p2p_attribute(a, b, (enum cudaDeviceP2PAttr)0, &v) != cudaErrorNotSupported) {
			snprintf(r->why, sizeof(r->why), "ferry_p2p_attribute answered attribute 0");
			return false;
		}
	}
	if (ferry_device_attribute(0, cudaDevAttrMultiProcessorCount, NULL) !=
		    cudaErrorInvalidValue ||
	    ferry_p2p_attribute(0, 0, cudaDevP2PAttrAccessSupported, NULL) != cudaErrorInvalidValue ||
	    ferry_stream_device(0, NULL) != cudaErrorInvalidValue ||
	    ferry_stream_capture(0, NULL, NULL) != cudaErrorInvalidValue) {
		snprintf(r->why, sizeof(r->why), "a portable query accepted a NULL out-argument");
		return false;
	}
	return stream_device_is(r, 0, 0) && stream_device_is(r, cudaStreamLegacy, 0) &&
	       stream_device_is(r, cudaStreamPerThread, 0);
}

static bool bufs_make(struct run *r, const struct scn_step *st, struct bufs *b)
{
	const char *e;

	if ((e = side_alloc(&b->s)) || (e = side_alloc(&b->d))) {
		snprintf(r->why, sizeof(r->why), "%s", e);
		return false;
	}
	b->sbuf = malloc(b->s.bytes);
	b->dbuf = malloc(b->d.bytes);
	b->want = malloc(b->d.bytes);
	if (!b->sbuf || !b->dbuf || !b->want) {
		snprintf(r->why, sizeof(r->why), "out of host memory for the check");
		return false;
	}
	if (st->stream_dev >= 0) {
		int saved;

		cudaGetDevice(&saved);
		cudaSetDevice(st->stream_dev);
		cudaStreamCreateWithFlags(&b->stream, cudaStreamNonBlocking);
		cudaSetDevice(saved);
		return stream_device_is(r, b->stream, st->stream_dev);
	}
	return true;
}

static void bufs_free(struct bufs *b)
{
	if (b->stream)
		cudaStreamDestroy(b->stream);
	side_free(&b->s);
	side_free(&b->d);
	free(b->sbuf);
	free(b->dbuf);
	free(b->want);
}

/* A new seeded source (and, with dst, a destination of FILL bytes) in place, the device
 * idle: what the copy under test starts from. */
static bool bufs_fill(struct run *r, const struct scn_step *st, struct bufs *b, size_t index,
		      unsigned rep_i, bool dst)
{
	const char *e;

	fill_pattern(b->sbuf, b->s.bytes, st->pattern, index * 1000003u + rep_i + 1);
	if (dst)
		memset(b->dbuf, FILL, b->d.bytes);
	if ((e = side_put(&b->s, b->sbuf)) || (dst && (e = side_put(&b->d, b->dbuf)))) {
		snprintf(r->why, sizeof(r->why), "%s", e);
		return false;
	}
	if (cudaDeviceSynchronize() != cudaSuccess)
		cudaGetLastError();
	return true;
}

/* The destination read back into dbuf. */
static bool bufs_read(struct run *r, struct bufs *b)
{
	const char *e = side_get(&b->d, b->dbuf);

	if (e)
		snprintf(r->why, sizeof(r->why), "%s", e);
	return !e;
}

/* The first byte where dbuf and want differ, or SIZE_MAX. */
static size_t first_mismatch(const struct bufs *b)
{
	for (size_t i = 0; i < b->d.bytes; i++)
		if (b->dbuf[i] != b->want[i])
			return i;
	return SIZE_MAX;
}

/* The last-error slot after a call of the copy core (what: "a copy", "a batch" ...): clean,
 * unless ferry returned that error (or the context is lost); the scenario keeps it clean, so
 * ferry never has reason to answer FERRY_E_PENDING. An error ferry returned is cleared, as
 * its caller would. */
static bool slot_after(struct run *r, const char *what, ferry_status status,
		       const ferry_report *rep)
{
	cudaError_t slot = cudaPeekAtLastError();

	if (status == FERRY_E_PENDING ||
	    (slot != cudaSuccess && status != FERRY_E_STICKY &&
	     (status == FERRY_OK || slot != rep->error))) {
		snprintf(r->why, sizeof(r->why),
			 "the last-error slot holds %s after %s that returned %s (a tolerated "
			 "error leaked: F05)",
			 cudaGetErrorName(slot), what, ferry_status_name(status));
		return false;
	}
	if (slot != cudaSuccess && status != FERRY_E_STICKY)
		cudaGetLastError();
	return true;
}

/* --- modes: a call inside a capture, or after an error left in the slot ---------------------- */

/* The error mode=pending leaves in the last-error slot before the call: what a caller's own
 * failed call (a bad memcpy direction) leaves there. */
#define PENDING_ERROR cudaErrorInvalidMemcpyDirection

/* Before the step's call on stream s: starts its capture, or leaves the pending error. */
static bool mode_before(struct run *r, const struct scn_step *st, cudaStream_t s)
{
	cudaError_t e;

	if (st->mode == SCN_CAPTURE) {
		enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
		bool ok;

		e = cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal);
		if (e != cudaSuccess) {
			snprintf(r->why, sizeof(r->why), "set-up: cudaStreamBeginCapture: %s",
				 cudaGetErrorName(e));
			return false;
		}
		r->capture_id = 0;
		r->capture_known = query_answered(r, ferry_stream_capture(s, &cs, &r->capture_id),
						  "ferry_stream_capture", &ok);
		if (r->capture_known &&
		    (cs != cudaStreamCaptureStatusActive ||
		     (!r->capture_id) != (strcmp(shim_variant("capture-info"), "absent") == 0))) {
			snprintf(r->why, sizeof(r->why), "ferry_stream_capture says status %d, capture "
				 "%llu, of a stream just set capturing (capture-info=%s)", (int)cs,
				 r->capture_id, shim_variant("capture-info"));
			cudaStreamEndCapture(s, &(cudaGraph_t){ NULL });
			cudaGetLastError();
			return false;
		}
		if (!ok) {
			cudaStreamEndCapture(s, &(cudaGraph_t){ NULL });
			cudaGetLastError();
			return false;
		}
	} else if (st->mode == SCN_INVALIDATED) {
		/* measured: a query of a capturing stream answers 900 and invalidates it */
		e = cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal);
		if (e == cudaSuccess && (e = cudaStreamQuery(s)) != cudaErrorStreamCaptureUnsupported) {
			snprintf(r->why, sizeof(r->why), "set-up: a query of the capturing stream "
				 "answered %s, not cudaErrorStreamCaptureUnsupported",
				 cudaGetErrorName(e));
			return false;
		}
		if (e != cudaErrorStreamCaptureUnsupported) {
			snprintf(r->why, sizeof(r->why), "set-up: cudaStreamBeginCapture: %s",
				 cudaGetErrorName(e));
			return false;
		}
		cudaGetLastError();	/* the caller's own error, handled */
	} else if (st->mode == SCN_PENDING) {
		char byte = 0;

		e = cudaMemcpy(&byte, &byte, 1, (enum cudaMemcpyKind)77);
		if (e != PENDING_ERROR || cudaPeekAtLastError() != PENDING_ERROR) {
			snprintf(r->why, sizeof(r->why), "set-up: a memcpy of direction 77 answered "
				 "%s, not %s", cudaGetErrorName(e), cudaGetErrorName(PENDING_ERROR));
			return false;
		}
	}
	return true;
}

/*
 * After the step's call (status, rep): the last-error slot checked (slot_after); under
 * capture the capture ended, still valid, and its graph (where the call succeeded: a copy
 * recorded, nothing run yet) launched once and waited for, so that the bytes can be read as
 * after a plain call; under pending the caller's error still in the slot, cleared by its
 * owner. With --any-outcome, a graph that fails when it runs (an injected error that surfaces
 * there, as a real one would) is an outcome, not a failure: *undefined says the destination
 * is not to be compared.
 */
static bool mode_after(struct run *r, const struct scn_step *st, cudaStream_t s,
		       const char *what, ferry_status status, ferry_report *rep, bool *undefined)
{
	*undefined = false;
	if (st->mode == SCN_INVALIDATED) {
		enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
		cudaGraph_t g = NULL;
		cudaError_t e;

		/* nothing left in the slot; the capture still the caller's, still invalid */
		if (!slot_after(r, what, status, rep))
			return false;
		e = ferry_stream_capture(s, &cs, NULL);
		if (e == cudaSuccess && cs != cudaStreamCaptureStatusInvalidated) {
			snprintf(r->why, sizeof(r->why), "%s returned %s and the caller's invalidated "
				 "capture is %s", what, ferry_status_name(status),
				 cs == cudaStreamCaptureStatusNone ? "ended" : "active again");
			return false;
		}
		cudaGetLastError();
		e = cudaStreamEndCapture(s, &g);
		cudaGetLastError();
		if (g)
			cudaGraphDestroy(g);
		if (e != cudaErrorStreamCaptureInvalidated) {
			snprintf(r->why, sizeof(r->why), "ending the invalidated capture after %s "
				 "answered %s, not cudaErrorStreamCaptureInvalidated", what,
				 cudaGetErrorName(e));
			return false;
		}
		return true;
	}
	if (st->mode == SCN_PENDING) {
		cudaError_t e = cudaGetLastError();

		if (e != PENDING_ERROR) {
			snprintf(r->why, sizeof(r->why), "the caller's %s left in the slot before %s "
				 "is gone: the slot holds %s after it returned %s",
				 cudaGetErrorName(PENDING_ERROR), what, cudaGetErrorName(e),
				 ferry_status_name(status));
			return false;
		}
		return true;
	}
	if (st->mode == SCN_CAPTURE) {
		cudaGraph_t g = NULL;
		cudaGraphExec_t ex = NULL;
		enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
		unsigned long long id = 0;
		cudaError_t e = ferry_stream_capture(s, &cs, &id);

		/* the call kept the caller's capture going, the same capture */
		if (e == cudaSuccess && (cs != cudaStreamCaptureStatusActive ||
					 (r->capture_known && id != r->capture_id))) {
			snprintf(r->why, sizeof(r->why), "%s returned %s and left the capture %s "
				 "(capture %llu, was %llu)", what, ferry_status_name(status),
				 cs == cudaStreamCaptureStatusInvalidated ? "invalidated" : "ended",
				 id, r->capture_id);
			cudaStreamEndCapture(s, &g);
			if (g)
				cudaGraphDestroy(g);
			cudaGetLastError();
			return false;
		}
		if (e != cudaSuccess && !r->any) {
			snprintf(r->why, sizeof(r->why), "ferry_stream_capture after %s answered %s",
				 what, cudaGetErrorName(e));
			return false;
		}
		cudaGetLastError();
		e = cudaStreamEndCapture(s, &g);

		if (e != cudaSuccess) {
			snprintf(r->why, sizeof(r->why), "%s returned %s and left the capture "
				 "invalid: cudaStreamEndCapture answered %s", what,
				 ferry_status_name(status), cudaGetErrorName(e));
			cudaGetLastError();
			return false;
		}
		if (status == FERRY_OK && !rep->captured) {
			snprintf(r->why, sizeof(r->why), "%s succeeded inside a capture without "
				 "saying it was recorded (report.captured)", what);
			cudaGraphDestroy(g);
			return false;
		}
		if (status == FERRY_OK) {
			e = cudaGraphInstantiate(&ex, g, 0);
			if (e == cudaSuccess)
				e = cudaGraphLaunch(ex, s);
			if (e == cudaSuccess)
				e = cudaStreamSynchronize(s);
			if (ex)
				cudaGraphExecDestroy(ex);
		}
		cudaGraphDestroy(g);
		if (e != cudaSuccess && r->any) {
			if (!r->first_error[0])
				snprintf(r->first_error, sizeof(r->first_error),
					 "the graph %s recorded: %s", what, cudaGetErrorName(e));
			cudaGetLastError();	/* the scenario's own call: its to clear */
			r->checks++;
			*undefined = true;
			/* an error that lost the context: no later step can run */
			r->sticky |= inj_error_loses_context(e);
			return true;
		}
		if (e != cudaSuccess) {
			snprintf(r->why, sizeof(r->why), "the graph %s recorded: %s", what,
				 cudaGetErrorName(e));
			return false;
		}
	}
	return slot_after(r, what, status, rep);
}

/* An error the step expected that leaves the destination undefined: counted as a check, and
 * true (nothing to compare); *lost when the context is lost. The errors that promise nothing
 * was written (invalid, pending, capture) answer false: the destination is compared. */
static bool undefined_after(struct run *r, ferry_status status, bool *lost)
{
	if (status == FERRY_OK || status == FERRY_E_INVALID || status == FERRY_E_PENDING ||
	    status == FERRY_E_CAPTURE)
		return false;
	r->checks++;
	r->sticky |= status == FERRY_E_STICKY;
	*lost = r->sticky;
	return true;
}

/* Whether report->via is one of the step's via= (bits: batch, loop, per-item, graph,
 * unplanned); says why not into r->why. */
static bool via_ok(struct run *r, const struct scn_step *st, const ferry_report *rep)
{
	static const char *const names[] = { "batch", "loop", "per-item", "graph", "unplanned" };

	if (r->any || !st->via_mask)
		return true;
	for (unsigned q = 0; q < 5; q++)
		if ((st->via_mask & (1u << q)) && rep->via && strcmp(rep->via, names[q]) == 0)
			return true;
	snprintf(r->why, sizeof(r->why), "went via %s, not as expected",
		 rep->via ? rep->via : "(none)");
	return false;
}

/* --- the copying steps ----------------------------------------------------------------------- */

/* The process's counters moved as one call that returned status must move them: a copy
 * delivered by rep->path of bytes, or one failure. */
static bool counted(struct run *r, const ferry_counters *before, ferry_status status,
		    const ferry_report *rep, size_t bytes)
{
	ferry_counters now;

	ferry_counters_get(&now);
	if (status == FERRY_OK && bytes &&
	    (now.copies[rep->path] - before->copies[rep->path] != 1 ||
	     now.bytes[rep->path] - before->bytes[rep->path] != bytes ||
	     now.failures != before->failures)) {
		snprintf(r->why, sizeof(r->why), "ferry_counters: a copy of %zu bytes by %s counted "
			 "%llu copies of %llu bytes by it and %llu failures", bytes,
			 ferry_path_name(rep->path),
			 (unsigned long long)(now.copies[rep->path] - before->copies[rep->path]),
			 (unsigned long long)(now.bytes[rep->path] - before->bytes[rep->path]),
			 (unsigned long long)(now.failures - before->failures));
		return false;
	}
	if (status != FERRY_OK && now.failures - before->failures != 1) {
		snprintf(r->why, sizeof(r->why), "ferry_counters: a copy that returned %s counted "
			 "%llu failures, not 1", ferry_status_name(status),
			 (unsigned long long)(now.failures - before->failures));
		return false;
	}
	return true;
}

/* What ferry_pair_get says of the step's pair after a copy agrees with the copy: delivered by
 * the peer path, the pair is peer; a staged pair says why. */
static bool pair_agrees(struct run *r, const struct scn_step *st, ferry_status status,
			const ferry_report *rep)
{
	ferry_fallback why = { .call = NULL };
	ferry_pair_state ps;

	if (st->src < 0 || st->dst < 0 || st->src == st->dst)
		return true;
	ps = ferry_pair_get(r->ctx, st->src, st->dst, &why);
	if (status == FERRY_OK && rep->path == FERRY_PATH_PEER && ps != FERRY_PAIR_PEER) {
		snprintf(r->why, sizeof(r->why), "the peer path delivered, but ferry_pair_get "
			 "says the pair %d>%d is %s", st->src, st->dst,
			 ps == FERRY_PAIR_STAGED ? "staged" : "unknown");
		return false;
	}
	if (ferry_pair_get(r->ctx, st->src, st->dst, NULL) != ps) {
		snprintf(r->why, sizeof(r->why), "ferry_pair_get of the pair %d>%d answers otherwise "
			 "without a reason asked", st->src, st->dst);
		return false;
	}
	if (ps == FERRY_PAIR_STAGED && !why.call) {
		snprintf(r->why, sizeof(r->why), "ferry_pair_get says the pair %d>%d is staged "
			 "without a reason", st->src, st->dst);
		return false;
	}
	return true;
}

static bool copy_step(struct run *r, const struct scn_step *st, size_t index)
{
	struct bufs b = { .d = { .where = st->dst }, .s = { .where = st->src } };
	bool ok = false, lost = false, undefined;

	views(&st->layout, &b.d.v, &b.s.v);
	if (!bufs_make(r, st, &b))
		goto out;
	for (unsigned rep_i = 0; rep_i < st->repeat && !lost && !r->sticky; rep_i++) {
		ferry_report rep;
		ferry_counters before;
		ferry_status status;
		size_t i;

		if (!bufs_fill(r, st, &b, index, rep_i, true))
			goto out;
		if (!mode_before(r, st, b.stream))
			goto out;
		ferry_counters_get(&before);
		status = ferry_copy_strided(r->ctx, &b.d.v, &b.s.v, b.stream, &rep);
		if (!mode_after(r, st, b.stream, "a copy", status, &rep, &undefined) ||
		    !check_report(r, st, status, &rep) ||
		    !counted(r, &before, status, &rep, st->layout.ndim == 1 ? st->layout.size :
				 st->layout.w * st->layout.h * st->layout.d) ||
		    !pair_agrees(r, st, status, &rep))
			goto out;
		if (undefined || undefined_after(r, status, &lost))
			continue;
		if (!bufs_read(r, &b))
			goto out;
		if (status == FERRY_OK)
			expected(&st->layout, b.sbuf, b.want, b.d.bytes);
		else
			memset(b.want, FILL, b.d.bytes);	/* refused: nothing written */
		i = first_mismatch(&b);
		if (i != SIZE_MAX) {
			long off = (long)i - GUARD;

			snprintf(r->why, sizeof(r->why),
				 "%s: first wrong byte at offset %ld%s (expected 0x%02x, got 0x%02x) "
				 "after %s by %s",
				 status == FERRY_OK ? "wrong bytes" : "written after a refusal", off,
				 off < 0 ? " (the guard before)" :
				 (size_t)off >= span(&b.d.v) ? " (the guard after)" : "",
				 b.want[i], b.dbuf[i], ferry_status_name(status),
				 ferry_path_name(rep.path));
			goto out;
		}
		r->checks++;
		r->bytes += b.d.bytes;
	}
	ok = true;
out:
	bufs_free(&b);
	return ok;
}

/* move: ferry_move into a buffer it allocates, read back and compared, then ferry_free. */
static bool move_step(struct run *r, const struct scn_step *st, size_t index)
{
	struct bufs b = { .d = { .where = SCN_HOST }, .s = { .where = st->src } };
	int dev = st->dst < 0 ? FERRY_HOST : st->dst;
	size_t n = st->layout.size;
	bool ok = false, undefined;

	views(&st->layout, &b.d.v, &b.s.v);
	if (!bufs_make(r, st, &b))
		goto out;
	for (unsigned rep_i = 0; rep_i < st->repeat; rep_i++) {
		ferry_counters before;
		ferry_report rep;
		ferry_status status, fs;
		void *p = &p;

		if (!bufs_fill(r, st, &b, index, rep_i, false) || !mode_before(r, st, b.stream))
			goto out;
		ferry_counters_get(&before);
		status = ferry_move(r->ctx, &p, dev, b.s.v.ptr, b.s.v.dev, n, b.stream, &rep);
		if (!mode_after(r, st, b.stream, "a move", status, &rep, &undefined) ||
		    !check_report(r, st, status, &rep) || !counted(r, &before, status, &rep, n))
			goto out;
		if (status != FERRY_OK) {
			if (p) {
				snprintf(r->why, sizeof(r->why), "a move that returned %s left a "
					 "buffer in *out", ferry_status_name(status));
				goto out;
			}
			r->checks++;
			r->sticky |= status == FERRY_E_STICKY;
			if (r->sticky)
				break;
			continue;
		}
		if (!p) {
			snprintf(r->why, sizeof(r->why), "a move returned FERRY_OK without a buffer");
			goto out;
		}
		if (dev == FERRY_HOST) {
			memcpy(b.dbuf, p, n);
		} else if (cudaMemcpy(b.dbuf, p, n, cudaMemcpyDeviceToHost) != cudaSuccess) {
			cudaGetLastError();
			ferry_free(p, dev);
			snprintf(r->why, sizeof(r->why), "reading the moved buffer back failed");
			goto out;
		}
		fs = ferry_free(p, dev);
		if (fs != FERRY_OK) {
			snprintf(r->why, sizeof(r->why), "ferry_free of the moved buffer: %s",
				 ferry_status_name(fs));
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (b.dbuf[i] != b.sbuf[GUARD + i]) {
				snprintf(r->why, sizeof(r->why), "wrong bytes: first wrong byte at "
					 "offset %zu (expected 0x%02x, got 0x%02x) after FERRY_OK by %s",
					 i, b.sbuf[GUARD + i], b.dbuf[i], ferry_path_name(rep.path));
				goto out;
			}
		r->checks++;
		r->bytes += n;
	}
	ok = true;
out:
	bufs_free(&b);
	return ok;
}

/* misuse: the cases of the step's mask, in misuse.def's order. */
static bool misuse_step(struct run *r, const struct scn_step *st)
{
	static const char *const names[] = {
#define MISUSE(id, name, fn, meaning) name,
#include "misuse.def"
#undef MISUSE
	};

	for (unsigned k = 0; k < SCN_MISUSE_COUNT; k++) {
		struct scn_misuse_result res = { 0 };

		if (!(st->misuse_mask >> k & 1))
			continue;
		if (!scn_misuse_run(r->ctx, (enum scn_misuse_id)k, r->any, &res)) {
			snprintf(r->why, sizeof(r->why), "misuse %s: %.400s", names[k], res.why);
			return false;
		}
		if (res.error[0] && !r->first_error[0])
			snprintf(r->first_error, sizeof(r->first_error), "misuse %s: %.250s",
				 names[k], res.error);
		printf("  misuse %s: %zu answers right\n", names[k], res.checks);
		r->checks += res.checks;
		if (res.lost) {	/* the context is lost: no later case can run */
			r->sticky = true;
			break;
		}
	}
	return true;
}

/* batch: count items of size bytes, item i from source slot i to destination slot perm[i],
 * slots BATCH_GAP bytes apart (the gaps, and the guards, must stay untouched). */
#define BATCH_GAP 64

static bool batch_step(struct run *r, const struct scn_step *st, size_t index)
{
	size_t n = st->count, size = st->layout.size, slot = size + BATCH_GAP;
	struct bufs b = { .d = { .where = st->dst }, .s = { .where = st->src } };
	ferry_batch_item *items = calloc(n, sizeof(*items));
	size_t *perm = calloc(n, sizeof(*perm));
	bool ok = false, lost = false, undefined;
	uint64_t x = index * 7919u + 17;

	b.d.v.ndim = b.s.v.ndim = 1;
	b.d.v.extent[0] = b.s.v.extent[0] = n * slot - BATCH_GAP;
	if (!items || !perm) {
		snprintf(r->why, sizeof(r->why), "out of host memory for %zu items", n);
		goto out;
	}
	if (!bufs_make(r, st, &b))
		goto out;
	/* a seeded shuffle: items land out of order */
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = next(&x) % i, t = perm[i - 1];

		perm[i - 1] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		items[i].src = (unsigned char *)b.s.v.ptr + i * slot;
		items[i].dst = (unsigned char *)b.d.v.ptr + perm[i] * slot;
		items[i].bytes = size;
	}
	for (unsigned rep_i = 0; rep_i < st->repeat && !lost && !r->sticky; rep_i++) {
		ferry_report rep;
		ferry_status status;
		size_t i;

		if (!bufs_fill(r, st, &b, index, rep_i, true))
			goto out;
		if (!mode_before(r, st, b.stream))
			goto out;
		status = ferry_copy_batch(r->ctx, items, n, b.d.v.dev, b.s.v.dev, b.stream, &rep);
		if (!mode_after(r, st, b.stream, "a batch", status, &rep, &undefined) ||
		    !check_report(r, st, status, &rep) ||
		    (status == FERRY_OK && !via_ok(r, st, &rep)))
			goto out;
		if (undefined || undefined_after(r, status, &lost))
			continue;
		if (!bufs_read(r, &b))
			goto out;
		memset(b.want, FILL, b.d.bytes);
		if (status == FERRY_OK)
			for (size_t k = 0; k < n; k++)
				memcpy(b.want + GUARD + perm[k] * slot, b.sbuf + GUARD + k * slot, size);
		i = first_mismatch(&b);
		if (i != SIZE_MAX) {
			long off = (long)i - GUARD;

			snprintf(r->why, sizeof(r->why),
				 "%s: first wrong byte at offset %ld (slot %ld, byte %ld of it%s; "
				 "expected 0x%02x, got 0x%02x) after %s by %s via %s",
				 status == FERRY_OK ? "wrong bytes" : "written after a refusal", off,
				 off < 0 ? -1 : off / (long)slot, off < 0 ? off : off % (long)slot,
				 off >= 0 && (size_t)(off % (long)slot) >= size ? ", a gap" : "",
				 b.want[i], b.dbuf[i], ferry_status_name(status),
				 ferry_path_name(rep.path), rep.via ? rep.via : "-");
			goto out;
		}
		r->checks++;
		r->bytes += b.d.bytes;
	}
	ok = true;
out:
	bufs_free(&b);
	free(items);
	free(perm);
	return ok;
}

/* plan: a copy plan made once, launched repeat times with new source bytes each time. */
static bool plan_step(struct run *r, const struct scn_step *st, size_t index)
{
	struct bufs b = { .d = { .where = st->dst }, .s = { .where = st->src } };
	ferry_plan *plan = NULL;
	ferry_report rep;
	ferry_status status;
	const char *e;
	bool ok = false, undefined;

	views(&st->layout, &b.d.v, &b.s.v);
	if (!bufs_make(r, st, &b))
		goto out;
	memset(b.dbuf, FILL, b.d.bytes);
	if ((e = side_put(&b.d, b.dbuf))) {
		snprintf(r->why, sizeof(r->why), "%s", e);
		goto out;
	}
	status = ferry_plan_create(r->ctx, &plan, b.d.v.ptr, b.d.v.dev, b.s.v.ptr, b.s.v.dev,
				   st->layout.size, &rep);
	if (status != FERRY_OK) {
		/* the plan could not be made: the step's expected status says whether that is
		 * right */
		if (!slot_after(r, "a plan's creation", status, &rep) ||
		    !check_report(r, st, status, &rep))
			goto out;
		r->checks++;
		r->sticky |= status == FERRY_E_STICKY;
		ok = true;
		goto out;
	}
	for (unsigned rep_i = 0; rep_i < st->repeat && !r->sticky; rep_i++) {
		size_t i;

		if (!bufs_fill(r, st, &b, index, rep_i, false))
			goto out;
		if (!mode_before(r, st, b.stream))
			goto out;
		status = ferry_plan_launch(plan, b.stream, &rep);
		if (!mode_after(r, st, b.stream, "a launch", status, &rep, &undefined) ||
		    !check_report(r, st, status, &rep) ||
		    (status == FERRY_OK && !via_ok(r, st, &rep)))
			goto out;
		/* a launch that fails may have written part of the copy, whatever its status */
		if (status != FERRY_OK) {
			r->checks++;
			r->sticky |= status == FERRY_E_STICKY;
			if (r->sticky)
				break;
			continue;
		}
		if (undefined)
			continue;
		if (!bufs_read(r, &b))
			goto out;
		expected(&st->layout, b.sbuf, b.want, b.d.bytes);
		i = first_mismatch(&b);
		if (i != SIZE_MAX) {
			long off = (long)i - GUARD;

			snprintf(r->why, sizeof(r->why),
				 "launch %u: wrong bytes: first wrong byte at offset %ld%s (expected "
				 "0x%02x, got 0x%02x) after FERRY_OK by %s via %s",
				 rep_i + 1, off, off < 0 ? " (the guard before)" :
				 (size_t)off >= span(&b.d.v) ? " (the guard after)" : "",
				 b.want[i], b.dbuf[i], ferry_path_name(rep.path),
				 rep.via ? rep.via : "-");
			goto out;
		}
		r->checks++;
		r->bytes += b.d.bytes;
	}
	ok = true;
out:
	ferry_plan_destroy(plan);
	bufs_free(&b);
	return ok;
}

/* The shim lines that apply under this run's version: the variant chosen is one allowed. */
static bool check_shim(const struct scenario *sc, struct run *r)
{
	const char *env = getenv("FERRY_CUDA_VERSION");
	int cur = env ? ferry__cuda_version_index(env) : -1;
	ferry_shim_choice ch[32];
	size_t n = 0;

	for (unsigned i = 0; i < sc->nshim; i++) {
		const struct scn_shim *e = &sc->shim[i];
		const char *want = scn_shim_cap(e->cap);
		size_t k;

		if (e->version >= 0 && e->version != cur)
			continue;
		if (!n)
			n = ferry_shim_describe(ch, 32, NULL, NULL);
		for (k = 0; k < n && k < 32; k++)
			if (strcmp(ch[k].capability, want) == 0)
				break;
		if (k == n || k == 32) {
			snprintf(r->why, sizeof(r->why), "shim (line %u): libferry has no capability "
				 "%s", e->line, want);
			return false;
		}
		for (unsigned v = 0; scn_shim_variant(e->cap, v); v++) {
			if ((e->variants >> v & 1) &&
			    strcmp(scn_shim_variant(e->cap, v), ch[k].variant) == 0)
				goto matched;
		}
		snprintf(r->why, sizeof(r->why), "shim (line %u): %s is %s, not what the scenario "
			 "expects (%s)", e->line, want, ch[k].variant, ch[k].why);
		return false;
matched:
		printf("shim %s = %s\n", want, ch[k].variant);
		r->checks++;
	}
	return true;
}

/* The named paths this process took, one line (atexit: every way out prints it). */
static void print_paths(void)
{
	ferry_named_path *np;
	size_t n = ferry_named_paths(NULL, 0);

	np = calloc(n, sizeof(*np));
	if (!np)
		return;
	ferry_named_paths(np, n);
	fputs("paths:", stdout);
	for (size_t i = 0; i < n; i++)
		if (np[i].taken)
			printf(" %s", np[i].name);
	fputc('\n', stdout);
	/* a self-test whose copies never ended keeps its pinned block and stream on purpose:
	 * ferry enumerate's leak check counts them */
	for (size_t i = 0; i < n; i++)
		if (strcmp(np[i].name, "pair.self-test-hung") == 0 && np[i].taken)
			printf("abandoned: %llu\n", (unsigned long long)np[i].taken);
	free(np);
}

int main(int argc, char **argv)
{
	struct scenario sc;
	struct run r = { 0 };
	ferry_config cfg;
	char err[2048];
	ferry_status st;
	cudaError_t last;

	if (argc == 3 && strcmp(argv[1], "--any-outcome") == 0) {
		r.any = true;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: ferry-scenario [--any-outcome] FILE (under ferry inject; "
				"see ferry run)\n");
		return 2;
	}
	if (!scn_parse_file(argv[1], &sc, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	atexit(print_paths);
	ferry_counters_reset();	/* what the steps are checked against starts at 0 */
	ferry_config_default(&cfg);
	if (sc.chunk)
		cfg.chunk_bytes = sc.chunk;
	if (sc.slots)
		cfg.slots = sc.slots;
	cfg.pinned_budget = sc.has_budget ? sc.budget : cfg.chunk_bytes * cfg.slots * 4;
	cfg.flags = sc.flags;
	if (sc.self_test_ms)
		cfg.self_test_timeout_ms = sc.self_test_ms;
	st = ferry_ctx_init(&r.ctx, &cfg);
	if (st != FERRY_OK) {
		ferry_config_check(&cfg, err, sizeof(err));
		printf("FAIL config (line 0): %s\n", err);
		scn_free(&sc);
		return 1;
	}
	if (!check_queries(&r, &sc)) {
		printf("FAIL queries (line 0): %s\n", r.why);
		ferry_ctx_fini(r.ctx);
		scn_free(&sc);
		return 1;
	}
	/* under a `cuda` version, the runtime must say it is that version */
	if (getenv("FERRY_CUDA_VERSION")) {
		const char *want = getenv("FERRY_CUDA_VERSION");
		int v = 0;
		char got[16];

		cudaRuntimeGetVersion(&v);
		snprintf(got, sizeof(got), "%d.%d", v / 1000, v % 1000 / 10);
		if (strcmp(got, want) != 0) {
			printf("FAIL cuda (line 0): the runtime says CUDA %s, the scenario runs under "
			       "%s\n", got, want);
			ferry_ctx_fini(r.ctx);
			scn_free(&sc);
			return 1;
		}
		printf("cuda %s (emulated)\n", got);
	}
	for (size_t i = 0; i < sc.nsteps; i++) {
		const struct scn_step *step = &sc.steps[i];
		bool ok;

		printf("step %zu (line %u): %s\n", i + 1, step->line, step->text);
		fflush(stdout);
		if (step->is_enable) {
			ok = enable_step(step);
		} else if (step->is_run) {
			int rc = system(step->cmd);

			ok = rc == 0;
			if (!ok)
				snprintf(r.why, sizeof(r.why), "the command exited with status %d", rc);
			else
				r.checks++;
		} else if (step->is_batch) {
			ok = batch_step(&r, step, i);
		} else if (step->is_plan) {
			ok = plan_step(&r, step, i);
		} else if (step->is_move) {
			ok = move_step(&r, step, i);
		} else if (step->is_misuse) {
			ok = misuse_step(&r, step);
		} else {
			ok = copy_step(&r, step, i);
		}
		if (!ok) {
			printf("FAIL step %zu (line %u) %s: %s\n", i + 1, step->line, step->text,
			       r.why);
			ferry_ctx_fini(r.ctx);
			scn_free(&sc);
			return 1;
		}
		if (r.sticky)	/* the context is lost: no later step can run */
			break;
	}
	ferry_ctx_fini(r.ctx);
	/* after a lost context nothing can be released: ferry enumerate's leak check knows */
	if (r.sticky)
		printf("context: lost\n");
	/* the shim's choices are expectations, like a copy's path: an injected failure may
	 * change them (--any-outcome) */
	if (!r.any && !r.sticky && !check_shim(&sc, &r)) {
		printf("FAIL %s\n", r.why);
		scn_free(&sc);
		return 1;
	}
	last = cudaGetLastError();
	if (last != cudaSuccess && !r.sticky) {	/* a lost context cannot be cleared */
		printf("FAIL end: the last-error slot holds %s after the last step\n",
		       cudaGetErrorName(last));
		scn_free(&sc);
		return 1;
	}
	if (r.checks == 0) {
		printf("FAIL end: the scenario checked nothing\n");
		scn_free(&sc);
		return 1;
	}
	printf("ok: %zu steps, %zu checks, %zu bytes compared\n", sc.nsteps, r.checks, r.bytes);
	if (r.any)
		printf("outcome: %s%s\n", r.first_error[0] ? "error " : "exact",
		       r.first_error);
	scn_free(&sc);
	return 0;
}
