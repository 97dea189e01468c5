/*
 * memory.c: device memory, pinned and registered host memory, and what a pointer is.
 *
 * Device memory. Each device owns two address ranges of the same size, reserved on first use
 * with MAP_NORESERVE so that an 80 GiB device takes no host memory until it is written:
 *   - the user-visible range (PROT_NONE): cudaMalloc hands out addresses in it, so that a
 *     program that dereferences a device pointer on the host faults, as it would on a GPU;
 *   - the simulator's view (read-write): copies and memsets translate a device address to
 *     the same offset here.
 * Allocations are placed next-fit (addresses are not reused at once, so a stale pointer
 * finds no allocation for a while) and kept in a sorted array. The reserved range is twice
 * the device's capacity, so fragmentation does not refuse an allocation the capacity allows.
 * cudaFree gives the pages back (MADV_DONTNEED).
 *
 * Host memory. cudaHostAlloc/cudaMallocHost map fresh pages; cudaHostRegister records a range
 * of the caller's memory. Both kinds live in one sorted array of ranges that never overlap.
 * Everything else is pageable host memory.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEAP_GRANULE (2ULL << 20)

static struct sim_host_range *host_ranges;
static size_t nhost, cap_host;

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static bool heap_reserve(struct sim_heap *h)
{
	size_t size;

	if (h->va)
		return true;
	if (sim_cfg.mem_bytes > SIZE_MAX / 4)
		return false;
	size = round_up(sim_cfg.mem_bytes * 2, HEAP_GRANULE);
	h->va = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (h->va == MAP_FAILED) {
		h->va = NULL;
		return false;
	}
	h->rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		     -1, 0);
	if (h->rw == MAP_FAILED) {
		munmap(h->va, size);
		h->va = NULL;
		h->rw = NULL;
		return false;
	}
	h->va_size = size;
	h->capacity = sim_cfg.mem_bytes;
	return true;
}

bool sim_memory_init(char *err, size_t errlen)
{
	/* Device 0 is reserved now, so that a machine that cannot reserve the address space is
	 * told at start-up, not at the first cudaMalloc. */
	if (sim_cfg.devices > 0 && !heap_reserve(&sim.dev[0].heap)) {
		snprintf(err, errlen,
			 "cannot reserve %zu MiB of address space for a device of FERRY_SIM_MEM=%zu "
			 "MiB (lower FERRY_SIM_MEM, or allow overcommit)",
			 sim_cfg.mem_bytes * 2 >> 20, sim_cfg.mem_bytes >> 20);
		return false;
	}
	return true;
}

