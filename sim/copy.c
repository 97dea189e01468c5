/*
 * copy.c: the memcpy and memset families.
 *
 * Each call is checked as the real runtime checks it, then becomes an operation on a stream.
 * What a real CUDA 13.0 runtime answered (tools/probe/cuda_probe.c, cases kinds, bounds,
 * 2d3d, memset, blocking, peer) decides every rule here:
 *
 * Arguments. A copy of zero bytes succeeds whatever the other arguments; a kind outside
 * 0..4 is cudaErrorInvalidMemcpyDirection; a NULL pointer is cudaErrorInvalidValue. Pitches:
 * narrower than the width is cudaErrorInvalidPitchValue over several rows, and
 * cudaErrorInvalidValue for one row (where 0 is allowed); a memset's pitch is checked only
 * over several rows (cudaErrorInvalidValue). 3-D copies check positions and plane heights
 * likewise. A device range must lie inside one allocation, else cudaErrorInvalidValue and
 * nothing is written. The kind must fit the pointers: HostToDevice needs a destination the
 * device can reach (device memory, pinned or registered host memory), DeviceToHost such a
 * source, DeviceToDevice both; HostToHost and Default take anything. A memset must reach its
 * memory from the device that issues it (its own, or a peer with access enabled); a copy
 * need not.
 *
 * Timing. Asynchronous calls: a pageable source is copied at the call (the caller may reuse
 * its buffer at once); a pageable destination, or host memory on both sides, makes the call
 * wait for the stream and copy before returning; everything else runs when the scheduler
 * says. Synchronous calls (cudaMemcpy, 2D, 3D) run on the current device's default stream,
 * also ordered after the legacy work of a device whose memory they touch, and return before
 * the copy is done only between device memory, as on a GPU; cudaMemset on device memory
 * does not wait either. A copy into pageable memory also waits for a running host function
 * of its device. cudaMemcpyPeer does not wait for the host but is ordered after everything
 * queued on the two devices and the current one, and before everything queued on the two
 * devices after it.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

struct endpoint {
	const void *p;		/* first byte, as the caller named it */
	size_t extent;		/* bytes from p to one past the last byte touched */
	struct sim_ptr c;
};

static bool device_reachable(const struct sim_ptr *c)
{
	return c->kind != SIM_MEM_PAGEABLE;
}

static cudaError_t endpoint_resolve(struct endpoint *e)
{
	sim_classify(e->p, &e->c);
	if (e->c.kind == SIM_MEM_DEVICE) {
		const struct sim_alloc *a = e->c.alloc;
		uintptr_t p = (uintptr_t)e->p;

		if (!a || e->extent > a->base + a->size - p)
			return cudaErrorInvalidValue;
	}
	return cudaSuccess;
}

static bool kind_valid(enum cudaMemcpyKind kind)
{
	return (unsigned)kind <= cudaMemcpyDefault;
}

static cudaError_t kind_fits(enum cudaMemcpyKind kind, const struct endpoint *dst,
			     const struct endpoint *src)
{
	switch (kind) {
	case cudaMemcpyHostToDevice:
		return device_reachable(&dst->c) ? cudaSuccess : cudaErrorInvalidValue;
	case cudaMemcpyDeviceToHost:
		return device_reachable(&src->c) ? cudaSuccess : cudaErrorInvalidValue;
	case cudaMemcpyDeviceToDevice:
		return device_reachable(&dst->c) && device_reachable(&src->c) ?
			       cudaSuccess :
			       cudaErrorInvalidValue;
	default:
		return cudaSuccess;
	}
}

/* Bytes from the first to one past the last byte of a strided block; false on overflow. */
static bool extent_of(size_t width, size_t height, size_t depth, size_t pitch, size_t slice,
		      size_t *out)
{
	size_t a, b;

	if (__builtin_mul_overflow(depth - 1, slice, &a) ||
	    __builtin_mul_overflow(height - 1, pitch, &b) || __builtin_add_overflow(a, b, &a) ||
	    __builtin_add_overflow(a, width, out))
		return false;
	return true;
}

