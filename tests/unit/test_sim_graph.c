/*
 * test_sim_graph: the simulator's stream capture and graphs (sim/graph.c). While a stream
 * captures, copies, memsets, records and waits become graph nodes and do not run; a
 * launched graph runs its nodes through the scheduler (a launch not waited for shows as
 * wrong bytes); the capture rules measured on a real CUDA 13.0 runtime hold: peer copies
 * invalidate a capture, cudaMemcpyBatchAsync is refused without invalidating it, unsafe
 * calls are refused by the capture modes, a forked stream must be joined back.
 * Run with two simulated devices (ctest sets FERRY_SIM_DEVICES=2).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_test.h"

#define N 4096

static unsigned char *dev_buf(int dev, int fill)
{
	unsigned char *p = NULL;

	assert_int_equal(cudaSetDevice(dev), cudaSuccess);
	assert_int_equal(cudaMalloc((void **)&p, N), cudaSuccess);
	assert_int_equal(cudaMemset(p, fill, N), cudaSuccess);
	assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
	assert_int_equal(cudaSetDevice(0), cudaSuccess);
	return p;
}

/* Reads device memory back; fails unless all n bytes are v. */
static void expect_fill(const void *d, int v, size_t n)
{
	unsigned char host[N];

	assert_true(n <= N);
	assert_int_equal(cudaMemcpy(host, d, n, cudaMemcpyDefault), cudaSuccess);
	for (size_t i = 0; i < n; i++)
		if (host[i] != (unsigned char)v)
			fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, host[i], v);
}

static size_t node_count(cudaGraph_t g)
{
	size_t n = 999;

	assert_int_equal(cudaGraphGetNodes(g, NULL, &n), cudaSuccess);
	return n;
}

static enum cudaStreamCaptureStatus status_of(cudaStream_t s)
{
	enum cudaStreamCaptureStatus st = (enum cudaStreamCaptureStatus)9;

	assert_int_equal(cudaStreamIsCapturing(s, &st), cudaSuccess);
	return st;
}