/* Index of the first allocation whose base is > addr. */
static size_t alloc_upper(const struct sim_heap *h, uintptr_t addr)
{
	size_t lo = 0, hi = h->nallocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->allocs[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct sim_alloc *alloc_find(const struct sim_heap *h, uintptr_t addr)
{
	size_t i = alloc_upper(h, addr);
	const struct sim_alloc *a;

	if (i == 0)
		return NULL;
	a = &h->allocs[i - 1];
	if (addr < a->base + (a->size ? a->size : 1))
		return a;
	return NULL;
}

/* First offset >= from (in [from, limit)) of a gap of span bytes, or SIZE_MAX. */
static size_t heap_fit(const struct sim_heap *h, size_t from, size_t limit, size_t span)
{
	uintptr_t va = (uintptr_t)h->va;
	size_t i = alloc_upper(h, va + from);
	size_t pos = from;

	if (i > 0) {
		const struct sim_alloc *prev = &h->allocs[i - 1];
		size_t prev_end = prev->base - va + prev->span;

		if (prev_end > pos)
			pos = prev_end;
	}
	for (;; i++) {
		size_t gap_end = i < h->nallocs ? h->allocs[i].base - va : h->va_size;

		if (gap_end > limit)
			gap_end = limit;
		if (pos <= gap_end && gap_end - pos >= span)
			return pos;
		if (i >= h->nallocs || h->allocs[i].base - va >= limit)
			return SIZE_MAX;
		pos = h->allocs[i].base - va + h->allocs[i].span;
	}
}

cudaError_t sim_device_alloc(int dev, size_t size, size_t pitch, void **out)
{
	struct sim_heap *h = &sim.dev[dev].heap;
	size_t span, off;
	struct sim_alloc a;
	size_t i;

	if (size > sim_cfg.mem_bytes)
		return cudaErrorMemoryAllocation;
	span = round_up(size, SIM_ALLOC_ALIGN);
	if (!heap_reserve(h) || sim_heap_charged(h->used + span) > h->capacity)
		return cudaErrorMemoryAllocation;
	off = heap_fit(h, h->cursor, h->va_size, span);
	if (off == SIZE_MAX)
		off = heap_fit(h, 0, h->va_size, span);
	if (off == SIZE_MAX)
		return cudaErrorMemoryAllocation;
	if (h->nallocs == h->cap_allocs) {
		size_t cap = h->cap_allocs ? h->cap_allocs * 2 : 64;
		struct sim_alloc *n = realloc(h->allocs, cap * sizeof(*n));

		if (!n)
			return cudaErrorMemoryAllocation;
		h->allocs = n;
		h->cap_allocs = cap;
	}
	a.base = (uintptr_t)h->va + off;
	a.size = size;
	a.span = span;
	a.pitch = pitch;
	i = alloc_upper(h, a.base);
	memmove(&h->allocs[i + 1], &h->allocs[i], (h->nallocs - i) * sizeof(a));
	h->allocs[i] = a;
	h->nallocs++;
	h->used += span;
	h->cursor = off + span;
	*out = (void *)a.base;
	return cudaSuccess;
}

/* What the device's memory accounting charges for used bytes: the real runtime maps device
 * memory in 2 MiB pages (cudaMalloc(1) takes 2 MiB from cudaMemGetInfo's free; 1 GiB takes
 * exactly 1 GiB). */
size_t sim_heap_charged(size_t used)
{
	return round_up(used, HEAP_GRANULE);
}

static void heap_release_pages(struct sim_heap *h, uintptr_t base, size_t span)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t off = base - (uintptr_t)h->va;
	uintptr_t start = round_up(off, page);
	uintptr_t end = (off + span) / page * page;

	if (end > start)
		madvise(h->rw + start, end - start, MADV_DONTNEED);
}

static int device_of(const void *p)
{
	uintptr_t a = (uintptr_t)p;

	for (int d = 0; d < sim_cfg.devices; d++) {
		const struct sim_heap *h = &sim.dev[d].heap;

		if (h->va && a >= (uintptr_t)h->va && a < (uintptr_t)h->va + h->va_size)
			return d;
	}
	return -1;
}

cudaError_t sim_device_free(void *p)
{
	int dev = device_of(p);
	struct sim_heap *h;
	size_t i;

	if (dev < 0)
		return cudaErrorInvalidValue;
	h = &sim.dev[dev].heap;
	i = alloc_upper(h, (uintptr_t)p);
	if (i == 0 || h->allocs[i - 1].base != (uintptr_t)p)
		return cudaErrorInvalidValue;
	i--;
	heap_release_pages(h, h->allocs[i].base, h->allocs[i].span);
	h->used -= h->allocs[i].span;
	memmove(&h->allocs[i], &h->allocs[i + 1], (h->nallocs - i - 1) * sizeof(h->allocs[0]));
	h->nallocs--;
	return cudaSuccess;
}

void sim_device_free_all(int dev)
{
	struct sim_heap *h = &sim.dev[dev].heap;

	for (size_t i = 0; i < h->nallocs; i++)
		heap_release_pages(h, h->allocs[i].base, h->allocs[i].span);
	h->nallocs = 0;
	h->used = 0;
	h->cursor = 0;
}

/* --- host ranges ------------------------------------------------------------------------ */

static size_t host_upper(uintptr_t addr)
{
	size_t lo = 0, hi = nhost;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (host_ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct sim_host_range *host_find(uintptr_t addr)
{
	size_t i = host_upper(addr);

	if (i > 0 && addr < host_ranges[i - 1].base + host_ranges[i - 1].size)
		return &host_ranges[i - 1];
	return NULL;
}

/* A known host range that [base, base+size) overlaps, or NULL. */
static const struct sim_host_range *host_overlap(uintptr_t base, size_t size)
{
	size_t i = host_upper(base);

	if (i > 0 && base < host_ranges[i - 1].base + host_ranges[i - 1].size)
		return &host_ranges[i - 1];
	if (i < nhost && host_ranges[i].base < base + size)
		return &host_ranges[i];
	return NULL;
}

static bool host_insert(const struct sim_host_range *r)
{
	size_t i;

	if (nhost == cap_host) {
		size_t cap = cap_host ? cap_host * 2 : 64;
		struct sim_host_range *n = realloc(host_ranges, cap * sizeof(*n));

		if (!n)
			return false;
		host_ranges = n;
		cap_host = cap;
	}
	i = host_upper(r->base);
	memmove(&host_ranges[i + 1], &host_ranges[i], (nhost - i) * sizeof(*r));
	host_ranges[i] = *r;
	nhost++;
	return true;
}

static void host_remove(const struct sim_host_range *r)
{
	size_t i = (size_t)(r - host_ranges);

	memmove(&host_ranges[i], &host_ranges[i + 1], (nhost - i - 1) * sizeof(*r));
	nhost--;
}

static cudaError_t sim_host_alloc(void **out, size_t size, unsigned flags)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct sim_host_range r;
	void *p;

	if (size == 0) {
		*out = NULL;
		return cudaSuccess;
	}
	if (size > SIZE_MAX - page || sim.pinned_bytes > sim_cfg.pinned_max ||
	    size > sim_cfg.pinned_max - sim.pinned_bytes)
		return cudaErrorMemoryAllocation;
	r.map_size = round_up(size, page);
	p = mmap(NULL, r.map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return cudaErrorMemoryAllocation;
	r.base = (uintptr_t)p;
	r.size = size;
	r.flags = flags;
	r.device = sim_current_device();
	r.kind = SIM_MEM_PINNED;
	if (!host_insert(&r)) {
		munmap(p, r.map_size);
		return cudaErrorMemoryAllocation;
	}
	sim.pinned_bytes += size;
	*out = p;
	return cudaSuccess;
}

static cudaError_t sim_host_free(void *p)
{
	const struct sim_host_range *r = host_find((uintptr_t)p);
	void *base;
	size_t map_size;

	if (!r || r->kind != SIM_MEM_PINNED || r->base != (uintptr_t)p)
		return cudaErrorInvalidValue;
	base = (void *)r->base;
	map_size = r->map_size;
	sim.pinned_bytes -= r->size;
	host_remove(r);
	munmap(base, map_size);
	return cudaSuccess;
}

static cudaError_t sim_host_register(void *p, size_t size, unsigned flags)
{
	const struct sim_host_range *o = host_overlap((uintptr_t)p, size);
	struct sim_host_range r;

	/* Real CUDA: overlapping a registration is 712; overlapping pinned memory, 1. */
	if (o)
		return o->kind == SIM_MEM_REGISTERED ? cudaErrorHostMemoryAlreadyRegistered :
						       cudaErrorInvalidValue;
	if (sim.pinned_bytes > sim_cfg.pinned_max || size > sim_cfg.pinned_max - sim.pinned_bytes)
		return cudaErrorMemoryAllocation;
	r.base = (uintptr_t)p;
	r.size = size;
	r.flags = flags;
	r.device = sim_current_device();
	r.kind = SIM_MEM_REGISTERED;
	r.map_size = 0;
	if (!host_insert(&r))
		return cudaErrorMemoryAllocation;
	sim.pinned_bytes += size;
	return cudaSuccess;
}

static cudaError_t sim_host_unregister(void *p)
{
	const struct sim_host_range *r = host_find((uintptr_t)p);

	if (!r || r->kind != SIM_MEM_REGISTERED || r->base != (uintptr_t)p)
		return cudaErrorHostMemoryNotRegistered;
	sim.pinned_bytes -= r->size;
	host_remove(r);
	return cudaSuccess;
}

/* --- classification ---------------------------------------------------------------------- */

void sim_classify(const void *p, struct sim_ptr *out)
{
	int dev = device_of(p);

	memset(out, 0, sizeof(*out));
	out->device = -1;
	if (dev >= 0) {
		out->kind = SIM_MEM_DEVICE;
		out->device = dev;
		out->alloc = alloc_find(&sim.dev[dev].heap, (uintptr_t)p);
		return;
	}
	out->range = host_find((uintptr_t)p);
	if (out->range) {
		out->kind = out->range->kind;
		out->device = out->range->device;
	} else {
		out->kind = SIM_MEM_PAGEABLE;
	}
}

char *sim_translate(const struct sim_ptr *c, const void *p)
{
	if (c->kind == SIM_MEM_DEVICE) {
		const struct sim_heap *h = &sim.dev[c->device].heap;

		return h->rw + ((uintptr_t)p - (uintptr_t)h->va);
	}
	return (char *)p;
}

/* --- the allocation API ---------------------------------------------------------------- */

cudaError_t sim_cudaMalloc(void **devPtr, size_t size)
{
	cudaError_t err;

	if (!devPtr)
		return cudaErrorInvalidValue;
	/* Measured: forbidden by the capture modes (graph.c, sim_capture_unsafe). */
	if ((err = sim_capture_unsafe()))
		return err;
	if (size == 0) {
		*devPtr = NULL;
		return cudaSuccess;
	}
	return sim_device_alloc(sim_current_device(), size, 0, devPtr);
}

static cudaError_t pitched_alloc(void **out, size_t *pitch, size_t width, size_t height,
				 size_t depth)
{
	size_t p, bytes;
	cudaError_t err;

	if (width == 0 || height == 0 || depth == 0) {
		*out = NULL;
		*pitch = 0;
		return cudaSuccess;
	}
	if (width > SIZE_MAX - SIM_PITCH_ALIGN)
		return cudaErrorMemoryAllocation;
	p = round_up(width, SIM_PITCH_ALIGN);
	if (__builtin_mul_overflow(p, height, &bytes) ||
	    __builtin_mul_overflow(bytes, depth, &bytes))
		return cudaErrorMemoryAllocation;
	err = sim_device_alloc(sim_current_device(), bytes, p, out);
	if (err == cudaSuccess)
		*pitch = p;
	return err;
}

cudaError_t sim_cudaMallocPitch(void **devPtr, size_t *pitch, size_t width, size_t height)
{
	if (!devPtr || !pitch)
		return cudaErrorInvalidValue;
	return pitched_alloc(devPtr, pitch, width, height, 1);
}

cudaError_t sim_cudaMalloc3D(struct cudaPitchedPtr *pitchedDevPtr, struct cudaExtent extent)
{
	struct cudaPitchedPtr pp = { NULL, 0, extent.width, extent.height };
	cudaError_t err;

	if (!pitchedDevPtr)
		return cudaErrorInvalidValue;
	err = pitched_alloc(&pp.ptr, &pp.pitch, extent.width, extent.height, extent.depth);
	if (err == cudaSuccess)
		*pitchedDevPtr = pp;
	return err;
}

cudaError_t sim_cudaFree(void *devPtr)
{
	int owner;

	cudaError_t err;

	if (!devPtr)
		return cudaSuccess;
	/* Measured: forbidden by the capture modes (graph.c, sim_capture_unsafe). */
	if ((err = sim_capture_unsafe()))
		return err;
	/* cudaFree synchronizes: nothing queued may still use the memory. */
	owner = device_of(devPtr);
	sim_wait_device(sim_current_device());
	if (owner >= 0)
		sim_wait_device(owner);
	return sim_device_free(devPtr);
}

/* A real runtime captures cudaMallocAsync as a memory-allocation node (measured); memory
 * nodes are not modelled: the call answers cudaErrorNotSupported and invalidates the capture,
 * so that the program does not go on with a graph that lacks the node. */
static cudaError_t capture_unmodelled(struct sim_stream *s)
{
	static int said;
	cudaError_t err = sim_capture_gate(s);

	if (err || !s->cap)
		return err;
	sim_capture_unsupported(s);
	sim_note_unmodelled("cudaMallocAsync/cudaFreeAsync in a stream capture", &said);
	return cudaErrorNotSupported;
}

cudaError_t sim_cudaMallocAsync(void **devPtr, size_t size, cudaStream_t hStream)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *s;

	if (!devPtr)
		return cudaErrorInvalidValue;
	s = sim_stream_resolve(hStream, &err);
	if (!s)
		return err;
	if ((err = capture_unmodelled(s)))
		return err;
	if (size == 0) {
		*devPtr = NULL;
		return cudaSuccess;
	}
	return sim_device_alloc(s->device, size, 0, devPtr);
}

cudaError_t sim_cudaFreeAsync(void *devPtr, cudaStream_t hStream)
{
	cudaError_t err = cudaSuccess;
	struct sim_stream *s;
	struct sim_ptr c;
	struct sim_op *op;

	s = sim_stream_resolve(hStream, &err);
	if (!s)
		return err;
	if ((err = capture_unmodelled(s)))
		return err;
	if (!devPtr)
		return cudaSuccess;
	sim_classify(devPtr, &c);
	if (c.kind != SIM_MEM_DEVICE || !c.alloc || c.alloc->base != (uintptr_t)devPtr)
		return cudaErrorInvalidValue;
	op = sim_op_new(SIM_OP_FREE);
	if (!op)
		return cudaErrorMemoryAllocation;
	op->u.free.ptr = devPtr;
	sim_enqueue(s, op);
	return cudaSuccess;
}

cudaError_t sim_cudaPointerGetAttributes(struct cudaPointerAttributes *attributes,
					 const void *ptr)
{
	struct cudaPointerAttributes a;
	struct sim_ptr c;

	if (!attributes)
		return cudaErrorInvalidValue;
	memset(&a, 0, sizeof(a));
	sim_classify(ptr, &c);
	if (c.kind == SIM_MEM_DEVICE && c.alloc) {
		a.type = cudaMemoryTypeDevice;
		a.device = c.device;
		/* The address for the current device: none until it may reach the memory. */
		if (sim_device_reaches(sim_current_device(), c.device))
			a.devicePointer = (void *)ptr;
	} else if (c.kind == SIM_MEM_PINNED || c.kind == SIM_MEM_REGISTERED) {
		a.type = cudaMemoryTypeHost;
		a.device = c.device;
		a.devicePointer = (void *)ptr;
		a.hostPointer = (void *)ptr;
	} else {
		/* CUDA 13 answers unknown memory (NULL, freed device memory too) as unregistered
		 * host memory on no device. */
		a.type = cudaMemoryTypeUnregistered;
		a.device = cudaInvalidDeviceId;
		a.hostPointer = (void *)ptr;
	}
	*attributes = a;
	return cudaSuccess;
}

#define HOST_ALLOC_FLAGS (cudaHostAllocPortable | cudaHostAllocMapped | cudaHostAllocWriteCombined)
#define HOST_REGISTER_FLAGS \
	(cudaHostRegisterPortable | cudaHostRegisterMapped | cudaHostRegisterIoMemory | \
	 cudaHostRegisterReadOnly)

cudaError_t sim_cudaHostAlloc(void **pHost, size_t size, unsigned int flags)
{
	cudaError_t err;

	if (!pHost || (flags & ~(unsigned)HOST_ALLOC_FLAGS))
		return cudaErrorInvalidValue;
	/* Measured for cudaMallocHost (which comes here): forbidden by the capture modes
	 * (graph.c, sim_capture_unsafe). */
	if ((err = sim_capture_unsafe()))
		return err;
	/* Every pinned allocation is mapped under unified addressing: the flags say so. */
	return sim_host_alloc(pHost, size, flags | cudaHostAllocMapped);
}

cudaError_t sim_cudaMallocHost(void **ptr, size_t size)
{
	return sim_cudaHostAlloc(ptr, size, cudaHostAllocDefault);
}

cudaError_t sim_cudaFreeHost(void *ptr)
{
	if (!ptr)
		return cudaSuccess;
	sim_wait_all();
	return sim_host_free(ptr);
}

cudaError_t sim_cudaHostRegister(void *ptr, size_t size, unsigned int flags)
{
	/* cudaHostRegisterIoMemory is for device memory mapped into the host (a PCI BAR); on
	 * ordinary memory the real runtime refuses it. */
	if (!ptr || size == 0 || (flags & ~(unsigned)HOST_REGISTER_FLAGS) ||
	    (flags & cudaHostRegisterIoMemory))
		return cudaErrorInvalidValue;
	return sim_host_register(ptr, size, flags | cudaHostRegisterMapped);
}

cudaError_t sim_cudaHostUnregister(void *ptr)
{
	const struct sim_host_range *r;

	if (!ptr)
		return cudaErrorInvalidValue;
	r = host_find((uintptr_t)ptr);
	if (!r)
		return cudaErrorHostMemoryNotRegistered;
	if (r->kind != SIM_MEM_REGISTERED || r->base != (uintptr_t)ptr)
		return cudaErrorInvalidValue;
	sim_wait_all();
	return sim_host_unregister(ptr);
}

cudaError_t sim_cudaHostGetDevicePointer(void **pDevice, void *pHost, unsigned int flags)
{
	if (!pDevice || !pHost || flags != 0 || !host_find((uintptr_t)pHost))
		return cudaErrorInvalidValue;
	/* CanUseHostPointerForRegisteredMem: the device uses the host's address. */
	*pDevice = pHost;
	return cudaSuccess;
}

cudaError_t sim_cudaHostGetFlags(unsigned int *pFlags, void *pHost)
{
	const struct sim_host_range *r;

	if (!pFlags || !pHost)
		return cudaErrorInvalidValue;
	r = host_find((uintptr_t)pHost);
	if (!r)
		return cudaErrorInvalidValue;
	*pFlags = r->flags;
	return cudaSuccess;
}

/* cudaDeviceReset: the pinned memory allocated with dev current goes with its context;
 * registrations are dropped (the memory stays the caller's). */
void sim_host_drop_device(int dev)
{
	size_t i = 0;

	while (i < nhost) {
		struct sim_host_range *r = &host_ranges[i];

		if (r->device != dev) {
			i++;
			continue;
		}
		sim.pinned_bytes -= r->size;
		if (r->kind == SIM_MEM_PINNED)
			munmap((void *)r->base, r->map_size);
		host_remove(r);
	}
}