/* Packs a strided source into a fresh buffer: the copy reads that buffer later. */
static char *snapshot(struct sim_xfer *x)
{
	size_t plane = x->width * x->height;
	char *buf = malloc(plane * x->depth + 1);
	struct sim_xfer pack;

	if (!buf)
		return NULL;
	pack = *x;
	pack.dst = buf;
	pack.dpitch = x->width;
	pack.dslice = plane;
	sim_xfer_run(&pack);
	x->src = buf;
	x->spitch = x->width;
	x->sslice = plane;
	return buf;
}

static bool stream_failed(struct sim_stream *s, cudaError_t *err)
{
	*err = sim.lost;
	if (*err == cudaSuccess)
		*err = sim_stream_take_error(s);
	return *err != cudaSuccess;
}

/* The stream a call runs on: the named one, or for the synchronous API the current
 * device's default stream. */
static struct sim_stream *stream_for(cudaStream_t h, bool sync_api, cudaError_t *err)
{
	struct sim_stream *st;

	if (!sync_api)
		return sim_stream_resolve(h, err);
	st = sim_default_stream(sim_current_device());
	if (!st)
		*err = cudaErrorMemoryAllocation;
	return st;
}

/*
 * A synchronous copy of another device's memory is also ordered after the work of that
 * device's legacy stream, as if queued there too: a real runtime made a copy of device 1's
 * memory, issued with device 0 current, wait for device 1's blocking streams
 * (tools/probe/cuda_probe.c, case legacy), and still after device 0's own legacy work.
 */
static void order_after_owner(struct sim_op *op, const struct endpoint *e, int cur)
{
	struct sim_stream *legacy;

	if (e->c.kind != SIM_MEM_DEVICE || e->c.device == cur)
		return;
	legacy = sim_stream_legacy(e->c.device);
	if (!legacy)
		return;
	for (struct sim_stream *t = sim.dev[e->c.device].streams; t; t = t->dev_next)
		if ((t == legacy || sim_stream_blocking(t)) && t->enq_seq > t->done_seq)
			sim_op_add_dep(op, t, t->enq_seq);
}

/* Queues a checked copy on s; waits for it when the rules above say so. */
static cudaError_t submit_copy(struct sim_stream *s, struct sim_xfer x, const struct endpoint *dst,
			       const struct endpoint *src, bool sync_api)
{
	bool pageable_dst = dst->c.kind == SIM_MEM_PAGEABLE;
	bool pageable_src = src->c.kind == SIM_MEM_PAGEABLE;
	bool both_host = dst->c.kind != SIM_MEM_DEVICE && src->c.kind != SIM_MEM_DEVICE;
	bool both_device = dst->c.kind == SIM_MEM_DEVICE && src->c.kind == SIM_MEM_DEVICE;
	bool wait = sync_api ? !both_device : (both_host || pageable_dst);
	struct sim_op *op;
	uint64_t seq;
	cudaError_t err;

	if ((err = sim_capture_gate(s)))
		return err;
	x.dst = sim_translate(&dst->c, x.dst);
	x.src = sim_translate(&src->c, x.src);
	if (s->cap) {
		/* Measured: a captured copy is one memcpy node whatever the memory (pageable
		 * too, read or written when the graph runs), also cudaMemcpyDefault across
		 * devices. A synchronous call cannot be captured. */
		struct sim_node_init in = { .type = cudaGraphNodeTypeMemcpy, .x = x };

		if (sync_api)
			return sim_capture_unsupported(s);
		return sim_capture_add(s, &in);
	}
	op = sim_op_new(SIM_OP_COPY);
	if (!op)
		return cudaErrorMemoryAllocation;
	if (!wait && pageable_src) {
		op->u.copy.owned = snapshot(&x);
		if (!op->u.copy.owned) {
			free(op);
			return cudaErrorMemoryAllocation;
		}
	}
	op->u.copy.x = x;
	if (sync_api) {
		order_after_owner(op, dst, s->device);
		order_after_owner(op, src, s->device);
	}
	seq = sim_enqueue(s, op);
	if (wait) {
		sim_wait_dep(s, seq);
		/* A real runtime finishes a copy into pageable memory on the thread that runs host
		 * functions: it waits for a host function of the device running on any stream. */
		if (pageable_dst)
			sim_wait_hostfn_idle(s->device);
		if (stream_failed(s, &err))
			return err;
	}
	return cudaSuccess;
}

