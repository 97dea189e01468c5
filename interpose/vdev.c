/*
 * vdev.c: virtual devices. FERRY_DEVICES=N presents N devices over the physical ones (one
 * GPU, or the simulator): virtual device v runs on physical device v mod P.
 *
 * What a program sees, as on a box of N GPUs:
 *   - the device count, the current device per thread, properties and attributes with a
 *     name suffix ("[vdev v]") and a PCI address of each virtual device's own;
 *   - allocations, pinned and registered memory, streams and events belong to the virtual
 *     device current when they were made, and pointer attributes, cudaStreamGetDevice and
 *     the cross-device rules follow (an event recorded on another device's stream, elapsed
 *     time across devices: cudaErrorInvalidResourceHandle; a memset of another device's
 *     memory without peer access: cudaErrorInvalidValue; devicePointer NULL for memory the
 *     current device cannot reach);
 *   - peer capability per ordered pair from FERRY_PEERS (all, none, or a list of A-B and
 *     A>B; default all), peer access enabled and disabled per pair with the codes of a real
 *     runtime (self or incapable 217, twice 704, not enabled 705), at most 8 peers per device
 *     (the 9th: 711); between virtual devices of different physical GPUs the real access is
 *     enabled as well;
 *   - a memory quota per virtual device (FERRY_DEVICE_MEM, default: the physical device's
 *     memory shared among its virtual devices): cudaMalloc past it answers
 *     cudaErrorMemoryAllocation, cudaMemGetInfo tells the quota;
 *   - cudaDeviceReset resets the virtual device alone: what it owns is freed or destroyed.
 * Copies between virtual devices of one physical GPU are real copies on that GPU. What is
 * shared and cannot be split: the physical device's legacy default stream, and
 * cudaDeviceSynchronize, which waits for all its virtual devices (stricter than a real box:
 * it can hide a missing synchronization, never invent one).
 */
#include "inject.h"

#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCI_DOMAIN 0xf		/* virtual devices live on their own PCI domain */

struct inj_vdev inj_vd;

enum range_kind { RANGE_DEVICE, RANGE_PINNED, RANGE_REGISTERED };

struct range {
	uintptr_t base;
	size_t size;
	int vdev;
	enum range_kind kind;
};

enum handle_kind { HANDLE_STREAM, HANDLE_EVENT };

struct handle {
	const void *h;		/* 0: empty; 1: deleted */
	int vdev;
	enum handle_kind kind;
};

static pthread_mutex_t vlock = PTHREAD_MUTEX_INITIALIZER;
static bool phys_known;
static int nphys;
static size_t quota[INJ_MAX_VDEV];
static size_t used[INJ_MAX_VDEV];
static bool peer_on[INJ_MAX_VDEV][INJ_MAX_VDEV];
static int peer_count[INJ_MAX_VDEV];
static struct range *ranges;
static size_t nranges, cap_ranges;
static struct handle *handles;
static size_t cap_handles, used_handles;

static void atfork_child(void)
{
	pthread_mutex_init(&vlock, NULL);
}

bool inj_vdev_load(char *err, size_t errlen)
{
	const char *v = getenv("FERRY_DEVICES");
	const char *peers = getenv("FERRY_PEERS");
	const char *mem = getenv("FERRY_DEVICE_MEM");
	bool m[FERRY_PEERS_MAX * FERRY_PEERS_MAX];
	uint64_t n;
	char perr[256];

	if (!v) {
		if (peers || mem) {
			snprintf(err, errlen, "%s is set but FERRY_DEVICES is not: it applies to "
					      "virtual devices",
				 peers ? "FERRY_PEERS" : "FERRY_DEVICE_MEM");
			return false;
		}
		return true;
	}
	if (!ferry__parse_u64(v, 1, INJ_MAX_VDEV, &n)) {
		snprintf(err, errlen, "FERRY_DEVICES='%s' is not a device count from 1 to %d", v,
			 INJ_MAX_VDEV);
		return false;
	}
	inj_vd.n = (int)n;
	if (!ferry__parse_peers(peers ? peers : "all", inj_vd.n, m, perr, sizeof(perr))) {
		snprintf(err, errlen, "FERRY_PEERS: %s", perr);
		return false;
	}
	for (int a = 0; a < inj_vd.n; a++)
		for (int b = 0; b < inj_vd.n; b++)
			inj_vd.peer_cap[a][b] = m[a * inj_vd.n + b];
	if (mem && (!ferry__parse_size(mem, &n) || n == 0)) {
		snprintf(err, errlen,
			 "FERRY_DEVICE_MEM='%s' is not a memory size per virtual device (e.g. 16G)",
			 mem);
		return false;
	}
	inj_vd.quota = mem ? (size_t)n : 0;
	inj_vd.active = true;
	pthread_atfork(NULL, NULL, atfork_child);
	return true;
}

/* --- the physical devices, learnt on first use (not in a constructor: the runtime may not be
 * initialized yet) -------------------------------------------------------------------------- */

