/*
 * stream.c: streams, the operations queued on them, and the seeded scheduler that runs them.
 *
 * Every asynchronous call becomes an operation (struct sim_op) at the tail of a stream; it
 * has not happened when the call returns. An operation may run once it is at the head of its
 * stream and its dependencies are done. Dependencies are (stream, sequence number) pairs,
 * taken when the operation is queued:
 *   - on the legacy default stream: the last operation of every blocking stream of the
 *     device (user streams without cudaStreamNonBlocking, per-thread default streams);
 *   - on a blocking stream: the last operation of the device's legacy stream;
 *   - cudaStreamWaitEvent: the operation that recorded the event;
 *   - a device barrier (left by cudaMemcpyPeer): the peer copy.
 * So the queued operations form a graph that is acyclic and complete when queued: a wait
 * can always be met by running ancestors (sim_wait_dep) or by waiting for a host function.
 *
 * When operations run is chosen by the scheduler, at every exported call (a scheduling
 * point, sim_sched_tick) and in waits:
 *   random (default)  a random number of ready operations (two on average), chosen among
 *                     the ready streams by a generator seeded with FERRY_SIM_SEED;
 *   eager             every ready operation, also right after queueing (a very fast GPU);
 *   lazy              nothing until a wait needs it (a very slow GPU).
 * A single-threaded program therefore sees the same interleaving for the same seed. If the
 * program makes no call for FERRY_SIM_PROGRESS_MS while work is ready, a progress thread
 * runs it, as a GPU would (a program polling host memory without calls still advances).
 *
 * Host functions (cudaLaunchHostFunc, cudaStreamAddCallback) run on a thread of their
 * device, without the lock, as the real runtime runs them on a thread of its own: a host
 * function may block until the program releases it. CUDA calls made from a host function
 * answer cudaErrorNotPermitted.
 */
#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sim_state sim = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.hostfn_cond = PTHREAD_COND_INITIALIZER,
};