/* A checked copy made an explicit graph node (cudaGraphAddMemcpyNode*): it reads and writes
 * the memory when the graph runs. */
static cudaError_t node_copy(struct sim_node_sink *k, struct sim_xfer x, const struct endpoint *dst,
			     const struct endpoint *src)
{
	struct sim_node_init in = { .type = cudaGraphNodeTypeMemcpy };

	x.dst = sim_translate(&dst->c, x.dst);
	x.src = sim_translate(&src->c, x.src);
	in.x = x;
	return sim_graph_add(k, &in);
}

/* --- 1-D and 2-D ------------------------------------------------------------------------- */

/* Checks a copy, then queues it on a stream (k NULL) or makes it a node of a graph. */
static cudaError_t memcpy2d(void *dst, size_t dpitch, const void *src, size_t spitch,
			    size_t width, size_t height, enum cudaMemcpyKind kind, cudaStream_t h,
			    bool sync_api, struct sim_node_sink *k)
{
	struct endpoint d, s;
	struct sim_stream *st;
	struct sim_xfer x;
	cudaError_t err = cudaSuccess;

	/* Measured: an empty copy node is cudaErrorInvalidValue (an empty captured copy
	 * succeeds and makes no node). */
	if (width == 0 || height == 0)
		return k ? cudaErrorInvalidValue : cudaSuccess;
	if (!kind_valid(kind))
		return cudaErrorInvalidMemcpyDirection;
	if (height == 1) {
		/* One row: no pitch is needed (0 will do), but a short one is refused. */
		if ((dpitch && dpitch < width) || (spitch && spitch < width))
			return cudaErrorInvalidValue;
		dpitch = spitch = width;
	} else if (dpitch < width || spitch < width) {
		return cudaErrorInvalidPitchValue;
	}
	if (!dst || !src)
		return cudaErrorInvalidValue;
	d.p = dst;
	s.p = src;
	if (!extent_of(width, height, 1, dpitch, 0, &d.extent) ||
	    !extent_of(width, height, 1, spitch, 0, &s.extent))
		return cudaErrorInvalidValue;
	if ((err = endpoint_resolve(&d)) || (err = endpoint_resolve(&s)) ||
	    (err = kind_fits(kind, &d, &s)))
		return err;
	memset(&x, 0, sizeof(x));
	x.dst = dst;
	x.src = src;
	x.width = width;
	x.height = height;
	x.depth = 1;
	x.dpitch = dpitch;
	x.spitch = spitch;
	if (k)
		return node_copy(k, x, &d, &s);
	st = stream_for(h, sync_api, &err);
	if (!st)
		return err;
	return submit_copy(st, x, &d, &s, sync_api);
}

cudaError_t sim_cudaMemcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind)
{
	return memcpy2d(dst, count, src, count, count, 1, kind, 0, true, NULL);
}

cudaError_t sim_cudaMemcpyAsync(void *dst, const void *src, size_t count,
				enum cudaMemcpyKind kind, cudaStream_t stream)
{
	return memcpy2d(dst, count, src, count, count, 1, kind, stream, false, NULL);
}

cudaError_t sim_cudaMemcpy2D(void *dst, size_t dpitch, const void *src, size_t spitch,
			     size_t width, size_t height, enum cudaMemcpyKind kind)
{
	return memcpy2d(dst, dpitch, src, spitch, width, height, kind, 0, true, NULL);
}