static void learn_physical(void)
{
	inj_pfn_cudaGetDeviceCount count =
		(inj_pfn_cudaGetDeviceCount)inj_real(INJ_FN_cudaGetDeviceCount);
	inj_pfn_cudaGetDeviceProperties props =
		(inj_pfn_cudaGetDeviceProperties)inj_real(INJ_FN_cudaGetDeviceProperties);
	inj_pfn_cudaGetLastError clear = (inj_pfn_cudaGetLastError)inj_real(INJ_FN_cudaGetLastError);
	int n = 0;

	if (phys_known)
		return;
	if (!count || count(&n) != cudaSuccess)
		n = 0;
	for (int v = 0; v < inj_vd.n && n > 0; v++) {
		struct cudaDeviceProp p;
		int sharing = (inj_vd.n - 1 - v % n) / n + 1;

		if (inj_vd.quota)
			quota[v] = inj_vd.quota;
		else if (props && props(&p, v % n) == cudaSuccess)
			quota[v] = p.totalGlobalMem / (size_t)sharing;
	}
	if (clear)
		clear();
	nphys = n;
	inj_vd.nphys = n;
	phys_known = true;
}

static int phys(int v)
{
	return v % nphys;
}

/* Locks, and learns the physical devices on first use; false when there are none. */
static bool enter(void)
{
	pthread_mutex_lock(&vlock);
	learn_physical();
	return nphys > 0;
}

static void leave(void)
{
	pthread_mutex_unlock(&vlock);
}

static bool valid(int v)
{
	return v >= 0 && v < inj_vd.n;
}

int inj_vdev_phys(int v)
{
	bool any = enter();

	leave();
	return any && valid(v) ? phys(v) : -1;
}

/* The current device, kept by cudaSetDevice (without virtual devices, the physical one):
 * rules ask for it on every call they look at, so no runtime call here. */
int inj_vdev_current(void)
{
	return inj_tls.vdev;
}

/* --- ranges: what memory belongs to which virtual device ------------------------------------- */

