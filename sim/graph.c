/*
 * graph.c: stream capture, and CUDA graphs of copies, memsets, events and host functions.
 *
 * A graph is a list of nodes, each naming the nodes it depends on. While a stream captures,
 * the work issued on it becomes nodes of the capture's graph instead of operations: each
 * stream in a capture keeps the set of nodes its next captured work depends on (cdeps), an
 * event recorded in a capture keeps that set too, and a stream that waits for such an event
 * joins the capture with it (the fork/join pattern). cudaGraphInstantiate copies the nodes
 * into an executable graph in an order that respects the dependencies (drawn at random among
 * those that do, from the scheduler's seed); cudaGraphLaunch
 * queues them on the stream as ordinary operations, in that order, so they run through the
 * scheduler like any other work (a launch that is not waited for shows as wrong bytes).
 *
 * What a real CUDA 13.0 runtime does decides the rules. "Measured" below means on 2x H200,
 * driver 580.159.04, in CUDA_VARIANTS.md section 5 or by tests/conformance/conf_graph.c,
 * which states each such rule as a check and was run there; "docs" means from NVIDIA's CUDA
 * Runtime API documentation and not measured.
 *
 * Divisions: graphs and nodes; capture state and the rules that invalidate a capture; the
 * capture API; the graph API (explicit nodes, instantiation, launch).
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#define SIM_GRAPH_MAGIC 0x47524150U	/* "GRAP" */
#define SIM_GNODE_MAGIC 0x474e4f44U	/* "GNOD" */
#define SIM_GEXEC_MAGIC 0x47455845U	/* "GEXE" */

struct sim_graph;

struct sim_gnode {
	unsigned magic;
	struct sim_graph *graph;
	struct sim_gnode *next;		/* in its graph, in creation order */
	struct sim_node_init op;
	cudaGraphNode_t *deps;
	size_t ndeps, cap_deps;
	size_t order;			/* instantiation's scratch: placed at order - 1 */
	unsigned long long seen;	/* the last search (reaches) that visited it */
};

struct sim_graph {
	unsigned magic;
	struct sim_gnode *head, *tail;
	size_t n;
};

struct sim_gexec {
	unsigned magic;
	size_t n;
	struct sim_node_init *ops;	/* in an order that respects the dependencies */
};

struct sim_capture {
	struct sim_capture *next;	/* every capture in progress */
	unsigned long long id;
	enum cudaStreamCaptureMode mode;
	struct sim_graph *graph;
	bool user_graph;		/* cudaStreamBeginCaptureToGraph: the caller's graph */
	bool invalid;
	struct sim_stream *origin;
	const struct sim_thread *thread;	/* that began it */
};

static struct sim_capture *captures;
static unsigned long long capture_ids;

/* --- graphs and nodes ---------------------------------------------------------------------- */

static struct sim_graph *graph_get(cudaGraph_t h)
{
	struct sim_graph *g = (struct sim_graph *)h;

	if (!h || !sim_handle_live(h) || g->magic != SIM_GRAPH_MAGIC)
		return NULL;
	return g;
}

static struct sim_gnode *node_get(cudaGraphNode_t h)
{
	struct sim_gnode *n = (struct sim_gnode *)h;

	if (!h || !sim_handle_live(h) || n->magic != SIM_GNODE_MAGIC)
		return NULL;
	return n;
}

static struct sim_gexec *exec_get(cudaGraphExec_t h)
{
	struct sim_gexec *x = (struct sim_gexec *)h;

	if (!h || !sim_handle_live(h) || x->magic != SIM_GEXEC_MAGIC)
		return NULL;
	return x;
}

static struct sim_graph *graph_new(void)
{
	struct sim_graph *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->magic = SIM_GRAPH_MAGIC;
	if (!sim_handle_add(g)) {
		free(g);
		return NULL;
	}
	return g;
}

static void op_hold(const struct sim_node_init *op)
{
	if (op->ev)
		sim_event_hold(op->ev);
}

static void op_unhold(const struct sim_node_init *op)
{
	if (op->ev)
		sim_event_unhold(op->ev);
}

static void graph_free(struct sim_graph *g)
{
	struct sim_gnode *next;

	for (struct sim_gnode *n = g->head; n; n = next) {
		next = n->next;
		sim_handle_remove(n);
		op_unhold(&n->op);
		n->magic = 0;
		free(n->deps);
		free(n);
	}
	sim_handle_remove(g);
	g->magic = 0;
	free(g);
}

/* Whether the set (nodes, n) holds node. */
static bool has_node(const cudaGraphNode_t *nodes, size_t n, cudaGraphNode_t node)
{
	for (size_t i = 0; i < n; i++)
		if (nodes[i] == node)
			return true;
	return false;
}

static bool node_add_dep(struct sim_gnode *n, cudaGraphNode_t dep)
{
	if (n->ndeps == n->cap_deps) {
		size_t cap = n->cap_deps ? n->cap_deps * 2 : 4;
		cudaGraphNode_t *d = realloc(n->deps, cap * sizeof(*d));

		if (!d)
			return false;
		n->deps = d;
		n->cap_deps = cap;
	}
	n->deps[n->ndeps++] = dep;
	return true;
}

