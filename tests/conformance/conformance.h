/*
 * conformance.h: checking helpers for the CUDA runtime conformance suite.
 *
 * The suite runs unchanged against the real CUDA 13.0 runtime (1 or 2 GPUs) and against
 * libferry_sim.so (LD_PRELOAD, no GPU); comparing the two logs shows where the simulator is
 * wrong. So one discrepancy must never hide the others: every CHECK_* records a mismatch,
 * prints one line
 *     MISMATCH <file>:<line> <what>: got <actual>, expected <expected>
 * and carries on; CONF_DONE() at the end of a test fails it if anything was recorded, after
 * printing "CHECKED <test> <n checks>". REQUIRE_* stop the test at once: use them only where
 * the rest of the test cannot run (an allocation that failed, say).
 *
 * Expectations state what the REAL runtime does; README.md says where they were measured. A
 * new check whose expectation no run on real GPUs has settled yet carries the comment
 * unverified until one does.
 *
 * Divisions: per-test state and reporting; CHECK_* and REQUIRE_*; tracked resources that the
 * teardown releases; gates that hold a stream deterministically; small helpers (patterns,
 * polling, threads). Each test program includes this header exactly once.
 */
#ifndef FERRY_CONFORMANCE_H
#define FERRY_CONFORMANCE_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* nanosleep, pthreads under -std=c11 */
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONF_MIB ((size_t)1 << 20)
#define CONF_MAX_RES 64
#define CONF_MAX_GATES 8
/* Any wait in the suite gives up after this long: a hang is reported, never waited out. */
#define CONF_WAIT_MS 10000

/* ---- per-test state and reporting ------------------------------------------------------------ */

enum conf_res_kind {
	CONF_RES_DEV,		/* cudaMalloc / cudaMallocAsync: cudaFree */
	CONF_RES_PINNED,	/* cudaMallocHost / cudaHostAlloc: cudaFreeHost */
	CONF_RES_HOST,		/* malloc / aligned_alloc: free */
	CONF_RES_REGISTERED,	/* cudaHostRegister: cudaHostUnregister */
	CONF_RES_STREAM,	/* cudaStreamDestroy */
	CONF_RES_EVENT,		/* cudaEventDestroy */
};

struct conf_res {
	enum conf_res_kind kind;
	void *ptr;
	int dev;
};

/* A gate holds a stream: a host function that blocks until the test thread opens it. */
struct conf_gate {
	atomic_int in_use;
	atomic_int open;
	atomic_int entered;
};

static struct {
	unsigned checks;
	unsigned mismatches;
	int nres;
	struct conf_res res[CONF_MAX_RES];
} conf;

static struct conf_gate conf_gates[CONF_MAX_GATES];

static inline const char *conf_err_name(cudaError_t rc)
{
	const char *name = cudaGetErrorName(rc);

	return name ? name : "(null)";
}

/* Prints the CHECKED line and fails the test if anything was recorded. */
static inline void conf_finish(const char *test)
{
	printf("CHECKED %s %u\n", test, conf.checks);
	fflush(stdout);
	if (conf.mismatches)
		fail_msg("%s: %u of %u checks did not match", test, conf.mismatches, conf.checks);
}

#define CONF_DONE() conf_finish(__func__)

static inline bool conf_note(bool ok)
{
	conf.checks++;
	if (!ok)
		conf.mismatches++;
	return ok;
}

/* ---- CHECK_* and REQUIRE_* ------------------------------------------------------------------- */

/* File names without their directory, so logs from different build trees diff cleanly. */
static inline const char *conf_base(const char *file)
{
	const char *slash = strrchr(file, '/');

	return slash ? slash + 1 : file;
}