uint64_t sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, and every seed gives a good sequence. */
uint64_t sim_rand(void)
{
	uint64_t z = (sim.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* --- the bytes ---------------------------------------------------------------------------- */

void sim_xfer_run(const struct sim_xfer *x)
{
	size_t plane = x->width * x->height;

	if (x->dpitch == x->width && x->spitch == x->width &&
	    (x->depth == 1 || (x->dslice == plane && x->sslice == plane))) {
		memmove(x->dst, x->src, plane * x->depth);
		return;
	}
	for (size_t z = 0; z < x->depth; z++)
		for (size_t y = 0; y < x->height; y++)
			memmove(x->dst + z * x->dslice + y * x->dpitch,
				x->src + z * x->sslice + y * x->spitch, x->width);
}

/* Fills with bytes, or (elem 2 or 4: graph memset nodes) with elements of value32. */
static void sim_memset_run(const struct sim_xfer *x, unsigned char v, unsigned elem,
			   uint32_t value32)
{
	for (size_t z = 0; z < x->depth; z++) {
		for (size_t y = 0; y < x->height; y++) {
			char *row = x->dst + z * x->dslice + y * x->dpitch;

			if (elem != 2 && elem != 4) {
				memset(row, v, x->width);
				continue;
			}
			for (size_t i = 0; i + elem <= x->width; i += elem) {
				if (elem == 2) {
					uint16_t h = (uint16_t)value32;

					memcpy(row + i, &h, 2);
				} else {
					memcpy(row + i, &value32, 4);
				}
			}
		}
	}
}

/* --- streams ------------------------------------------------------------------------------ */

bool sim_stream_blocking(const struct sim_stream *s)
{
	return s->type == SIM_STREAM_PER_THREAD ||
	       (s->type == SIM_STREAM_USER && !(s->flags & cudaStreamNonBlocking));
}

static struct sim_stream *sim_stream_new(int dev, enum sim_stream_type type, unsigned flags,
				  int priority)
{
	struct sim_stream *s = calloc(1, sizeof(*s));
	struct sim_device *d = &sim.dev[dev];

	if (!s)
		return NULL;
	s->magic = SIM_STREAM_MAGIC;
	s->type = type;
	s->device = dev;
	s->flags = flags;
	s->priority = priority;
	s->id = ++sim.next_stream_id;
	s->dev_next = d->streams;
	if (d->streams)
		d->streams->dev_prev = s;
	d->streams = s;
	return s;
}

static void stream_maybe_free(struct sim_stream *s)
{
	struct sim_device *d;

	if (!s->destroyed || s->head || s->busy || s->refs)
		return;
	d = &sim.dev[s->device];
	free(s->cdeps);
	free(s->cedges);
	if (s->dev_prev)
		s->dev_prev->dev_next = s->dev_next;
	else
		d->streams = s->dev_next;
	if (s->dev_next)
		s->dev_next->dev_prev = s->dev_prev;
	s->magic = 0;
	free(s);
}

void sim_dep_ref(struct sim_stream *s)
{
	s->refs++;
}

void sim_dep_unref(struct sim_stream *s)
{
	s->refs--;
	stream_maybe_free(s);
}

/* The user is done with s (destroyed, or its thread exited): freed once drained. */
static void sim_stream_release(struct sim_stream *s)
{
	sim_capture_stream_gone(s);
	s->destroyed = true;
	stream_maybe_free(s);
}

struct sim_stream *sim_stream_legacy(int dev)
{
	struct sim_device *d = &sim.dev[dev];

	if (!d->legacy)
		d->legacy = sim_stream_new(dev, SIM_STREAM_LEGACY, 0, 0);
	return d->legacy;
}

static struct sim_stream *per_thread_stream(int dev)
{
	struct sim_thread *t = sim_self();

	if (!t->ptds[dev])
		t->ptds[dev] = sim_stream_new(dev, SIM_STREAM_PER_THREAD, 0, 0);
	return t->ptds[dev];
}

struct sim_stream *sim_default_stream(int dev)
{
	if (sim_self()->per_thread_default)
		return per_thread_stream(dev);
	return sim_stream_legacy(dev);
}

struct sim_stream *sim_stream_resolve(cudaStream_t h, cudaError_t *err)
{
	int dev = sim_current_device();
	struct sim_stream *s;

	if (h == 0)
		s = sim_default_stream(dev);
	else if (h == cudaStreamLegacy)
		s = sim_stream_legacy(dev);
	else if (h == cudaStreamPerThread)
		s = per_thread_stream(dev);
	else if (sim_handle_live(h) && ((struct sim_stream *)h)->magic == SIM_STREAM_MAGIC)
		return (struct sim_stream *)h;
	else {
		*err = cudaErrorInvalidResourceHandle;
		return NULL;
	}
	if (!s)
		*err = cudaErrorMemoryAllocation;
	return s;
}

void sim_thread_exit_streams(struct sim_thread *t)
{
	for (int d = 0; d < SIM_MAX_DEVICES; d++) {
		if (t->ptds[d]) {
			sim_stream_release(t->ptds[d]);
			t->ptds[d] = NULL;
		}
	}
}

cudaError_t sim_stream_take_error(struct sim_stream *s)
{
	cudaError_t e = s->pending_err;

	s->pending_err = cudaSuccess;
	return e;
}

/* --- operations --------------------------------------------------------------------------- */

struct sim_op *sim_op_new(enum sim_op_kind kind)
{
	struct sim_op *op = calloc(1, sizeof(*op));

	if (op)
		op->kind = kind;
	return op;
}

bool sim_dep_done(const struct sim_dep *d)
{
	return d->s->done_seq >= d->seq;
}

static struct sim_dep *op_dep(struct sim_op *op, unsigned i)
{
	return i < 4 ? &op->deps[i] : &op->extra[i - 4];
}

void sim_op_add_dep(struct sim_op *op, struct sim_stream *s, uint64_t seq)
{
	struct sim_dep *d;

	if (s->done_seq >= seq)
		return;
	if (op->ndeps >= 4) {
		unsigned n = op->ndeps - 4;

		if (n == op->nextra) {
			unsigned cap = op->nextra ? op->nextra * 2 : 8;
			struct sim_dep *e = realloc(op->extra, cap * sizeof(*e));

			if (!e) {
				/* Out of memory: keep the order safe by waiting now. */
				sim_wait_dep(s, seq);
				return;
			}
			op->extra = e;
			op->nextra = cap;
		}
	}
	d = op_dep(op, op->ndeps++);
	d->s = s;
	d->seq = seq;
	d->implicit = false;
	sim_dep_ref(s);
}

static void op_free(struct sim_op *op)
{
	for (unsigned i = 0; i < op->ndeps; i++)
		sim_dep_unref(op_dep(op, i)->s);
	if (op->kind == SIM_OP_COPY)
		free(op->u.copy.owned);
	free(op->extra);
	free(op);
}

static void activate(struct sim_stream *s)
{
	if (s->active)
		return;
	s->active = true;
	s->act_prev = NULL;
	s->act_next = sim.active;
	if (sim.active)
		sim.active->act_prev = s;
	sim.active = s;
}

static void deactivate(struct sim_stream *s)
{
	if (!s->active)
		return;
	s->active = false;
	if (s->act_prev)
		s->act_prev->act_next = s->act_next;
	else
		sim.active = s->act_next;
	if (s->act_next)
		s->act_next->act_prev = s->act_prev;
}

static void start_progress_thread(void);
static void run_all_ready(void);

uint64_t sim_enqueue(struct sim_stream *s, struct sim_op *op)
{
	struct sim_device *d = &sim.dev[s->device];
	uint64_t seq;

	if (s->type == SIM_STREAM_LEGACY) {
		for (struct sim_stream *t = d->streams; t; t = t->dev_next)
			if (t != s && sim_stream_blocking(t) && t->enq_seq > t->done_seq)
				sim_op_add_dep(op, t, t->enq_seq);
	} else if (sim_stream_blocking(s) && d->legacy && d->legacy->enq_seq > d->legacy->done_seq) {
		sim_op_add_dep(op, d->legacy, d->legacy->enq_seq);
		op_dep(op, op->ndeps - 1)->implicit = true;
	}
	if (d->has_barrier) {
		if (sim_dep_done(&d->barrier)) {
			d->has_barrier = false;
			sim_dep_unref(d->barrier.s);
		} else if (d->barrier.s != s) {
			sim_op_add_dep(op, d->barrier.s, d->barrier.seq);
		}
	}
	if (s->inject_err != cudaSuccess) {
		op->fail = s->inject_err;
		op->fail_sticky = s->inject_sticky;
		s->inject_err = cudaSuccess;
	}
	op->stream = s;
	op->seq = seq = ++s->enq_seq;
	if (s->tail)
		s->tail->next = op;
	else
		s->head = op;
	s->tail = op;
	activate(s);
	start_progress_thread();
	if (sim_cfg.sched == SIM_SCHED_EAGER)
		run_all_ready();	/* may run and free op */
	return seq;
}

/* --- running operations ------------------------------------------------------------------- */

static bool op_ready(struct sim_op *op)
{
	for (unsigned i = 0; i < op->ndeps; i++)
		if (!sim_dep_done(op_dep(op, i)))
			return false;
	return true;
}

static bool stream_ready(const struct sim_stream *s)
{
	return s->head && !s->busy && op_ready(s->head);
}

/* The head of s is done: pop it, release what it held. s may be freed. */
static void op_complete(struct sim_stream *s)
{
	struct sim_op *op = s->head;

	s->head = op->next;
	if (!s->head) {
		s->tail = NULL;
		deactivate(s);
	}
	s->done_seq = op->seq;
	op_free(op);
	if (sim.waiters)
		pthread_cond_broadcast(&sim.cond);
	stream_maybe_free(s);
}

static void *hostfn_main(void *arg);

static void hostfn_dispatch(struct sim_stream *s, struct sim_op *op)
{
	struct sim_device *d = &sim.dev[s->device];

	s->busy = true;
	op->hostfn_next = NULL;
	if (d->hostfn_tail)
		d->hostfn_tail->hostfn_next = op;
	else
		d->hostfn_queue = op;
	d->hostfn_tail = op;
	if (!d->hostfn_started) {
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&d->hostfn_thread, &attr, hostfn_main, d) == 0)
			d->hostfn_started = true;
		pthread_attr_destroy(&attr);
		if (!d->hostfn_started) {
			/* No thread: run it here, without the lock, as a last resort. */
			d->hostfn_queue = d->hostfn_tail = NULL;
			pthread_mutex_unlock(&sim.lock);
			sim_self()->in_host_fn = true;
			if (op->u.host.cb)
				op->u.host.cb(op->u.host.handle, cudaSuccess, op->u.host.data);
			else
				op->u.host.fn(op->u.host.data);
			sim_self()->in_host_fn = false;
			pthread_mutex_lock(&sim.lock);
			s->busy = false;
			op_complete(s);
			return;
		}
	}
	pthread_cond_broadcast(&sim.hostfn_cond);
}