static size_t range_upper(uintptr_t a)
{
	size_t lo = 0, hi = nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ranges[mid].base <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct range *range_find(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	size_t i = range_upper(a);

	if (i > 0 && a < ranges[i - 1].base + (ranges[i - 1].size ? ranges[i - 1].size : 1))
		return &ranges[i - 1];
	return NULL;
}

static void range_add(const void *p, size_t size, int vdev, enum range_kind kind)
{
	size_t i;

	if (!p)
		return;
	if (nranges == cap_ranges) {
		size_t cap = cap_ranges ? cap_ranges * 2 : 256;
		struct range *r = realloc(ranges, cap * sizeof(*r));

		if (!r)
			return;	/* untracked: it reads as the current device's */
		ranges = r;
		cap_ranges = cap;
	}
	i = range_upper((uintptr_t)p);
	memmove(&ranges[i + 1], &ranges[i], (nranges - i) * sizeof(*ranges));
	ranges[i] = (struct range){ (uintptr_t)p, size, vdev, kind };
	nranges++;
	if (kind == RANGE_DEVICE && vdev >= 0 && vdev < INJ_MAX_VDEV)
		used[vdev] += size;
}

static void range_remove(struct range *r)
{
	size_t i = (size_t)(r - ranges);

	if (r->kind == RANGE_DEVICE && r->vdev >= 0 && r->vdev < INJ_MAX_VDEV)
		used[r->vdev] -= r->size;
	memmove(&ranges[i], &ranges[i + 1], (nranges - i - 1) * sizeof(*ranges));
	nranges--;
}

/* Memory is tracked from its allocation (with or without virtual devices): what the program
 * allocated through other functions (managed memory, pools ...) reads as host memory. */
int inj_vdev_of_ptr(const void *p)
{
	struct range *r;
	int v;

	pthread_mutex_lock(&vlock);
	r = range_find(p);
	v = r && r->kind == RANGE_DEVICE ? r->vdev : -1;
	pthread_mutex_unlock(&vlock);
	return v;
}

/* --- handles: what stream or event belongs to which virtual device ------------------------- */

#define DELETED ((const void *)1)

static size_t handle_hash(const void *h)
{
	uint64_t x = (uintptr_t)h;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	return (size_t)(x ^ (x >> 33));
}

static struct handle *handle_find(const void *h)
{
	size_t i;

	if (!cap_handles || !h || h == DELETED)
		return NULL;
	for (i = handle_hash(h) & (cap_handles - 1); handles[i].h; i = (i + 1) & (cap_handles - 1))
		if (handles[i].h == h)
			return &handles[i];
	return NULL;
}

static void handle_add(const void *h, int vdev, enum handle_kind kind)
{
	size_t i;

	if (!h || h == DELETED)
		return;
	if ((used_handles + 1) * 2 > cap_handles) {
		size_t ncap = cap_handles ? cap_handles * 2 : 256;
		struct handle *n = calloc(ncap, sizeof(*n));

		if (!n)
			return;
		used_handles = 0;
		for (size_t k = 0; k < cap_handles; k++) {
			if (handles[k].h && handles[k].h != DELETED) {
				size_t j = handle_hash(handles[k].h) & (ncap - 1);

				while (n[j].h)
					j = (j + 1) & (ncap - 1);
				n[j] = handles[k];
				used_handles++;
			}
		}
		free(handles);
		handles = n;
		cap_handles = ncap;
	}
	for (i = handle_hash(h) & (cap_handles - 1); handles[i].h && handles[i].h != DELETED;
	     i = (i + 1) & (cap_handles - 1))
		;
	if (!handles[i].h)
		used_handles++;
	handles[i] = (struct handle){ h, vdev, kind };
}

static void handle_remove(const void *h)
{
	struct handle *e = handle_find(h);

	if (e)
		e->h = DELETED;
}

static bool is_default_stream(cudaStream_t s)
{
	return s == 0 || s == cudaStreamLegacy || s == cudaStreamPerThread;
}

int inj_vdev_of_stream(cudaStream_t s)
{
	struct handle *e;
	int v = inj_tls.vdev;

	if (is_default_stream(s))
		return v;
	pthread_mutex_lock(&vlock);
	e = handle_find(s);
	if (e && e->kind == HANDLE_STREAM)
		v = e->vdev;
	pthread_mutex_unlock(&vlock);
	return v;
}

/* The virtual device of a handle of this kind, or -1 when it is not known. */
static int handle_vdev(const void *h, enum handle_kind kind)
{
	struct handle *e;
	int v;

	pthread_mutex_lock(&vlock);
	e = handle_find(h);
	v = e && e->kind == kind ? e->vdev : -1;
	pthread_mutex_unlock(&vlock);
	return v;
}

/* Whether device dev may touch owner's memory itself (memset, devicePointer). */
static bool reaches(int dev, int owner)
{
	return dev == owner || (valid(dev) && valid(owner) && peer_on[dev][owner]);
}

/* Whether virtual a can access virtual b: the peer matrix, and, across physical GPUs, the
 * hardware. Called with vlock held. */
static bool capable(int a, int b)
{
	inj_pfn_cudaDeviceCanAccessPeer f;
	int c = 0;

	if (a == b || !inj_vd.peer_cap[a][b])
		return false;
	if (phys(a) == phys(b))
		return true;
	f = (inj_pfn_cudaDeviceCanAccessPeer)inj_real(INJ_FN_cudaDeviceCanAccessPeer);
	return f && f(&c, phys(a), phys(b)) == cudaSuccess && c;
}

/* --- devices ------------------------------------------------------------------------------------ */

cudaError_t inj_impl_cudaGetDeviceCount(int *count)
{
	cudaError_t err = INJ_REAL(cudaGetDeviceCount, (count));

	if (inj_vd.active && err == cudaSuccess) {
		enter();
		leave();
		*count = inj_vd.n;
	}
	return err;
}

cudaError_t inj_impl_cudaSetDevice(int device)
{
	cudaError_t err;
	bool any;

	if (!inj_vd.active) {
		err = INJ_REAL(cudaSetDevice, (device));
		if (err == cudaSuccess || err == cudaErrorDevicesUnavailable)
			inj_tls.vdev = device;
		return err;
	}
	any = enter();
	leave();
	if (!any)
		return INJ_REAL(cudaSetDevice, (device));
	if (!valid(device))
		return inj_fail(cudaErrorInvalidDevice);
	err = INJ_REAL(cudaSetDevice, (phys(device)));
	if (err == cudaSuccess || err == cudaErrorDevicesUnavailable)
		inj_tls.vdev = device;	/* made current even when its context cannot be had */
	return err;
}

cudaError_t inj_impl_cudaGetDevice(int *device)
{
	cudaError_t err = INJ_REAL(cudaGetDevice, (device));

	if (err == cudaSuccess) {
		if (inj_vd.active)
			*device = inj_tls.vdev;
		else
			inj_tls.vdev = *device;	/* the runtime's word is the truth */
	}
	return err;
}

/* A device argument: valid virtual devices become physical ones. */
#define VDEV_ARG(v)                                           \
	do {                                                  \
		if (inj_vd.active) {                          \
			bool any_ = enter();                  \
                                                              \
			leave();                              \
			if (any_) {                           \
				if (!valid(v))                \
					return inj_fail(cudaErrorInvalidDevice); \
				(v) = phys(v);                \
			}                                     \
		}                                             \
	} while (0)

cudaError_t inj_impl_cudaInitDevice(int device, unsigned int deviceFlags, unsigned int flags)
{
	VDEV_ARG(device);
	return INJ_REAL(cudaInitDevice, (device, deviceFlags, flags));
}

cudaError_t inj_impl_cudaGetDeviceProperties(struct cudaDeviceProp *prop, int device)
{
	int v = device;
	cudaError_t err;

	if (!inj_vd.active || !prop)
		return INJ_REAL(cudaGetDeviceProperties, (prop, device));
	VDEV_ARG(device);
	err = INJ_REAL(cudaGetDeviceProperties, (prop, device));
	if (err == cudaSuccess && nphys > 0) {
		size_t len = strnlen(prop->name, sizeof(prop->name));
		char suffix[32];

		snprintf(suffix, sizeof(suffix), " [vdev %d]", v);
		if (len + strlen(suffix) < sizeof(prop->name))
			memcpy(prop->name + len, suffix, strlen(suffix) + 1);
		prop->uuid.bytes[15] = (char)(prop->uuid.bytes[15] ^ (v + 1));
		prop->pciDomainID = PCI_DOMAIN;
		prop->pciBusID = v;
		prop->pciDeviceID = 0;
		prop->multiGpuBoardGroupID = v;
		prop->totalGlobalMem = quota[v];
	}
	return err;
}

cudaError_t inj_impl_cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int device)
{
	int v = device;
	cudaError_t err;

	if (inj_version_refuses_device_attr((int)attr))
		return inj_fail(cudaErrorInvalidValue);
	if (!inj_vd.active || !value)
		return INJ_REAL(cudaDeviceGetAttribute, (value, attr, device));
	VDEV_ARG(device);
	err = INJ_REAL(cudaDeviceGetAttribute, (value, attr, device));
	if (err == cudaSuccess && nphys > 0) {
		if (attr == cudaDevAttrPciDomainId)
			*value = PCI_DOMAIN;
		else if (attr == cudaDevAttrPciBusId || attr == cudaDevAttrMultiGpuBoardGroupID)
			*value = v;
		else if (attr == cudaDevAttrPciDeviceId)
			*value = 0;
	}
	return err;
}