/* Prints "MISMATCH <file>:<line> <what>: <details>" and flushes, so a crash loses nothing. */
__attribute__((format(printf, 4, 5))) static inline void
conf_mismatch(const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("MISMATCH %s:%d %s: ", conf_base(file), line, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static inline bool conf_check_rc(const char *file, int line, const char *what, cudaError_t got,
				 cudaError_t want)
{
	if (conf_note(got == want))
		return true;
	conf_mismatch(file, line, what, "got %d (%s), expected %d (%s)", (int)got,
		      conf_err_name(got), (int)want, conf_err_name(want));
	return false;
}

static inline bool conf_check_int(const char *file, int line, const char *what, long long got,
				  long long want)
{
	if (conf_note(got == want))
		return true;
	conf_mismatch(file, line, what, "got %lld, expected %lld", got, want);
	return false;
}

static inline bool conf_check_uint(const char *file, int line, const char *what,
				   unsigned long long got, unsigned long long want)
{
	if (conf_note(got == want))
		return true;
	conf_mismatch(file, line, what, "got %llu (0x%llx), expected %llu (0x%llx)", got, got, want,
		      want);
	return false;
}

static inline bool conf_check_ptr(const char *file, int line, const char *what, const void *got,
				  const void *want)
{
	if (conf_note(got == want))
		return true;
	conf_mismatch(file, line, what, "got %p, expected %p", got, want);
	return false;
}

static inline bool conf_check_true(const char *file, int line, const char *what, bool ok)
{
	if (conf_note(ok))
		return true;
	conf_mismatch(file, line, what, "got false, expected true");
	return false;
}

static inline bool conf_check_str(const char *file, int line, const char *what, const char *got,
				  const char *want)
{
	if (conf_note(got && want && strcmp(got, want) == 0))
		return true;
	conf_mismatch(file, line, what, "got \"%s\", expected \"%s\"", got ? got : "(null)",
		      want ? want : "(null)");
	return false;
}

static inline bool conf_check_bytes(const char *file, int line, const char *what,
				    const void *got, const void *want, size_t n)
{
	const unsigned char *g = got, *w = want;
	size_t first = n, count = 0;

	for (size_t i = 0; i < n; i++) {
		if (g[i] != w[i]) {
			if (first == n)
				first = i;
			count++;
		}
	}
	if (conf_note(count == 0))
		return true;
	conf_mismatch(file, line, what,
		      "%zu of %zu bytes differ, first at offset %zu: got 0x%02x, expected 0x%02x",
		      count, n, first, g[first], w[first]);
	return false;
}

static inline bool conf_check_fill(const char *file, int line, const char *what, const void *got,
				   int value, size_t n)
{
	const unsigned char *g = got;
	size_t first = n, count = 0;

	for (size_t i = 0; i < n; i++) {
		if (g[i] != (unsigned char)value) {
			if (first == n)
				first = i;
			count++;
		}
	}
	if (conf_note(count == 0))
		return true;
	conf_mismatch(file, line, what,
		      "%zu of %zu bytes are not 0x%02x, first at offset %zu: 0x%02x", count, n,
		      (unsigned char)value, first, g[first]);
	return false;
}

/* Each macro evaluates its arguments once and returns whether they matched. */
#define CHECK_RC(call, expected) conf_check_rc(__FILE__, __LINE__, #call, (call), (expected))
#define CHECK_LAST(expected) \
	conf_check_rc(__FILE__, __LINE__, "cudaGetLastError()", cudaGetLastError(), (expected))
#define CHECK_PEEK(expected) \
	conf_check_rc(__FILE__, __LINE__, "cudaPeekAtLastError()", cudaPeekAtLastError(), \
		      (expected))
#define CHECK_INT(actual, expected) \
	conf_check_int(__FILE__, __LINE__, #actual, (long long)(actual), (long long)(expected))
#define CHECK_UINT(actual, expected)                                                        \
	conf_check_uint(__FILE__, __LINE__, #actual, (unsigned long long)(actual),        \
			(unsigned long long)(expected))
#define CHECK_PTR(actual, expected) \
	conf_check_ptr(__FILE__, __LINE__, #actual, (const void *)(actual), \
		       (const void *)(expected))
#define CHECK_TRUE(cond) conf_check_true(__FILE__, __LINE__, #cond, (cond))
#define CHECK_STR(actual, expected) \
	conf_check_str(__FILE__, __LINE__, #actual, (actual), (expected))
#define CHECK_BYTES(actual, expected, n) \
	conf_check_bytes(__FILE__, __LINE__, #actual, (actual), (expected), (n))
#define CHECK_FILL(actual, value, n) \
	conf_check_fill(__FILE__, __LINE__, #actual, (actual), (value), (n))

/* Stop the test (after CHECKED) when a step the rest depends on did not work. */
#define CONF_STOP() conf_finish(__func__)
#define REQUIRE_RC(call, expected)                  \
	do {                                        \
		if (!CHECK_RC(call, expected))      \
			CONF_STOP();                \
	} while (0)
#define REQUIRE_TRUE(cond)                  \
	do {                                \
		if (!CHECK_TRUE(cond))      \
			CONF_STOP();        \
	} while (0)

/* ---- devices and skipping -------------------------------------------------------------------- */

static inline int conf_device_count(void)
{
	int n = 0;

	if (cudaGetDeviceCount(&n) != cudaSuccess)
		n = 0;
	cudaGetLastError();
	return n;
}

static inline void conf_skip(const char *test, const char *why)
{
	printf("SKIPPED %s: %s\n", test, why);
	fflush(stdout);
}

/* Skip (cmocka skip()) a test that needs more devices than there are. */
#define CONF_NEED_DEVICES(n)                                                                \
	do {                                                                                \
		int conf_have_ = conf_device_count();                                       \
		if (conf_have_ < (n)) {                                                     \
			char conf_why_[96];                                                 \
			snprintf(conf_why_, sizeof(conf_why_),                              \
				 "needs %d devices, cudaGetDeviceCount answers %d", (n),   \
				 conf_have_);                                               \
			conf_skip(__func__, conf_why_);                                     \
			skip();                                                             \
		}                                                                           \
	} while (0)

/* Skip a test that needs peer access from device a to device b. */
#define CONF_NEED_PEER(a, b)                                                                \
	do {                                                                                \
		int conf_can_ = 0;                                                          \
		CONF_NEED_DEVICES(2);                                                       \
		if (cudaDeviceCanAccessPeer(&conf_can_, (a), (b)) != cudaSuccess ||         \
		    !conf_can_) {                                                           \
			cudaGetLastError();                                                 \
			conf_skip(__func__, "cudaDeviceCanAccessPeer answers 0 for the pair"); \
			skip();                                                             \
		}                                                                           \
	} while (0)

/* ---- tracked resources ----------------------------------------------------------------------- */

static inline void conf_track(enum conf_res_kind kind, void *ptr, int dev)
{
	if (conf.nres == CONF_MAX_RES) {
		conf_mismatch(__FILE__, __LINE__, "conformance suite",
			      "too many tracked resources");
		conf.mismatches++;
		return;
	}
	conf.res[conf.nres++] = (struct conf_res){ kind, ptr, dev };
}

/* The test released ptr itself (or the runtime did): the teardown must not. */
static inline void conf_untrack(const void *ptr)
{
	for (int i = conf.nres - 1; i >= 0; i--) {
		if (conf.res[i].ptr == ptr) {
			conf.res[i] = conf.res[--conf.nres];
			return;
		}
	}
}

static inline int conf_current_device(void)
{
	int dev = -1;

	if (cudaGetDevice(&dev) != cudaSuccess)
		dev = -1;
	return dev;
}

/*
 * Resource helpers: each creates one thing on device dev (making the previous device current
 * again afterwards), tracks it for the teardown, and stops the test with a MISMATCH line naming
 * the caller's file and line if the runtime refuses.
 */
static inline void conf_require(const char *file, int line, const char *test, const char *what,
				cudaError_t rc)
{
	if (!conf_check_rc(file, line, what, rc, cudaSuccess))
		conf_finish(test);
}

static inline void *conf_dev_alloc(const char *file, int line, const char *test, int dev,
				   size_t size)
{
	int prev = conf_current_device();
	void *p = NULL;
	cudaError_t rc;

	cudaSetDevice(dev);
	rc = cudaMalloc(&p, size);
	cudaSetDevice(prev < 0 ? 0 : prev);
	conf_require(file, line, test, "cudaMalloc", rc);
	conf_track(CONF_RES_DEV, p, dev);
	return p;
}

static inline void *conf_pinned_alloc(const char *file, int line, const char *test, size_t size,
				      unsigned flags)
{
	void *p = NULL;

	conf_require(file, line, test, "cudaHostAlloc", cudaHostAlloc(&p, size, flags));
	conf_track(CONF_RES_PINNED, p, conf_current_device() < 0 ? 0 : conf_current_device());
	return p;
}

static inline void *conf_host_alloc(const char *file, int line, const char *test, size_t size)
{
	size_t n = (size + 4095) / 4096 * 4096;
	void *p = aligned_alloc(4096, n ? n : 4096);

	if (!conf_check_true(file, line, "aligned_alloc", p != NULL))
		conf_finish(test);
	conf_track(CONF_RES_HOST, p, 0);
	return p;
}

static inline cudaStream_t conf_stream_new(const char *file, int line, const char *test, int dev,
					   unsigned flags)
{
	int prev = conf_current_device();
	cudaStream_t s = NULL;
	cudaError_t rc;

	cudaSetDevice(dev);
	rc = cudaStreamCreateWithFlags(&s, flags);
	cudaSetDevice(prev < 0 ? 0 : prev);
	conf_require(file, line, test, "cudaStreamCreateWithFlags", rc);
	conf_track(CONF_RES_STREAM, s, dev);
	return s;
}

static inline cudaEvent_t conf_event_new(const char *file, int line, const char *test, int dev,
					 unsigned flags)
{
	int prev = conf_current_device();
	cudaEvent_t e = NULL;
	cudaError_t rc;

	cudaSetDevice(dev);
	rc = cudaEventCreateWithFlags(&e, flags);
	cudaSetDevice(prev < 0 ? 0 : prev);
	conf_require(file, line, test, "cudaEventCreateWithFlags", rc);
	conf_track(CONF_RES_EVENT, e, dev);
	return e;
}

/* Device memory of dev, pinned memory (cudaHostAlloc flags), page-aligned pageable memory. */
#define DEV_ALLOC(dev, size) conf_dev_alloc(__FILE__, __LINE__, __func__, (dev), (size))
#define PINNED_ALLOC(size, flags) conf_pinned_alloc(__FILE__, __LINE__, __func__, (size), (flags))
#define HOST_ALLOC(size) conf_host_alloc(__FILE__, __LINE__, __func__, (size))
/* A stream or an event created on dev with flags. */
#define STREAM_NEW(dev, flags) conf_stream_new(__FILE__, __LINE__, __func__, (dev), (flags))
#define EVENT_NEW(dev, flags) conf_event_new(__FILE__, __LINE__, __func__, (dev), (flags))

/*
 * Waits for every device. A "synchronous" cudaMemcpy from pageable memory or between devices,
 * and a cudaMemset, may return before the device has done the work (documented), and only the
 * current device's legacy and blocking streams are ordered after it: a test that set memory
 * up that way and then uses it from a non-blocking stream or from another device's stream
 * must wait first. The simulator's random schedule catches a test that forgets.
 */
static inline cudaError_t conf_sync_all(void)
{
	int prev = conf_current_device(), n = 0;
	cudaError_t rc = cudaGetDeviceCount(&n);

	for (int d = 0; rc == cudaSuccess && d < n; d++) {
		rc = cudaSetDevice(d);
		if (rc == cudaSuccess)
			rc = cudaDeviceSynchronize();
	}
	cudaSetDevice(prev < 0 ? 0 : prev);
	return rc;
}

/* Copies n bytes of host memory to device (or any) memory and waits for every device. */
static inline void conf_write(const char *file, int line, const char *test, void *dst,
			      const void *host, size_t n)
{
	conf_require(file, line, test, "set-up cudaMemcpy",
		     cudaMemcpy(dst, host, n, cudaMemcpyDefault));
	conf_require(file, line, test, "set-up synchronize", conf_sync_all());
}

/* Copies n bytes of device (or any) memory to host memory; stops the test if that fails. */
#define READ_BACK(host, src, n)                                                           \
	conf_require(__FILE__, __LINE__, __func__, "read-back cudaMemcpy",                \
		     cudaMemcpy((host), (src), (n), cudaMemcpyDefault))
/* conf_write: stops the test if that fails. */
#define WRITE_TO(dst, host, n) conf_write(__FILE__, __LINE__, __func__, (dst), (host), (n))

/* ---- gates ----------------------------------------------------------------------------------- */

static inline void conf_gate_fn(void *arg)
{
	struct conf_gate *g = arg;
	struct timespec nap = { 0, 200000 };
	long waited_us = 0;

	atomic_store(&g->entered, 1);
	while (!atomic_load(&g->open)) {
		nanosleep(&nap, NULL);
		waited_us += 200;
		if (waited_us > 6L * CONF_WAIT_MS * 1000) {
			printf("conformance: a gate was never opened; letting its stream go\n");
			break;
		}
	}
}

/*
 * Holds stream s: work enqueued on s after this call (and, by the stream rules, work that waits
 * for s) does not run until conf_gate_open(). Host functions run on a runtime thread, so this
 * works on the real runtime too. Hold one stream at a time: the runtime may run every host
 * function of a device on one thread.
 */
static inline struct conf_gate *conf_gate_get(void)
{
	for (int i = 0; i < CONF_MAX_GATES; i++) {
		int expect = 0;

		if (atomic_compare_exchange_strong(&conf_gates[i].in_use, &expect, 1)) {
			atomic_store(&conf_gates[i].open, 0);
			atomic_store(&conf_gates[i].entered, 0);
			return &conf_gates[i];
		}
	}
	return NULL;
}

static inline struct conf_gate *conf_gate_hold(const char *file, int line, const char *test,
					       cudaStream_t s)
{
	struct conf_gate *g = conf_gate_get();

	if (!conf_check_true(file, line, "a free gate", g != NULL))
		conf_finish(test);
	conf_require(file, line, test, "cudaLaunchHostFunc(gate)",
		     cudaLaunchHostFunc(s, conf_gate_fn, g));
	return g;
}

/*
 * Holds stream s: work enqueued on s after this call (and, by the stream rules, work that waits
 * for s) does not run until conf_gate_open(). Host functions run on a runtime thread, so this
 * works on the real runtime too. Hold one stream at a time (the runtime may run every host
 * function on one thread), and while a stream is held make no call that may synchronize
 * implicitly (cudaFree, cudaMemcpy, pageable cudaMemcpyAsync, cudaDeviceSynchronize...).
 */
#define GATE_HOLD(s) conf_gate_hold(__FILE__, __LINE__, __func__, (s))

/* Waits (up to CONF_WAIT_MS) until the gate's host function runs: the work before it is done. */
static inline bool conf_gate_wait_entered(struct conf_gate *g)
{
	struct timespec nap = { 0, 1000000 };

	for (long ms = 0; !atomic_load(&g->entered) && ms < CONF_WAIT_MS; ms++)
		nanosleep(&nap, NULL);
	return atomic_load(&g->entered);
}

static inline void conf_gate_open(struct conf_gate *g)
{
	atomic_store(&g->open, 1);
}

/* ---- helpers --------------------------------------------------------------------------------- */

/* A deterministic byte pattern that differs per seed and has no period shorter than 251. */
static inline void conf_pattern(void *buf, size_t n, unsigned seed)
{
	unsigned char *b = buf;

	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)((i % 251) * 7 + (i / 251) * 3 + seed * 37 + 1);
}

/* Plain-C stand-ins for the make_cuda* helpers of driver_functions.h. */
static inline struct cudaExtent conf_extent(size_t w, size_t h, size_t d)
{
	return (struct cudaExtent){ .width = w, .height = h, .depth = d };
}

static inline struct cudaPos conf_pos(size_t x, size_t y, size_t z)
{
	return (struct cudaPos){ .x = x, .y = y, .z = z };
}

static inline struct cudaPitchedPtr conf_pitched(void *p, size_t pitch, size_t xsize,
						 size_t ysize)
{
	return (struct cudaPitchedPtr){ .ptr = p, .pitch = pitch, .xsize = xsize, .ysize = ysize };
}

/*
 * What a correct 3-D copy of extent e (width in bytes) does to host images: rows of pitch
 * dpitch, slices of dysize rows. The expected image of a copy is the image before it with
 * this applied, so one comparison checks the data and every gap around it.
 */
static inline void conf_ref_copy3d(void *dst, size_t dpitch, size_t dysize, struct cudaPos dpos,
				   const void *src, size_t spitch, size_t sysize,
				   struct cudaPos spos, struct cudaExtent e)
{
	for (size_t z = 0; z < e.depth; z++) {
		for (size_t y = 0; y < e.height; y++) {
			memcpy((char *)dst + ((dpos.z + z) * dysize + dpos.y + y) * dpitch + dpos.x,
			       (const char *)src + ((spos.z + z) * sysize + spos.y + y) * spitch +
				       spos.x,
			       e.width);
		}
	}
}

/* The same for a fill (memset) of value over extent e at dpos. */
static inline void conf_ref_fill3d(void *dst, size_t dpitch, size_t dysize, struct cudaPos dpos,
				   int value, struct cudaExtent e)
{
	for (size_t z = 0; z < e.depth; z++) {
		for (size_t y = 0; y < e.height; y++)
			memset((char *)dst + ((dpos.z + z) * dysize + dpos.y + y) * dpitch + dpos.x,
			       value, e.width);
	}
}

static inline void conf_sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/* Queries until the event is no longer NotReady or CONF_WAIT_MS pass; returns the last answer. */
static inline cudaError_t conf_poll_event(cudaEvent_t e)
{
	cudaError_t rc = cudaEventQuery(e);

	for (long ms = 0; rc == cudaErrorNotReady && ms < CONF_WAIT_MS; ms++) {
		conf_sleep_ms(1);
		rc = cudaEventQuery(e);
	}
	return rc;
}

static inline cudaError_t conf_poll_stream(cudaStream_t s)
{
	cudaError_t rc = cudaStreamQuery(s);

	for (long ms = 0; rc == cudaErrorNotReady && ms < CONF_WAIT_MS; ms++) {
		conf_sleep_ms(1);
		rc = cudaStreamQuery(s);
	}
	return rc;
}

/* Runs fn(arg) on a new thread and waits for it; stops the test if no thread can be had. */
static inline void conf_run_thread(const char *file, int line, const char *test,
				   void *(*fn)(void *), void *arg)
{
	pthread_t t;

	if (!conf_check_true(file, line, "pthread_create", pthread_create(&t, NULL, fn, arg) == 0))
		conf_finish(test);
	pthread_join(t, NULL);
}

#define RUN_THREAD(fn, arg) conf_run_thread(__FILE__, __LINE__, __func__, (fn), (arg))

/* ---- fixtures -------------------------------------------------------------------------------- */

static inline int conf_setup(void **state)
{
	(void)state;
	conf.checks = 0;
	conf.mismatches = 0;
	conf.nres = 0;
	cudaSetDevice(0);
	cudaGetLastError();
	return 0;
}

static inline void conf_release(const struct conf_res *r)
{
	cudaError_t rc = cudaSuccess;

	cudaSetDevice(r->dev);
	switch (r->kind) {
	case CONF_RES_DEV:
		rc = cudaFree(r->ptr);
		break;
	case CONF_RES_PINNED:
		rc = cudaFreeHost(r->ptr);
		break;
	case CONF_RES_HOST:
		free(r->ptr);
		break;
	case CONF_RES_REGISTERED:
		rc = cudaHostUnregister(r->ptr);
		break;
	case CONF_RES_STREAM:
		rc = cudaStreamDestroy((cudaStream_t)r->ptr);
		break;
	case CONF_RES_EVENT:
		rc = cudaEventDestroy((cudaEvent_t)r->ptr);
		break;
	}
	if (rc != cudaSuccess)
		printf("TEARDOWN: releasing a resource of kind %d answered %d (%s)\n", (int)r->kind,
		       (int)rc, conf_err_name(rc));
}

/*
 * Opens every gate, waits for every device, releases what the test tracked (newest first) and
 * disables peer access between every pair of devices, so the next test starts clean.
 */
static inline int conf_teardown(void **state)
{
	int ndev = conf_device_count();

	(void)state;
	for (int i = 0; i < CONF_MAX_GATES; i++) {
		atomic_store(&conf_gates[i].open, 1);
	}
	for (int d = 0; d < ndev; d++) {
		cudaSetDevice(d);
		cudaDeviceSynchronize();
	}
	for (int i = 0; i < CONF_MAX_GATES; i++)
		atomic_store(&conf_gates[i].in_use, 0);
	for (int i = conf.nres - 1; i >= 0; i--)
		conf_release(&conf.res[i]);
	conf.nres = 0;
	for (int d = 0; d < ndev; d++) {
		cudaSetDevice(d);
		for (int p = 0; p < ndev; p++) {
			if (p != d)
				cudaDeviceDisablePeerAccess(p); /* 705 if not enabled: fine */
		}
	}
	cudaSetDevice(0);
	cudaGetLastError();
	return 0;
}

#define CONF_TEST(fn) cmocka_unit_test_setup_teardown(fn, conf_setup, conf_teardown)

/* One line that says which runtime answered, so two logs can be told apart. */
static inline void conf_print_backend(const char *program)
{
	int rt = 0, drv = 0, n = 0;
	const char *preload = getenv("LD_PRELOAD");
	cudaError_t rc_rt = cudaRuntimeGetVersion(&rt);
	cudaError_t rc_drv = cudaDriverGetVersion(&drv);
	cudaError_t rc_n = cudaGetDeviceCount(&n);

	printf("BACKEND %s runtime=%d(%d) driver=%d(%d) devices=%d(%d) LD_PRELOAD=%s\n", program,
	       rt, (int)rc_rt, drv, (int)rc_drv, n, (int)rc_n, preload ? preload : "");
	cudaGetLastError();
	fflush(stdout);
}

/* CONF_SKIP (a cmocka pattern) skips tests a setting cannot run as a real box would. */
#define CONF_MAIN(name, tests)                                                      \
	int main(void)                                                              \
	{                                                                           \
		conf_print_backend(name);                                           \
		if (getenv("CONF_SKIP"))                                            \
			cmocka_set_skip_filter(getenv("CONF_SKIP"));                \
		return cmocka_run_group_tests_name(name, tests, NULL, NULL);        \
	}

#endif /* FERRY_CONFORMANCE_H */