/* Runs the head of s, which is ready. s may be freed when this returns. */
static void run_head(struct sim_stream *s)
{
	struct sim_op *op = s->head;

	if (op->fail != cudaSuccess) {
		if (op->fail_sticky)
			sim.lost = op->fail;
		else
			s->pending_err = op->fail;
		if (op->kind == SIM_OP_RECORD)	/* the event must still let go of it */
			sim_event_record_ran(op->u.record.ev, op->u.record.gen);
		op_complete(s);
		return;
	}
	switch (op->kind) {
	case SIM_OP_COPY:
		sim_xfer_run(&op->u.copy.x);
		break;
	case SIM_OP_MEMSET:
		sim_memset_run(&op->u.memset.x, op->u.memset.value, op->u.memset.elem,
			       op->u.memset.value32);
		break;
	case SIM_OP_RECORD:
		sim_event_record_ran(op->u.record.ev, op->u.record.gen);
		break;
	case SIM_OP_FREE:
		sim_device_free(op->u.free.ptr);
		break;
	case SIM_OP_WAIT:
		break;
	case SIM_OP_HOST_FN:
		hostfn_dispatch(s, op);
		return;
	}
	op_complete(s);
}

static void *hostfn_main(void *arg)
{
	struct sim_device *d = arg;

	sim_self()->in_host_fn = true;
	pthread_mutex_lock(&sim.lock);
	for (;;) {
		struct sim_op *op;
		struct sim_stream *s;

		while (!d->hostfn_queue)
			pthread_cond_wait(&sim.hostfn_cond, &sim.lock);
		op = d->hostfn_queue;
		d->hostfn_queue = op->hostfn_next;
		if (!d->hostfn_queue)
			d->hostfn_tail = NULL;
		s = op->stream;
		d->hostfn_running = true;
		pthread_mutex_unlock(&sim.lock);
		if (op->u.host.cb)
			op->u.host.cb(op->u.host.handle, cudaSuccess, op->u.host.data);
		else
			op->u.host.fn(op->u.host.data);
		pthread_mutex_lock(&sim.lock);
		d->hostfn_running = false;
		s->busy = false;
		op_complete(s);
	}
	return NULL;
}