cudaError_t inj_impl_cudaDeviceGetPCIBusId(char *pciBusId, int len, int device)
{
	char id[32];

	if (!inj_vd.active)
		return INJ_REAL(cudaDeviceGetPCIBusId, (pciBusId, len, device));
	if (!enter()) {
		leave();
		return INJ_REAL(cudaDeviceGetPCIBusId, (pciBusId, len, device));
	}
	leave();
	if (!valid(device))
		return inj_fail(cudaErrorInvalidDevice);
	if (!pciBusId || len <= 0)
		return inj_fail(cudaErrorInvalidValue);
	snprintf(id, sizeof(id), "%04x:%02x:00.0", PCI_DOMAIN, device);
	snprintf(pciBusId, (size_t)len, "%s", id);
	return (size_t)len > strlen(id) ? cudaSuccess : inj_fail(cudaErrorInvalidValue);
}

cudaError_t inj_impl_cudaDeviceGetByPCIBusId(int *device, const char *pciBusId)
{
	unsigned dom, bus, dv, fn;
	char tail;

	if (!inj_vd.active || !device || !pciBusId)
		return INJ_REAL(cudaDeviceGetByPCIBusId, (device, pciBusId));
	if (sscanf(pciBusId, "%x:%x:%x.%x%c", &dom, &bus, &dv, &fn, &tail) != 4) {
		dom = 0;
		if (sscanf(pciBusId, "%x:%x.%x%c", &bus, &dv, &fn, &tail) != 3)
			return inj_fail(cudaErrorInvalidValue);
	}
	if (dom != PCI_DOMAIN || dv != 0 || fn != 0 || !valid((int)bus))
		return inj_fail(cudaErrorInvalidDevice);
	*device = (int)bus;
	return cudaSuccess;
}

cudaError_t inj_impl_cudaMemGetInfo(size_t *free, size_t *total)
{
	size_t f = 0, t = 0;
	cudaError_t err;
	int v = inj_tls.vdev;

	if (!inj_vd.active)
		return INJ_REAL(cudaMemGetInfo, (free, total));
	err = INJ_REAL(cudaMemGetInfo, (&f, &t));
	if (err != cudaSuccess)
		return err;
	enter();
	if (free) {
		size_t left = quota[v] > used[v] ? quota[v] - used[v] : 0;

		*free = left < f ? left : f;
	}
	if (total)
		*total = quota[v];
	leave();
	return cudaSuccess;
}

/* Destroys what virtual device v owns, through the runtime (vlock held). */
static void reset_vdev(int v)
{
	inj_pfn_cudaFree dfree = (inj_pfn_cudaFree)inj_real(INJ_FN_cudaFree);
	inj_pfn_cudaFreeHost hfree = (inj_pfn_cudaFreeHost)inj_real(INJ_FN_cudaFreeHost);
	inj_pfn_cudaHostUnregister unreg =
		(inj_pfn_cudaHostUnregister)inj_real(INJ_FN_cudaHostUnregister);
	inj_pfn_cudaStreamDestroy sdestroy =
		(inj_pfn_cudaStreamDestroy)inj_real(INJ_FN_cudaStreamDestroy);
	inj_pfn_cudaEventDestroy edestroy =
		(inj_pfn_cudaEventDestroy)inj_real(INJ_FN_cudaEventDestroy);
	inj_pfn_cudaDeviceDisablePeerAccess disable =
		(inj_pfn_cudaDeviceDisablePeerAccess)inj_real(INJ_FN_cudaDeviceDisablePeerAccess);
	size_t i = 0;

	while (i < nranges) {
		struct range *r = &ranges[i];

		if (r->vdev != v) {
			i++;
			continue;
		}
		if (r->kind == RANGE_DEVICE && dfree)
			dfree((void *)r->base);
		else if (r->kind == RANGE_PINNED && hfree)
			hfree((void *)r->base);
		else if (r->kind == RANGE_REGISTERED && unreg)
			unreg((void *)r->base);
		range_remove(r);
	}
	for (size_t k = 0; k < cap_handles; k++) {
		struct handle *e = &handles[k];

		if (!e->h || e->h == DELETED || e->vdev != v)
			continue;
		if (e->kind == HANDLE_STREAM && sdestroy)
			sdestroy((cudaStream_t)e->h);
		else if (e->kind == HANDLE_EVENT && edestroy)
			edestroy((cudaEvent_t)e->h);
		e->h = DELETED;
	}
	for (int p = 0; p < inj_vd.n; p++) {
		if (peer_on[v][p] && phys(v) != phys(p) && disable)
			disable(phys(p));
		if (peer_on[v][p])
			peer_count[v]--;
		if (peer_on[p][v])
			peer_count[p]--;
		peer_on[v][p] = peer_on[p][v] = false;
	}
	used[v] = 0;
}