/* A new node of g doing in, after deps (distinct nodes of g). */
static struct sim_gnode *node_new(struct sim_graph *g, const struct sim_node_init *in,
				  const cudaGraphNode_t *deps, size_t ndeps)
{
	struct sim_gnode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->magic = SIM_GNODE_MAGIC;
	n->graph = g;
	n->op = *in;
	for (size_t i = 0; i < ndeps; i++) {
		if (!node_add_dep(n, deps[i])) {
			free(n->deps);
			free(n);
			return NULL;
		}
	}
	if (!sim_handle_add(n)) {
		free(n->deps);
		free(n);
		return NULL;
	}
	op_hold(in);
	if (g->tail)
		g->tail->next = n;
	else
		g->head = n;
	g->tail = n;
	g->n++;
	return n;
}

/* --- capture state ------------------------------------------------------------------------ */

/* Replaces a node set (a stream's or an event's) by a copy of (from, n). */
static bool set_copy(cudaGraphNode_t **set, size_t *nset, size_t *cap, const cudaGraphNode_t *from,
		     size_t n)
{
	if (n > *cap) {
		cudaGraphNode_t *m = realloc(*set, n * sizeof(*m));

		if (!m)
			return false;
		*set = m;
		*cap = n;
	}
	if (n)
		memcpy(*set, from, n * sizeof(*from));
	*nset = n;
	return true;
}

/* Adds the nodes of (from, n) that s's set lacks. */
static bool stream_deps_union(struct sim_stream *s, const cudaGraphNode_t *from, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (has_node(s->cdeps, s->ncdeps, from[i]))
			continue;
		if (s->ncdeps == s->cap_cdeps) {
			size_t cap = s->cap_cdeps ? s->cap_cdeps * 2 : 4;
			cudaGraphNode_t *m = realloc(s->cdeps, cap * sizeof(*m));

			if (!m)
				return false;
			s->cdeps = m;
			s->cap_cdeps = cap;
		}
		s->cdeps[s->ncdeps++] = from[i];
	}
	return true;
}

static void stream_leave(struct sim_stream *s)
{
	s->cap = NULL;
	free(s->cdeps);
	free(s->cedges);
	s->cdeps = NULL;
	s->cedges = NULL;
	s->ncdeps = s->cap_cdeps = s->ncedges = 0;
}

/* Ends capture c: every stream leaves it, events recorded in it remember that it ended, and
 * its graph is returned (or destroyed when discard, unless it is the caller's). */
static struct sim_graph *capture_end(struct sim_capture *c, bool discard)
{
	struct sim_graph *g = c->graph;