static size_t count_ready(void)
{
	size_t n = 0;

	for (struct sim_stream *s = sim.active; s; s = s->act_next)
		n += stream_ready(s);
	return n;
}

static bool run_one_random(void)
{
	size_t n = count_ready(), pick;

	if (n == 0)
		return false;
	pick = (size_t)(sim_rand() % n);
	for (struct sim_stream *s = sim.active; s; s = s->act_next) {
		if (!stream_ready(s))
			continue;
		if (pick-- == 0) {
			run_head(s);
			return true;
		}
	}
	return false;
}

static void run_all_ready(void)
{
	bool ran;

	do {
		struct sim_stream *next;

		ran = false;
		for (struct sim_stream *s = sim.active; s; s = next) {
			next = s->act_next;
			if (stream_ready(s)) {
				run_head(s);
				ran = true;
				break;	/* the list may have changed */
			}
		}
	} while (ran);
}

void sim_sched_tick(void)
{
	switch (sim_cfg.sched) {
	case SIM_SCHED_LAZY:
		return;
	case SIM_SCHED_EAGER:
		run_all_ready();
		return;
	case SIM_SCHED_RANDOM:
		while (sim.active && sim_rand() % 3 != 0)
			if (!run_one_random())
				return;
		return;
	}
}

/* --- waits -------------------------------------------------------------------------------- */