cudaError_t inj_impl_cudaDeviceReset(void)
{
	inj_pfn_cudaDeviceSynchronize sync =
		(inj_pfn_cudaDeviceSynchronize)inj_real(INJ_FN_cudaDeviceSynchronize);
	inj_pfn_cudaGetLastError clear = (inj_pfn_cudaGetLastError)inj_real(INJ_FN_cudaGetLastError);

	if (!inj_vd.active)
		return INJ_REAL(cudaDeviceReset, ());
	/* The physical device is shared with other virtual devices: reset this one alone. */
	if (sync)
		sync();
	if (enter())
		reset_vdev(inj_tls.vdev);
	leave();
	if (clear)
		clear();
	return cudaSuccess;
}

/* --- peer access ------------------------------------------------------------------------------ */

cudaError_t inj_impl_cudaDeviceCanAccessPeer(int *canAccessPeer, int device, int peerDevice)
{
	bool deny = inj_deny_take();
	cudaError_t err;

	if (!inj_vd.active) {
		err = INJ_REAL(cudaDeviceCanAccessPeer, (canAccessPeer, device, peerDevice));
		if (err == cudaSuccess && deny)
			*canAccessPeer = 0;
		return err;
	}
	if (!enter()) {
		leave();
		return INJ_REAL(cudaDeviceCanAccessPeer, (canAccessPeer, device, peerDevice));
	}
	if (!valid(device) || !valid(peerDevice)) {
		leave();
		return inj_fail(cudaErrorInvalidDevice);
	}
	if (!canAccessPeer) {
		leave();
		return inj_fail(cudaErrorInvalidValue);
	}
	*canAccessPeer = !deny && capable(device, peerDevice);
	leave();
	return cudaSuccess;
}

cudaError_t inj_impl_cudaDeviceEnablePeerAccess(int peerDevice, unsigned int flags)
{
	int cur = inj_tls.vdev;
	cudaError_t err = cudaSuccess;

	if (!inj_vd.active)
		return INJ_REAL(cudaDeviceEnablePeerAccess, (peerDevice, flags));
	if (!enter()) {
		leave();
		return INJ_REAL(cudaDeviceEnablePeerAccess, (peerDevice, flags));
	}
	if (!valid(peerDevice))
		err = cudaErrorInvalidDevice;
	else if (flags != 0)
		err = cudaErrorInvalidValue;
	else if (!capable(cur, peerDevice))
		err = cudaErrorPeerAccessUnsupported;
	else if (peer_on[cur][peerDevice])
		err = cudaErrorPeerAccessAlreadyEnabled;
	else if (peer_count[cur] >= 8)
		err = cudaErrorTooManyPeers;
	if (err != cudaSuccess) {
		leave();
		return inj_fail(err);
	}
	if (phys(cur) != phys(peerDevice)) {
		inj_pfn_cudaDeviceEnablePeerAccess f =
			(inj_pfn_cudaDeviceEnablePeerAccess)inj_real(
				INJ_FN_cudaDeviceEnablePeerAccess);
		inj_pfn_cudaGetLastError clear =
			(inj_pfn_cudaGetLastError)inj_real(INJ_FN_cudaGetLastError);

		err = f ? f(phys(peerDevice), 0) : cudaErrorInsufficientDriver;
		/* Another virtual pair over the same GPUs has enabled it already. */
		if (err == cudaErrorPeerAccessAlreadyEnabled) {
			if (clear)
				clear();
			err = cudaSuccess;
		}
	}
	if (err == cudaSuccess) {
		peer_on[cur][peerDevice] = true;
		peer_count[cur]++;
	}
	leave();
	return err == cudaSuccess ? cudaSuccess : inj_real_result(err);
}

cudaError_t inj_impl_cudaDeviceDisablePeerAccess(int peerDevice)
{
	int cur = inj_tls.vdev;
	bool still = false;

	if (!inj_vd.active)
		return INJ_REAL(cudaDeviceDisablePeerAccess, (peerDevice));
	if (!enter()) {
		leave();
		return INJ_REAL(cudaDeviceDisablePeerAccess, (peerDevice));
	}
	if (!valid(peerDevice)) {
		leave();
		return inj_fail(cudaErrorInvalidDevice);
	}
	if (!peer_on[cur][peerDevice]) {
		leave();
		return inj_fail(cudaErrorPeerAccessNotEnabled);
	}
	peer_on[cur][peerDevice] = false;
	peer_count[cur]--;
	/* The real access stays while another virtual pair over the same GPUs uses it. */
	for (int a = 0; a < inj_vd.n; a++)
		for (int b = 0; b < inj_vd.n; b++)
			still = still || (peer_on[a][b] && phys(a) == phys(cur) &&
					  phys(b) == phys(peerDevice));
	if (phys(cur) != phys(peerDevice) && !still) {
		inj_pfn_cudaDeviceDisablePeerAccess f =
			(inj_pfn_cudaDeviceDisablePeerAccess)inj_real(
				INJ_FN_cudaDeviceDisablePeerAccess);

		if (f)
			f(phys(peerDevice));
	}
	leave();
	return cudaSuccess;
}