	for (int d = 0; d < SIM_MAX_DEVICES; d++)
		for (struct sim_stream *s = sim.dev[d].streams; s; s = s->dev_next)
			if (s->cap == c)
				stream_leave(s);
	sim_event_capture_ended(c);
	for (struct sim_capture **p = &captures; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	if (discard) {
		if (!c->user_graph)
			graph_free(g);
		g = NULL;
	}
	free(c);
	return g;
}

static void capture_invalidate(struct sim_capture *c)
{
	c->invalid = true;
}

/* The capture of a blocking stream of device dev, if one captures: work on dev's legacy
 * stream would have to wait for it. */
static struct sim_capture *blocking_capture(int dev)
{
	for (struct sim_stream *t = sim.dev[dev].streams; t; t = t->dev_next)
		if (t->cap && sim_stream_blocking(t))
			return t->cap;
	return NULL;
}

/*
 * Work on the legacy stream while a blocking stream of its device captures: measured,
 * cudaMemcpyAsync, cudaMemcpy, cudaMemset and cudaEventRecord on the legacy stream (and
 * cudaStreamQuery(0)) answer cudaErrorStreamCaptureImplicit and invalidate the capture, in
 * global and in relaxed mode; the per-thread default stream is not affected.
 */
static cudaError_t legacy_implicit(struct sim_stream *s)
{
	bool hit = false;

	if (s->type != SIM_STREAM_LEGACY)
		return cudaSuccess;
	for (struct sim_stream *t = sim.dev[s->device].streams; t; t = t->dev_next) {
		if (t->cap && sim_stream_blocking(t)) {
			capture_invalidate(t->cap);
			hit = true;
		}
	}
	return hit ? cudaErrorStreamCaptureImplicit : cudaSuccess;
}

cudaError_t sim_capture_gate(struct sim_stream *s)
{
	/* Measured: after an invalidation, cudaMemcpyAsync and cudaEventRecord on the stream
	 * answer cudaErrorStreamCaptureInvalidated. */
	if (s->cap)
		return s->cap->invalid ? cudaErrorStreamCaptureInvalidated : cudaSuccess;
	return legacy_implicit(s);
}

cudaError_t sim_capture_unsupported(struct sim_stream *s)
{
	capture_invalidate(s->cap);
	return cudaErrorStreamCaptureUnsupported;
}

cudaError_t sim_capture_add(struct sim_stream *s, const struct sim_node_init *in)
{
	struct sim_gnode *n = node_new(s->cap->graph, in, s->cdeps, s->ncdeps);
	cudaGraphNode_t h = (cudaGraphNode_t)n;

	if (!n)
		return cudaErrorMemoryAllocation;
	if (!set_copy(&s->cdeps, &s->ncdeps, &s->cap_cdeps, &h, 1))
		return cudaErrorMemoryAllocation;
	return cudaSuccess;
}

/*
 * The capture modes (docs, cudaStreamCaptureMode; measured for cudaMalloc from the capturing
 * thread in each mode and from another thread in each of its modes): a thread whose mode is
 * relaxed may make potentially unsafe calls; otherwise it may not while it has a capture of
 * its own not begun in relaxed mode, nor, in global mode, while another thread has a capture
 * begun in global mode. A forbidden call answers cudaErrorStreamCaptureUnsupported and
 * invalidates those captures (measured: cudaMalloc, cudaFree, cudaMallocHost, and
 * cudaStreamSynchronize, cudaStreamQuery, cudaEventSynchronize and cudaEventQuery of work
 * outside the capture).
 */
cudaError_t sim_capture_unsafe(void)
{
	const struct sim_thread *t = sim_self();
	bool hit = false;

	if (t->capture_mode == cudaStreamCaptureModeRelaxed)
		return cudaSuccess;
	for (struct sim_capture *c = captures; c; c = c->next) {
		bool own = c->thread == t && c->mode != cudaStreamCaptureModeRelaxed;
		bool other = c->thread != t && t->capture_mode == cudaStreamCaptureModeGlobal &&
			     c->mode == cudaStreamCaptureModeGlobal;

		if (own || other) {
			capture_invalidate(c);
			hit = true;
		}
	}
	return hit ? cudaErrorStreamCaptureUnsupported : cudaSuccess;
}

/* Measured: synchronizing or querying a capturing stream answers
 * cudaErrorStreamCaptureUnsupported and invalidates its capture in every mode. */
cudaError_t sim_capture_sync_stream(struct sim_stream *s)
{
	cudaError_t err = legacy_implicit(s);

	if (err)
		return err;
	if (s->cap)
		return sim_capture_unsupported(s);
	return sim_capture_unsafe();
}

/* Measured: cudaDeviceSynchronize while a stream of the device captures answers
 * cudaErrorStreamCaptureUnsupported and invalidates the capture, in global and in relaxed
 * mode (from another thread: measured in global mode only). */
cudaError_t sim_capture_sync_device(int dev)
{
	bool hit = false;

	for (struct sim_stream *t = sim.dev[dev].streams; t; t = t->dev_next) {
		if (t->cap) {
			capture_invalidate(t->cap);
			hit = true;
		}
	}
	if (hit)
		return cudaErrorStreamCaptureUnsupported;
	return sim_capture_unsafe();
}

/* Measured: querying or synchronizing an event recorded in a capture in progress answers
 * cudaErrorCapturedEvent and invalidates that capture; once the capture has ended, until the
 * event is recorded again outside a capture, cudaEventQuery, cudaEventSynchronize and
 * cudaStreamWaitEvent of it answer cudaErrorInvalidValue. */
cudaError_t sim_capture_event_use(struct sim_event *ev)
{
	if (ev->cap) {
		capture_invalidate(ev->cap);
		return cudaErrorCapturedEvent;
	}
	if (ev->cap_ended)
		return cudaErrorInvalidValue;
	return sim_capture_unsafe();
}

cudaError_t sim_capture_record(struct sim_stream *s, struct sim_event *ev, bool external)
{
	cudaGraphNode_t *copy;
	cudaError_t err;

	/* Measured: an external record in a capture is an event-record node. */
	if (external) {
		struct sim_node_init in = { .type = cudaGraphNodeTypeEventRecord, .ev = ev };

		if ((err = sim_capture_add(s, &in)))
			return err;
	}
	copy = s->ncdeps ? malloc(s->ncdeps * sizeof(*copy)) : NULL;
	if (s->ncdeps && !copy)
		return cudaErrorMemoryAllocation;
	if (s->ncdeps)
		memcpy(copy, s->cdeps, s->ncdeps * sizeof(*copy));
	free(ev->cdeps);
	ev->cdeps = copy;
	ev->ncdeps = s->ncdeps;
	ev->cap = s->cap;
	ev->cap_ended = false;
	return cudaSuccess;
}

cudaError_t sim_capture_wait(struct sim_stream *s, struct sim_event *ev, bool external)
{
	struct sim_capture *c = ev->cap;

	if (c) {
		if (s->cap && s->cap != c) {
			/* Docs (cudaErrorStreamCaptureMerge: "merge two independent capture
			 * sequences"); not measured. */
			capture_invalidate(s->cap);
			return cudaErrorStreamCaptureMerge;
		}
		if (c->invalid)
			return cudaErrorStreamCaptureInvalidated;
		if (!s->cap) {
			/* Measured: a stream that waits for an event recorded in a capture joins
			 * it (cudaStreamIsCapturing answers active) and must be joined back. */
			if (!set_copy(&s->cdeps, &s->ncdeps, &s->cap_cdeps, ev->cdeps, ev->ncdeps))
				return cudaErrorMemoryAllocation;
			s->cap = c;
			return cudaSuccess;
		}
		return stream_deps_union(s, ev->cdeps, ev->ncdeps) ? cudaSuccess :
								       cudaErrorMemoryAllocation;
	}
	if (ev->cap_ended)
		return cudaErrorInvalidValue;
	if (external) {
		/* Measured: an external wait in a capture is an event-wait node. */
		struct sim_node_init in = { .type = cudaGraphNodeTypeWaitEvent, .ev = ev };

		return sim_capture_add(s, &in);
	}
	/* Measured: a capturing stream waiting (not externally) for an event recorded outside
	 * the capture answers cudaErrorStreamCaptureIsolation and invalidates the capture. An
	 * event never recorded is no dependency at all (not measured). */
	if (!ev->recorded)
		return cudaSuccess;
	capture_invalidate(s->cap);
	return cudaErrorStreamCaptureIsolation;
}

/* Not measured: the simulator drops a capture whose origin stream the user destroys, so
 * that no capture is left that nobody can end. */
void sim_capture_stream_gone(struct sim_stream *s)
{
	struct sim_capture *c = s->cap;

	if (!c)
		return;
	if (c->origin == s)
		capture_end(c, true);
	else
		stream_leave(s);
}

/* --- the capture API ------------------------------------------------------------------------ */

static bool mode_valid(enum cudaStreamCaptureMode mode)
{
	return mode == cudaStreamCaptureModeGlobal || mode == cudaStreamCaptureModeThreadLocal ||
	       mode == cudaStreamCaptureModeRelaxed;
}

static bool edges_default(const cudaGraphEdgeData *e, size_t n)
{
	static const cudaGraphEdgeData zero;

	for (size_t i = 0; e && i < n; i++)
		if (memcmp(&e[i], &zero, sizeof(zero)) != 0)
			return false;
	return true;
}

static cudaError_t begin_capture(cudaStream_t stream, struct sim_graph *user,
				 const cudaGraphNode_t *deps, const cudaGraphEdgeData *edges,
				 size_t ndeps, enum cudaStreamCaptureMode mode)
{
	static int said_edges;
	cudaError_t err = cudaSuccess;
	struct sim_stream *s = sim_stream_resolve(stream, &err);
	struct sim_capture *c;

	if (!s)
		return err;
	/* Measured: the legacy stream (0 or cudaStreamLegacy) cannot capture; an unknown mode
	 * is cudaErrorInvalidValue; a stream that already captures, cudaErrorIllegalState
	 * (its capture goes on). */
	if (s->type == SIM_STREAM_LEGACY)
		return cudaErrorStreamCaptureUnsupported;
	if (!mode_valid(mode))
		return cudaErrorInvalidValue;
	if (s->cap)
		return cudaErrorIllegalState;
	if (ndeps && !deps)
		return cudaErrorInvalidValue;
	for (size_t i = 0; i < ndeps; i++) {
		struct sim_gnode *n = node_get(deps[i]);

		if (!n || n->graph != user || has_node(deps, i, deps[i]))
			return cudaErrorInvalidValue;
	}
	if (!edges_default(edges, ndeps)) {
		sim_note_unmodelled("edge data other than the default", &said_edges);
		return cudaErrorNotSupported;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return cudaErrorMemoryAllocation;
	c->graph = user ? user : graph_new();
	if (!c->graph || !set_copy(&s->cdeps, &s->ncdeps, &s->cap_cdeps, deps, ndeps)) {
		if (!user && c->graph)
			graph_free(c->graph);
		free(c);
		return cudaErrorMemoryAllocation;
	}
	c->user_graph = user != NULL;
	c->id = ++capture_ids;
	c->mode = mode;
	c->origin = s;
	c->thread = sim_self();
	c->next = captures;
	captures = c;
	s->cap = c;
	return cudaSuccess;
}

cudaError_t sim_cudaStreamBeginCapture(cudaStream_t stream, enum cudaStreamCaptureMode mode)
{
	return begin_capture(stream, NULL, NULL, NULL, 0, mode);
}

/* Measured: the captured work lands in the caller's graph, which cudaStreamEndCapture
 * returns. */
cudaError_t sim_cudaStreamBeginCaptureToGraph(cudaStream_t stream, cudaGraph_t graph,
					      const cudaGraphNode_t *dependencies,
					      const cudaGraphEdgeData *dependencyData,
					      size_t numDependencies, enum cudaStreamCaptureMode mode)
{
	struct sim_graph *g = graph_get(graph);

	if (!g)
		return cudaErrorInvalidValue;
	return begin_capture(stream, g, dependencies, dependencyData, numDependencies, mode);
}

/* Whether every stream that joined c has been joined back into its origin: each node a
 * joined stream's next work would depend on is a dependency (direct or not) of the origin's
 * next work. */
static bool reaches(struct sim_gnode *from, cudaGraphNode_t target)
{
	static unsigned long long searches;
	unsigned long long stamp = ++searches;
	struct sim_gnode **stack = malloc((from->graph->n + 1) * sizeof(*stack));
	size_t top = 0;
	bool found = false;

	if (!stack)
		return true;	/* out of memory: give the benefit of the doubt */
	stack[top++] = from;
	from->seen = stamp;
	while (top && !found) {
		struct sim_gnode *n = stack[--top];

		found = (cudaGraphNode_t)n == target;
		for (size_t i = 0; i < n->ndeps; i++) {
			struct sim_gnode *d = (struct sim_gnode *)n->deps[i];

			if (d->seen != stamp) {
				d->seen = stamp;
				stack[top++] = d;
			}
		}
	}
	free(stack);
	return found;
}

static bool capture_joined(const struct sim_capture *c)
{
	const struct sim_stream *o = c->origin;

	for (int d = 0; d < SIM_MAX_DEVICES; d++) {
		for (struct sim_stream *s = sim.dev[d].streams; s; s = s->dev_next) {
			if (s->cap != c || s == o)
				continue;
			for (size_t i = 0; i < s->ncdeps; i++) {
				bool found = false;

				for (size_t j = 0; j < o->ncdeps && !found; j++)
					found = reaches((struct sim_gnode *)o->cdeps[j],
							s->cdeps[i]);
				if (!found)
					return false;
			}
		}
	}
	return true;
}

/*
 * Measured: ending a stream that does not capture is cudaErrorIllegalState; ending a joined
 * stream rather than the origin, cudaErrorStreamCaptureUnmatched (and the capture is
 * invalidated); from another thread when the capture was not begun in relaxed mode,
 * cudaErrorStreamCaptureWrongThread (and the capture is over); an invalidated capture,
 * cudaErrorStreamCaptureInvalidated with *pGraph NULL; a stream that joined and was not
 * joined back, cudaErrorStreamCaptureUnjoined with *pGraph NULL. In every one of those cases
 * but the first two the capture ends and every stream leaves it. pGraph may be NULL.
 */
cudaError_t sim_cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t *pGraph)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *s = sim_stream_resolve(stream, &err);
	struct sim_capture *c;
	struct sim_graph *g;

