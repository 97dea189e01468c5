/*
 * conf_event.c: conformance of events: creation flags, record, query, synchronize, elapsed
 * time, and events across devices.
 *
 * "Not yet complete" is only asserted behind a gate (conformance.h). Destroyed handles are
 * never used again: use after destroy is undefined on the real runtime.
 */
#include "conformance.h"

/* ---- creation -------------------------------------------------------------------------------- */

static void test_event_create_default(void **state)
{
	cudaEvent_t e = NULL;

	(void)state;
	CHECK_RC(cudaEventCreate(&e), cudaSuccess);
	conf_track(CONF_RES_EVENT, e, 0);
	CHECK_TRUE(e != NULL);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_event_create_valid_flags(void **state)
{
	static const unsigned flags[] = { cudaEventDefault, cudaEventBlockingSync,
					  cudaEventDisableTiming,
					  cudaEventBlockingSync | cudaEventDisableTiming,
					  cudaEventInterprocess | cudaEventDisableTiming };

	(void)state;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		cudaEvent_t e = NULL;

		if (!CHECK_RC(cudaEventCreateWithFlags(&e, flags[i]), cudaSuccess))
			printf("    flags 0x%x\n", flags[i]);
		else
			conf_track(CONF_RES_EVENT, e, 0);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_event_create_interprocess_needs_disable_timing(void **state)
{
	cudaEvent_t e = NULL;

	(void)state;
	CHECK_RC(cudaEventCreateWithFlags(&e, cudaEventInterprocess), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_event_create_invalid_flags(void **state)
{
	cudaEvent_t e = NULL;

	(void)state;
	CHECK_RC(cudaEventCreateWithFlags(&e, 0x100), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_event_create_null(void **state)
{
	(void)state;
	CHECK_RC(cudaEventCreate(NULL), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaEventCreateWithFlags(NULL, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_event_destroy(void **state)
{
	cudaEvent_t a = NULL, b = NULL;

	(void)state;
	REQUIRE_RC(cudaEventCreate(&a), cudaSuccess);
	REQUIRE_RC(cudaEventCreateWithFlags(&b, cudaEventDisableTiming), cudaSuccess);
	CHECK_RC(cudaEventRecord(b, 0), cudaSuccess);
	CHECK_RC(cudaEventDestroy(a), cudaSuccess);
	CHECK_RC(cudaEventDestroy(b), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

/* ---- record, query, synchronize -------------------------------------------------------------- */

static void test_event_never_recorded_complete(void **state)
{
	cudaEvent_t e = EVENT_NEW(0, 0);

	(void)state;
	CHECK_RC(cudaEventQuery(e), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(e), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_event_record_query_sync(void **state)
{
	const cudaStream_t streams[] = { STREAM_NEW(0, 0), STREAM_NEW(0, cudaStreamNonBlocking), 0,
					 cudaStreamLegacy, cudaStreamPerThread };
	cudaEvent_t e = EVENT_NEW(0, 0);

	(void)state;
	for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
		CHECK_RC(cudaEventRecord(e, streams[i]), cudaSuccess);
		CHECK_RC(cudaEventSynchronize(e), cudaSuccess);
		CHECK_RC(cudaEventQuery(e), cudaSuccess);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_event_held_not_ready(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaEvent_t e = EVENT_NEW(0, 0);
	struct conf_gate *g;

	(void)state;
	g = GATE_HOLD(s);
	CHECK_RC(cudaEventRecord(e, s), cudaSuccess);
	CHECK_RC(cudaEventQuery(e), cudaErrorNotReady);
	CHECK_LAST(cudaSuccess);
	conf_gate_open(g);
	CHECK_RC(cudaEventSynchronize(e), cudaSuccess);
	CHECK_RC(cudaEventQuery(e), cudaSuccess);
	CONF_DONE();
}

struct opener {
	struct conf_gate *gate;
	atomic_int opened;
};

static void *open_later(void *arg)
{
	struct opener *o = arg;

	conf_sleep_ms(100);
	atomic_store(&o->opened, 1);
	conf_gate_open(o->gate);
	return NULL;
}

static void test_event_synchronize_waits(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaEvent_t e = EVENT_NEW(0, cudaEventBlockingSync);
	struct opener o;
	pthread_t t;

	(void)state;
	o.gate = GATE_HOLD(s);
	atomic_store(&o.opened, 0);
	CHECK_RC(cudaEventRecord(e, s), cudaSuccess);
	REQUIRE_TRUE(pthread_create(&t, NULL, open_later, &o) == 0);
	/* Returns only once the gate, opened by another thread, has let the event through. */
	CHECK_RC(cudaEventSynchronize(e), cudaSuccess);
	CHECK_INT(atomic_load(&o.opened), 1);
	pthread_join(t, NULL);
	CONF_DONE();
}

static void test_event_rerecord_follows_latest(void **state)
{
	cudaStream_t held = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaStream_t idle = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaEvent_t e = EVENT_NEW(0, cudaEventDisableTiming);
	struct conf_gate *g;

	(void)state;
	g = GATE_HOLD(held);
	CHECK_RC(cudaEventRecord(e, held), cudaSuccess);
	CHECK_RC(cudaEventQuery(e), cudaErrorNotReady);
	/* The event's state is that of its most recent record. */
	CHECK_RC(cudaEventRecord(e, idle), cudaSuccess);
	CHECK_RC(conf_poll_event(e), cudaSuccess);
	conf_gate_open(g);
	CHECK_RC(cudaStreamSynchronize(held), cudaSuccess);
	CONF_DONE();
}

static void test_event_record_with_flags(void **state)
{
	cudaStream_t s = STREAM_NEW(0, 0);
	cudaEvent_t e = EVENT_NEW(0, 0);

	(void)state;
	CHECK_RC(cudaEventRecordWithFlags(e, s, cudaEventRecordDefault), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(e), cudaSuccess);
	/* External is for stream capture only: outside a capture it is refused (measured). */
	CHECK_RC(cudaEventRecordWithFlags(e, s, cudaEventRecordExternal), cudaErrorIllegalState);
	CHECK_LAST(cudaErrorIllegalState);
	CHECK_RC(cudaEventRecordWithFlags(e, s, 0x8), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_event_record_other_device_stream(void **state)
{
	cudaEvent_t e;
	cudaStream_t s1;

	(void)state;
	CONF_NEED_DEVICES(2);
	e = EVENT_NEW(0, 0);
	s1 = STREAM_NEW(1, 0);
	/* Event and stream must belong to the same device, whichever is current. */
	CHECK_RC(cudaEventRecord(e, s1), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_RC(cudaEventRecord(e, s1), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	/* Nor was it recorded by either refusal. */
	CHECK_RC(cudaEventQuery(e), cudaSuccess);
	CONF_DONE();
}

static void test_event_record_legacy_other_device(void **state)
{
	cudaEvent_t e;

	(void)state;
	CONF_NEED_DEVICES(2);
	e = EVENT_NEW(0, 0);
	/* Stream 0 means the current device's legacy stream: device 1's here. */
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_RC(cudaEventRecord(e, 0), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	CONF_DONE();
}

static void test_event_query_other_device(void **state)
{
	cudaEvent_t e;
	cudaStream_t s1;

	(void)state;
	CONF_NEED_DEVICES(2);
	e = EVENT_NEW(1, 0);
	s1 = STREAM_NEW(1, 0);
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_RC(cudaEventRecord(e, s1), cudaSuccess);
	/* Queried and waited for with device 0 current. */
	CHECK_RC(cudaSetDevice(0), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(e), cudaSuccess);
	CHECK_RC(cudaEventQuery(e), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_event_null_handle(void **state)
{
	(void)state;
	CHECK_RC(cudaEventQuery(NULL), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	CHECK_RC(cudaEventRecord(NULL, 0), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	CONF_DONE();
}

/* ---- elapsed time ---------------------------------------------------------------------------- */

static void test_event_elapsed_time(void **state)
{
	cudaStream_t s = STREAM_NEW(0, 0);
	cudaEvent_t a = EVENT_NEW(0, 0), b = EVENT_NEW(0, 0);
	unsigned char *d = DEV_ALLOC(0, CONF_MIB);
	float ms = -1.0f;

	(void)state;
	CHECK_RC(cudaEventRecord(a, s), cudaSuccess);
	CHECK_RC(cudaMemsetAsync(d, 1, CONF_MIB, s), cudaSuccess);
	CHECK_RC(cudaEventRecord(b, s), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(b), cudaSuccess);
	CHECK_RC(cudaEventElapsedTime(&ms, a, b), cudaSuccess);
	CHECK_TRUE(ms >= 0.0f);
	CHECK_TRUE(ms < 10000.0f);
	/* An event against itself: zero. */
	CHECK_RC(cudaEventElapsedTime(&ms, a, a), cudaSuccess);
	CHECK_TRUE(ms == 0.0f);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_event_elapsed_time_disable_timing(void **state)
{
	cudaEvent_t a = EVENT_NEW(0, 0), b = EVENT_NEW(0, cudaEventDisableTiming);
	float ms = -1.0f;

	(void)state;
	CHECK_RC(cudaEventRecord(a, 0), cudaSuccess);
	CHECK_RC(cudaEventRecord(b, 0), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(b), cudaSuccess);
	CHECK_RC(cudaEventElapsedTime(&ms, a, b), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	CHECK_RC(cudaEventElapsedTime(&ms, b, a), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	CONF_DONE();
}

static void test_event_elapsed_time_never_recorded(void **state)
{
	cudaEvent_t a = EVENT_NEW(0, 0), never = EVENT_NEW(0, 0);
	float ms = -1.0f;

	(void)state;
	CHECK_RC(cudaEventRecord(a, 0), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(a), cudaSuccess);
	CHECK_RC(cudaEventElapsedTime(&ms, a, never), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	CHECK_RC(cudaEventElapsedTime(&ms, never, a), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	CONF_DONE();
}

static void test_event_elapsed_time_pending(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaEvent_t a = EVENT_NEW(0, 0), b = EVENT_NEW(0, 0);
	struct conf_gate *g;
	float ms = -1.0f;

	(void)state;
	CHECK_RC(cudaEventRecord(a, s), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(a), cudaSuccess);
	g = GATE_HOLD(s);
	CHECK_RC(cudaEventRecord(b, s), cudaSuccess);
	CHECK_RC(cudaEventElapsedTime(&ms, a, b), cudaErrorNotReady);
	conf_gate_open(g);
	CHECK_RC(cudaEventSynchronize(b), cudaSuccess);
	CHECK_RC(cudaEventElapsedTime(&ms, a, b), cudaSuccess);
	CHECK_TRUE(ms >= 0.0f);
	CONF_DONE();
}

static void test_event_elapsed_time_across_devices(void **state)
{
	cudaEvent_t a, b;
	float ms = -1.0f;

	(void)state;
	CONF_NEED_DEVICES(2);
	a = EVENT_NEW(0, 0);
	b = EVENT_NEW(1, 0);
	CHECK_RC(cudaEventRecord(a, 0), cudaSuccess);
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_RC(cudaEventRecord(b, 0), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(b), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(a), cudaSuccess);
	/* Two devices' clocks are not comparable. */
	CHECK_RC(cudaEventElapsedTime(&ms, a, b), cudaErrorInvalidResourceHandle);
	CHECK_LAST(cudaErrorInvalidResourceHandle);
	CONF_DONE();
}

static void test_event_elapsed_time_null(void **state)
{
	cudaEvent_t a = EVENT_NEW(0, 0), b = EVENT_NEW(0, 0);

	(void)state;
	CHECK_RC(cudaEventRecord(a, 0), cudaSuccess);
	CHECK_RC(cudaEventRecord(b, 0), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(b), cudaSuccess);
	CHECK_RC(cudaEventElapsedTime(NULL, a, b), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_event_elapsed_time_order(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaEvent_t a = EVENT_NEW(0, 0), b = EVENT_NEW(0, 0);
	struct conf_gate *g;
	float fwd = -1.0f, back = 1.0f;

	(void)state;
	/*
	 * a completes before the gate's host function starts; b only after the gate opens, which
	 * is 20 ms after the host function was seen running. So b is at least 20 ms after a.
	 */
	CHECK_RC(cudaEventRecord(a, s), cudaSuccess);
	g = GATE_HOLD(s);
	CHECK_RC(cudaEventRecord(b, s), cudaSuccess);
	CHECK_TRUE(conf_gate_wait_entered(g));
	conf_sleep_ms(20);
	conf_gate_open(g);
	CHECK_RC(cudaEventSynchronize(b), cudaSuccess);
	CHECK_RC(cudaEventElapsedTime(&fwd, a, b), cudaSuccess);
	CHECK_RC(cudaEventElapsedTime(&back, b, a), cudaSuccess);
	CHECK_TRUE(fwd >= 19.5f);
	CHECK_TRUE(back == -fwd);
	CONF_DONE();
}

static const struct CMUnitTest tests[] = {
	CONF_TEST(test_event_create_default),
	CONF_TEST(test_event_create_valid_flags),
	CONF_TEST(test_event_create_interprocess_needs_disable_timing),
	CONF_TEST(test_event_create_invalid_flags),
	CONF_TEST(test_event_create_null),
	CONF_TEST(test_event_destroy),
	CONF_TEST(test_event_never_recorded_complete),
	CONF_TEST(test_event_record_query_sync),
	CONF_TEST(test_event_held_not_ready),
	CONF_TEST(test_event_synchronize_waits),
	CONF_TEST(test_event_rerecord_follows_latest),
	CONF_TEST(test_event_record_with_flags),
	CONF_TEST(test_event_record_other_device_stream),
	CONF_TEST(test_event_record_legacy_other_device),
	CONF_TEST(test_event_query_other_device),
	CONF_TEST(test_event_null_handle),
	CONF_TEST(test_event_elapsed_time),
	CONF_TEST(test_event_elapsed_time_disable_timing),
	CONF_TEST(test_event_elapsed_time_never_recorded),
	CONF_TEST(test_event_elapsed_time_pending),
	CONF_TEST(test_event_elapsed_time_across_devices),
	CONF_TEST(test_event_elapsed_time_null),
	CONF_TEST(test_event_elapsed_time_order),
};

CONF_MAIN("conf_event", tests)
