/*
 * sim.h: internals of libferry_sim.so, the CUDA runtime in host memory.
 *
 * Divisions (one source file each):
 *   config.c     FERRY_SIM_* variables, checked before main runs
 *   errors.c     the last-error slot, error names and messages
 *   device.c     devices, properties, attributes, limits, peer access
 *   memory.c     device heaps (reserved address space), pinned and registered host memory,
 *                pointer classification and attributes
 *   copy.c       the memcpy and memset families: argument checks, then stream operations
 *   stream.c     streams, the operations queued on them, the seeded scheduler, waits,
 *                host functions and their thread
 *   event.c      events
 *   graph.c      stream capture and CUDA graphs of copies, memsets, events and host functions
 *   api.c        the exported functions, expanded from common/cuda_api.def
 *   unmodelled.c every other libcudart.so.13 export: cudaErrorNotSupported, said once
 *   handles.c    the set of live stream and event handles
 *   control.c    the simulator's own control API (ferry_sim.h)
 *
 * Concurrency: one mutex (sim.lock) guards all state. Every exported call takes it in
 * sim_enter() and drops it in sim_leave(); queued operations run on the calling thread while
 * it holds the lock, except host functions, which run on a host-function thread of their
 * device without the lock. Waits drop the lock on sim.cond.
 *
 * Names: sim_ for internal functions and types (all hidden from the dynamic linker).
 */
#ifndef FERRY_SIM_H_INTERNAL
#define FERRY_SIM_H_INTERNAL

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_DEVICES 32
#define SIM_MAX_PEERS 8		/* peer connections per device, as on real hardware */
#define SIM_ALLOC_ALIGN 512	/* cudaMalloc alignment */
#define SIM_PITCH_ALIGN 512	/* cudaMallocPitch row alignment (texturePitchAlignment) */
#define SIM_RUNTIME_VERSION 13000
#define SIM_DRIVER_VERSION 13000

/* --- configuration (config.c) ------------------------------------------------------------ */

enum sim_sched_mode {
	SIM_SCHED_RANDOM,	/* run a random number of ready operations at each call */
	SIM_SCHED_EAGER,	/* run every ready operation at each call */
	SIM_SCHED_LAZY,		/* run operations only when a wait needs them */
};

struct sim_config {
	int devices;
	size_t mem_bytes;		/* per device */
	uint64_t seed;
	enum sim_sched_mode sched;
	bool peer[SIM_MAX_DEVICES][SIM_MAX_DEVICES];	/* [a][b]: a can access b */
	size_t pinned_max;		/* SIZE_MAX: no limit */
	unsigned progress_ms;		/* 0: no progress without calls */
};

extern struct sim_config sim_cfg;

/* Parses the environment into sim_cfg; on a bad value writes a message naming the variable
 * into err and returns false. */
bool sim_config_load(char *err, size_t errlen);

/* --- errors (errors.c) -------------------------------------------------------------------- */

void sim_set_last_error(cudaError_t err);
cudaError_t sim_get_last_error(bool clear);
const char *sim_error_name(cudaError_t err);
const char *sim_error_string(cudaError_t err);

/* --- random numbers (stream.c): the scheduler's, seeded with FERRY_SIM_SEED --------------- */

uint64_t sim_rand(void);

/* --- memory (memory.c) -------------------------------------------------------------------- */

struct sim_alloc {
	uintptr_t base;		/* user-visible address */
	size_t size;		/* bytes asked for */
	size_t span;		/* bytes reserved (rounded) */
	size_t pitch;		/* row pitch for pitched allocations, else 0 */
};

struct sim_heap {
	char *va;		/* user-visible range: reserved, PROT_NONE, never touched */
	char *rw;		/* the simulator's view of the same bytes */
	size_t va_size;
	size_t capacity;
	size_t used;
	uintptr_t cursor;	/* next-fit allocation cursor (offset) */
	struct sim_alloc *allocs;	/* sorted by base */
	size_t nallocs, cap_allocs;
};

enum sim_mem_kind {
	SIM_MEM_PAGEABLE,	/* host memory the runtime does not know */
	SIM_MEM_PINNED,		/* cudaHostAlloc / cudaMallocHost */
	SIM_MEM_REGISTERED,	/* cudaHostRegister */
	SIM_MEM_DEVICE,		/* inside a device's address range */
};

struct sim_host_range {
	uintptr_t base;
	size_t size;
	unsigned flags;
	int device;		/* device current when it was allocated or registered */
	enum sim_mem_kind kind;
	size_t map_size;	/* bytes mapped, for pinned allocations */
};

/* What a pointer is, for copies and attributes. */
struct sim_ptr {
	enum sim_mem_kind kind;
	int device;			/* SIM_MEM_DEVICE: owning device; host kinds: see range */
	const struct sim_alloc *alloc;	/* SIM_MEM_DEVICE: the allocation, or NULL if none */
	const struct sim_host_range *range;	/* pinned or registered: the range */
};