	if (!s)
		return err;
	c = s->cap;
	if (!c)
		return cudaErrorIllegalState;
	if (c->origin != s) {
		capture_invalidate(c);
		return cudaErrorStreamCaptureUnmatched;
	}
	if (c->mode != cudaStreamCaptureModeRelaxed && c->thread != sim_self()) {
		capture_end(c, true);
		return cudaErrorStreamCaptureWrongThread;
	}
	if (c->invalid)
		err = cudaErrorStreamCaptureInvalidated;
	else if (!capture_joined(c))
		err = cudaErrorStreamCaptureUnjoined;
	g = capture_end(c, err != cudaSuccess || !pGraph);
	if (pGraph)
		*pGraph = (cudaGraph_t)g;
	return err;
}

cudaError_t sim_cudaStreamIsCapturing(cudaStream_t stream, enum cudaStreamCaptureStatus *status)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *s = sim_stream_resolve(stream, &err);

	if (!s)
		return err;
	if (!status)
		return cudaErrorInvalidValue;
	/* Measured: asked of the legacy stream while a blocking stream of its device captures,
	 * cudaErrorStreamCaptureImplicit, *status untouched. (Whether that also invalidates
	 * the capture was not told apart: the simulator does not invalidate.) */
	if (s->type == SIM_STREAM_LEGACY && blocking_capture(s->device))
		return cudaErrorStreamCaptureImplicit;
	if (!s->cap)
		*status = cudaStreamCaptureStatusNone;
	else
		*status = s->cap->invalid ? cudaStreamCaptureStatusInvalidated :
					    cudaStreamCaptureStatusActive;
	return cudaSuccess;
}