cudaError_t sim_cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch,
				  size_t width, size_t height, enum cudaMemcpyKind kind,
				  cudaStream_t stream)
{
	return memcpy2d(dst, dpitch, src, spitch, width, height, kind, stream, false, NULL);
}

/* --- 3-D ----------------------------------------------------------------------------------- */

/* One side of a 3-D copy: pointer, position and extent to an endpoint and strides. */
static cudaError_t side3d(const struct cudaPitchedPtr *pp, const struct cudaPos *pos,
			  const struct cudaExtent *e, struct endpoint *out, size_t *pitch,
			  size_t *slice)
{
	size_t ysize = pp->ysize;

	if (!pp->ptr)
		return cudaErrorInvalidValue;
	if (pp->pitch < e->width)
		return cudaErrorInvalidPitchValue;
	if (pos->x > pp->pitch - e->width)
		return cudaErrorInvalidValue;
	if (e->depth > 1) {
		/* Slices need whole planes: a plane shorter than the extent is a bad pitch. */
		if (ysize < e->height)
			return cudaErrorInvalidPitchValue;
		if (pos->y > ysize - e->height)
			return cudaErrorInvalidValue;
	} else if (ysize != 0 && (ysize < e->height || pos->y > ysize - e->height)) {
		return cudaErrorInvalidValue;
	}
	*pitch = pp->pitch;
	if (__builtin_mul_overflow(pp->pitch, ysize, slice))
		return cudaErrorInvalidValue;
	out->p = (const char *)pp->ptr + pos->z * *slice + pos->y * pp->pitch + pos->x;
	if (!extent_of(e->width, e->height, e->depth, *pitch, *slice, &out->extent))
		return cudaErrorInvalidValue;
	return endpoint_resolve(out);
}

static bool extent_empty(const struct cudaExtent *e)
{
	return e->width == 0 || e->height == 0 || e->depth == 0;
}

static cudaError_t memcpy3d(const struct cudaPitchedPtr *dptr, const struct cudaPos *dpos,
			    const struct cudaPitchedPtr *sptr, const struct cudaPos *spos,
			    const struct cudaExtent *e, enum cudaMemcpyKind kind, cudaStream_t h,
			    bool sync_api, struct sim_node_sink *k)
{
	struct endpoint d, s;
	struct sim_stream *st;
	struct sim_xfer x;
	cudaError_t err = cudaSuccess;

	if (extent_empty(e))
		return k ? cudaErrorInvalidValue : cudaSuccess;	/* measured, as memcpy2d */
	if ((err = side3d(dptr, dpos, e, &d, &x.dpitch, &x.dslice)) ||
	    (err = side3d(sptr, spos, e, &s, &x.spitch, &x.sslice)) ||
	    (err = kind_fits(kind, &d, &s)))
		return err;
	x.dst = (char *)d.p;
	x.src = s.p;
	x.width = e->width;
	x.height = e->height;
	x.depth = e->depth;
	if (k)
		return node_copy(k, x, &d, &s);
	st = stream_for(h, sync_api, &err);
	if (!st)
		return err;
	return submit_copy(st, x, &d, &s, sync_api);
}

static cudaError_t arrays_unmodelled(const void *a, const void *b)
{
	static int said;

	if (a || b) {
		sim_note_unmodelled("cudaMemcpy3D with CUDA arrays", &said);
		return cudaErrorNotSupported;
	}
	return cudaSuccess;
}

static cudaError_t parms3d(const struct cudaMemcpy3DParms *p, cudaStream_t h, bool sync_api,
			   struct sim_node_sink *k)
{
	cudaError_t err;

	if (!p)
		return cudaErrorInvalidValue;
	if (!kind_valid(p->kind))
		return cudaErrorInvalidMemcpyDirection;
	if ((err = arrays_unmodelled(p->srcArray, p->dstArray)))
		return err;
	return memcpy3d(&p->dstPtr, &p->dstPos, &p->srcPtr, &p->srcPos, &p->extent, p->kind, h,
			sync_api, k);
}

cudaError_t sim_cudaMemcpy3D(const struct cudaMemcpy3DParms *p)
{
	return parms3d(p, 0, true, NULL);
}