cudaError_t inj_impl_cudaDeviceGetP2PAttribute(int *value, enum cudaDeviceP2PAttr attr,
					       int srcDevice, int dstDevice)
{
	bool deny = inj_deny_take();
	bool cap, access_attr;
	cudaError_t err = cudaSuccess;

	if (inj_version_refuses_p2p_attr((int)attr))
		return inj_fail(cudaErrorInvalidValue);
	access_attr = attr == cudaDevP2PAttrAccessSupported ||
		      attr == cudaDevP2PAttrNativeAtomicSupported ||
		      attr == cudaDevP2PAttrCudaArrayAccessSupported;
	if (!inj_vd.active) {
		err = INJ_REAL(cudaDeviceGetP2PAttribute, (value, attr, srcDevice, dstDevice));
		if (err == cudaSuccess && deny && access_attr)
			*value = 0;
		return err;
	}
	if (!enter()) {
		leave();
		return INJ_REAL(cudaDeviceGetP2PAttribute, (value, attr, srcDevice, dstDevice));
	}
	if (!value)
		err = cudaErrorInvalidValue;
	else if (!valid(srcDevice) || !valid(dstDevice) || srcDevice == dstDevice)
		err = cudaErrorInvalidDevice;
	if (err != cudaSuccess) {
		leave();
		return inj_fail(err);
	}
	cap = !deny && capable(srcDevice, dstDevice);
	if (phys(srcDevice) != phys(dstDevice)) {
		int s = phys(srcDevice), d = phys(dstDevice);

		leave();
		err = INJ_REAL(cudaDeviceGetP2PAttribute, (value, attr, s, d));
		if (err == cudaSuccess && access_attr && !cap)
			*value = 0;
		return err;
	}
	leave();
	/* One GPU under both: answer as the H200s of a real box did (cuda_probe, p2pattr). */
	switch ((int)attr) {
	case cudaDevP2PAttrPerformanceRank:
	case cudaDevP2PAttrOnlyPartialNativeAtomicSupported:
		*value = 0;
		return cudaSuccess;
	case cudaDevP2PAttrAccessSupported:
	case cudaDevP2PAttrNativeAtomicSupported:
	case cudaDevP2PAttrCudaArrayAccessSupported:
		*value = cap;
		return cudaSuccess;
	}
	return inj_fail(cudaErrorInvalidValue);
}

/* --- memory ------------------------------------------------------------------------------------- */

/* Whether size more bytes fit virtual device v's quota. */
static bool fits(int v, size_t size)
{
	bool ok;

	enter();
	ok = size <= quota[v] && used[v] <= quota[v] - size;
	leave();
	return ok;
}

static void track(const void *p, size_t size, int v, enum range_kind kind)
{
	pthread_mutex_lock(&vlock);
	range_add(p, size, v, kind);
	pthread_mutex_unlock(&vlock);
}

static void untrack(const void *p)
{
	struct range *r;

	pthread_mutex_lock(&vlock);
	r = range_find(p);
	if (r && r->base == (uintptr_t)p)
		range_remove(r);
	pthread_mutex_unlock(&vlock);
}

cudaError_t inj_impl_cudaMalloc(void **devPtr, size_t size)
{
	int v = inj_tls.vdev;
	cudaError_t err;

	if (!devPtr)
		return INJ_REAL(cudaMalloc, (devPtr, size));
	if (inj_vd.active && !fits(v, size))
		return inj_fail(cudaErrorMemoryAllocation);
	err = INJ_REAL(cudaMalloc, (devPtr, size));
	if (err == cudaSuccess)
		track(*devPtr, size, v, RANGE_DEVICE);
	return err;
}

cudaError_t inj_impl_cudaMallocPitch(void **devPtr, size_t *pitch, size_t width, size_t height)
{
	int v = inj_tls.vdev;
	cudaError_t err;

	if (!devPtr || !pitch || (height && width > SIZE_MAX / height))
		return INJ_REAL(cudaMallocPitch, (devPtr, pitch, width, height));
	if (inj_vd.active && !fits(v, width * height))
		return inj_fail(cudaErrorMemoryAllocation);
	err = INJ_REAL(cudaMallocPitch, (devPtr, pitch, width, height));
	if (err == cudaSuccess)
		track(*devPtr, *pitch * height, v, RANGE_DEVICE);
	return err;
}

cudaError_t inj_impl_cudaMalloc3D(struct cudaPitchedPtr *pitchedDevPtr, struct cudaExtent extent)
{
	int v = inj_tls.vdev;
	size_t bytes;
	cudaError_t err;

	if (!pitchedDevPtr || __builtin_mul_overflow(extent.width, extent.height, &bytes) ||
	    __builtin_mul_overflow(bytes, extent.depth, &bytes))
		return INJ_REAL(cudaMalloc3D, (pitchedDevPtr, extent));
	if (inj_vd.active && !fits(v, bytes))
		return inj_fail(cudaErrorMemoryAllocation);
	err = INJ_REAL(cudaMalloc3D, (pitchedDevPtr, extent));
	if (err == cudaSuccess)
		track(pitchedDevPtr->ptr, pitchedDevPtr->pitch * extent.height * extent.depth, v,
		      RANGE_DEVICE);
	return err;
}

cudaError_t inj_impl_cudaMallocAsync(void **devPtr, size_t size, cudaStream_t hStream)
{
	int v;
	cudaError_t err;

	if (!devPtr)
		return INJ_REAL(cudaMallocAsync, (devPtr, size, hStream));
	v = inj_vdev_of_stream(hStream);
	if (inj_vd.active && !fits(v, size))
		return inj_fail(cudaErrorMemoryAllocation);
	err = INJ_REAL(cudaMallocAsync, (devPtr, size, hStream));
	if (err == cudaSuccess)
		track(*devPtr, size, v, RANGE_DEVICE);
	return err;
}

