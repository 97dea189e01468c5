/*
 * wrappers.c: the CUDA functions libferry_inject.so exports, expanded from
 * common/cuda_api.def, and the runtime's own implementation as the default of each
 * inj_impl_<name> (vdev.c, errors.c and faults.c replace the ones they change).
 *
 * A wrapper counts the call, answers the sticky error once a sticky() rule has fired, and,
 * only when some rule can match the function, describes the call (its devices from the
 * table's devices column, its size, the stream its work goes on, the region it writes) and
 * lets the rules decide (faults.c). Without rules the added cost is a counter and two loads.
 */
#include "inject.h"

/* The table's helper forms, for this file's expansions. */
#define FN_NOCTX INJ_FN_NOCTX
#define FN_NOSLOT INJ_FN_NOSLOT
#define FN_CALLBACK INJ_FN_CALLBACK
#define FERRY_CUR_DEVICE inj_vdev_current()
#define FERRY_P3D_BYTES(p) ((p) ? (uint64_t)(p)->extent.width * (p)->extent.height * \
					  (p)->extent.depth :                            \
				  0)

/* devices column -> c_.src / c_.dst / c_.dev */
#define INJ_DEV_D_NONE
#define INJ_DEV_D_CUR c_.dev = inj_vdev_current();
#define INJ_DEV_D_ARG(a) c_.dev = (a);
#define INJ_DEV_D_PAIR(s, d) \
	c_.src = (s);        \
	c_.dst = (d);
#define INJ_DEV_D_PTRS(s, d)             \
	c_.src = inj_vdev_of_ptr(s);     \
	c_.dst = inj_vdev_of_ptr(d);
#define INJ_DEV_D_PTR(p) c_.dev = inj_vdev_of_ptr(p);
#define INJ_DEV_D_STREAM(s) c_.dev = inj_vdev_of_stream(s);
#define INJ_DEV_D_EVENT(e) c_.dev = -1;
#define INJ_DEV_D_P3D(p)                                          \
	if (p) {                                                  \
		c_.src = inj_vdev_of_ptr((p)->srcPtr.ptr);        \
		c_.dst = inj_vdev_of_ptr((p)->dstPtr.ptr);        \
	}
#define INJ_DEV_D_P3DPEER(p)              \
	if (p) {                          \
		c_.src = (p)->srcDevice;  \
		c_.dst = (p)->dstDevice;  \
	}

/* dst column -> r_ */
#define INJ_DST_X_NONE
#define INJ_DST_X_1D(p, bytes) inj_region_2d(&r_, (p), (bytes), (bytes), 1);
#define INJ_DST_X_2D(p, pitch, width, height) inj_region_2d(&r_, (p), (pitch), (width), (height));
#define INJ_DST_X_3D(p) \
	if (p)          \
		inj_region_3d(&r_, (p)->dstPtr, (p)->dstPos, (p)->extent);
#define INJ_DST_X_3DPEER(p) \
	if (p)              \
		inj_region_3d(&r_, (p)->dstPtr, (p)->dstPos, (p)->extent);
#define INJ_DST_X_3DPP(pp, e) inj_region_3d(&r_, (pp), (struct cudaPos){ 0, 0, 0 }, (e));

static inline void inj_region_2d(struct inj_region *r, void *p, size_t pitch, size_t width,
				 size_t height)
{
	r->ptr = p;
	r->width = width;
	r->height = height;
	r->depth = 1;
	r->pitch = height > 1 ? pitch : width;
	r->slice = r->pitch * height;
}

static inline void inj_region_3d(struct inj_region *r, struct cudaPitchedPtr pp,
				 struct cudaPos pos, struct cudaExtent e)
{
	size_t slice = pp.pitch * pp.ysize;

	r->ptr = (char *)pp.ptr + pos.z * slice + pos.y * pp.pitch + pos.x;
	r->width = e.width;
	r->height = e.height;
	r->depth = e.depth;
	r->pitch = pp.pitch;
	r->slice = slice;
}

/* The families a call belongs to: by its class, and peer-copy for a copy between two
 * different devices. */
static inline int family_bits(int fn, const struct inj_call *c)
{
	int bits = 0;

	switch (inj_fns[fn].cls) {
	case INJ_CLS_PEER_COPY:
		bits |= 1 << INJ_FAM_PEER_COPY;
		/* fall through */
	case INJ_CLS_COPY:
		bits |= 1 << INJ_FAM_COPY;
		if (c->src >= 0 && c->dst >= 0 && c->src != c->dst)
			bits |= 1 << INJ_FAM_PEER_COPY;
		break;
	case INJ_CLS_PEER_ACCESS:
	case INJ_CLS_PEER_QUERY:
		bits |= 1 << INJ_FAM_PEER_ACCESS;
		break;
	case INJ_CLS_HOST_ALLOC:
	case INJ_CLS_HOST_REGISTER:
		bits |= 1 << INJ_FAM_HOST_ALLOC;
		break;
	case INJ_CLS_SYNC:
		bits |= 1 << INJ_FAM_SYNC;
		break;
	default:
		break;
	}
	return bits;
}

/* Counts a call of fn that answered an error (rare: the successful ones are derived,
 * calls - failed, so the common path adds no atomic); returns err. */
static inline cudaError_t inj_ok(int fn, cudaError_t err)
{
	if (__builtin_expect(err != cudaSuccess, 0))
		atomic_fetch_add_explicit(&inj.calls_failed[fn], 1, memory_order_relaxed);
	return err;
}