cudaError_t sim_cudaMemcpy3DAsync(const struct cudaMemcpy3DParms *p, cudaStream_t stream)
{
	return parms3d(p, stream, false, NULL);
}

cudaError_t sim_copy_node(const struct cudaMemcpy3DParms *p, struct sim_node_sink *k)
{
	return parms3d(p, 0, false, k);
}

cudaError_t sim_copy1d_node(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
			    struct sim_node_sink *k)
{
	return memcpy2d(dst, count, src, count, count, 1, kind, 0, false, k);
}

/* --- peer copies ------------------------------------------------------------------------- */

/* cudaMemcpyPeer (synchronous API): after everything queued on the devices involved, before
 * everything queued on src and dst after it, without waiting for the host. */
static cudaError_t submit_peer_sync(struct sim_xfer x, const struct endpoint *d,
				    const struct endpoint *s, int dst_dev, int src_dev)
{
	int cur = sim_current_device();
	int devs[3] = { cur, src_dev, dst_dev };
	struct sim_stream *st = sim_default_stream(cur);
	struct sim_op *op = sim_op_new(SIM_OP_COPY);
	uint64_t seq;

	cudaError_t err;

	if (!op || !st) {
		free(op);
		return cudaErrorMemoryAllocation;
	}
	if ((err = sim_capture_gate(st)) || (st->cap && (err = sim_capture_unsupported(st)))) {
		free(op);
		return err;
	}
	for (int i = 0; i < 3; i++) {
		if ((i == 1 && devs[1] == devs[0]) || (i == 2 && (devs[2] == devs[0] ||
								  devs[2] == devs[1])))
			continue;
		for (struct sim_stream *t = sim.dev[devs[i]].streams; t; t = t->dev_next)
			if (t != st && t->enq_seq > t->done_seq)
				sim_op_add_dep(op, t, t->enq_seq);
	}
	x.dst = sim_translate(&d->c, x.dst);
	x.src = sim_translate(&s->c, x.src);
	op->u.copy.x = x;
	seq = sim_enqueue(st, op);
	sim_device_set_barrier(src_dev, st, seq);
	sim_device_set_barrier(dst_dev, st, seq);
	return cudaSuccess;
}

static cudaError_t peer_endpoints(int dst_dev, int src_dev, struct endpoint *d,
				  struct endpoint *s)
{
	cudaError_t err;

	if (!sim_valid_device(dst_dev) || !sim_valid_device(src_dev))
		return cudaErrorInvalidDevice;
	if (!d->p || !s->p)
		return cudaErrorInvalidValue;
	if ((err = endpoint_resolve(d)) || (err = endpoint_resolve(s)))
		return err;
	/* Peer copies move device memory; the device arguments must be valid ordinals but, as
	 * on a real runtime with unified addressing, the pointers decide. */
	if (d->c.kind != SIM_MEM_DEVICE || s->c.kind != SIM_MEM_DEVICE)
		return cudaErrorInvalidValue;
	return cudaSuccess;
}

/* Measured (CUDA_VARIANTS.md section 5): cudaMemcpyPeerAsync and cudaMemcpy3DPeerAsync on a
 * capturing stream answer cudaErrorStreamCaptureUnsupported and invalidate the capture, with
 * and without peer access. */
static cudaError_t peer_async_capture(struct sim_stream *st)
{
	cudaError_t err = sim_capture_gate(st);

	if (err)
		return err;
	return st->cap ? sim_capture_unsupported(st) : cudaSuccess;
}