cudaError_t inj_impl_cudaFree(void *devPtr)
{
	cudaError_t err = INJ_REAL(cudaFree, (devPtr));

	if (err == cudaSuccess)
		untrack(devPtr);
	return err;
}

cudaError_t inj_impl_cudaFreeAsync(void *devPtr, cudaStream_t hStream)
{
	cudaError_t err = INJ_REAL(cudaFreeAsync, (devPtr, hStream));

	if (err == cudaSuccess)
		untrack(devPtr);
	return err;
}

cudaError_t inj_impl_cudaMallocHost(void **ptr, size_t size)
{
	cudaError_t err = INJ_REAL(cudaMallocHost, (ptr, size));

	if (err == cudaSuccess)
		track(*ptr, size, inj_tls.vdev, RANGE_PINNED);
	return err;
}

cudaError_t inj_impl_cudaHostAlloc(void **pHost, size_t size, unsigned int flags)
{
	cudaError_t err = INJ_REAL(cudaHostAlloc, (pHost, size, flags));

	if (err == cudaSuccess)
		track(*pHost, size, inj_tls.vdev, RANGE_PINNED);
	return err;
}

cudaError_t inj_impl_cudaFreeHost(void *ptr)
{
	cudaError_t err = INJ_REAL(cudaFreeHost, (ptr));

	if (err == cudaSuccess)
		untrack(ptr);
	return err;
}

cudaError_t inj_impl_cudaHostRegister(void *ptr, size_t size, unsigned int flags)
{
	cudaError_t err = INJ_REAL(cudaHostRegister, (ptr, size, flags));

	if (err == cudaSuccess)
		track(ptr, size, inj_tls.vdev, RANGE_REGISTERED);
	return err;
}

cudaError_t inj_impl_cudaHostUnregister(void *ptr)
{
	cudaError_t err = INJ_REAL(cudaHostUnregister, (ptr));

	if (err == cudaSuccess)
		untrack(ptr);
	return err;
}

cudaError_t inj_impl_cudaPointerGetAttributes(struct cudaPointerAttributes *attributes,
					      const void *ptr)
{
	cudaError_t err = INJ_REAL(cudaPointerGetAttributes, (attributes, ptr));
	struct range *r;

	if (!inj_vd.active || err != cudaSuccess)
		return err;
	enter();
	r = range_find(ptr);
	if (r) {
		attributes->device = r->vdev;
		if (r->kind == RANGE_DEVICE)
			attributes->devicePointer =
				reaches(inj_tls.vdev, r->vdev) ? (void *)ptr : NULL;
	}
	leave();
	return err;
}

/* A memset runs on the device that issues it, which must reach the memory. */
static cudaError_t memset_reach(const void *p, int issuer)
{
	struct range *r;
	bool ok = true;

	if (!inj_vd.active)
		return cudaSuccess;
	enter();
	r = range_find(p);
	if (r && r->kind == RANGE_DEVICE)
		ok = reaches(issuer, r->vdev);
	leave();
	return ok ? cudaSuccess : inj_fail(cudaErrorInvalidValue);
}

#define MEMSET_IMPL(name, params, args, ptr, issuer)                   \
	cudaError_t inj_impl_##name params                             \
	{                                                              \
		cudaError_t err_ = memset_reach((ptr), (issuer));      \
                                                                       \
		return err_ != cudaSuccess ? err_ : INJ_REAL(name, args); \
	}

MEMSET_IMPL(cudaMemset, (void *devPtr, int value, size_t count), (devPtr, value, count), devPtr,
	    inj_tls.vdev)
MEMSET_IMPL(cudaMemsetAsync, (void *devPtr, int value, size_t count, cudaStream_t stream),
	    (devPtr, value, count, stream), devPtr, inj_vdev_of_stream(stream))
MEMSET_IMPL(cudaMemset2D, (void *devPtr, size_t pitch, int value, size_t width, size_t height),
	    (devPtr, pitch, value, width, height), devPtr, inj_tls.vdev)
MEMSET_IMPL(cudaMemset2DAsync,
	    (void *devPtr, size_t pitch, int value, size_t width, size_t height,
	     cudaStream_t stream),
	    (devPtr, pitch, value, width, height, stream), devPtr, inj_vdev_of_stream(stream))
MEMSET_IMPL(cudaMemset3D, (struct cudaPitchedPtr pitchedDevPtr, int value, struct cudaExtent extent),
	    (pitchedDevPtr, value, extent), pitchedDevPtr.ptr, inj_tls.vdev)
MEMSET_IMPL(cudaMemset3DAsync,
	    (struct cudaPitchedPtr pitchedDevPtr, int value, struct cudaExtent extent,
	     cudaStream_t stream),
	    (pitchedDevPtr, value, extent, stream), pitchedDevPtr.ptr, inj_vdev_of_stream(stream))

/* --- peer copies: device numbers ---------------------------------------------------------------- */

cudaError_t inj_impl_cudaMemcpyPeer(void *dst, int dstDevice, const void *src, int srcDevice,
				    size_t count)
{
	VDEV_ARG(dstDevice);
	VDEV_ARG(srcDevice);
	return INJ_REAL(cudaMemcpyPeer, (dst, dstDevice, src, srcDevice, count));
}

cudaError_t inj_impl_cudaMemcpyPeerAsync(void *dst, int dstDevice, const void *src, int srcDevice,
					 size_t count, cudaStream_t stream)
{
	VDEV_ARG(dstDevice);
	VDEV_ARG(srcDevice);
	return INJ_REAL(cudaMemcpyPeerAsync, (dst, dstDevice, src, srcDevice, count, stream));
}

