/*
 * conf_graph.c: conformance of stream capture and graphs of copies, memsets and events.
 *
 * Divisions: capture records and does not run, a launch runs, twice when launched twice;
 * what cannot be captured (peer copies invalidate the capture; cudaMemcpyBatchAsync is
 * refused and the capture goes on without it; cudaMemcpyDefault across devices is one
 * node); streams joining a capture through events; synchronous and unsafe calls during a
 * capture, by capture mode; the legacy stream while a blocking stream captures; explicit
 * graphs. Captured work is checked by reading back device memory after the launch; nothing
 * here asserts timing.
 */
#include "conformance.h"

#define N 4096

static size_t conf_nodes(cudaGraph_t g)
{
	size_t n = 999;

	if (!CHECK_RC(cudaGraphGetNodes(g, NULL, &n), cudaSuccess))
		return 999;
	return n;
}

static enum cudaStreamCaptureStatus conf_capture_status(cudaStream_t s)
{
	enum cudaStreamCaptureStatus st = (enum cudaStreamCaptureStatus)9;

	CHECK_RC(cudaStreamIsCapturing(s, &st), cudaSuccess);
	return st;
}

/* ---- capture and launch ---------------------------------------------------------------------- */

static void test_graph_capture_then_launch_twice(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned char *a = DEV_ALLOC(0, N), *b = DEV_ALLOC(0, N);
	unsigned char *src = HOST_ALLOC(N), *got = HOST_ALLOC(N), *want = HOST_ALLOC(N);
	cudaGraph_t g = NULL;
	cudaGraphExec_t x = NULL;

	(void)state;
	conf_pattern(src, N, 1);
	WRITE_TO(a, src, N);
	memset(want, 0, N);
	WRITE_TO(b, want, N);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_INT(conf_capture_status(s), cudaStreamCaptureStatusActive);
	CHECK_RC(cudaMemcpyAsync(b, a, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	CHECK_RC(cudaMemsetAsync(a, 0x22, N / 2, s), cudaSuccess);
	REQUIRE_RC(cudaStreamEndCapture(s, &g), cudaSuccess);
	CHECK_INT(conf_capture_status(s), cudaStreamCaptureStatusNone);
	CHECK_UINT(conf_nodes(g), 2);
	READ_BACK(got, b, N);
	CHECK_FILL(got, 0, N);	/* captured, not run */
	REQUIRE_RC(cudaGraphInstantiate(&x, g, 0), cudaSuccess);
	CHECK_RC(cudaGraphDestroy(g), cudaSuccess);	/* the executable graph does not need it */
	CHECK_RC(cudaGraphUpload(x, s), cudaSuccess);
	CHECK_RC(cudaGraphLaunch(x, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	READ_BACK(got, b, N);
	CHECK_BYTES(got, src, N);
	/* Launched again, it copies again: a's first half is 0x22 now. */
	CHECK_RC(cudaGraphLaunch(x, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	memcpy(want, src, N);
	memset(want, 0x22, N / 2);
	READ_BACK(got, b, N);
	CHECK_BYTES(got, want, N);
	CHECK_RC(cudaGraphExecDestroy(x), cudaSuccess);
	CONF_DONE();
}

static void test_graph_capture_zero_and_bad_copies(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned char *a = DEV_ALLOC(0, N), *b = DEV_ALLOC(0, N);
	cudaGraph_t g = NULL;

	(void)state;
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(b, a, 0, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(b, a, 2 * N, cudaMemcpyDeviceToDevice, s), cudaErrorInvalidValue);
	CHECK_INT(conf_capture_status(s), cudaStreamCaptureStatusActive);
	REQUIRE_RC(cudaStreamEndCapture(s, &g), cudaSuccess);
	CHECK_UINT(conf_nodes(g), 0);
	CHECK_RC(cudaGraphDestroy(g), cudaSuccess);
	cudaGetLastError();
	CONF_DONE();
}

/* ---- what cannot be captured ------------------------------------------------------------------ */

static void test_graph_peer_async_invalidates(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned char *a = DEV_ALLOC(0, N), *b = DEV_ALLOC(0, N);
	cudaGraph_t g = (cudaGraph_t)0x1;

	(void)state;
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemcpyPeerAsync(b, 0, a, 0, 64, s), cudaErrorStreamCaptureUnsupported);
	CHECK_INT(conf_capture_status(s), cudaStreamCaptureStatusInvalidated);
	CHECK_RC(cudaMemcpyAsync(b, a, 64, cudaMemcpyDeviceToDevice, s),
		 cudaErrorStreamCaptureInvalidated);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	CHECK_PTR(g, NULL);
	CHECK_INT(conf_capture_status(s), cudaStreamCaptureStatusNone);
	cudaGetLastError();
	CONF_DONE();
}

static void test_graph_batch_refused_capture_goes_on(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned char *a = DEV_ALLOC(0, N), *b = DEV_ALLOC(0, N);
	void *dsts[1] = { b };
	const void *srcs[1] = { a };
	size_t sizes[1] = { 64 }, idx = 0;
	struct cudaMemcpyAttributes at;
	cudaGraph_t g = NULL;

	(void)state;
	memset(&at, 0, sizeof(at));
	at.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemcpyBatchAsync(dsts, srcs, sizes, 1, &at, &idx, 1, s),
		 cudaErrorStreamCaptureUnsupported);
	CHECK_INT(conf_capture_status(s), cudaStreamCaptureStatusActive);
	CHECK_RC(cudaMemcpyAsync(b, a, 64, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	REQUIRE_RC(cudaStreamEndCapture(s, &g), cudaSuccess);
	CHECK_UINT(conf_nodes(g), 1);	/* only the cudaMemcpyAsync */
	CHECK_RC(cudaGraphDestroy(g), cudaSuccess);
	cudaGetLastError();
	CONF_DONE();
}

static void test_graph_default_across_devices(void **state)
{
	cudaStream_t s;
	unsigned char *a, *b, *src, *got;
	cudaGraph_t g = NULL;
	cudaGraphExec_t x = NULL;

	(void)state;
	CONF_NEED_DEVICES(2);
	s = STREAM_NEW(0, cudaStreamNonBlocking);
	a = DEV_ALLOC(0, N);
	b = DEV_ALLOC(1, N);
	src = HOST_ALLOC(N);
	got = HOST_ALLOC(N);
	conf_pattern(src, N, 2);
	WRITE_TO(a, src, N);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(b, a, N, cudaMemcpyDefault, s), cudaSuccess);
	REQUIRE_RC(cudaStreamEndCapture(s, &g), cudaSuccess);
	CHECK_UINT(conf_nodes(g), 1);
	REQUIRE_RC(cudaGraphInstantiate(&x, g, 0), cudaSuccess);
	CHECK_RC(cudaGraphLaunch(x, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	READ_BACK(got, b, N);
	CHECK_BYTES(got, src, N);
	/* cudaMemcpyPeerAsync between the devices is refused, as on one device. */
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemcpyPeerAsync(b, 1, a, 0, 64, s), cudaErrorStreamCaptureUnsupported);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	cudaGraphExecDestroy(x);
	cudaGetLastError();
	CONF_DONE();
}

/* ---- streams joining a capture ---------------------------------------------------------------- */

static void test_graph_fork_join(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking), s2 = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaEvent_t e = EVENT_NEW(0, cudaEventDisableTiming), e2 = EVENT_NEW(0, cudaEventDisableTiming);
	unsigned char *a = DEV_ALLOC(0, N), *b = DEV_ALLOC(0, N), *c = DEV_ALLOC(0, N);
	unsigned char *src = HOST_ALLOC(N), *got = HOST_ALLOC(N), *want = HOST_ALLOC(N);
	cudaGraph_t g = (cudaGraph_t)0x1;
	cudaGraphExec_t x = NULL;

	(void)state;
	conf_pattern(src, N, 3);
	WRITE_TO(a, src, N);
	/* Forked and never joined back. */
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(b, a, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	CHECK_RC(cudaEventRecord(e, s), cudaSuccess);
	CHECK_RC(cudaStreamWaitEvent(s2, e, 0), cudaSuccess);
	CHECK_INT(conf_capture_status(s2), cudaStreamCaptureStatusActive);
	CHECK_RC(cudaMemsetAsync(c, 1, N, s2), cudaSuccess);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureUnjoined);
	CHECK_PTR(g, NULL);
	CHECK_INT(conf_capture_status(s2), cudaStreamCaptureStatusNone);
	/* Ending the joined stream instead of the origin. */
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaEventRecord(e, s), cudaSuccess);
	CHECK_RC(cudaStreamWaitEvent(s2, e, 0), cudaSuccess);
	CHECK_RC(cudaStreamEndCapture(s2, &g), cudaErrorStreamCaptureUnmatched);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	/* Joined: copy, then a memset on s2, then a copy on s after both. */
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(b, a, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	CHECK_RC(cudaEventRecord(e, s), cudaSuccess);
	CHECK_RC(cudaStreamWaitEvent(s2, e, 0), cudaSuccess);
	CHECK_RC(cudaMemsetAsync(b, 0x77, N / 2, s2), cudaSuccess);
	CHECK_RC(cudaEventRecord(e2, s2), cudaSuccess);
	CHECK_RC(cudaStreamWaitEvent(s, e2, 0), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(c, b, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	REQUIRE_RC(cudaStreamEndCapture(s, &g), cudaSuccess);
	CHECK_UINT(conf_nodes(g), 3);
	REQUIRE_RC(cudaGraphInstantiate(&x, g, 0), cudaSuccess);
	CHECK_RC(cudaGraphLaunch(x, s2), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s2), cudaSuccess);
	memcpy(want, src, N);
	memset(want, 0x77, N / 2);
	READ_BACK(got, c, N);
	CHECK_BYTES(got, want, N);
	cudaGraphExecDestroy(x);
	cudaGraphDestroy(g);
	cudaGetLastError();
	CONF_DONE();
}

static void test_graph_captured_event(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking), s2 = STREAM_NEW(0, cudaStreamNonBlocking);
	cudaEvent_t e = EVENT_NEW(0, 0), outside = EVENT_NEW(0, 0);
	cudaGraph_t g = NULL;

	(void)state;
	CHECK_RC(cudaEventRecord(outside, s2), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s2), cudaSuccess);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaEventRecord(e, s), cudaSuccess);
	CHECK_RC(cudaEventQuery(e), cudaErrorCapturedEvent);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	CHECK_RC(cudaEventQuery(e), cudaErrorInvalidValue);
	CHECK_RC(cudaEventSynchronize(e), cudaErrorInvalidValue);
	CHECK_RC(cudaEventRecord(e, s2), cudaSuccess);
	CHECK_RC(cudaEventSynchronize(e), cudaSuccess);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaStreamWaitEvent(s, outside, 0), cudaErrorStreamCaptureIsolation);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaEventRecordWithFlags(e, s, cudaEventRecordExternal), cudaSuccess);
	CHECK_RC(cudaStreamWaitEvent(s, outside, cudaEventWaitExternal), cudaSuccess);
	REQUIRE_RC(cudaStreamEndCapture(s, &g), cudaSuccess);
	CHECK_UINT(conf_nodes(g), 2);
	CHECK_RC(cudaGraphDestroy(g), cudaSuccess);
	cudaGetLastError();
	CONF_DONE();
}

/* ---- synchronous and unsafe calls ------------------------------------------------------------- */

static void test_graph_unsafe_calls(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking), s2 = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned char *a = DEV_ALLOC(0, N), *b = DEV_ALLOC(0, N);
	cudaGraph_t g = NULL;
	void *p = NULL;

	(void)state;
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaErrorStreamCaptureUnsupported);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaStreamQuery(s2), cudaErrorStreamCaptureUnsupported);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMalloc(&p, 64), cudaErrorStreamCaptureUnsupported);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed), cudaSuccess);
	CHECK_RC(cudaMalloc(&p, 64), cudaSuccess);
	CHECK_RC(cudaDeviceSynchronize(), cudaErrorStreamCaptureUnsupported);
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	CHECK_RC(cudaFree(p), cudaSuccess);
	/* A synchronous copy on the legacy stream, while a non-blocking stream captures. */
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemcpy(b, a, 64, cudaMemcpyDeviceToDevice), cudaSuccess);
	REQUIRE_RC(cudaStreamEndCapture(s, &g), cudaSuccess);
	CHECK_UINT(conf_nodes(g), 0);
	CHECK_RC(cudaGraphDestroy(g), cudaSuccess);
	cudaGetLastError();
	CONF_DONE();
}