/*
 * The 13.0 form (CUDA_VARIANTS.md V07). Measured: active, a unique id, the graph, and 0
 * dependencies right after the begin (a non-NULL array); 1 after one captured copy; on a
 * stream that does not capture, status None and *id_out untouched. The real runtime crashes
 * on a NULL captureStatus_out; the simulator answers cudaErrorInvalidValue. Edge data are
 * all default here, so edgeData_out (optional) points at zeroed entries.
 */
cudaError_t sim_cudaStreamGetCaptureInfo(cudaStream_t stream,
					 enum cudaStreamCaptureStatus *captureStatus_out,
					 unsigned long long *id_out, cudaGraph_t *graph_out,
					 const cudaGraphNode_t **dependencies_out,
					 const cudaGraphEdgeData **edgeData_out,
					 size_t *numDependencies_out)
{
	static const cudaGraphNode_t none[1];
	cudaError_t err = sim_cudaStreamIsCapturing(stream, captureStatus_out);
	struct sim_stream *s;

	if (err)
		return err;
	if (*captureStatus_out == cudaStreamCaptureStatusNone)
		return cudaSuccess;
	s = sim_stream_resolve(stream, &err);
	if (id_out)
		*id_out = s->cap->id;
	if (*captureStatus_out != cudaStreamCaptureStatusActive)
		return cudaSuccess;
	if (graph_out)
		*graph_out = (cudaGraph_t)s->cap->graph;
	if (dependencies_out)
		*dependencies_out = s->ncdeps ? s->cdeps : none;
	if (edgeData_out) {
		if (s->ncedges < s->ncdeps || !s->cedges) {
			size_t n = s->ncdeps ? s->ncdeps : 1;
			cudaGraphEdgeData *e = calloc(n, sizeof(*e));

			if (!e)
				return cudaErrorMemoryAllocation;
			free(s->cedges);
			s->cedges = e;
			s->ncedges = n;
		}
		*edgeData_out = s->cedges;
	}
	if (numDependencies_out)
		*numDependencies_out = s->ncdeps;
	return cudaSuccess;
}