/* Whether a sticky() rule has lost the context for a call with these flags. */
static inline cudaError_t sticky_error(unsigned flags)
{
	int err = atomic_load_explicit(&inj.sticky, memory_order_relaxed);

	return err && !(flags & INJ_FN_NOCTX) ? (cudaError_t)err : cudaSuccess;
}

/*
 * The body of every wrapper. IMPL is the call of the implementation (or of the twin),
 * STREAM the stream expression, DST the region form.
 */
#define INJ_BODY(name, DEVS_, SIZE_, STREAM_, DST_, FLAGS_, IMPL)                                  \
	{                                                                                        \
		cudaError_t err_;                                                                \
                                                                                                 \
		atomic_fetch_add_explicit(&inj.calls[INJ_FN_##name], 1, memory_order_relaxed);  \
		if ((err_ = sticky_error(FLAGS_)) != cudaSuccess)                                 \
			return inj_ok(INJ_FN_##name, inj_fail(err_));                             \
		if (inj.candidates[INJ_FN_##name]) {                                             \
			struct inj_call c_ = { INJ_FN_##name, 0, -1, -1, -1, 0, NULL };          \
			struct inj_decision d_;                                                  \
			struct inj_region r_ = { 0 };                                            \
			void *kept_;                                                             \
                                                                                                 \
			if (inj.needs_devices[INJ_FN_##name]) {                                  \
				INJ_DEV_##DEVS_                                                  \
			}                                                                        \
			if (inj.needs_caller[INJ_FN_##name])                                     \
				c_.caller = inj_caller_file(inj_tls.caller);                     \
			c_.size = (uint64_t)(SIZE_);                                             \
			c_.family_bits = family_bits(INJ_FN_##name, &c_);                        \
			inj_decide(&c_, &d_);                                                    \
			if (d_.rule) {                                                           \
				switch (d_.action) {                                             \
				case INJ_ERROR:                                                  \
					return inj_ok(INJ_FN_##name,                             \
							      inj_fail((cudaError_t)d_.rule->err));\
				case INJ_STICKY:                                                 \
					atomic_store(&inj.sticky, d_.rule->err);                 \
					return inj_ok(INJ_FN_##name,                             \
							      inj_fail((cudaError_t)d_.rule->err));\
				case INJ_ASYNC:                                                  \
					inj_async_add((cudaStream_t)(STREAM_),                    \
						      (cudaError_t)d_.rule->err);                \
					return cudaSuccess;                                      \
				case INJ_CORRUPT:                                                \
					INJ_DST_##DST_ kept_ = inj_corrupt_prepare(               \
						d_.rule->corrupt, &r_, (cudaStream_t)(STREAM_));  \
					err_ = inj_ok(INJ_FN_##name, IMPL);                      \
					if (err_ == cudaSuccess)                                 \
						inj_corrupt_apply(d_.rule->corrupt, &r_,         \
								  (cudaStream_t)(STREAM_), kept_, \
								  atomic_load(&d_.rule->fired)); \
					else                                                     \
						inj_corrupt_discard(kept_);                                     \
					return err_;                                             \
				case INJ_DENY:                                                   \
					inj_deny_next();                                         \
					err_ = inj_ok(INJ_FN_##name, IMPL);                      \
					inj_deny_take();                                         \
					return err_;                                             \
				case INJ_DELAY:                                                  \
					break;                                                   \
				}                                                                \
			}                                                                        \
			(void)r_;                                                                \
			(void)kept_;                                                             \
		}                                                                                \
		return inj_ok(INJ_FN_##name, IMPL);                                              \
	}

/* Who called: the exported function's return address, or the caller of the version adapter
 * (versions.c) that called it for the program. */
#define INJ_CALLER()                                                                         \
	(inj_tls.adapter_caller ? inj_take_adapter_caller() : __builtin_return_address(0))

static inline void *inj_take_adapter_caller(void)
{
	void *c = inj_tls.adapter_caller;

	inj_tls.adapter_caller = NULL;
	return c;
}

/* A twin (_ptsz, _ptds: the program was built for the per-thread default stream) is the
 * function itself, with the runtime's twin called underneath (see inj_real_for). */
#define INJ_TWIN_NONE(name, params, args)
#define INJ_TWIN_PTSZ(name, params, args) INJ_TWIN(name, params, args, _ptsz)
#define INJ_TWIN_PTDS(name, params, args) INJ_TWIN(name, params, args, _ptds)
#define INJ_TWIN(name, params, args, suffix)                  \
	INJ_EXPORT cudaError_t name##suffix params;           \
	INJ_EXPORT cudaError_t name##suffix params            \
	{                                                     \
		cudaError_t err_;                             \
                                                              \
		inj_tls.twin_fn = INJ_FN_##name;              \
		inj_tls.twin = #suffix;                       \
		inj_tls.caller = INJ_CALLER();                \
		err_ = inj_wrap_##name args;                  \
		inj_tls.twin_fn = -1;                         \
		return err_;                                  \
	}

#define FERRY_CUDA_FN(name, params, args, family, devices, size, stream, dst, twin, flags) \
	__attribute__((weak)) cudaError_t inj_impl_##name params                           \
	{                                                                                  \
		return INJ_REAL(name, args);                                               \
	}                                                                                  \
	static cudaError_t inj_wrap_##name params INJ_BODY(name, devices, size, stream, dst,  \
							   flags, inj_impl_##name args)    \
	INJ_EXPORT cudaError_t name params;                                                \
	INJ_EXPORT cudaError_t name params                                                 \
	{                                                                                  \
		inj_tls.caller = INJ_CALLER();                                             \
		return inj_wrap_##name args;                                               \
	}                                                                                  \
	INJ_TWIN_##twin(name, params, args)
#include "cuda_api.def"
#undef FERRY_CUDA_FN