static cudaError_t memcpy_peer(void *dst, int dst_dev, const void *src, int src_dev, size_t count,
			       cudaStream_t h, bool sync_api)
{
	struct endpoint d = { dst, count, { 0 } }, s = { src, count, { 0 } };
	struct sim_stream *st;
	struct sim_xfer x;
	cudaError_t err = cudaSuccess;

	if (!sim_valid_device(dst_dev) || !sim_valid_device(src_dev))
		return cudaErrorInvalidDevice;
	if (count == 0)
		return cudaSuccess;
	if ((err = peer_endpoints(dst_dev, src_dev, &d, &s)))
		return err;
	memset(&x, 0, sizeof(x));
	x.dst = dst;
	x.src = src;
	x.width = x.dpitch = x.spitch = count;
	x.height = x.depth = 1;
	if (sync_api)
		return submit_peer_sync(x, &d, &s, dst_dev, src_dev);
	st = sim_stream_resolve(h, &err);
	if (!st)
		return err;
	if ((err = peer_async_capture(st)))
		return err;
	return submit_copy(st, x, &d, &s, false);
}

cudaError_t sim_cudaMemcpyPeer(void *dst, int dstDevice, const void *src, int srcDevice,
			       size_t count)
{
	return memcpy_peer(dst, dstDevice, src, srcDevice, count, 0, true);
}

cudaError_t sim_cudaMemcpyPeerAsync(void *dst, int dstDevice, const void *src, int srcDevice,
				    size_t count, cudaStream_t stream)
{
	return memcpy_peer(dst, dstDevice, src, srcDevice, count, stream, false);
}

static cudaError_t peer3d(const struct cudaMemcpy3DPeerParms *p, cudaStream_t h, bool sync_api)
{
	struct endpoint d, s;
	struct sim_stream *st;
	struct sim_xfer x;
	cudaError_t err = cudaSuccess;

	if (!p)
		return cudaErrorInvalidValue;
	if (!sim_valid_device(p->dstDevice) || !sim_valid_device(p->srcDevice))
		return cudaErrorInvalidDevice;
	if ((err = arrays_unmodelled(p->srcArray, p->dstArray)))
		return err;
	if (extent_empty(&p->extent))
		return cudaSuccess;
	if ((err = side3d(&p->dstPtr, &p->dstPos, &p->extent, &d, &x.dpitch, &x.dslice)) ||
	    (err = side3d(&p->srcPtr, &p->srcPos, &p->extent, &s, &x.spitch, &x.sslice)))
		return err;
	x.dst = (char *)d.p;
	x.src = s.p;
	x.width = p->extent.width;
	x.height = p->extent.height;
	x.depth = p->extent.depth;
	if (sync_api && d.c.kind == SIM_MEM_DEVICE && s.c.kind == SIM_MEM_DEVICE)
		return submit_peer_sync(x, &d, &s, p->dstDevice, p->srcDevice);
	st = stream_for(h, sync_api, &err);
	if (!st)
		return err;
	if (!sync_api && (err = peer_async_capture(st)))
		return err;
	return submit_copy(st, x, &d, &s, sync_api);
}

cudaError_t sim_cudaMemcpy3DPeer(const struct cudaMemcpy3DPeerParms *p)
{
	return peer3d(p, 0, true);
}

cudaError_t sim_cudaMemcpy3DPeerAsync(const struct cudaMemcpy3DPeerParms *p, cudaStream_t stream)
{
	return peer3d(p, stream, false);
}

/* --- memset -------------------------------------------------------------------------------- */