/* Measured: the default mode is global, and the call answers the previous one. */
cudaError_t sim_cudaThreadExchangeStreamCaptureMode(enum cudaStreamCaptureMode *mode)
{
	struct sim_thread *t = sim_self();
	enum cudaStreamCaptureMode old = t->capture_mode;

	if (!mode || !mode_valid(*mode))
		return cudaErrorInvalidValue;
	t->capture_mode = *mode;
	*mode = old;
	return cudaSuccess;
}

/* --- the graph API ------------------------------------------------------------------------- */

/* Measured: flags other than 0 are cudaErrorInvalidValue. */
cudaError_t sim_cudaGraphCreate(cudaGraph_t *pGraph, unsigned int flags)
{
	struct sim_graph *g;

	if (!pGraph || flags)
		return cudaErrorInvalidValue;
	g = graph_new();
	if (!g)
		return cudaErrorMemoryAllocation;
	*pGraph = (cudaGraph_t)g;
	return cudaSuccess;
}

cudaError_t sim_cudaGraphDestroy(cudaGraph_t graph)
{
	struct sim_graph *g = graph_get(graph);

	if (!g)
		return cudaErrorInvalidValue;
	for (struct sim_capture *c = captures; c; c = c->next)
		if (c->graph == g)
			return cudaErrorIllegalState;	/* not measured: still being captured */
	graph_free(g);
	return cudaSuccess;
}

/* Measured: numNodes NULL is cudaErrorInvalidValue; with nodes NULL the count is answered;
 * otherwise at most *numNodes nodes are written, in creation order, and *numNodes is the
 * number written. */
cudaError_t sim_cudaGraphGetNodes(cudaGraph_t graph, cudaGraphNode_t *nodes, size_t *numNodes)
{
	struct sim_graph *g = graph_get(graph);
	size_t i = 0;

	if (!g || !numNodes)
		return cudaErrorInvalidValue;
	if (!nodes) {
		*numNodes = g->n;
		return cudaSuccess;
	}
	for (struct sim_gnode *n = g->head; n && i < *numNodes; n = n->next)
		nodes[i++] = (cudaGraphNode_t)n;
	*numNodes = i;
	return cudaSuccess;
}

cudaError_t sim_cudaGraphNodeGetType(cudaGraphNode_t node, enum cudaGraphNodeType *pType)
{
	struct sim_gnode *n = node_get(node);

	if (!n || !pType)
		return cudaErrorInvalidValue;
	*pType = n->op.type;
	return cudaSuccess;
}

/* Measured: a NULL graph, a NULL out pointer, or dependencies NULL with a count, are
 * cudaErrorInvalidValue. A dependency must be a node of the graph, named once (docs). */
static cudaError_t sink_check(const struct sim_node_sink *k, struct sim_graph **g)
{
	*g = graph_get(k->graph);
	if (!*g || !k->out || (k->ndeps && !k->deps))
		return cudaErrorInvalidValue;
	for (size_t i = 0; i < k->ndeps; i++) {
		struct sim_gnode *n = node_get(k->deps[i]);

		if (!n || n->graph != *g || has_node(k->deps, i, k->deps[i]))
			return cudaErrorInvalidValue;
	}
	return cudaSuccess;
}

cudaError_t sim_graph_add(struct sim_node_sink *k, const struct sim_node_init *in)
{
	struct sim_graph *g;
	struct sim_gnode *n;
	cudaError_t err = sink_check(k, &g);

	if (err)
		return err;
	n = node_new(g, in, k->deps, k->ndeps);
	if (!n)
		return cudaErrorMemoryAllocation;
	*k->out = (cudaGraphNode_t)n;
	return cudaSuccess;
}

