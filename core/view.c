/*
 * view.c: strided views. Checking one view, finding the common shape of a copy (the two
 * sides may differ in strides, or one may be a contiguous run of the other's bytes), and
 * walking the shape in blocks of 1, 2 or 3 inner dimensions.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

ferry_view ferry_view_1d(void *ptr, int dev, size_t bytes)
{
	ferry_view v = { .ptr = ptr, .dev = dev, .ndim = 1 };

	v.extent[0] = bytes;
	return v;
}

ferry_view ferry_view_2d(void *ptr, int dev, size_t width, size_t height, size_t pitch)
{
	ferry_view v = { .ptr = ptr, .dev = dev, .ndim = 2 };

	v.extent[0] = width;
	v.extent[1] = height;
	v.stride[1] = pitch;
	return v;
}

ferry_view ferry_view_3d(void *ptr, int dev, size_t width, size_t height, size_t depth,
			 size_t pitch, size_t slice_pitch)
{
	ferry_view v = { .ptr = ptr, .dev = dev, .ndim = 3 };

	v.extent[0] = width;
	v.extent[1] = height;
	v.extent[2] = depth;
	v.stride[1] = pitch;
	v.stride[2] = slice_pitch;
	return v;
}

static size_t view_total(const ferry_view *v)
{
	size_t t = 1;

	for (unsigned i = 0; i < v->ndim; i++)
		t *= v->extent[i];
	return t;
}

bool ferry__view_check(const ferry_view *v, const char *what, char *msg, size_t len)
{
	size_t span, total = 1;

	if (!v) {
		snprintf(msg, len, "%s: the view is NULL", what);
		return false;
	}
	if (v->ndim < 1 || v->ndim > FERRY_MAX_DIMS) {
		snprintf(msg, len, "%s: ndim %u is out of range (1..%d)", what, v->ndim,
			 FERRY_MAX_DIMS);
		return false;
	}
	for (unsigned i = 0; i < v->ndim; i++) {
		if (__builtin_mul_overflow(total, v->extent[i], &total)) {
			snprintf(msg, len, "%s: the extents overflow size_t", what);
			return false;
		}
	}
	if (total == 0)
		return true;
	if (!v->ptr) {
		snprintf(msg, len, "%s: the pointer is NULL", what);
		return false;
	}
	/* Each dimension's elements start past the span of the one below: no element of the
	 * view overlaps another. */
	span = v->extent[0];
	for (unsigned i = 1; i < v->ndim; i++) {
		size_t add;

		if (v->extent[i] > 1 && v->stride[i] < span) {
			snprintf(msg, len,
				 "%s: stride[%u] = %zu is smaller than the %zu bytes spanned by "
				 "the dimensions below it (the view overlaps itself)",
				 what, i, v->stride[i], span);
			return false;
		}
		if (__builtin_mul_overflow(v->stride[i], v->extent[i] - 1, &add) ||
		    __builtin_add_overflow(span, add, &span) ||
		    __builtin_add_overflow((uintptr_t)v->ptr, span, &add)) {
			snprintf(msg, len, "%s: the view's span overflows the address space", what);
			return false;
		}
	}
	return true;
}

size_t ferry__view_span(const ferry_view *v)
{
	size_t span = v->extent[0];

	if (view_total(v) == 0)
		return 0;
	for (unsigned i = 1; i < v->ndim; i++)
		span += v->stride[i] * (v->extent[i] - 1);
	return span;
}

/* A view with its dimensions of extent 1 dropped. */
static void view_drop1(const ferry_view *v, ferry_view *out)
{
	*out = *v;
	out->ndim = 1;
	for (unsigned i = 1; i < v->ndim; i++) {
		if (v->extent[i] == 1)
			continue;
		out->extent[out->ndim] = v->extent[i];
		out->stride[out->ndim] = v->stride[i];
		out->ndim++;
	}
}

/* ... and its dimensions that are contiguous with the row folded into it. */
static void view_compact(const ferry_view *v, ferry_view *out)
{
	view_drop1(v, out);
	while (out->ndim > 1 && out->stride[1] == out->extent[0]) {
		out->extent[0] *= out->extent[1];
		for (unsigned i = 1; i + 1 < out->ndim; i++) {
			out->extent[i] = out->extent[i + 1];
			out->stride[i] = out->stride[i + 1];
		}
		out->ndim--;
	}
}