/* A stream whose head must run before (s, seq) can complete and that can run now, or NULL
 * when the chain ends at a host function in flight. */
static struct sim_stream *runnable_ancestor(struct sim_stream *s)
{
	for (;;) {
		struct sim_op *op = s->head;
		struct sim_stream *next = NULL;

		if (!op || s->busy)
			return NULL;
		for (unsigned i = 0; i < op->ndeps; i++) {
			struct sim_dep *d = op_dep(op, i);

			if (!sim_dep_done(d)) {
				next = d->s;
				break;
			}
		}
		if (!next)
			return s;
		s = next;
	}
}

void sim_cond_wait(void)
{
	sim.waiters++;
	pthread_cond_wait(&sim.cond, &sim.lock);
	sim.waiters--;
}

void sim_wait_dep(struct sim_stream *s, uint64_t seq)
{
	sim_dep_ref(s);
	while (s->done_seq < seq) {
		struct sim_stream *r = runnable_ancestor(s);

		if (r)
			run_head(r);
		else
			sim_cond_wait();
	}
	sim_dep_unref(s);
}

void sim_wait_hostfn_idle(int dev)
{
	struct sim_device *d = &sim.dev[dev];

	while (d->hostfn_running || d->hostfn_queue)
		sim_cond_wait();
}

/* Waiting for (or querying) the legacy stream also takes in the blocking streams of its
 * device, as if an operation were queued on it (a real runtime's cudaStreamQuery(0)
 * answers cudaErrorNotReady while a blocking stream is busy). */
static bool legacy_pending(const struct sim_stream *s)
{
	if (s->type != SIM_STREAM_LEGACY)
		return false;
	for (struct sim_stream *t = sim.dev[s->device].streams; t; t = t->dev_next)
		if (t != s && sim_stream_blocking(t) && t->enq_seq > t->done_seq)
			return true;
	return false;
}

/*
 * What cudaStreamQuery answers. A real runtime shows a blocking stream's implicit wait for
 * the legacy stream in the events recorded behind it, not in the stream's own query
 * (tests/conformance/conf_stream.c, legacy_probe): a stream whose queued work is only
 * records held by that wait answers idle.
 */
static bool sim_stream_idle(const struct sim_stream *s)
{
	if (s->type == SIM_STREAM_LEGACY)
		return s->done_seq >= s->enq_seq && !legacy_pending(s);
	if (s->busy)
		return false;
	for (struct sim_op *op = s->head; op; op = op->next) {
		if (op->kind != SIM_OP_RECORD)
			return false;
		for (unsigned i = 0; i < op->ndeps; i++) {
			const struct sim_dep *d = op_dep(op, i);

			if (!sim_dep_done(d) && !d->implicit)
				return false;
		}
	}
	return true;
}

/*
 * Waits until no stream of dev (but except; only blocking ones if blocking_only) has queued
 * work. Snapshot first, then wait: waiting runs work that can free or add streams; repeat
 * until every such stream is idle.
 */
static void wait_device_streams(int dev, const struct sim_stream *except, bool blocking_only)
{
	struct sim_dep pending[64];
	size_t n;

	do {
		n = 0;
		for (struct sim_stream *t = sim.dev[dev].streams; t && n < 64; t = t->dev_next) {
			if (t == except || (blocking_only && !sim_stream_blocking(t)))
				continue;
			if (t->enq_seq > t->done_seq || t->busy) {
				pending[n].s = t;
				pending[n].seq = t->enq_seq;
				sim_dep_ref(t);
				n++;
			}
		}
		for (size_t i = 0; i < n; i++) {
			sim_wait_dep(pending[i].s, pending[i].seq);
			sim_dep_unref(pending[i].s);
		}
	} while (n > 0);
}