static cudaError_t memset3d(void *ptr, size_t pitch, size_t slice, int value, size_t width,
			    size_t height, size_t depth, cudaStream_t h, bool sync_api)
{
	struct endpoint e;
	struct sim_stream *st;
	struct sim_op *op;
	uint64_t seq;
	cudaError_t err = cudaSuccess;

	if (width == 0 || height == 0 || depth == 0)
		return cudaSuccess;
	if (!ptr)
		return cudaErrorInvalidValue;
	if (height == 1 && depth == 1)
		pitch = slice = width;	/* one row: the pitch is not used */
	else if (pitch < width)
		return cudaErrorInvalidValue;
	e.p = ptr;
	if (!extent_of(width, height, depth, pitch, slice, &e.extent))
		return cudaErrorInvalidValue;
	if ((err = endpoint_resolve(&e)))
		return err;
	if (!device_reachable(&e.c))
		return cudaErrorInvalidValue;
	/* Unlike a copy, a memset runs on the device that issues it (the stream's, or the
	 * current one): it must reach the memory (measured on real GPUs). */
	st = sync_api ? sim_default_stream(sim_current_device()) : sim_stream_resolve(h, &err);
	if (!st)
		return err ? err : cudaErrorMemoryAllocation;
	if (e.c.kind == SIM_MEM_DEVICE && !sim_device_reaches(st->device, e.c.device))
		return cudaErrorInvalidValue;
	if ((err = sim_capture_gate(st)))
		return err;
	if (st->cap) {
		/* Measured: a captured memset is one memset node (device or pinned memory,
		 * 1-D or 2-D). A synchronous call cannot be captured. */
		struct sim_node_init in = { .type = cudaGraphNodeTypeMemset, .elem = 1,
					    .value = (unsigned char)value };

		if (sync_api)
			return sim_capture_unsupported(st);
		in.x.dst = sim_translate(&e.c, ptr);
		in.x.width = width;
		in.x.height = height;
		in.x.depth = depth;
		in.x.dpitch = pitch;
		in.x.dslice = slice;
		return sim_capture_add(st, &in);
	}
	op = sim_op_new(SIM_OP_MEMSET);
	if (!op)
		return cudaErrorMemoryAllocation;
	op->u.memset.x.dst = sim_translate(&e.c, ptr);
	op->u.memset.x.width = width;
	op->u.memset.x.height = height;
	op->u.memset.x.depth = depth;
	op->u.memset.x.dpitch = pitch;
	op->u.memset.x.dslice = slice;
	op->u.memset.value = (unsigned char)value;
	seq = sim_enqueue(st, op);
	/* The synchronous API waits only for host memory. */
	if (sync_api && e.c.kind != SIM_MEM_DEVICE) {
		sim_wait_dep(st, seq);
		if (stream_failed(st, &err))
			return err;
	}
	return cudaSuccess;
}

cudaError_t sim_cudaMemset(void *devPtr, int value, size_t count)
{
	return memset3d(devPtr, count, count, value, count, 1, 1, 0, true);
}

cudaError_t sim_cudaMemsetAsync(void *devPtr, int value, size_t count, cudaStream_t stream)
{
	return memset3d(devPtr, count, count, value, count, 1, 1, stream, false);
}

cudaError_t sim_cudaMemset2D(void *devPtr, size_t pitch, int value, size_t width, size_t height)
{
	return memset3d(devPtr, pitch, pitch * height, value, width, height, 1, 0, true);
}

cudaError_t sim_cudaMemset2DAsync(void *devPtr, size_t pitch, int value, size_t width,
				  size_t height, cudaStream_t stream)
{
	return memset3d(devPtr, pitch, pitch * height, value, width, height, 1, stream, false);
}

cudaError_t sim_cudaMemset3D(struct cudaPitchedPtr p, int value, struct cudaExtent extent)
{
	return memset3d(p.ptr, p.pitch, p.pitch * p.ysize, value, extent.width, extent.height,
			extent.depth, 0, true);
}

cudaError_t sim_cudaMemset3DAsync(struct cudaPitchedPtr p, int value, struct cudaExtent extent,
				  cudaStream_t stream)
{
	return memset3d(p.ptr, p.pitch, p.pitch * p.ysize, value, extent.width, extent.height,
			extent.depth, stream, false);
}

/*
 * cudaGraphAddMemsetNode. Measured: element sizes 1 and 4 are accepted (4 fills 32-bit
 * words), 3 is cudaErrorInvalidValue, as is a height above 1 with a pitch of 0; pinned memory
 * is accepted. Docs: the element size is 1, 2 or 4, the width counts elements. A node does
 * not check which device will reach the memory (it runs on the launching stream's).
 */