static cudaStream_t nb_stream(void)
{
	cudaStream_t s;

	assert_int_equal(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
	return s;
}

/* --- capture records, does not run; launch runs, twice when launched twice ---------------- */

static void test_sim_graph_capture_records_then_launch_runs(void **state)
{
	cudaStream_t s = nb_stream();
	unsigned char *a = dev_buf(0, 0x11), *b = dev_buf(0, 0), *pin;
	cudaGraph_t g;
	cudaGraphExec_t x;
	cudaGraphNode_t nodes[4];
	size_t n = 4;
	enum cudaGraphNodeType t0, t1;

	(void)state;
	assert_int_equal(cudaMallocHost((void **)&pin, N), cudaSuccess);
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(status_of(s), cudaStreamCaptureStatusActive);
	assert_int_equal(cudaMemcpyAsync(b, a, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	assert_int_equal(cudaMemsetAsync(a, 0x22, N / 2, s), cudaSuccess);
	assert_int_equal(cudaMemcpyAsync(pin, b, N, cudaMemcpyDeviceToHost, s), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	assert_int_equal(status_of(s), cudaStreamCaptureStatusNone);
	/* Nothing ran: the capture only recorded. */
	expect_fill(b, 0, N);
	expect_fill(a, 0x11, N);
	assert_int_equal(cudaGraphGetNodes(g, nodes, &n), cudaSuccess);
	assert_int_equal(n, 3);
	assert_int_equal(cudaGraphNodeGetType(nodes[0], &t0), cudaSuccess);
	assert_int_equal(cudaGraphNodeGetType(nodes[1], &t1), cudaSuccess);
	assert_int_equal(t0, cudaGraphNodeTypeMemcpy);
	assert_int_equal(t1, cudaGraphNodeTypeMemset);
	assert_int_equal(cudaGraphInstantiate(&x, g, 0), cudaSuccess);
	assert_int_equal(cudaGraphDestroy(g), cudaSuccess);	/* the exec is a copy */
	assert_int_equal(cudaGraphUpload(x, s), cudaSuccess);
	memset(pin, 0, N);
	assert_int_equal(cudaGraphLaunch(x, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	expect_fill(b, 0x11, N);
	expect_fill(a, 0x22, N / 2);
	expect_fill(a + N / 2, 0x11, N / 2);
	assert_int_equal(pin[0], 0x11);
	/* The second launch copies again: a's first half is 0x22 now. */
	assert_int_equal(cudaGraphLaunch(x, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	expect_fill(b, 0x22, N / 2);
	expect_fill(b + N / 2, 0x11, N / 2);
	assert_int_equal(pin[0], 0x22);
	assert_int_equal(cudaGraphExecDestroy(x), cudaSuccess);
	cudaFreeHost(pin);
	cudaFree(a);
	cudaFree(b);
	cudaStreamDestroy(s);
}

/* A launch is queued work like any other: not waited for, under the lazy schedule, the
 * bytes have not arrived. Run in a child with FERRY_SIM_SCHED=lazy. */
static int child_launch_unsynced(void)
{
	cudaStream_t s;
	unsigned char *d, *pin;
	cudaGraph_t g;
	cudaGraphExec_t x;

	cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
	cudaMalloc((void **)&d, N);
	cudaMallocHost((void **)&pin, N);
	cudaMemset(d, 0x5A, N);
	cudaDeviceSynchronize();
	memset(pin, 0, N);
	cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal);
	cudaMemcpyAsync(pin, d, N, cudaMemcpyDeviceToHost, s);
	cudaStreamEndCapture(s, &g);
	cudaGraphInstantiate(&x, g, 0);
	cudaGraphLaunch(x, s);
	printf("unsynced=%02x\n", pin[N - 1]);
	cudaStreamSynchronize(s);
	printf("synced=%02x\n", pin[N - 1]);
	return 0;
}

static void test_sim_graph_launch_not_waited_for_shows(void **state)
{
	const char *env[] = { "FERRY_SIM_SCHED=lazy", "FERRY_SIM_DEVICES=1", NULL };
	struct child_result r;

	(void)state;
	run_child("launch_unsynced", env, &r);
	assert_true(exited_with(&r, 0));
	assert_non_null(strstr(r.out, "unsynced=00\nsynced=5a"));
}

/* --- what cannot be captured ----------------------------------------------------------------- */

static void test_sim_graph_peer_async_invalidates(void **state)
{
	cudaStream_t s = nb_stream();
	unsigned char *a = dev_buf(0, 0x33), *b = dev_buf(1, 0);
	struct cudaMemcpy3DPeerParms p;
	cudaGraph_t g = (cudaGraph_t)0x1;

	(void)state;
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaMemcpyPeerAsync(b, 1, a, 0, N, s), cudaErrorStreamCaptureUnsupported);
	assert_int_equal(status_of(s), cudaStreamCaptureStatusInvalidated);
	/* Later work on the stream is refused too. */
	assert_int_equal(cudaMemcpyAsync(b, a, N, cudaMemcpyDefault, s),
			 cudaErrorStreamCaptureInvalidated);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	assert_null(g);
	assert_int_equal(status_of(s), cudaStreamCaptureStatusNone);
	expect_fill(b, 0, N);

	memset(&p, 0, sizeof(p));
	p.srcPtr = (struct cudaPitchedPtr){ a, N, N, 1 };
	p.dstPtr = (struct cudaPitchedPtr){ b, N, N, 1 };
	p.srcDevice = 0;
	p.dstDevice = 1;
	p.extent = (struct cudaExtent){ N, 1, 1 };
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaMemcpy3DPeerAsync(&p, s), cudaErrorStreamCaptureUnsupported);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	expect_fill(b, 0, N);
	/* Outside a capture the same calls copy. */
	assert_int_equal(cudaMemcpy3DPeerAsync(&p, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	expect_fill(b, 0x33, N);
	cudaFree(a);
	cudaFree(b);
	cudaStreamDestroy(s);
}

static void test_sim_graph_batch_refused_capture_survives(void **state)
{
	cudaStream_t s = nb_stream();
	unsigned char *a = dev_buf(0, 0x44), *b = dev_buf(1, 0);
	void *dsts[1] = { b };
	const void *srcs[1] = { a };
	size_t sizes[1] = { N }, idx = 0;
	struct cudaMemcpyAttributes at;
	cudaGraph_t g = NULL;

	(void)state;
	memset(&at, 0, sizeof(at));
	at.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaMemcpyBatchAsync(dsts, srcs, sizes, 1, &at, &idx, 1, s),
			 cudaErrorStreamCaptureUnsupported);
	assert_int_equal(status_of(s), cudaStreamCaptureStatusActive);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	assert_non_null(g);
	assert_int_equal(node_count(g), 0);	/* the copy is silently missing */
	cudaGraphDestroy(g);
	expect_fill(b, 0, N);
	/* Outside a capture: the legacy stream is refused, a user stream copies. */
	assert_int_equal(cudaMemcpyBatchAsync(dsts, srcs, sizes, 1, &at, &idx, 1, 0),
			 cudaErrorInvalidValue);
	at.srcAccessOrder = 0;
	assert_int_equal(cudaMemcpyBatchAsync(dsts, srcs, sizes, 1, &at, &idx, 1, s),
			 cudaErrorInvalidValue);
	at.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	assert_int_equal(cudaMemcpyBatchAsync(dsts, srcs, sizes, 1, &at, &idx, 1, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	expect_fill(b, 0x44, N);
	cudaFree(a);
	cudaFree(b);
	cudaStreamDestroy(s);
}

static void test_sim_graph_default_across_devices_is_one_node(void **state)
{
	cudaStream_t s = nb_stream();
	unsigned char *a = dev_buf(0, 0x55), *b = dev_buf(1, 0), *c = dev_buf(1, 0);
	struct cudaMemcpy3DParms p;
	cudaGraph_t g;
	cudaGraphExec_t x;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.srcPtr = (struct cudaPitchedPtr){ a, 64, 64, N / 64 };
	p.dstPtr = (struct cudaPitchedPtr){ c, 64, 64, N / 64 };
	p.extent = (struct cudaExtent){ 64, N / 64, 1 };
	p.kind = cudaMemcpyDefault;
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaMemcpyAsync(b, a, N, cudaMemcpyDefault, s), cudaSuccess);
	assert_int_equal(cudaMemcpy3DAsync(&p, s), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	assert_int_equal(node_count(g), 2);
	assert_int_equal(cudaGraphInstantiate(&x, g, 0), cudaSuccess);
	assert_int_equal(cudaGraphLaunch(x, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	expect_fill(b, 0x55, N);
	expect_fill(c, 0x55, N);
	cudaGraphExecDestroy(x);
	cudaGraphDestroy(g);
	cudaFree(a);
	cudaFree(b);
	cudaFree(c);
	cudaStreamDestroy(s);
}

/* --- streams and events in a capture ---------------------------------------------------------- */

static void test_sim_graph_fork_join(void **state)
{
	cudaStream_t s = nb_stream(), s2 = nb_stream();
	unsigned char *a = dev_buf(0, 0x66), *b = dev_buf(0, 0), *c = dev_buf(0, 0);
	cudaEvent_t e, e2;
	cudaGraph_t g = (cudaGraph_t)0x1;
	cudaGraphExec_t x;

	(void)state;
	assert_int_equal(cudaEventCreate(&e), cudaSuccess);
	assert_int_equal(cudaEventCreate(&e2), cudaSuccess);
	/* Not joined back: cudaErrorStreamCaptureUnjoined, and s2 leaves the capture. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaMemcpyAsync(b, a, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	assert_int_equal(cudaEventRecord(e, s), cudaSuccess);
	assert_int_equal(status_of(s2), cudaStreamCaptureStatusNone);
	assert_int_equal(cudaStreamWaitEvent(s2, e, 0), cudaSuccess);
	assert_int_equal(status_of(s2), cudaStreamCaptureStatusActive);
	assert_int_equal(cudaMemsetAsync(c, 0x77, N, s2), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureUnjoined);
	assert_null(g);
	assert_int_equal(status_of(s2), cudaStreamCaptureStatusNone);
	expect_fill(c, 0, N);
	/* Ending the joined stream instead of the origin invalidates the capture. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaEventRecord(e, s), cudaSuccess);
	assert_int_equal(cudaStreamWaitEvent(s2, e, 0), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s2, &g), cudaErrorStreamCaptureUnmatched);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	/* Joined: the memset on s2 runs after the copy, the last copy after both. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaMemcpyAsync(b, a, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	assert_int_equal(cudaEventRecord(e, s), cudaSuccess);
	assert_int_equal(cudaStreamWaitEvent(s2, e, 0), cudaSuccess);
	assert_int_equal(cudaMemsetAsync(b, 0x77, N / 2, s2), cudaSuccess);
	assert_int_equal(cudaEventRecord(e2, s2), cudaSuccess);
	assert_int_equal(cudaStreamWaitEvent(s, e2, 0), cudaSuccess);
	assert_int_equal(cudaMemcpyAsync(c, b, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	assert_int_equal(node_count(g), 3);
	assert_int_equal(cudaGraphInstantiate(&x, g, 0), cudaSuccess);
	assert_int_equal(cudaGraphLaunch(x, s2), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s2), cudaSuccess);
	expect_fill(c, 0x77, N / 2);
	expect_fill(c + N / 2, 0x66, N / 2);
	cudaGraphExecDestroy(x);
	cudaGraphDestroy(g);
	cudaEventDestroy(e);
	cudaEventDestroy(e2);
	cudaFree(a);
	cudaFree(b);
	cudaFree(c);
	cudaStreamDestroy(s);
	cudaStreamDestroy(s2);
}

static void test_sim_graph_captured_event(void **state)
{
	cudaStream_t s = nb_stream(), s2 = nb_stream();
	cudaEvent_t e, outside;
	cudaGraph_t g;

	(void)state;
	assert_int_equal(cudaEventCreate(&e), cudaSuccess);
	assert_int_equal(cudaEventCreate(&outside), cudaSuccess);
	assert_int_equal(cudaEventRecord(outside, s2), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s2), cudaSuccess);
	/* Querying an event recorded in the capture: cudaErrorCapturedEvent, invalidated. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaEventRecord(e, s), cudaSuccess);
	assert_int_equal(cudaEventQuery(e), cudaErrorCapturedEvent);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	/* After the capture: cudaErrorInvalidValue until recorded outside one again. */
	assert_int_equal(cudaEventQuery(e), cudaErrorInvalidValue);
	assert_int_equal(cudaEventSynchronize(e), cudaErrorInvalidValue);
	assert_int_equal(cudaStreamWaitEvent(s2, e, 0), cudaErrorInvalidValue);
	assert_int_equal(cudaEventRecord(e, s2), cudaSuccess);
	assert_int_equal(cudaEventSynchronize(e), cudaSuccess);
	/* Waiting in a capture for an event recorded outside it: isolation, invalidated. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaStreamWaitEvent(s, outside, 0), cudaErrorStreamCaptureIsolation);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	/* External record and wait are nodes. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaEventRecordWithFlags(e, s, cudaEventRecordExternal), cudaSuccess);
	assert_int_equal(cudaStreamWaitEvent(s, outside, cudaEventWaitExternal), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	assert_int_equal(node_count(g), 2);
	cudaGraphDestroy(g);
	cudaEventDestroy(e);
	cudaEventDestroy(outside);
	cudaStreamDestroy(s);
	cudaStreamDestroy(s2);
}

/* --- synchronous and unsafe calls, capture modes ----------------------------------------------- */

struct other_call {
	enum cudaStreamCaptureMode mode;
	cudaError_t rc;
};

static void *other_malloc(void *arg)
{
	struct other_call *o = arg;
	enum cudaStreamCaptureMode m = o->mode;
	void *p = NULL;

	cudaThreadExchangeStreamCaptureMode(&m);
	o->rc = cudaMalloc(&p, 64);
	if (o->rc == cudaSuccess)
		cudaFree(p);
	return NULL;
}

static cudaError_t malloc_elsewhere(enum cudaStreamCaptureMode mode)
{
	struct other_call o = { mode, cudaErrorUnknown };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, other_malloc, &o), 0);
	pthread_join(t, NULL);
	return o.rc;
}

static void test_sim_graph_unsafe_calls_and_modes(void **state)
{
	cudaStream_t s = nb_stream(), s2 = nb_stream();
	unsigned char *a = dev_buf(0, 0x12), *b = dev_buf(0, 0);
	enum cudaStreamCaptureMode m;
	cudaGraph_t g;
	void *p = NULL;

	(void)state;
	/* Synchronizing the capturing stream, any other stream, or the device: 900, 901. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaErrorStreamCaptureUnsupported);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaStreamQuery(s2), cudaErrorStreamCaptureUnsupported);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed), cudaSuccess);
	assert_int_equal(cudaDeviceSynchronize(), cudaErrorStreamCaptureUnsupported);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	/* cudaMalloc: refused in global and thread-local mode, allowed in relaxed mode. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaMalloc(&p, 64), cudaErrorStreamCaptureUnsupported);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), cudaSuccess);
	assert_int_equal(cudaMalloc(&p, 64), cudaErrorStreamCaptureUnsupported);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed), cudaSuccess);
	assert_int_equal(cudaMalloc(&p, 64), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	cudaGraphDestroy(g);
	cudaFree(p);
	/* The thread's own mode: relaxed lets it allocate during its global capture. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	m = cudaStreamCaptureModeRelaxed;
	assert_int_equal(cudaThreadExchangeStreamCaptureMode(&m), cudaSuccess);
	assert_int_equal(m, cudaStreamCaptureModeGlobal);
	assert_int_equal(cudaMalloc(&p, 64), cudaSuccess);
	assert_int_equal(cudaFree(p), cudaSuccess);
	assert_int_equal(cudaThreadExchangeStreamCaptureMode(&m), cudaSuccess);
	assert_int_equal(m, cudaStreamCaptureModeRelaxed);
	/* Another thread: in global mode refused (and this capture invalidated), in
	 * thread-local or relaxed mode allowed. */
	assert_int_equal(malloc_elsewhere(cudaStreamCaptureModeThreadLocal), cudaSuccess);
	assert_int_equal(malloc_elsewhere(cudaStreamCaptureModeRelaxed), cudaSuccess);
	assert_int_equal(status_of(s), cudaStreamCaptureStatusActive);
	assert_int_equal(malloc_elsewhere(cudaStreamCaptureModeGlobal),
			 cudaErrorStreamCaptureUnsupported);
	assert_int_equal(status_of(s), cudaStreamCaptureStatusInvalidated);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
	/* A thread-local capture does not bind other threads. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), cudaSuccess);
	assert_int_equal(malloc_elsewhere(cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	cudaGraphDestroy(g);
	/* A synchronous copy on the legacy stream is not captured and is no error while a
	 * non-blocking stream captures: it copies at once. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaMemcpy(b, a, N, cudaMemcpyDeviceToDevice), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaSuccess);
	assert_int_equal(node_count(g), 0);
	cudaGraphDestroy(g);
	expect_fill(b, 0x12, N);
	cudaFree(a);
	cudaFree(b);
	cudaStreamDestroy(s);
	cudaStreamDestroy(s2);
}

static void test_sim_graph_legacy_while_blocking_captures(void **state)
{
	cudaStream_t b;
	unsigned char *x = dev_buf(0, 0x21), *y = dev_buf(0, 0);
	enum cudaStreamCaptureStatus st = (enum cudaStreamCaptureStatus)9;
	cudaGraph_t g;

	(void)state;
	assert_int_equal(cudaStreamCreate(&b), cudaSuccess);
	assert_int_equal(cudaStreamBeginCapture(0, cudaStreamCaptureModeGlobal),
			 cudaErrorStreamCaptureUnsupported);
	assert_int_equal(cudaStreamBeginCapture(b, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaStreamIsCapturing(0, &st), cudaErrorStreamCaptureImplicit);
	assert_int_equal(st, 9);
	assert_int_equal(cudaMemcpy(y, x, N, cudaMemcpyDeviceToDevice),
			 cudaErrorStreamCaptureImplicit);
	assert_int_equal(cudaStreamEndCapture(b, &g), cudaErrorStreamCaptureInvalidated);
	expect_fill(y, 0, N);
	/* The per-thread stream is not the legacy stream: its work runs. */
	assert_int_equal(cudaStreamBeginCapture(b, cudaStreamCaptureModeRelaxed), cudaSuccess);
	assert_int_equal(cudaMemcpyAsync(y, x, N, cudaMemcpyDeviceToDevice, cudaStreamPerThread),
			 cudaSuccess);
	assert_int_equal(cudaMemsetAsync(y, 0, N, 0), cudaErrorStreamCaptureImplicit);
	assert_int_equal(cudaStreamEndCapture(b, &g), cudaErrorStreamCaptureInvalidated);
	assert_int_equal(cudaStreamSynchronize(cudaStreamPerThread), cudaSuccess);
	expect_fill(y, 0x21, N);
	cudaFree(x);
	cudaFree(y);
	cudaStreamDestroy(b);
}

/* --- the capture API's answers ---------------------------------------------------------------- */

static void test_sim_graph_capture_api(void **state)
{
	cudaStream_t s = nb_stream();
	unsigned char *a = dev_buf(0, 1), *b = dev_buf(0, 0);
	enum cudaStreamCaptureStatus st;
	unsigned long long id = 77, id2 = 0;
	cudaGraph_t g = NULL, g2 = NULL, user;
	const cudaGraphNode_t *deps = NULL;
	const cudaGraphEdgeData *edges = NULL;
	size_t nd = 99;
	cudaGraphNode_t first;

	(void)state;
	assert_int_equal(cudaStreamEndCapture(s, &g), cudaErrorIllegalState);
	assert_int_equal(cudaStreamGetCaptureInfo(s, &st, &id, NULL, NULL, NULL, NULL), cudaSuccess);
	assert_int_equal(st, cudaStreamCaptureStatusNone);
	assert_int_equal(id, 77);
	assert_int_equal(cudaStreamBeginCapture(s, (enum cudaStreamCaptureMode)7),
			 cudaErrorInvalidValue);
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal),
			 cudaErrorIllegalState);
	assert_int_equal(cudaStreamGetCaptureInfo(s, &st, &id, &g, &deps, &edges, &nd), cudaSuccess);
	assert_int_equal(st, cudaStreamCaptureStatusActive);
	assert_non_null(g);
	assert_non_null(deps);
	assert_int_equal(nd, 0);
	assert_int_equal(cudaMemcpyAsync(b, a, N, cudaMemcpyDeviceToDevice, s), cudaSuccess);
	assert_int_equal(cudaStreamGetCaptureInfo(s, &st, &id2, NULL, &deps, &edges, &nd),
			 cudaSuccess);
	assert_int_equal(id2, id);
	assert_int_equal(nd, 1);
	assert_non_null(edges);
	assert_int_equal(edges[0].type, cudaGraphDependencyTypeDefault);
	assert_non_null(deps[0]);
	assert_int_equal(cudaStreamEndCapture(s, &g2), cudaSuccess);
	assert_ptr_equal(g2, g);
	/* Capturing into the caller's graph, after a node of it. */
	assert_int_equal(cudaGraphCreate(&user, 0), cudaSuccess);
	assert_int_equal(cudaGraphAddEmptyNode(&first, user, NULL, 0), cudaSuccess);
	assert_int_equal(cudaStreamBeginCaptureToGraph(s, user, &first, NULL, 1,
						       cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaMemsetAsync(b, 9, N, s), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, &g2), cudaSuccess);
	assert_ptr_equal(g2, user);
	assert_int_equal(node_count(user), 2);
	/* A NULL pGraph ends the capture too. */
	assert_int_equal(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), cudaSuccess);
	assert_int_equal(cudaStreamEndCapture(s, NULL), cudaSuccess);
	assert_int_equal(status_of(s), cudaStreamCaptureStatusNone);
	cudaGraphDestroy(g);
	cudaGraphDestroy(user);
	cudaFree(a);
	cudaFree(b);
	cudaStreamDestroy(s);
}

/* --- explicit graphs ------------------------------------------------------------------------ */

static void test_sim_graph_explicit_nodes(void **state)
{
	cudaStream_t s = nb_stream();
	unsigned char *a = dev_buf(0, 0x31), *b = dev_buf(0, 0);
	uint32_t words[N / 4];
	cudaGraph_t g;
	cudaGraphExec_t x;
	cudaGraphNode_t cp, ms, empty, bad;
	struct cudaMemsetParams mp;
	enum cudaGraphNodeType t;

	(void)state;
	assert_int_equal(cudaGraphCreate(&g, 1), cudaErrorInvalidValue);
	assert_int_equal(cudaGraphCreate(&g, 0), cudaSuccess);
	assert_int_equal(cudaGraphAddMemcpyNode1D(&cp, g, NULL, 0, b, a, N, cudaMemcpyDeviceToDevice),
			 cudaSuccess);
	assert_int_equal(cudaGraphAddMemcpyNode1D(&bad, g, NULL, 0, b, a, 0, cudaMemcpyDeviceToDevice),
			 cudaErrorInvalidValue);
	assert_int_equal(cudaGraphAddMemcpyNode1D(&bad, g, NULL, 0, b, a, 2 * N,
						  cudaMemcpyDeviceToDevice), cudaErrorInvalidValue);
	memset(&mp, 0, sizeof(mp));
	mp.dst = b;
	mp.value = 0x01020304;
	mp.elementSize = 4;
	mp.width = N / 8;	/* elements: the first half */
	mp.height = 1;
	assert_int_equal(cudaGraphAddMemsetNode(&ms, g, &cp, 1, &mp), cudaSuccess);
	mp.elementSize = 3;
	assert_int_equal(cudaGraphAddMemsetNode(&bad, g, NULL, 0, &mp), cudaErrorInvalidValue);
	assert_int_equal(cudaGraphAddEmptyNode(&empty, g, NULL, 0), cudaSuccess);
	assert_int_equal(cudaGraphAddDependencies(g, &ms, &empty, NULL, 1), cudaSuccess);
	assert_int_equal(cudaGraphAddDependencies(g, &ms, &empty, NULL, 1), cudaErrorInvalidValue);
	assert_int_equal(cudaGraphAddDependencies(g, &cp, &cp, NULL, 1), cudaErrorInvalidValue);
	assert_int_equal(cudaGraphNodeGetType(ms, &t), cudaSuccess);
	assert_int_equal(t, cudaGraphNodeTypeMemset);
	assert_int_equal(cudaGraphNodeGetType(empty, &t), cudaSuccess);
	assert_int_equal(t, cudaGraphNodeTypeEmpty);
	assert_int_equal(node_count(g), 3);
	assert_int_equal(cudaGraphInstantiate(&x, g, cudaGraphInstantiateFlagUpload),
			 cudaErrorInvalidValue);
	assert_int_equal(cudaGraphInstantiateWithFlags(&x, g, 0x100), cudaErrorInvalidValue);
	assert_int_equal(cudaGraphInstantiateWithFlags(&x, g, 0), cudaSuccess);
	assert_int_equal(cudaGraphLaunch(x, s), cudaSuccess);
	assert_int_equal(cudaStreamSynchronize(s), cudaSuccess);
	assert_int_equal(cudaMemcpy(words, b, N, cudaMemcpyDeviceToHost), cudaSuccess);
	for (size_t i = 0; i < N / 8; i++)
		assert_int_equal(words[i], 0x01020304);
	expect_fill(b + N / 2, 0x31, N / 2);	/* the memset ran after the copy */
	assert_int_equal(cudaGraphExecDestroy(x), cudaSuccess);
	/* A cycle is accepted by cudaGraphAddDependencies, refused by instantiation. */
	assert_int_equal(cudaGraphAddDependencies(g, &empty, &cp, NULL, 1), cudaSuccess);
	assert_int_equal(cudaGraphInstantiate(&x, g, 0), cudaErrorInvalidValue);
	assert_int_equal(cudaGraphDestroy(g), cudaSuccess);
	cudaFree(a);
	cudaFree(b);
	cudaStreamDestroy(s);
}

static int child(const char *mode)
{
	if (strcmp(mode, "launch_unsynced") == 0)
		return child_launch_unsynced();
	return 3;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_graph_capture_records_then_launch_runs),
		cmocka_unit_test(test_sim_graph_launch_not_waited_for_shows),
		cmocka_unit_test(test_sim_graph_peer_async_invalidates),
		cmocka_unit_test(test_sim_graph_batch_refused_capture_survives),
		cmocka_unit_test(test_sim_graph_default_across_devices_is_one_node),
		cmocka_unit_test(test_sim_graph_fork_join),
		cmocka_unit_test(test_sim_graph_captured_event),
		cmocka_unit_test(test_sim_graph_unsafe_calls_and_modes),
		cmocka_unit_test(test_sim_graph_legacy_while_blocking_captures),
		cmocka_unit_test(test_sim_graph_capture_api),
		cmocka_unit_test(test_sim_graph_explicit_nodes),
	};

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