bool sim_memory_init(char *err, size_t errlen);
void sim_host_drop_device(int dev);
void sim_classify(const void *p, struct sim_ptr *out);
/* The simulator's address for a user-visible pointer (device memory is translated). */
char *sim_translate(const struct sim_ptr *c, const void *p);
cudaError_t sim_device_alloc(int dev, size_t size, size_t pitch, void **out);
size_t sim_heap_charged(size_t used);
cudaError_t sim_device_free(void *p);
void sim_device_free_all(int dev);

/* --- streams, operations and the scheduler (stream.c) --------------------------------- */

#define SIM_STREAM_MAGIC 0x5354524dU	/* "STRM" */
#define SIM_EVENT_MAGIC 0x4556544eU	/* "EVTN" */

enum sim_stream_type { SIM_STREAM_USER, SIM_STREAM_LEGACY, SIM_STREAM_PER_THREAD };

struct sim_stream;

/* "Stream s has completed its operations up to sequence number seq." */
struct sim_dep {
	struct sim_stream *s;
	uint64_t seq;
	bool implicit;		/* a blocking stream's wait for the legacy stream */
};

/* A strided block of bytes: depth slices of height rows of width bytes. */
struct sim_xfer {
	char *dst;
	const char *src;
	size_t width, height, depth;
	size_t dpitch, spitch;		/* row pitches */
	size_t dslice, sslice;		/* slice pitches */
};

enum sim_op_kind {
	SIM_OP_COPY,
	SIM_OP_MEMSET,
	SIM_OP_RECORD,		/* event record */
	SIM_OP_HOST_FN,		/* cudaLaunchHostFunc / cudaStreamAddCallback */
	SIM_OP_FREE,		/* cudaFreeAsync */
	SIM_OP_WAIT,		/* cudaStreamWaitEvent: dependencies only */
};

struct sim_event;

struct sim_op {
	struct sim_op *next;		/* in its stream */
	struct sim_op *hostfn_next;	/* in its device's host-function queue */
	struct sim_stream *stream;
	uint64_t seq;
	enum sim_op_kind kind;
	unsigned ndeps;
	struct sim_dep deps[4];		/* more go to extra */
	struct sim_dep *extra;
	unsigned nextra;
	cudaError_t fail;		/* injected: the op does nothing and fails with this */
	bool fail_sticky;
	union {
		struct {
			struct sim_xfer x;
			char *owned;	/* snapshot of a pageable source, freed after */
		} copy;
		struct {
			struct sim_xfer x;	/* src unused */
			unsigned char value;
			unsigned elem;		/* 2 or 4: value32 fills elements of that
						 * size (graph memset nodes); else bytes */
			uint32_t value32;
		} memset;
		struct {
			struct sim_event *ev;
			uint64_t gen;
		} record;
		struct {
			cudaHostFn_t fn;
			cudaStreamCallback_t cb;	/* cudaStreamAddCallback form */
			void *data;
			cudaStream_t handle;		/* as the caller named it */
		} host;
		struct {
			void *ptr;
		} free;
	} u;
};

struct sim_stream {
	unsigned magic;
	enum sim_stream_type type;
	int device;
	unsigned flags;
	int priority;
	unsigned long long id;
	struct sim_op *head, *tail;
	uint64_t enq_seq;	/* sequence number of the last queued operation */
	uint64_t done_seq;	/* sequence number of the last completed operation */
	bool busy;		/* a host function of this stream is running */
	bool destroyed;		/* the user destroyed it: free once drained and unreferenced */
	unsigned refs;		/* dependencies and events that name it */
	cudaError_t pending_err;	/* reported by the next synchronize or query */
	cudaError_t inject_err;		/* ferry_sim_fail_next: the next op queued fails */
	bool inject_sticky;
	struct sim_stream *dev_next, *dev_prev;		/* the device's streams */
	struct sim_stream *act_next, *act_prev;		/* streams with queued work */
	bool active;
	/* stream capture (graph.c): the capture this stream belongs to, and the nodes that
	 * its next captured operation depends on */
	struct sim_capture *cap;
	cudaGraphNode_t *cdeps;
	size_t ncdeps, cap_cdeps;
	cudaGraphEdgeData *cedges;	/* all-default edge data for cudaStreamGetCaptureInfo */
	size_t ncedges;
};

