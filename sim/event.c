/*
 * event.c: events.
 *
 * A record is an operation on a stream (SIM_OP_RECORD); the event remembers the last record
 * as a (stream, sequence number) dependency, so a query, a synchronize or a
 * cudaStreamWaitEvent asks whether that operation is done. Each record bumps the event's
 * generation, so a record that runs after a later one was queued does not set the time.
 * A destroyed event whose record is still queued stays allocated until the record runs, as
 * the real runtime releases it "once the device has completed" it; a graph node that names
 * the event holds it likewise. Records and waits inside a stream capture are graph.c's.
 */
#include "sim.h"

#include <stdlib.h>

static struct sim_event *events;	/* every live or pending event */

static void event_maybe_free(struct sim_event *ev)
{
	if (!ev->destroyed || ev->refs)
		return;
	if (ev->prev)
		ev->prev->next = ev->next;
	else
		events = ev->next;
	if (ev->next)
		ev->next->prev = ev->prev;
	if (ev->recorded)
		sim_dep_unref(ev->rec.s);
	ev->magic = 0;
	free(ev->cdeps);
	free(ev);
}

static struct sim_event *event_get(cudaEvent_t h)
{
	struct sim_event *ev = (struct sim_event *)h;

	if (!h || !sim_handle_live(h) || ev->magic != SIM_EVENT_MAGIC)
		return NULL;
	return ev;
}

void sim_event_record_ran(struct sim_event *ev, uint64_t gen)
{
	if (ev->gen == gen) {
		ev->time_ns = sim_now_ns();
		ev->timed = true;
	}
	ev->refs--;
	event_maybe_free(ev);
}

void sim_event_hold(struct sim_event *ev)
{
	ev->refs++;
}

void sim_event_unhold(struct sim_event *ev)
{
	ev->refs--;
	event_maybe_free(ev);
}

void sim_event_capture_ended(const struct sim_capture *c)
{
	for (struct sim_event *ev = events; ev; ev = ev->next) {
		if (ev->cap == c) {
			ev->cap = NULL;
			free(ev->cdeps);
			ev->cdeps = NULL;
			ev->ncdeps = 0;
			ev->cap_ended = true;
		}
	}
}

static void event_destroy(struct sim_event *ev)
{
	sim_handle_remove(ev);
	ev->destroyed = true;
	event_maybe_free(ev);
}

void sim_event_destroy_all(int dev)
{
	struct sim_event *next;

	for (struct sim_event *ev = events; ev; ev = next) {
		next = ev->next;
		if (ev->device == dev && !ev->destroyed)
			event_destroy(ev);
	}
}

cudaError_t sim_cudaEventCreateWithFlags(cudaEvent_t *event, unsigned int flags)
{
	const unsigned known = cudaEventBlockingSync | cudaEventDisableTiming |
			       cudaEventInterprocess;
	struct sim_event *ev;

	if (!event || (flags & ~known))
		return cudaErrorInvalidValue;
	if ((flags & cudaEventInterprocess) && !(flags & cudaEventDisableTiming))
		return cudaErrorInvalidValue;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return cudaErrorMemoryAllocation;
	ev->magic = SIM_EVENT_MAGIC;
	ev->device = sim_current_device();
	ev->flags = flags;
	if (!sim_handle_add(ev)) {
		free(ev);
		return cudaErrorMemoryAllocation;
	}
	ev->next = events;
	if (events)
		events->prev = ev;
	events = ev;
	*event = (cudaEvent_t)ev;
	return cudaSuccess;
}

cudaError_t sim_cudaEventCreate(cudaEvent_t *event)
{
	return sim_cudaEventCreateWithFlags(event, cudaEventDefault);
}

cudaError_t sim_cudaEventDestroy(cudaEvent_t event)
{
	struct sim_event *ev = event_get(event);

	if (!ev)
		return cudaErrorInvalidResourceHandle;
	event_destroy(ev);
	return cudaSuccess;
}

cudaError_t sim_cudaEventRecordWithFlags(cudaEvent_t event, cudaStream_t stream,
					 unsigned int flags)
{
	struct sim_event *ev = event_get(event);
	struct sim_stream *s;
	cudaError_t err = cudaSuccess;

	if (!ev)
		return cudaErrorInvalidResourceHandle;
	if (flags & ~(unsigned)cudaEventRecordExternal)
		return cudaErrorInvalidValue;
	s = sim_stream_resolve(stream, &err);
	if (!s)
		return err;
	if (s->device != ev->device)
		return cudaErrorInvalidResourceHandle;
	if ((err = sim_capture_gate(s)))
		return err;
	if (s->cap)
		return sim_capture_record(s, ev, flags & cudaEventRecordExternal);
	/* External records exist only inside a stream capture: outside one, the real runtime
	 * answers cudaErrorIllegalState. */
	if (flags & cudaEventRecordExternal)
		return cudaErrorIllegalState;
	return sim_event_record_on(ev, s);
}