static void test_graph_legacy_while_blocking_captures(void **state)
{
	cudaStream_t b = STREAM_NEW(0, cudaStreamDefault);
	unsigned char *x = DEV_ALLOC(0, N), *y = DEV_ALLOC(0, N);
	enum cudaStreamCaptureStatus st = (enum cudaStreamCaptureStatus)9;
	cudaGraph_t g = NULL;

	(void)state;
	CHECK_RC(cudaStreamBeginCapture(0, cudaStreamCaptureModeGlobal),
		 cudaErrorStreamCaptureUnsupported);
	CHECK_RC(cudaStreamBeginCapture(cudaStreamLegacy, cudaStreamCaptureModeGlobal),
		 cudaErrorStreamCaptureUnsupported);
	REQUIRE_RC(cudaStreamBeginCapture(b, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaStreamIsCapturing(0, &st), cudaErrorStreamCaptureImplicit);
	CHECK_INT(st, 9);
	CHECK_RC(cudaMemcpyAsync(y, x, 64, cudaMemcpyDeviceToDevice, 0),
		 cudaErrorStreamCaptureImplicit);
	CHECK_RC(cudaStreamEndCapture(b, &g), cudaErrorStreamCaptureInvalidated);
	REQUIRE_RC(cudaStreamBeginCapture(b, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemcpyAsync(y, x, 64, cudaMemcpyDeviceToDevice, cudaStreamPerThread),
		 cudaSuccess);
	REQUIRE_RC(cudaStreamEndCapture(b, &g), cudaSuccess);
	CHECK_UINT(conf_nodes(g), 0);
	CHECK_RC(cudaGraphDestroy(g), cudaSuccess);
	cudaGetLastError();
	CONF_DONE();
}

/* ---- the capture API ---------------------------------------------------------------------------- */

static void test_graph_capture_api(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned char *a = DEV_ALLOC(0, N), *b = DEV_ALLOC(0, N);
	enum cudaStreamCaptureStatus st = (enum cudaStreamCaptureStatus)9;
	enum cudaStreamCaptureMode m = cudaStreamCaptureModeRelaxed;
	unsigned long long id = 77;
	cudaGraph_t g = NULL, g2 = NULL, user = NULL;
	const cudaGraphNode_t *deps = NULL;
	cudaGraphNode_t first = NULL;
	size_t nd = 99;

	(void)state;
	CHECK_RC(cudaStreamEndCapture(s, &g), cudaErrorIllegalState);
	CHECK_RC(cudaStreamGetCaptureInfo(s, &st, &id, NULL, NULL, NULL, NULL), cudaSuccess);
	CHECK_INT(st, cudaStreamCaptureStatusNone);
	CHECK_UINT(id, 77);
	CHECK_RC(cudaStreamBeginCapture(s, (enum cudaStreamCaptureMode)7), cudaErrorInvalidValue);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaErrorIllegalState);
	CHECK_RC(cudaStreamGetCaptureInfo(s, &st, &id, &g, &deps, NULL, &nd), cudaSuccess);
	CHECK_INT(st, cudaStreamCaptureStatusActive);
	CHECK_TRUE(g != NULL);
	CHECK_UINT(nd, 0);
	CHECK_RC(cudaMemcpyAsync(b, a, 64, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	CHECK_RC(cudaStreamGetCaptureInfo(s, &st, NULL, NULL, &deps, NULL, &nd), cudaSuccess);
	CHECK_UINT(nd, 1);
	REQUIRE_RC(cudaStreamEndCapture(s, &g2), cudaSuccess);
	CHECK_PTR(g2, g);
	CHECK_RC(cudaGraphDestroy(g2), cudaSuccess);
	REQUIRE_RC(cudaGraphCreate(&user, 0), cudaSuccess);
	CHECK_RC(cudaGraphAddEmptyNode(&first, user, NULL, 0), cudaSuccess);
	REQUIRE_RC(cudaStreamBeginCaptureToGraph(s, user, &first, NULL, 1,
						 cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaMemsetAsync(b, 9, 64, s), cudaSuccess);
	REQUIRE_RC(cudaStreamEndCapture(s, &g2), cudaSuccess);
	CHECK_PTR(g2, user);
	CHECK_UINT(conf_nodes(user), 2);
	CHECK_RC(cudaGraphDestroy(user), cudaSuccess);
	REQUIRE_RC(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	CHECK_RC(cudaStreamEndCapture(s, NULL), cudaSuccess);
	CHECK_INT(conf_capture_status(s), cudaStreamCaptureStatusNone);
	CHECK_RC(cudaThreadExchangeStreamCaptureMode(&m), cudaSuccess);
	CHECK_INT(m, cudaStreamCaptureModeGlobal);
	CHECK_RC(cudaThreadExchangeStreamCaptureMode(&m), cudaSuccess);
	CHECK_INT(m, cudaStreamCaptureModeRelaxed);
	cudaGetLastError();
	CONF_DONE();
}

/* ---- explicit graphs ---------------------------------------------------------------------------- */

static void test_graph_explicit_nodes(void **state)
{
	cudaStream_t s = STREAM_NEW(0, cudaStreamNonBlocking);
	unsigned char *a = DEV_ALLOC(0, N), *b = DEV_ALLOC(0, N);
	unsigned char *src = HOST_ALLOC(N), *got = HOST_ALLOC(N), *want = HOST_ALLOC(N);
	cudaGraph_t g = NULL;
	cudaGraphExec_t x = NULL;
	cudaGraphNode_t cp = NULL, ms = NULL, empty = NULL, bad = NULL;
	struct cudaMemsetParams mp;
	enum cudaGraphNodeType t = cudaGraphNodeTypeCount;
	uint32_t word = 0x01020304;

	(void)state;
	conf_pattern(src, N, 4);
	WRITE_TO(a, src, N);
	CHECK_RC(cudaGraphCreate(&g, 1), cudaErrorInvalidValue);
	REQUIRE_RC(cudaGraphCreate(&g, 0), cudaSuccess);
	CHECK_RC(cudaGraphAddMemcpyNode1D(&cp, g, NULL, 0, b, a, N, cudaMemcpyDeviceToDevice),
		 cudaSuccess);
	CHECK_RC(cudaGraphAddMemcpyNode1D(&bad, g, NULL, 0, b, a, 0, cudaMemcpyDeviceToDevice),
		 cudaErrorInvalidValue);
	CHECK_RC(cudaGraphAddMemcpyNode1D(&bad, g, NULL, 0, b, a, 2 * N, cudaMemcpyDeviceToDevice),
		 cudaErrorInvalidValue);
	memset(&mp, 0, sizeof(mp));
	mp.dst = b;
	mp.value = word;
	mp.elementSize = 4;
	mp.width = N / 8;
	mp.height = 1;
	CHECK_RC(cudaGraphAddMemsetNode(&ms, g, &cp, 1, &mp), cudaSuccess);
	mp.elementSize = 3;
	CHECK_RC(cudaGraphAddMemsetNode(&bad, g, NULL, 0, &mp), cudaErrorInvalidValue);
	CHECK_RC(cudaGraphAddEmptyNode(&empty, g, NULL, 0), cudaSuccess);
	CHECK_RC(cudaGraphAddDependencies(g, &ms, &empty, NULL, 1), cudaSuccess);
	CHECK_RC(cudaGraphAddDependencies(g, &ms, &empty, NULL, 1), cudaErrorInvalidValue);
	CHECK_RC(cudaGraphAddDependencies(g, &cp, &cp, NULL, 1), cudaErrorInvalidValue);
	CHECK_RC(cudaGraphNodeGetType(ms, &t), cudaSuccess);
	CHECK_INT(t, cudaGraphNodeTypeMemset);
	CHECK_UINT(conf_nodes(g), 3);
	CHECK_RC(cudaGraphInstantiate(&x, g, cudaGraphInstantiateFlagUpload), cudaErrorInvalidValue);
	CHECK_RC(cudaGraphInstantiateWithFlags(&x, g, 0x100), cudaErrorInvalidValue);
	REQUIRE_RC(cudaGraphInstantiateWithFlags(&x, g, 0), cudaSuccess);
	CHECK_RC(cudaGraphLaunch(x, s), cudaSuccess);
	CHECK_RC(cudaStreamSynchronize(s), cudaSuccess);
	memcpy(want, src, N);
	for (size_t i = 0; i < N / 2; i += 4)
		memcpy(want + i, &word, 4);
	READ_BACK(got, b, N);
	CHECK_BYTES(got, want, N);
	CHECK_RC(cudaGraphExecDestroy(x), cudaSuccess);
	CHECK_RC(cudaGraphAddDependencies(g, &empty, &cp, NULL, 1), cudaSuccess);
	CHECK_RC(cudaGraphInstantiate(&x, g, 0), cudaErrorInvalidValue);
	CHECK_RC(cudaGraphDestroy(g), cudaSuccess);
	cudaGetLastError();
	CONF_DONE();
}

static const struct CMUnitTest tests[] = {
	CONF_TEST(test_graph_capture_then_launch_twice),
	CONF_TEST(test_graph_capture_zero_and_bad_copies),
	CONF_TEST(test_graph_peer_async_invalidates),
	CONF_TEST(test_graph_batch_refused_capture_goes_on),
	CONF_TEST(test_graph_default_across_devices),
	CONF_TEST(test_graph_fork_join),
	CONF_TEST(test_graph_captured_event),
	CONF_TEST(test_graph_unsafe_calls),
	CONF_TEST(test_graph_legacy_while_blocking_captures),
	CONF_TEST(test_graph_capture_api),
	CONF_TEST(test_graph_explicit_nodes),
};

CONF_MAIN("conf_graph", tests)