struct sim_event {
	unsigned magic;
	int device;
	unsigned flags;
	struct sim_dep rec;	/* the last record: complete when rec.s->done_seq >= rec.seq */
	bool recorded;
	uint64_t gen;		/* bumped by each record */
	uint64_t time_ns;	/* when the last record ran */
	bool timed;		/* time_ns belongs to the current gen */
	unsigned refs;		/* queued records that name it */
	bool destroyed;		/* the user destroyed it: free once no record is queued */
	struct sim_event *next, *prev;
	/* a record captured into a graph (graph.c): the capture and the nodes it stands for */
	struct sim_capture *cap;
	cudaGraphNode_t *cdeps;
	size_t ncdeps;
	bool cap_ended;		/* the last record was captured and that capture ended */
};

struct sim_device {
	int ordinal;
	struct sim_heap heap;
	struct sim_stream *legacy;
	struct sim_stream *streams;	/* every stream of this device, legacy included */
	bool peer_enabled[SIM_MAX_DEVICES];	/* this device can access [peer] */
	int peer_count;
	bool ctx;		/* its primary context exists (cudaSetDevice or first use) */
	unsigned flags;		/* cudaSetDeviceFlags */
	size_t limits[10];	/* cudaDeviceSetLimit, where limits_set */
	bool limits_set[10];
	struct sim_dep barrier;	/* a cudaMemcpyPeer later work on this device waits for */
	bool has_barrier;
	/* host functions of this device's streams run on this thread, in the order started */
	pthread_t hostfn_thread;
	bool hostfn_started;
	bool hostfn_running;
	struct sim_op *hostfn_queue, *hostfn_tail;
};

struct sim_state {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* an operation completed (broadcast when waiters) */
	unsigned waiters;		/* threads waiting on cond */
	pthread_cond_t hostfn_cond;	/* a host function was queued for a host-fn thread */
	bool initialized;		/* any call made: a forked child cannot use it */
	cudaError_t lost;		/* a sticky error: the process's contexts are lost */
	bool forked_child;
	struct sim_device dev[SIM_MAX_DEVICES];
	struct sim_stream *active;	/* streams with queued work */
	uint64_t rng;
	unsigned long long next_stream_id;
	uint64_t calls;			/* exported calls so far: for the progress thread */
	size_t pinned_bytes;
	pthread_t progress_thread;
	bool progress_started;
};

extern struct sim_state sim;

/* Per-thread state. */
struct sim_thread {
	int device;
	bool device_set;
	cudaError_t last_error;
	bool per_thread_default;	/* this call came through a _ptsz / _ptds symbol */
	bool in_host_fn;		/* running a host function: API calls are refused */
	struct sim_stream *ptds[SIM_MAX_DEVICES];	/* per-thread default streams */
	enum cudaStreamCaptureMode capture_mode;	/* cudaThreadExchangeStreamCaptureMode */
};

struct sim_thread *sim_self(void);

/* Resolves a stream handle for the current call: 0 (legacy or per-thread), cudaStreamLegacy,
 * cudaStreamPerThread, or a user stream. NULL and *err set when it is not valid. */
struct sim_stream *sim_stream_resolve(cudaStream_t h, cudaError_t *err);
struct sim_stream *sim_stream_legacy(int dev);
/* Later operations queued on any stream of dev wait for (s, seq). */
void sim_device_set_barrier(int dev, struct sim_stream *s, uint64_t seq);
/* Queues op on s (taking the implicit dependencies of the legacy stream and of device
 * barriers); returns the op's sequence number. The op is owned by the stream from then on. */
uint64_t sim_enqueue(struct sim_stream *s, struct sim_op *op);
struct sim_op *sim_op_new(enum sim_op_kind kind);
void sim_op_add_dep(struct sim_op *op, struct sim_stream *s, uint64_t seq);
bool sim_dep_done(const struct sim_dep *d);
void sim_dep_ref(struct sim_stream *s);
void sim_dep_unref(struct sim_stream *s);
/* Blocks (running queued work, or waiting for host functions) until d is done. */
void sim_wait_dep(struct sim_stream *s, uint64_t seq);
/* Waits on sim.cond (the lock held) for an operation to complete elsewhere. */
void sim_cond_wait(void);
/* Whether s waits for (and is waited for by) its device's legacy stream. */
bool sim_stream_blocking(const struct sim_stream *s);
/* Blocks until no host function of dev runs or waits to run. */
void sim_wait_hostfn_idle(int dev);
void sim_wait_device(int dev);
void sim_wait_all(void);
/* One scheduling point: runs what the scheduler picks among ready operations. */
void sim_sched_tick(void);
void sim_stream_destroy_all(int dev);
cudaError_t sim_stream_take_error(struct sim_stream *s);
/* A stream of device dev usable for work issued without a stream (cudaMemcpy etc.). */
struct sim_stream *sim_default_stream(int dev);
void sim_thread_exit_streams(struct sim_thread *t);

/* --- events (event.c) ------------------------------------------------------------------- */