cudaError_t sim_cudaGraphAddMemcpyNode(cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
				       const cudaGraphNode_t *pDependencies,
				       size_t numDependencies,
				       const struct cudaMemcpy3DParms *pCopyParams)
{
	struct sim_node_sink k = { graph, pDependencies, numDependencies, pGraphNode };
	struct sim_graph *g;
	cudaError_t err = sink_check(&k, &g);

	return err ? err : sim_copy_node(pCopyParams, &k);
}

cudaError_t sim_cudaGraphAddMemcpyNode1D(cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
					 const cudaGraphNode_t *pDependencies,
					 size_t numDependencies, void *dst, const void *src,
					 size_t count, enum cudaMemcpyKind kind)
{
	struct sim_node_sink k = { graph, pDependencies, numDependencies, pGraphNode };
	struct sim_graph *g;
	cudaError_t err = sink_check(&k, &g);

	return err ? err : sim_copy1d_node(dst, src, count, kind, &k);
}

cudaError_t sim_cudaGraphAddMemsetNode(cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
				       const cudaGraphNode_t *pDependencies,
				       size_t numDependencies,
				       const struct cudaMemsetParams *pMemsetParams)
{
	struct sim_node_sink k = { graph, pDependencies, numDependencies, pGraphNode };
	struct sim_graph *g;
	cudaError_t err = sink_check(&k, &g);

	return err ? err : sim_memset_node(pMemsetParams, &k);
}

cudaError_t sim_cudaGraphAddEmptyNode(cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
				      const cudaGraphNode_t *pDependencies,
				      size_t numDependencies)
{
	struct sim_node_sink k = { graph, pDependencies, numDependencies, pGraphNode };
	struct sim_node_init in = { .type = cudaGraphNodeTypeEmpty };

	return sim_graph_add(&k, &in);
}

/* Measured: an edge from a node to itself, or one that exists already, is
 * cudaErrorInvalidValue; an edge that closes a cycle is accepted here and refused by
 * cudaGraphInstantiate. */
cudaError_t sim_cudaGraphAddDependencies(cudaGraph_t graph, const cudaGraphNode_t *from,
					 const cudaGraphNode_t *to,
					 const cudaGraphEdgeData *edgeData, size_t numDependencies)
{
	static int said_edges;
	struct sim_graph *g = graph_get(graph);

	if (!g || (numDependencies && (!from || !to)))
		return cudaErrorInvalidValue;
	if (!edges_default(edgeData, numDependencies)) {
		sim_note_unmodelled("edge data other than the default", &said_edges);
		return cudaErrorNotSupported;
	}
	for (size_t i = 0; i < numDependencies; i++) {
		struct sim_gnode *a = node_get(from[i]), *b = node_get(to[i]);

		if (!a || !b || a->graph != g || b->graph != g || a == b ||
		    has_node(b->deps, b->ndeps, from[i]))
			return cudaErrorInvalidValue;
		for (size_t j = 0; j < i; j++)
			if (from[j] == from[i] && to[j] == to[i])
				return cudaErrorInvalidValue;
	}
	for (size_t i = 0; i < numDependencies; i++)
		if (!node_add_dep(node_get(to[i]), from[i]))
			return cudaErrorMemoryAllocation;
	return cudaSuccess;
}

/*
 * Measured: flags AutoFreeOnLaunch (1), DeviceLaunch (4) and UseNodePriority (8) are
 * accepted; Upload (2), which needs cudaGraphInstantiateWithParams for its stream, and
 * unknown flags are cudaErrorInvalidValue, as are a NULL graph or out pointer and a graph
 * with a cycle. The flags change nothing here. The executable graph is a copy: the graph
 * may be destroyed or changed afterwards (measured: it still launches).
 */