static void sim_wait_stream(struct sim_stream *s)
{
	sim_wait_dep(s, s->enq_seq);
	if (s->type == SIM_STREAM_LEGACY)
		wait_device_streams(s->device, s, true);
}

void sim_wait_device(int dev)
{
	wait_device_streams(dev, NULL, false);
}

void sim_wait_all(void)
{
	for (int d = 0; d < sim_cfg.devices; d++)
		sim_wait_device(d);
}

void sim_stream_destroy_all(int dev)
{
	struct sim_stream *next;

	for (struct sim_stream *s = sim.dev[dev].streams; s; s = next) {
		next = s->dev_next;
		if (s->type == SIM_STREAM_USER && !s->destroyed) {
			sim_handle_remove(s);
			sim_stream_release(s);
		}
	}
}

/* --- progress without calls ---------------------------------------------------------------- */

static void *progress_main(void *arg)
{
	struct timespec period = { (time_t)(sim_cfg.progress_ms / 1000),
				   (long)(sim_cfg.progress_ms % 1000) * 1000000L };

	(void)arg;
	for (;;) {
		uint64_t calls;

		pthread_mutex_lock(&sim.lock);
		calls = sim.calls;
		pthread_mutex_unlock(&sim.lock);
		while (nanosleep(&period, &period) != 0 && errno == EINTR)
			;
		period.tv_sec = (time_t)(sim_cfg.progress_ms / 1000);
		period.tv_nsec = (long)(sim_cfg.progress_ms % 1000) * 1000000L;
		pthread_mutex_lock(&sim.lock);
		if (sim.calls == calls && sim.active && !sim.forked_child)
			run_all_ready();
		pthread_mutex_unlock(&sim.lock);
	}
	return NULL;
}

static void start_progress_thread(void)
{
	pthread_attr_t attr;

	if (sim.progress_started || sim_cfg.progress_ms == 0)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&sim.progress_thread, &attr, progress_main, NULL) == 0)
		sim.progress_started = true;
	pthread_attr_destroy(&attr);
}

/* --- device barriers (cudaMemcpyPeer) ---------------------------------------------------- */

void sim_device_set_barrier(int dev, struct sim_stream *s, uint64_t seq)
{
	struct sim_device *d = &sim.dev[dev];

	if (d->has_barrier)
		sim_dep_unref(d->barrier.s);
	sim_dep_ref(s);
	d->barrier.s = s;
	d->barrier.seq = seq;
	d->has_barrier = true;
}

/* --- the stream API ------------------------------------------------------------------------ */

cudaError_t sim_cudaStreamCreateWithPriority(cudaStream_t *pStream, unsigned int flags,
					     int priority)
{
	struct sim_stream *s;

	if (!pStream || (flags & ~(unsigned)cudaStreamNonBlocking))
		return cudaErrorInvalidValue;
	/* Priorities are clamped to the device's range [0 (least), -5 (greatest)]. */
	if (priority > 0)
		priority = 0;
	if (priority < -5)
		priority = -5;
	s = sim_stream_new(sim_current_device(), SIM_STREAM_USER, flags, priority);
	if (!s)
		return cudaErrorMemoryAllocation;
	if (!sim_handle_add(s)) {
		sim_stream_release(s);
		return cudaErrorMemoryAllocation;
	}
	*pStream = (cudaStream_t)s;
	return cudaSuccess;
}

cudaError_t sim_cudaStreamCreateWithFlags(cudaStream_t *pStream, unsigned int flags)
{
	return sim_cudaStreamCreateWithPriority(pStream, flags, 0);
}

cudaError_t sim_cudaStreamCreate(cudaStream_t *pStream)
{
	return sim_cudaStreamCreateWithPriority(pStream, cudaStreamDefault, 0);
}