void sim_event_record_ran(struct sim_event *ev, uint64_t gen);
void sim_event_destroy_all(int dev);
/* Queues a record of ev on s / makes s wait for ev's last record (outside any capture). */
cudaError_t sim_event_record_on(struct sim_event *ev, struct sim_stream *s);
cudaError_t sim_event_wait_on(struct sim_stream *s, struct sim_event *ev);
/* A graph node holds ev: it stays allocated until sim_event_unhold. */
void sim_event_hold(struct sim_event *ev);
void sim_event_unhold(struct sim_event *ev);
/* Every event whose last record belongs to capture c: that capture has ended. */
void sim_event_capture_ended(const struct sim_capture *c);

/* --- stream capture and graphs (graph.c) ------------------------------------------------ */

/* What a graph node does (the parts its type uses). */
struct sim_node_init {
	enum cudaGraphNodeType type;
	struct sim_xfer x;		/* memcpy, memset (translated addresses) */
	unsigned elem;			/* memset: element size */
	uint32_t value;			/* memset */
	struct sim_event *ev;		/* event record, event wait */
	cudaHostFn_t fn;		/* host */
	void *data;
};

/* Where an explicitly built node goes (cudaGraphAdd*Node). */
struct sim_node_sink {
	cudaGraph_t graph;
	const cudaGraphNode_t *deps;
	size_t ndeps;
	cudaGraphNode_t *out;
};

/* Before work is queued on s: cudaErrorStreamCaptureInvalidated when s belongs to an
 * invalidated capture; cudaErrorStreamCaptureImplicit (invalidating) when s is a legacy
 * stream and a blocking stream of its device captures. On cudaSuccess, s->cap says whether
 * the work is to be captured (sim_capture_add) rather than queued. */
cudaError_t sim_capture_gate(struct sim_stream *s);
/* Records in into s's capture as a node after s's current dependencies. */
cudaError_t sim_capture_add(struct sim_stream *s, const struct sim_node_init *in);
/* An operation that cannot be captured was issued on capturing s: invalidates the capture and
 * returns cudaErrorStreamCaptureUnsupported. */
cudaError_t sim_capture_unsupported(struct sim_stream *s);
/* A "potentially unsafe" call (cudaMalloc, cudaFree...): cudaErrorStreamCaptureUnsupported,
 * invalidating the captures that forbid it, when the capture modes forbid it. */
cudaError_t sim_capture_unsafe(void);
/* cudaStreamSynchronize / cudaStreamQuery of s; cudaDeviceSynchronize of dev. */
cudaError_t sim_capture_sync_stream(struct sim_stream *s);
cudaError_t sim_capture_sync_device(int dev);
/* cudaEventQuery / cudaEventSynchronize of ev. */
cudaError_t sim_capture_event_use(struct sim_event *ev);
/* cudaEventRecord of ev on capturing s; cudaStreamWaitEvent(s, ev) when either captures. */
cudaError_t sim_capture_record(struct sim_stream *s, struct sim_event *ev, bool external);
cudaError_t sim_capture_wait(struct sim_stream *s, struct sim_event *ev, bool external);
/* The user is done with s (destroyed, or its thread exited): it leaves its capture. */
void sim_capture_stream_gone(struct sim_stream *s);
/* A checked copy or memset made a node of an explicit graph. */
cudaError_t sim_graph_add(struct sim_node_sink *k, const struct sim_node_init *in);
/* The explicit-node forms of copy.c's checks. */
cudaError_t sim_copy_node(const struct cudaMemcpy3DParms *p, struct sim_node_sink *k);
cudaError_t sim_copy1d_node(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
			    struct sim_node_sink *k);
cudaError_t sim_memset_node(const struct cudaMemsetParams *p, struct sim_node_sink *k);

/* --- devices (device.c) ----------------------------------------------------------------- */

static inline bool sim_valid_device(int d)
{
	return d >= 0 && d < sim_cfg.devices;
}

int sim_current_device(void);
/* Whether device dev may touch device owner's memory itself: its own, or a peer's with access
 * enabled (a memset, unlike a copy, needs that). */
bool sim_device_reaches(int dev, int owner);

/* --- handles ------------------------------------------------------------------------------ */

bool sim_handle_add(const void *h);
bool sim_handle_live(const void *h);
void sim_handle_remove(const void *h);

/* --- the implementation of each exported function (api.c wraps them) -------------------- */

#define FERRY_CUDA_FN(name, params, args, family, devices, size, stream, dst, twin, flags) \
	cudaError_t sim_##name params;
#include "cuda_api.def"
#undef FERRY_CUDA_FN

/* --- helpers ------------------------------------------------------------------------------- */

uint64_t sim_now_ns(void);
void sim_xfer_run(const struct sim_xfer *x);
void sim_note_unmodelled(const char *name, int *said);

#endif