static bool same_extents(const ferry_view *a, const ferry_view *b)
{
	if (a->ndim != b->ndim)
		return false;
	for (unsigned i = 0; i < a->ndim; i++)
		if (a->extent[i] != b->extent[i])
			return false;
	return true;
}

/* Merges the dimensions that are contiguous on both sides: dimension i + 1 into i when its
 * stride is the span of i on both sides, and dimension 1 into the row likewise. */
static void shape_merge(struct ferry__shape *sh)
{
	unsigned i = 0;

	while (i + 1 < sh->ndim) {
		size_t ds = i == 0 ? sh->extent[0] : sh->dstride[i] * sh->extent[i];
		size_t ss = i == 0 ? sh->extent[0] : sh->sstride[i] * sh->extent[i];

		if (sh->dstride[i + 1] != ds || sh->sstride[i + 1] != ss) {
			i++;
			continue;
		}
		sh->extent[i] *= sh->extent[i + 1];
		for (unsigned j = i + 1; j + 1 < sh->ndim; j++) {
			sh->extent[j] = sh->extent[j + 1];
			sh->dstride[j] = sh->dstride[j + 1];
			sh->sstride[j] = sh->sstride[j + 1];
		}
		sh->ndim--;
	}
}

bool ferry__shape_make(const ferry_view *dst, const ferry_view *src, struct ferry__shape *sh,
		       char *msg, size_t len)
{
	ferry_view d, s, dc, sc;
	const ferry_view *shape;
	size_t st = view_total(src), dt = view_total(dst), p;

	memset(sh, 0, sizeof(*sh));
	if (st != dt) {
		snprintf(msg, len, "dst holds %zu bytes but src holds %zu", dt, st);
		return false;
	}
	sh->total = st;
	sh->ndim = 1;
	sh->extent[0] = st;
	if (st == 0)
		return true;
	view_drop1(dst, &d);
	view_drop1(src, &s);
	view_compact(dst, &dc);
	view_compact(src, &sc);
	/* the shape: the strided side's, when the other is one contiguous run; else both
	 * sides' own, compared as given or with their contiguous rows folded */
	if (dc.ndim == 1) {
		d = dc;
		shape = &s;
	} else if (sc.ndim == 1) {
		s = sc;
		shape = &d;
	} else if (same_extents(&d, &s)) {
		shape = &d;
	} else if (same_extents(&dc, &sc)) {
		d = dc;
		s = sc;
		shape = &d;
	} else {
		snprintf(msg, len,
			 "dst and src have different shapes (%u and %u dimensions after merging "
			 "the contiguous ones) and neither is contiguous",
			 dc.ndim, sc.ndim);
		return false;
	}
	sh->ndim = shape->ndim;
	for (unsigned i = 0; i < shape->ndim; i++)
		sh->extent[i] = shape->extent[i];
	/* strides: the strided sides' own; a contiguous side gets packed ones */
	p = 0;
	for (unsigned i = 1; i < sh->ndim; i++) {
		p = i == 1 ? sh->extent[0] : p * sh->extent[i - 1];
		sh->dstride[i] = d.ndim == 1 ? p : d.stride[i];
		sh->sstride[i] = s.ndim == 1 ? p : s.stride[i];
	}
	shape_merge(sh);
	return true;
}

size_t ferry__blocks(const struct ferry__shape *sh, unsigned k)
{
	size_t n = 1;

	for (unsigned i = k; i < sh->ndim; i++)
		n *= sh->extent[i];
	return n;
}

void ferry__block_offset(const struct ferry__shape *sh, unsigned k, size_t i, size_t *soff,
			 size_t *doff)
{
	*soff = 0;
	*doff = 0;
	for (unsigned d = k; d < sh->ndim; d++) {
		size_t idx = i % sh->extent[d];

		i /= sh->extent[d];
		*soff += idx * sh->sstride[d];
		*doff += idx * sh->dstride[d];
	}
}
