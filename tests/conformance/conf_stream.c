/*
 * conf_stream.c: conformance of streams: creation, properties, queries, ordering.
 *
 * Divisions: creation and properties (flags, priorities, device); idle queries on every kind
 * of handle; ordering, made deterministic with a gate (conformance.h): a host function that
 * blocks until the test opens it, so work queued behind it has certainly not run; host
 * functions and callbacks; cudaStreamWaitEvent across streams and devices; the legacy
 * default stream's implicit synchronization with blocking streams (and not with non-blocking
 * ones). Nothing here asserts timing: "not yet" is only asserted behind a closed gate, and
 * "eventually" is polled with a time limit.
 */
#include "conformance.h"

#define N 4096

/* ---- creation and properties ----------------------------------------------------------------- */

static void test_stream_create_default(void **state)
{
	cudaStream_t s = NULL;
	unsigned flags = 99;
	int prio = 99;

	(void)state;
	CHECK_RC(cudaStreamCreate(&s), cudaSuccess);
	conf_track(CONF_RES_STREAM, s, 0);
	CHECK_TRUE(s != NULL);
	CHECK_RC(cudaStreamGetFlags(s, &flags), cudaSuccess);
	CHECK_UINT(flags, cudaStreamDefault);
	CHECK_RC(cudaStreamGetPriority(s, &prio), cudaSuccess);
	CHECK_INT(prio, 0);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_stream_create_non_blocking(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned flags = 99;

	(void)state;
	CHECK_RC(cudaStreamGetFlags(s, &flags), cudaSuccess);
	CHECK_UINT(flags, cudaStreamNonBlocking);
	CONF_DONE();
}

static void test_stream_create_invalid_flags(void **state)
{
	cudaStream_t s = NULL;

	(void)state;
	CHECK_RC(cudaStreamCreateWithFlags(&s, 0x4), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaStreamCreateWithPriority(&s, 0x100, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_stream_create_null(void **state)
{
	(void)state;
	CHECK_RC(cudaStreamCreate(NULL), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaStreamCreateWithFlags(NULL, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_stream_priority_roundtrip(void **state)
{
	int least = 0, greatest = 0;

	(void)state;
	REQUIRE_RC(cudaDeviceGetStreamPriorityRange(&least, &greatest), cudaSuccess);
	for (int prio = greatest; prio <= least; prio++) {
		cudaStream_t s = NULL;
		int got = 99;
		unsigned flags = 99;

		CHECK_RC(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, prio),
			 cudaSuccess);
		conf_track(CONF_RES_STREAM, s, 0);
		CHECK_RC(cudaStreamGetPriority(s, &got), cudaSuccess);
		CHECK_INT(got, prio);
		CHECK_RC(cudaStreamGetFlags(s, &flags), cudaSuccess);
		CHECK_UINT(flags, cudaStreamNonBlocking);
	}
	CONF_DONE();
}

static void test_stream_priority_clamped(void **state)
{
	int least = 0, greatest = 0, got = 99;
	cudaStream_t hi = NULL, lo = NULL;

	(void)state;
	REQUIRE_RC(cudaDeviceGetStreamPriorityRange(&least, &greatest), cudaSuccess);
	CHECK_RC(cudaStreamCreateWithPriority(&hi, 0, greatest - 10), cudaSuccess);
	conf_track(CONF_RES_STREAM, hi, 0);
	CHECK_RC(cudaStreamGetPriority(hi, &got), cudaSuccess);
	CHECK_INT(got, greatest);
	CHECK_RC(cudaStreamCreateWithPriority(&lo, 0, least + 10), cudaSuccess);
	conf_track(CONF_RES_STREAM, lo, 0);
	CHECK_RC(cudaStreamGetPriority(lo, &got), cudaSuccess);
	CHECK_INT(got, least);
	CONF_DONE();
}

static void test_stream_special_handles_properties(void **state)
{
	static const cudaStream_t handles[] = { 0, cudaStreamLegacy, cudaStreamPerThread };

	(void)state;
	for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
		unsigned flags = 99;
		int prio = 99;

		CHECK_RC(cudaStreamGetFlags(handles[i], &flags), cudaSuccess);
		CHECK_UINT(flags, cudaStreamDefault);
		CHECK_RC(cudaStreamGetPriority(handles[i], &prio), cudaSuccess);
		CHECK_INT(prio, 0);
	}
	CONF_DONE();
}

static void test_stream_get_device_user_streams(void **state)
{
	int n = conf_device_count();

	(void)state;
	for (int d = 0; d < n; d++) {
		cudaStream_t s = STREAM_NEW(d, 0);
		int got = -1;

		/* Whatever device is current: device 0 here. */
		CHECK_RC(cudaStreamGetDevice(s, &got), cudaSuccess);
		CHECK_INT(got, d);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_stream_get_device_special_handles(void **state)
{
	static const cudaStream_t handles[] = { 0, cudaStreamLegacy, cudaStreamPerThread };
	int n = conf_device_count();

	(void)state;
	/* V16: the special handles answer the current device. */
	for (int d = 0; d < n; d++) {
		CHECK_RC(cudaSetDevice(d), cudaSuccess);
		for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
			int got = -1;

			CHECK_RC(cudaStreamGetDevice(handles[i], &got), cudaSuccess);
			CHECK_INT(got, d);
		}
	}
	CONF_DONE();
}

static void test_stream_destroy(void **state)
{
	cudaStream_t a = NULL, b = NULL;

	(void)state;
	REQUIRE_RC(cudaStreamCreate(&a), cudaSuccess);
	REQUIRE_RC(cudaStreamCreateWithFlags(&b, cudaStreamNonBlocking), cudaSuccess);
	CHECK_RC(cudaStreamDestroy(a), cudaSuccess);
	CHECK_RC(cudaStreamDestroy(b), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_stream_destroy_with_pending_work(void **state)
{
	cudaStream_t s = NULL;
	unsigned char *h = PINNED_ALLOC(N, 0), *d = DEV_ALLOC(0, N);
	struct conf_gate *g;

	(void)state;
	REQUIRE_RC(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
	conf_pattern(h, N, 1);
	CHECK_RC(cudaMemset(d, 0, N), cudaSuccess);
	/* The memset is on the legacy stream, which s (non-blocking) does not wait for. */
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	g = GATE_HOLD(s);
	CHECK_RC(cudaMemcpyAsync(d, h, N, cudaMemcpyHostToDevice, s), cudaSuccess);
	/* Destroying a busy stream returns at once; its work still completes. */
	CHECK_RC(cudaStreamDestroy(s), cudaSuccess);
	conf_gate_open(g);
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	{
		unsigned char got[N];

		READ_BACK(got, d, N);
		CHECK_BYTES(got, h, N);
	}
	CONF_DONE();
}

/* ---- idle queries ---------------------------------------------------------------------------- */

static void test_stream_idle_query_and_sync(void **state)
{
	const cudaStream_t handles[] = { STREAM_NEW(0, 0), STREAM_NEW(0, cudaStreamNonBlocking), 0,
					 cudaStreamLegacy, cudaStreamPerThread };

	(void)state;
	for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
		CHECK_RC(cudaStreamQuery(handles[i]), cudaSuccess);
		CHECK_RC(cudaStreamSynchronize(handles[i]), cudaSuccess);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_stream_query_other_device(void **state)
{
	cudaStream_t s;

	(void)state;
	CONF_NEED_DEVICES(2);
	s = STREAM_NEW(1, 0);
	/* Device 0 is current; the stream is device 1's. */
	CHECK_RC(cudaStreamQuery(s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

/* ---- ordering behind a gate ------------------------------------------------------------------ */

static void test_stream_held_query_not_ready(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	struct conf_gate *g;

	(void)state;
	g = GATE_HOLD(s);
	CHECK_RC(cudaStreamQuery(s), cudaErrorNotReady);
	/* NotReady is an answer, not an error: the slot stays clean. */
	CHECK_LAST(cudaSuccess);
	conf_gate_open(g);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_RC(cudaStreamQuery(s), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_stream_held_work_not_done(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned char *out = PINNED_ALLOC(N, 0), want[N];
	unsigned char *d = DEV_ALLOC(0, N);
	cudaEvent_t e = EVENT_NEW(0, cudaEventDisableTiming);
	struct conf_gate *g;

	(void)state;
	conf_pattern(want, N, 2);
	WRITE_TO(d, want, N);
	memset(out, 0xee, N);
	g = GATE_HOLD(s);
	CHECK_RC(cudaMemcpyAsync(out, d, N, cudaMemcpyDeviceToHost, s), cudaSuccess);
	CHECK_RC(cudaEventRecord(e, s), cudaSuccess);
	/* Behind the closed gate nothing has run: the pinned destination is as it was. */
	CHECK_RC(cudaEventQuery(e), cudaErrorNotReady);
	CHECK_RC(cudaStreamQuery(s), cudaErrorNotReady);
	CHECK_FILL(out, 0xee, N);
	conf_gate_open(g);
	CHECK_RC(cudaEventSynchronize(e), cudaSuccess);
	CHECK_BYTES(out, want, N);
	CHECK_RC(cudaStreamQuery(s), cudaSuccess);
	CONF_DONE();
}

struct order_log {
	atomic_int n;
	int seq[8];
};

struct order_step {
	struct order_log *log;
	int tag;
};

static void order_fn(void *arg)
{
	struct order_step *st = arg;
	int i = atomic_fetch_add(&st->log->n, 1);

	if (i < 8)
		st->log->seq[i] = st->tag;
}

static void test_stream_host_funcs_in_order(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	struct order_log log = { 0, { 0 } };
	struct order_step steps[4];
	struct conf_gate *g;

	(void)state;
	g = GATE_HOLD(s);
	for (int i = 0; i < 4; i++) {
		steps[i] = (struct order_step){ &log, i + 1 };
		CHECK_RC(cudaLaunchHostFunc(s, order_fn, &steps[i]), cudaSuccess);
	}
	CHECK_INT(atomic_load(&log.n), 0);
	conf_gate_open(g);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_INT(atomic_load(&log.n), 4);
	for (int i = 0; i < 4; i++)
		CHECK_INT(log.seq[i], i + 1);
	CONF_DONE();
}

struct slow_flag {
	atomic_int done;
};

static void slow_fn(void *arg)
{
	struct slow_flag *f = arg;

	conf_sleep_ms(50);
	atomic_store(&f->done, 1);
}

static void test_stream_synchronize_waits_for_host_func(void **state)
{
	cudaStream_t s = STREAM_NEW(0, 0);
	struct slow_flag f = { 0 };

	(void)state;
	CHECK_RC(cudaLaunchHostFunc(s, slow_fn, &f), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_INT(atomic_load(&f.done), 1);
	CONF_DONE();
}

static void test_stream_device_synchronize_waits_all(void **state)
{
	cudaStream_t a = STREAM_NEW(0, 0), b = STREAM_NEW(0, cudaStreamNonBlocking);
	struct slow_flag fa = { 0 }, fb = { 0 };

	(void)state;
	CHECK_RC(cudaLaunchHostFunc(a, slow_fn, &fa), cudaSuccess);
	CHECK_RC(cudaLaunchHostFunc(b, slow_fn, &fb), cudaSuccess);
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	CHECK_INT(atomic_load(&fa.done), 1);
	CHECK_INT(atomic_load(&fb.done), 1);
	CONF_DONE();
}

static void test_stream_launch_host_func_null(void **state)
{
	cudaStream_t s = STREAM_NEW(0, 0);

	(void)state;
	CHECK_RC(cudaLaunchHostFunc(s, NULL, NULL), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

struct callback_seen {
	atomic_int calls;
	cudaStream_t stream;
	cudaError_t status;
	void *user;
};

static void callback_fn(cudaStream_t stream, cudaError_t status, void *user)
{
	struct callback_seen *c = user;

	c->stream = stream;
	c->status = status;
	c->user = user;
	atomic_fetch_add(&c->calls, 1);
}

static void test_stream_add_callback(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	struct callback_seen c = { 0, NULL, (cudaError_t)-1, NULL };

	(void)state;
	CHECK_RC(cudaStreamAddCallback(s, callback_fn, &c, 0), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_INT(atomic_load(&c.calls), 1);
	CHECK_PTR(c.stream, s);
	CHECK_RC(c.status, cudaSuccess);
	CHECK_PTR(c.user, &c);
	CONF_DONE();
}

static void test_stream_add_callback_behind_gate(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	struct callback_seen c = { 0, NULL, (cudaError_t)-1, NULL };
	struct conf_gate *g;

	(void)state;
	g = GATE_HOLD(s);
	CHECK_RC(cudaStreamAddCallback(s, callback_fn, &c, 0), cudaSuccess);
	CHECK_INT(atomic_load(&c.calls), 0);
	conf_gate_open(g);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_INT(atomic_load(&c.calls), 1);
	CHECK_RC(c.status, cudaSuccess);
	CONF_DONE();
}

static void test_stream_add_callback_flags_nonzero(void **state)
{
	cudaStream_t s = STREAM_NEW(0, 0);
	struct callback_seen c = { 0, NULL, (cudaError_t)-1, NULL };

	(void)state;
	CHECK_RC(cudaStreamAddCallback(s, callback_fn, &c, 1), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	CHECK_INT(atomic_load(&c.calls), 0);
	CONF_DONE();
}

/* ---- cudaStreamWaitEvent --------------------------------------------------------------------- */

static void wait_across(const char *file, int line, const char *test, int dev_a, int dev_b)
{
	cudaStream_t a = conf_stream_new(file, line, test, dev_a, cudaStreamNonBlocking);
	cudaStream_t b = conf_stream_new(file, line, test, dev_b, cudaStreamNonBlocking);
	cudaEvent_t ea = conf_event_new(file, line, test, dev_a, cudaEventDisableTiming);
	cudaEvent_t eb = conf_event_new(file, line, test, dev_b, cudaEventDisableTiming);
	struct conf_gate *g = conf_gate_hold(file, line, test, a);

	conf_check_rc(file, line, "cudaEventRecord(ea, a)", cudaEventRecord(ea, a), cudaSuccess);
	/* An event of device dev_a made to wait on a stream of dev_b, dev_b current. */
	cudaSetDevice(dev_b);
	conf_check_rc(file, line, "cudaStreamWaitEvent(b, ea)", cudaStreamWaitEvent(b, ea, 0),
		      cudaSuccess);
	conf_check_rc(file, line, "cudaEventRecord(eb, b)", cudaEventRecord(eb, b), cudaSuccess);
	cudaSetDevice(0);
	conf_check_rc(file, line, "cudaEventQuery(eb) while a is held", cudaEventQuery(eb),
		      cudaErrorNotReady);
	conf_check_rc(file, line, "cudaStreamQuery(b) while a is held", cudaStreamQuery(b),
		      cudaErrorNotReady);
	conf_gate_open(g);
	conf_check_rc(file, line, "cudaStreamSynchronize(b)", cudaStreamSynchronize(b),
		      cudaSuccess);
	conf_check_rc(file, line, "cudaEventQuery(eb)", cudaEventQuery(eb), cudaSuccess);
	conf_check_rc(file, line, "cudaEventQuery(ea)", cudaEventQuery(ea), cudaSuccess);
}

static void test_stream_wait_event_across_streams(void **state)
{
	(void)state;
	wait_across(__FILE__, __LINE__, __func__, 0, 0);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_stream_wait_event_across_devices(void **state)
{
	(void)state;
	CONF_NEED_DEVICES(2);
	wait_across(__FILE__, __LINE__, __func__, 0, 1);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_stream_wait_event_unrecorded(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaEvent_t never = EVENT_NEW(0, 0), e = EVENT_NEW(0, 0);

	(void)state;
	/* Waiting on an event that was never recorded waits for nothing. */
	CHECK_RC(cudaStreamWaitEvent(s, never, 0), cudaSuccess);
	CHECK_RC(cudaEventRecord(e, s), cudaSuccess);
	CHECK_RC(conf_poll_event(e), cudaSuccess);
	CONF_DONE();
}

static void test_stream_wait_event_snapshot(void **state)
{
	cudaStream_t a = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaStream_t b = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaEvent_t e = EVENT_NEW(0, cudaEventDisableTiming), eb = EVENT_NEW(0, 0);
	struct conf_gate *g;

	(void)state;
	/* The wait binds to the record before it; recording e again later does not move it. */
	CHECK_RC(cudaEventRecord(e, a), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(a), cudaSuccess);
	CHECK_RC(cudaStreamWaitEvent(b, e, 0), cudaSuccess);
	g = GATE_HOLD(a);
	CHECK_RC(cudaEventRecord(e, a), cudaSuccess);
	CHECK_RC(cudaEventRecord(eb, b), cudaSuccess);
	CHECK_RC(conf_poll_event(eb), cudaSuccess);
	CHECK_RC(cudaEventQuery(e), cudaErrorNotReady);
	conf_gate_open(g);
	CHECK_RC(cudaStreamSynchronize(a), cudaSuccess);
	CONF_DONE();
}

static void test_stream_wait_event_invalid_flags(void **state)
{
	cudaStream_t s = STREAM_NEW(0, 0);
	cudaEvent_t e = EVENT_NEW(0, 0);

	(void)state;
	CHECK_RC(cudaStreamWaitEvent(s, e, 0x8), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

/* ---- the legacy default stream --------------------------------------------------------------- */

/*
 * Holds `held`, records an event on `probe`, and checks whether the event waits for the held
 * stream. When it must wait, probe_query is what cudaStreamQuery(probe) answers meanwhile:
 * NotReady for the legacy stream, but cudaSuccess for a blocking stream waiting on the legacy
 * stream (measured: the implicit wait shows in the event, not in the stream's own query).
 */
static void legacy_probe(const char *file, int line, const char *test, cudaStream_t held,
			 cudaStream_t probe, bool expect_wait, cudaError_t probe_query)
{
	cudaEvent_t e = conf_event_new(file, line, test, 0, cudaEventDisableTiming);
	struct conf_gate *g = conf_gate_hold(file, line, test, held);

	conf_check_rc(file, line, "cudaEventRecord(e, probe)", cudaEventRecord(e, probe),
		      cudaSuccess);
	if (expect_wait) {
		conf_check_rc(file, line, "cudaEventQuery(e) behind the held stream",
			      cudaEventQuery(e), cudaErrorNotReady);
		conf_check_rc(file, line, "cudaStreamQuery(probe) behind the held stream",
			      cudaStreamQuery(probe), probe_query);
	} else {
		conf_check_rc(file, line, "cudaEventQuery(e) (polled) beside the held stream",
			      conf_poll_event(e), cudaSuccess);
	}
	conf_gate_open(g);
	conf_check_rc(file, line, "cudaEventSynchronize(e)", cudaEventSynchronize(e), cudaSuccess);
	conf_check_rc(file, line, "cudaStreamSynchronize(held)", cudaStreamSynchronize(held),
		      cudaSuccess);
}

static void test_stream_legacy_waits_for_blocking(void **state)
{
	(void)state;
	legacy_probe(__FILE__, __LINE__, __func__, STREAM_NEW(0, cudaStreamDefault), 0, true,
		     cudaErrorNotReady);
	legacy_probe(__FILE__, __LINE__, __func__, STREAM_NEW(0, cudaStreamDefault),
		     cudaStreamLegacy, true, cudaErrorNotReady);
	CONF_DONE();
}

static void test_stream_legacy_ignores_non_blocking(void **state)
{
	(void)state;
	legacy_probe(__FILE__, __LINE__, __func__, STREAM_NEW(0, cudaStreamNonBlocking), 0, false,
		     cudaSuccess);
	CONF_DONE();
}

static void test_stream_blocking_waits_for_legacy(void **state)
{
	(void)state;
	legacy_probe(__FILE__, __LINE__, __func__, 0, STREAM_NEW(0, cudaStreamDefault), true,
		     cudaSuccess);
	CONF_DONE();
}

static void test_stream_non_blocking_ignores_legacy(void **state)
{
	(void)state;
	legacy_probe(__FILE__, __LINE__, __func__, 0, STREAM_NEW(0, cudaStreamNonBlocking), false,
		     cudaSuccess);
	CONF_DONE();
}

static void test_stream_blocking_streams_independent(void **state)
{
	(void)state;
	/* Two blocking streams do not wait for each other; only the legacy stream joins them. */
	legacy_probe(__FILE__, __LINE__, __func__, STREAM_NEW(0, cudaStreamDefault),
		     STREAM_NEW(0, cudaStreamDefault), false, cudaSuccess);
	CONF_DONE();
}

static void test_stream_per_thread_waits_for_legacy(void **state)
{
	(void)state;
	/* The per-thread stream is blocking with respect to the legacy stream (documented). */
	legacy_probe(__FILE__, __LINE__, __func__, 0, cudaStreamPerThread, true, cudaSuccess);
	CONF_DONE();
}

static void test_stream_legacy_waits_for_per_thread(void **state)
{
	(void)state;
	legacy_probe(__FILE__, __LINE__, __func__, cudaStreamPerThread, 0, true, cudaErrorNotReady);
	CONF_DONE();
}

static void test_stream_legacy_per_device(void **state)
{
	(void)state;
	CONF_NEED_DEVICES(2);
	/* Device 1's blocking stream held: device 0's legacy stream does not wait for it. */
	legacy_probe(__FILE__, __LINE__, __func__, STREAM_NEW(1, cudaStreamDefault), 0, false,
		     cudaSuccess);
	CONF_DONE();
}

static const struct CMUnitTest tests[] = {
	CONF_TEST(test_stream_create_default),
	CONF_TEST(test_stream_create_non_blocking),
	CONF_TEST(test_stream_create_invalid_flags),
	CONF_TEST(test_stream_create_null),
	CONF_TEST(test_stream_priority_roundtrip),
	CONF_TEST(test_stream_priority_clamped),
	CONF_TEST(test_stream_special_handles_properties),
	CONF_TEST(test_stream_get_device_user_streams),
	CONF_TEST(test_stream_get_device_special_handles),
	CONF_TEST(test_stream_destroy),
	CONF_TEST(test_stream_destroy_with_pending_work),
	CONF_TEST(test_stream_idle_query_and_sync),
	CONF_TEST(test_stream_query_other_device),
	CONF_TEST(test_stream_held_query_not_ready),
	CONF_TEST(test_stream_held_work_not_done),
	CONF_TEST(test_stream_host_funcs_in_order),
	CONF_TEST(test_stream_synchronize_waits_for_host_func),
	CONF_TEST(test_stream_device_synchronize_waits_all),
	CONF_TEST(test_stream_launch_host_func_null),
	CONF_TEST(test_stream_add_callback),
	CONF_TEST(test_stream_add_callback_behind_gate),
	CONF_TEST(test_stream_add_callback_flags_nonzero),
	CONF_TEST(test_stream_wait_event_across_streams),
	CONF_TEST(test_stream_wait_event_across_devices),
	CONF_TEST(test_stream_wait_event_unrecorded),
	CONF_TEST(test_stream_wait_event_snapshot),
	CONF_TEST(test_stream_wait_event_invalid_flags),
	CONF_TEST(test_stream_legacy_waits_for_blocking),
	CONF_TEST(test_stream_legacy_ignores_non_blocking),
	CONF_TEST(test_stream_blocking_waits_for_legacy),
	CONF_TEST(test_stream_non_blocking_ignores_legacy),
	CONF_TEST(test_stream_blocking_streams_independent),
	CONF_TEST(test_stream_per_thread_waits_for_legacy),
	CONF_TEST(test_stream_legacy_waits_for_per_thread),
	CONF_TEST(test_stream_legacy_per_device),
};

CONF_MAIN("conf_stream", tests)