cudaError_t sim_memset_node(const struct cudaMemsetParams *p, struct sim_node_sink *k)
{
	struct sim_node_init in = { .type = cudaGraphNodeTypeMemset };
	struct endpoint e;
	size_t width, pitch;
	cudaError_t err;

	if (!p || !p->dst || (p->elementSize != 1 && p->elementSize != 2 && p->elementSize != 4))
		return cudaErrorInvalidValue;
	if (p->width == 0 || p->height == 0 ||
	    __builtin_mul_overflow(p->width, (size_t)p->elementSize, &width))
		return cudaErrorInvalidValue;
	pitch = p->height == 1 ? width : p->pitch;
	if (pitch < width)
		return cudaErrorInvalidValue;
	e.p = p->dst;
	if (!extent_of(width, p->height, 1, pitch, 0, &e.extent))
		return cudaErrorInvalidValue;
	if ((err = endpoint_resolve(&e)))
		return err;
	if (!device_reachable(&e.c))
		return cudaErrorInvalidValue;
	in.x.dst = sim_translate(&e.c, p->dst);
	in.x.width = width;
	in.x.height = p->height;
	in.x.depth = 1;
	in.x.dpitch = pitch;
	in.x.dslice = pitch * p->height;
	in.elem = p->elementSize;
	in.value = p->elementSize == 1 ? (unsigned char)p->value :
		   p->elementSize == 2 ? (uint16_t)p->value : p->value;
	return sim_graph_add(k, &in);
}

/* --- cudaMemcpyBatchAsync ------------------------------------------------------------------- */

/*
 * The 13.0 form (CUDA_VARIANTS.md V01), as a series of cudaMemcpyAsync(cudaMemcpyDefault) on
 * the stream. Measured: the legacy stream is cudaErrorInvalidValue, the per-thread stream is
 * accepted; no copies, no attributes, or an attribute whose srcAccessOrder is 0 (Invalid) is
 * cudaErrorInvalidValue (also during a capture, where these checks come first); a copy of 0
 * bytes is cudaErrorInvalidValue. On a capturing stream the call answers
 * cudaErrorStreamCaptureUnsupported WITHOUT invalidating the capture: the copies are missing
 * from the graph and cudaStreamEndCapture succeeds. Docs: attrsIdxs[0] is 0 and the indices
 * rise strictly, numAttrs <= count. The location hints and flags are not checked here.
 */
cudaError_t sim_cudaMemcpyBatchAsync(void *const *dsts, const void *const *srcs,
				     const size_t *sizes, size_t count,
				     struct cudaMemcpyAttributes *attrs, size_t *attrsIdxs,
				     size_t numAttrs, cudaStream_t stream)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *st;

	if (count == 0 || numAttrs == 0 || numAttrs > count || !dsts || !srcs || !sizes ||
	    !attrs || !attrsIdxs || attrsIdxs[0] != 0)
		return cudaErrorInvalidValue;
	for (size_t i = 0; i < numAttrs; i++) {
		if (attrs[i].srcAccessOrder < cudaMemcpySrcAccessOrderStream ||
		    attrs[i].srcAccessOrder > cudaMemcpySrcAccessOrderAny)
			return cudaErrorInvalidValue;
		if (i && (attrsIdxs[i] <= attrsIdxs[i - 1] || attrsIdxs[i] >= count))
			return cudaErrorInvalidValue;
	}
	for (size_t i = 0; i < count; i++)
		if (sizes[i] == 0 || !dsts[i] || !srcs[i])
			return cudaErrorInvalidValue;
	st = sim_stream_resolve(stream, &err);
	if (!st)
		return err;
	if (st->type == SIM_STREAM_LEGACY)
		return cudaErrorInvalidValue;
	if ((err = sim_capture_gate(st)))
		return err;
	if (st->cap)
		return cudaErrorStreamCaptureUnsupported;	/* and the capture goes on */
	for (size_t i = 0; i < count; i++) {
		err = memcpy2d(dsts[i], sizes[i], srcs[i], sizes[i], sizes[i], 1, cudaMemcpyDefault,
			       stream, false, NULL);
		if (err)
			return err;
	}
	return cudaSuccess;
}