cudaError_t sim_event_record_on(struct sim_event *ev, struct sim_stream *s)
{
	struct sim_op *op;

	op = sim_op_new(SIM_OP_RECORD);
	if (!op)
		return cudaErrorMemoryAllocation;
	if (ev->recorded)
		sim_dep_unref(ev->rec.s);
	if (ev->cap_ended || ev->cdeps) {
		free(ev->cdeps);
		ev->cdeps = NULL;
		ev->ncdeps = 0;
		ev->cap_ended = false;
	}
	ev->cap = NULL;
	ev->gen++;
	ev->timed = false;
	ev->recorded = true;
	ev->refs++;
	op->u.record.ev = ev;
	op->u.record.gen = ev->gen;
	sim_dep_ref(s);
	ev->rec.s = s;
	ev->rec.seq = sim_enqueue(s, op);
	return cudaSuccess;
}

cudaError_t sim_cudaEventRecord(cudaEvent_t event, cudaStream_t stream)
{
	return sim_cudaEventRecordWithFlags(event, stream, 0);
}

cudaError_t sim_cudaEventQuery(cudaEvent_t event)
{
	struct sim_event *ev = event_get(event);

	cudaError_t err;

	if (!ev)
		return cudaErrorInvalidResourceHandle;
	if ((err = sim_capture_event_use(ev)))
		return err;
	if (!ev->recorded || sim_dep_done(&ev->rec))
		return cudaSuccess;
	return cudaErrorNotReady;
}

cudaError_t sim_cudaEventSynchronize(cudaEvent_t event)
{
	struct sim_event *ev = event_get(event);
	cudaError_t err;

	if (!ev)
		return cudaErrorInvalidResourceHandle;
	if ((err = sim_capture_event_use(ev)))
		return err;
	if (ev->recorded) {
		struct sim_dep rec = ev->rec;

		sim_dep_ref(rec.s);
		sim_wait_dep(rec.s, rec.seq);
		sim_dep_unref(rec.s);
		if (sim.lost)
			return sim.lost;
	}
	return cudaSuccess;
}

cudaError_t sim_cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end)
{
	struct sim_event *a = event_get(start), *b = event_get(end);

	if (!ms)
		return cudaErrorInvalidValue;
	if (!a || !b)
		return cudaErrorInvalidResourceHandle;
	if ((a->flags | b->flags) & cudaEventDisableTiming)
		return cudaErrorInvalidResourceHandle;
	if (!a->recorded || !b->recorded || a->device != b->device)
		return cudaErrorInvalidResourceHandle;
	if (!sim_dep_done(&a->rec) || !sim_dep_done(&b->rec))
		return cudaErrorNotReady;
	*ms = (float)(((double)b->time_ns - (double)a->time_ns) / 1e6);
	return cudaSuccess;
}

/* cudaStreamWaitEvent: the stream's next operations wait for the event's last record. */
cudaError_t sim_cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags)
{
	struct sim_event *ev = event_get(event);
	struct sim_stream *s;
	cudaError_t err = cudaSuccess;

	if (flags & ~(unsigned)cudaEventWaitExternal)
		return cudaErrorInvalidValue;
	s = sim_stream_resolve(stream, &err);
	if (!s)
		return err;
	if (!ev)
		return cudaErrorInvalidResourceHandle;
	if ((err = sim_capture_gate(s)))
		return err;
	if (s->cap || ev->cap || ev->cap_ended)
		return sim_capture_wait(s, ev, flags & cudaEventWaitExternal);
	return sim_event_wait_on(s, ev);
}

cudaError_t sim_event_wait_on(struct sim_stream *s, struct sim_event *ev)
{
	struct sim_op *op;

	if (ev->cap_ended)
		return cudaErrorInvalidValue;	/* measured: see graph.c */
	if (!ev->recorded || sim_dep_done(&ev->rec))
		return cudaSuccess;
	op = sim_op_new(SIM_OP_WAIT);
	if (!op)
		return cudaErrorMemoryAllocation;
	sim_op_add_dep(op, ev->rec.s, ev->rec.seq);
	sim_enqueue(s, op);
	return cudaSuccess;
}