static struct sim_stream *user_stream(cudaStream_t h)
{
	struct sim_stream *s = (struct sim_stream *)h;

	if (h == 0 || h == cudaStreamLegacy || h == cudaStreamPerThread || !sim_handle_live(h) ||
	    s->magic != SIM_STREAM_MAGIC)
		return NULL;
	return s;
}

cudaError_t sim_cudaStreamDestroy(cudaStream_t stream)
{
	struct sim_stream *s = user_stream(stream);

	/* Returns at once; the stream's queued work still runs, then it is freed. */
	if (!s)
		return cudaErrorInvalidResourceHandle;
	sim_handle_remove(s);
	sim_stream_release(s);
	return cudaSuccess;
}

static cudaError_t stream_error(struct sim_stream *s)
{
	cudaError_t err = sim.lost;

	return err != cudaSuccess ? err : sim_stream_take_error(s);
}

cudaError_t sim_cudaStreamSynchronize(cudaStream_t stream)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *s = sim_stream_resolve(stream, &err);

	if (!s)
		return err;
	if ((err = sim_capture_sync_stream(s)))
		return err;
	sim_wait_stream(s);
	return stream_error(s);
}

cudaError_t sim_cudaStreamQuery(cudaStream_t stream)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *s = sim_stream_resolve(stream, &err);

	if (!s)
		return err;
	if ((err = sim_capture_sync_stream(s)))
		return err;
	if (!sim_stream_idle(s))
		return cudaErrorNotReady;
	return stream_error(s);
}

static cudaError_t queue_host(cudaStream_t stream, cudaHostFn_t fn, cudaStreamCallback_t cb,
			      void *data)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *s = sim_stream_resolve(stream, &err);
	struct sim_op *op;

	if (!s)
		return err;
	if ((err = sim_capture_gate(s)))
		return err;
	if (s->cap) {
		struct sim_node_init in = { .type = cudaGraphNodeTypeHost, .fn = fn, .data = data };

		/* Docs (cudaStreamAddCallback): callbacks are not supported in stream capture,
		 * unlike cudaLaunchHostFunc, which is a host node (measured: 1 node). */
		if (cb)
			return sim_capture_unsupported(s);
		return sim_capture_add(s, &in);
	}
	op = sim_op_new(SIM_OP_HOST_FN);
	if (!op)
		return cudaErrorMemoryAllocation;
	op->u.host.fn = fn;
	op->u.host.cb = cb;
	op->u.host.data = data;
	op->u.host.handle = stream;
	sim_enqueue(s, op);
	return cudaSuccess;
}

cudaError_t sim_cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t fn, void *userData)
{
	if (!fn)
		return cudaErrorInvalidValue;
	return queue_host(stream, fn, NULL, userData);
}

cudaError_t sim_cudaStreamAddCallback(cudaStream_t stream, cudaStreamCallback_t callback,
				      void *userData, unsigned int flags)
{
	if (!callback || flags != 0)
		return cudaErrorInvalidValue;
	return queue_host(stream, NULL, callback, userData);
}

/* The getters: resolve the handle, check the out pointer, answer. */
#define STREAM_GETTER(fn, type, expr)                                         \
	cudaError_t sim_##fn(cudaStream_t hStream, type *out)                 \
	{                                                                     \
		cudaError_t err = cudaSuccess;                                \
		struct sim_stream *s = sim_stream_resolve(hStream, &err);     \
                                                                              \
		if (!s)                                                       \
			return err;                                           \
		if (!out)                                                     \
			return cudaErrorInvalidValue;                         \
		*out = (expr);                                                \
		return cudaSuccess;                                           \
	}

STREAM_GETTER(cudaStreamGetFlags, unsigned int, s->flags)
STREAM_GETTER(cudaStreamGetPriority, int, s->priority)
STREAM_GETTER(cudaStreamGetDevice, int, s->device)
STREAM_GETTER(cudaStreamGetId, unsigned long long, s->id)