cudaError_t inj_impl_cudaMemcpy3DPeer(const struct cudaMemcpy3DPeerParms *p)
{
	struct cudaMemcpy3DPeerParms q;

	if (!inj_vd.active || !p)
		return INJ_REAL(cudaMemcpy3DPeer, (p));
	q = *p;
	VDEV_ARG(q.dstDevice);
	VDEV_ARG(q.srcDevice);
	return INJ_REAL(cudaMemcpy3DPeer, (&q));
}

cudaError_t inj_impl_cudaMemcpy3DPeerAsync(const struct cudaMemcpy3DPeerParms *p,
					   cudaStream_t stream)
{
	struct cudaMemcpy3DPeerParms q;

	if (!inj_vd.active || !p)
		return INJ_REAL(cudaMemcpy3DPeerAsync, (p, stream));
	q = *p;
	VDEV_ARG(q.dstDevice);
	VDEV_ARG(q.srcDevice);
	return INJ_REAL(cudaMemcpy3DPeerAsync, (&q, stream));
}

/* --- streams and events ------------------------------------------------------------------------ */

static void tag(const void *h, enum handle_kind kind)
{
	pthread_mutex_lock(&vlock);
	handle_add(h, inj_tls.vdev, kind);
	pthread_mutex_unlock(&vlock);
}

static void untag(const void *h)
{
	pthread_mutex_lock(&vlock);
	handle_remove(h);
	pthread_mutex_unlock(&vlock);
}

cudaError_t inj_impl_cudaStreamCreate(cudaStream_t *pStream)
{
	cudaError_t err = INJ_REAL(cudaStreamCreate, (pStream));

	if (err == cudaSuccess)
		tag(*pStream, HANDLE_STREAM);
	return err;
}

cudaError_t inj_impl_cudaStreamCreateWithFlags(cudaStream_t *pStream, unsigned int flags)
{
	cudaError_t err = INJ_REAL(cudaStreamCreateWithFlags, (pStream, flags));

	if (err == cudaSuccess)
		tag(*pStream, HANDLE_STREAM);
	return err;
}

cudaError_t inj_impl_cudaStreamCreateWithPriority(cudaStream_t *pStream, unsigned int flags,
						  int priority)
{
	cudaError_t err = INJ_REAL(cudaStreamCreateWithPriority, (pStream, flags, priority));

	if (err == cudaSuccess)
		tag(*pStream, HANDLE_STREAM);
	return err;
}

cudaError_t inj_impl_cudaStreamDestroy(cudaStream_t stream)
{
	cudaError_t err = INJ_REAL(cudaStreamDestroy, (stream));

	if (err == cudaSuccess)
		untag(stream);
	return err;
}

cudaError_t inj_impl_cudaStreamGetDevice(cudaStream_t hStream, int *device)
{
	cudaError_t err = INJ_REAL(cudaStreamGetDevice, (hStream, device));

	if (inj_vd.active && err == cudaSuccess)
		*device = inj_vdev_of_stream(hStream);
	return err;
}

cudaError_t inj_impl_cudaEventCreate(cudaEvent_t *event)
{
	cudaError_t err = INJ_REAL(cudaEventCreate, (event));

	if (err == cudaSuccess)
		tag(*event, HANDLE_EVENT);
	return err;
}

cudaError_t inj_impl_cudaEventCreateWithFlags(cudaEvent_t *event, unsigned int flags)
{
	cudaError_t err = INJ_REAL(cudaEventCreateWithFlags, (event, flags));

	if (err == cudaSuccess)
		tag(*event, HANDLE_EVENT);
	return err;
}

cudaError_t inj_impl_cudaEventDestroy(cudaEvent_t event)
{
	cudaError_t err = INJ_REAL(cudaEventDestroy, (event));

	if (err == cudaSuccess)
		untag(event);
	return err;
}

/* An event records on a stream of its own device only. */
static cudaError_t same_device(cudaEvent_t event, cudaStream_t stream)
{
	int ev = inj_vd.active ? handle_vdev(event, HANDLE_EVENT) : -1;

	if (ev >= 0 && ev != inj_vdev_of_stream(stream))
		return inj_fail(cudaErrorInvalidResourceHandle);
	return cudaSuccess;
}

cudaError_t inj_impl_cudaEventRecord(cudaEvent_t event, cudaStream_t stream)
{
	cudaError_t err = same_device(event, stream);

	return err != cudaSuccess ? err : INJ_REAL(cudaEventRecord, (event, stream));
}

cudaError_t inj_impl_cudaEventRecordWithFlags(cudaEvent_t event, cudaStream_t stream,
					      unsigned int flags)
{
	cudaError_t err = same_device(event, stream);

	return err != cudaSuccess ? err :
				    INJ_REAL(cudaEventRecordWithFlags, (event, stream, flags));
}

cudaError_t inj_impl_cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end)
{
	if (inj_vd.active && ms) {
		int a = handle_vdev(start, HANDLE_EVENT), b = handle_vdev(end, HANDLE_EVENT);

		if (a >= 0 && b >= 0 && a != b)
			return inj_fail(cudaErrorInvalidResourceHandle);
	}
	return INJ_REAL(cudaEventElapsedTime, (ms, start, end));
}