cudaError_t sim_cudaGraphInstantiateWithFlags(cudaGraphExec_t *pGraphExec, cudaGraph_t graph,
					      unsigned long long flags)
{
	const unsigned long long known = cudaGraphInstantiateFlagAutoFreeOnLaunch |
					 cudaGraphInstantiateFlagDeviceLaunch |
					 cudaGraphInstantiateFlagUseNodePriority;
	struct sim_graph *g = graph_get(graph);
	struct sim_gexec *x;
	size_t placed = 0;
	bool progress = true;

	if (!pGraphExec || !g || (flags & ~known))
		return cudaErrorInvalidValue;
	x = calloc(1, sizeof(*x));
	if (!x || (g->n && !(x->ops = calloc(g->n, sizeof(*x->ops))))) {
		free(x);
		return cudaErrorMemoryAllocation;
	}
	/* Place, one at a time, a node whose dependencies are all placed, drawn at random
	 * (the scheduler's seeded generator) among those that are ready, until none is left
	 * (or none can be placed: a cycle). Any such order is one a GPU may run the graph in,
	 * branches that do not depend on each other in either order: a dependency a graph
	 * lacks shows as wrong bytes under some seed. */
	for (struct sim_gnode *n = g->head; n; n = n->next)
		n->order = 0;
	while (placed < g->n && progress) {
		size_t nready = 0, pick;

		progress = false;
		for (int pass = 0; pass < 2 && !progress; pass++) {
			size_t k = 0;

			if (pass == 1) {
				if (!nready)
					break;
				pick = (size_t)(sim_rand() % nready);
			}
			for (struct sim_gnode *n = g->head; n; n = n->next) {
				bool ready = !n->order;

				for (size_t i = 0; ready && i < n->ndeps; i++) {
					const struct sim_gnode *d =
						(const struct sim_gnode *)n->deps[i];

					ready = d->order != 0;
				}
				if (!ready)
					continue;
				if (pass == 0) {
					nready++;
					continue;
				}
				if (k++ != pick)
					continue;
				x->ops[placed++] = n->op;
				n->order = placed;
				progress = true;
				break;
			}
		}
	}
	if (placed < g->n) {
		free(x->ops);
		free(x);
		return cudaErrorInvalidValue;
	}
	x->n = placed;
	x->magic = SIM_GEXEC_MAGIC;
	if (!sim_handle_add(x)) {
		free(x->ops);
		free(x);
		return cudaErrorMemoryAllocation;
	}
	for (size_t i = 0; i < x->n; i++)
		op_hold(&x->ops[i]);
	*pGraphExec = (cudaGraphExec_t)x;
	return cudaSuccess;
}

cudaError_t sim_cudaGraphInstantiate(cudaGraphExec_t *pGraphExec, cudaGraph_t graph,
				     unsigned long long flags)
{
	return sim_cudaGraphInstantiateWithFlags(pGraphExec, graph, flags);
}

cudaError_t sim_cudaGraphExecDestroy(cudaGraphExec_t graphExec)
{
	struct sim_gexec *x = exec_get(graphExec);

	if (!x)
		return cudaErrorInvalidValue;
	sim_handle_remove(x);
	for (size_t i = 0; i < x->n; i++)
		op_unhold(&x->ops[i]);
	x->magic = 0;
	free(x->ops);
	free(x);
	return cudaSuccess;
}

/* Nothing to upload in host memory: the checks only. */
cudaError_t sim_cudaGraphUpload(cudaGraphExec_t graphExec, cudaStream_t stream)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *s;

	if (!exec_get(graphExec))
		return cudaErrorInvalidValue;
	s = sim_stream_resolve(stream, &err);
	if (!s)
		return err;
	return sim_capture_gate(s);
}

/* Queues one node's work on s. */
static cudaError_t launch_op(struct sim_stream *s, const struct sim_node_init *in)
{
	struct sim_op *op = NULL;

	switch (in->type) {
	case cudaGraphNodeTypeMemcpy:
		op = sim_op_new(SIM_OP_COPY);
		if (op)
			op->u.copy.x = in->x;
		break;
	case cudaGraphNodeTypeMemset:
		op = sim_op_new(SIM_OP_MEMSET);
		if (op) {
			op->u.memset.x = in->x;
			op->u.memset.value = (unsigned char)in->value;
			op->u.memset.elem = in->elem;
			op->u.memset.value32 = in->value;
		}
		break;
	case cudaGraphNodeTypeHost:
		op = sim_op_new(SIM_OP_HOST_FN);
		if (op) {
			op->u.host.fn = in->fn;
			op->u.host.data = in->data;
		}
		break;
	case cudaGraphNodeTypeEventRecord:
		return sim_event_record_on(in->ev, s);
	case cudaGraphNodeTypeWaitEvent:
		return sim_event_wait_on(s, in->ev);
	default:	/* empty: the order of the stream is all it gives */
		return cudaSuccess;
	}
	if (!op)
		return cudaErrorMemoryAllocation;
	sim_enqueue(s, op);
	return cudaSuccess;
}

/*
 * The nodes are queued on s one after another, in the instantiated order: one valid way to
 * run the graph, drawn at random when it was instantiated (a GPU may run independent
 * branches at once, or in either order; nothing may rely on one). Measured: a graph can be launched on the legacy and the per-thread streams;
 * launching into a capturing stream answers cudaErrorStreamCaptureUnsupported and
 * invalidates the capture (child graphs are not modelled).
 */
cudaError_t sim_cudaGraphLaunch(cudaGraphExec_t graphExec, cudaStream_t stream)
{
	cudaError_t err = cudaSuccess;
	struct sim_gexec *x = exec_get(graphExec);
	struct sim_stream *s;

	if (!x)
		return cudaErrorInvalidValue;
	s = sim_stream_resolve(stream, &err);
	if (!s)
		return err;
	if ((err = sim_capture_gate(s)))
		return err;
	if (s->cap)
		return sim_capture_unsupported(s);
	for (size_t i = 0; i < x->n; i++)
		if ((err = launch_op(s, &x->ops[i])))
			return err;
	return cudaSuccess;
}
