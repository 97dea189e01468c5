/*
 * device.c: devices, their properties and attributes, limits, flags and peer access.
 *
 * Every simulated device is the GPU recorded in device_model.def (an NVIDIA H200, as
 * measured by tools/gen/gen_device_model.c), with the memory size of FERRY_SIM_MEM and its
 * own PCI address. Peer capability comes from FERRY_SIM_PEERS; access is enabled per ordered
 * pair with the codes a real CUDA 13.0 runtime answers (tools/probe/cuda_probe.c, case peer).
 */
#include "sim.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char model_name[] =
#define FERRY_SIM_NAME(n) n
#define FERRY_SIM_TOTAL_MEM(b)
#define FERRY_SIM_ATTR(a, v)
#include "device_model.def"
#undef FERRY_SIM_NAME
#undef FERRY_SIM_TOTAL_MEM
#undef FERRY_SIM_ATTR
	;

/* The model's attribute value, or false when the real runtime refuses the number. */
static bool model_attr(int attr, int *value)
{
	switch (attr) {
#define FERRY_SIM_NAME(n)
#define FERRY_SIM_TOTAL_MEM(b)
#define FERRY_SIM_ATTR(a, v) \
	case a:              \
		*value = v;  \
		return true;
#include "device_model.def"
#undef FERRY_SIM_NAME
#undef FERRY_SIM_TOTAL_MEM
#undef FERRY_SIM_ATTR
	}
	return false;
}

int sim_current_device(void)
{
	return sim_self()->device;
}

/* What device dev answers for attr: the model, with the per-device PCI address. */
static bool device_attr(int dev, int attr, int *value)
{
	if (!model_attr(attr, value))
		return false;
	/* The real GPUs of one machine differ here: device i is one PCI slot further, and its
	 * own board (measured: device 1 answered 7 and 1 where device 0 answered 6 and 0). */
	if (attr == cudaDevAttrPciDeviceId || attr == cudaDevAttrMultiGpuBoardGroupID)
		*value += dev;
	return true;
}

static int attr_or0(int dev, enum cudaDeviceAttr a)
{
	int v = 0;

	device_attr(dev, (int)a, &v);
	return v;
}

cudaError_t sim_cudaGetDeviceCount(int *count)
{
	if (!count)
		return cudaErrorInvalidValue;
	*count = sim_cfg.devices;
	return sim_cfg.devices ? cudaSuccess : cudaErrorNoDevice;
}

cudaError_t sim_cudaSetDevice(int device)
{
	if (!sim_valid_device(device))
		return sim_cfg.devices ? cudaErrorInvalidDevice : cudaErrorNoDevice;
	/* Since CUDA 12, cudaSetDevice creates the device's primary context: impossible once
	 * the process has lost its contexts (the device is still made current, as on a real
	 * runtime: the next call on it answers cudaErrorDevicesUnavailable too). */
	sim_self()->device = device;
	if (sim.lost != cudaSuccess && !sim.dev[device].ctx)
		return cudaErrorDevicesUnavailable;
	sim.dev[device].ctx = true;
	return cudaSuccess;
}

cudaError_t sim_cudaGetDevice(int *device)
{
	if (!device)
		return cudaErrorInvalidValue;
	if (!sim_cfg.devices)
		return cudaErrorNoDevice;
	*device = sim_current_device();
	return cudaSuccess;
}

cudaError_t sim_cudaInitDevice(int device, unsigned int deviceFlags, unsigned int flags)
{
	/* The real runtime does not check either set of flags (cuda_probe: arg_initdevice_*). */
	(void)deviceFlags;
	(void)flags;
	if (!sim_valid_device(device))
		return cudaErrorInvalidDevice;
	return cudaSuccess;
}

cudaError_t sim_cudaSetDeviceFlags(unsigned int flags)
{
	int dev = sim_current_device();

	if (flags & ~(unsigned)cudaDeviceMask)
		return cudaErrorInvalidValue;
	sim.dev[dev].flags = flags;
	return cudaSuccess;
}

cudaError_t sim_cudaGetDeviceFlags(unsigned int *flags)
{
	if (!flags)
		return cudaErrorInvalidValue;
	*flags = sim.dev[sim_current_device()].flags | cudaDeviceMapHost;
	return cudaSuccess;
}

cudaError_t sim_cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int device)
{
	int v;

	if (!value)
		return cudaErrorInvalidValue;
	if (!sim_valid_device(device))
		return cudaErrorInvalidDevice;
	if (!device_attr(device, (int)attr, &v))
		return cudaErrorInvalidValue;
	*value = v;
	return cudaSuccess;
}

cudaError_t sim_cudaGetDeviceProperties(struct cudaDeviceProp *p, int device)
{
	int d = device;

	if (!p)
		return cudaErrorInvalidValue;
	if (!sim_valid_device(device))
		return cudaErrorInvalidDevice;
	/* The real runtime writes the fields and leaves reserved[] as it was. */
	memset(p, 0, offsetof(struct cudaDeviceProp, reserved));
	snprintf(p->name, sizeof(p->name), "%s", model_name);
	/* A stable, distinct identity per simulated device. */
	memcpy(p->uuid.bytes, "ferry-sim-dev-", 14);
	p->uuid.bytes[14] = (char)(d >> 8);
	p->uuid.bytes[15] = (char)d;
	p->totalGlobalMem = sim_cfg.mem_bytes;
	p->sharedMemPerBlock = (size_t)attr_or0(d, cudaDevAttrMaxSharedMemoryPerBlock);
	p->regsPerBlock = attr_or0(d, cudaDevAttrMaxRegistersPerBlock);
	p->warpSize = attr_or0(d, cudaDevAttrWarpSize);
	p->memPitch = (size_t)attr_or0(d, cudaDevAttrMaxPitch);
	p->maxThreadsPerBlock = attr_or0(d, cudaDevAttrMaxThreadsPerBlock);
	p->maxThreadsDim[0] = attr_or0(d, cudaDevAttrMaxBlockDimX);
	p->maxThreadsDim[1] = attr_or0(d, cudaDevAttrMaxBlockDimY);
	p->maxThreadsDim[2] = attr_or0(d, cudaDevAttrMaxBlockDimZ);
	p->maxGridSize[0] = attr_or0(d, cudaDevAttrMaxGridDimX);
	p->maxGridSize[1] = attr_or0(d, cudaDevAttrMaxGridDimY);
	p->maxGridSize[2] = attr_or0(d, cudaDevAttrMaxGridDimZ);
	p->totalConstMem = (size_t)attr_or0(d, cudaDevAttrTotalConstantMemory);
	p->major = attr_or0(d, cudaDevAttrComputeCapabilityMajor);
	p->minor = attr_or0(d, cudaDevAttrComputeCapabilityMinor);
	p->textureAlignment = (size_t)attr_or0(d, cudaDevAttrTextureAlignment);
	p->texturePitchAlignment = (size_t)attr_or0(d, cudaDevAttrTexturePitchAlignment);
	p->multiProcessorCount = attr_or0(d, cudaDevAttrMultiProcessorCount);
	p->integrated = attr_or0(d, cudaDevAttrIntegrated);
	p->canMapHostMemory = attr_or0(d, cudaDevAttrCanMapHostMemory);
	p->surfaceAlignment = (size_t)attr_or0(d, cudaDevAttrSurfaceAlignment);
	p->concurrentKernels = attr_or0(d, cudaDevAttrConcurrentKernels);
	p->ECCEnabled = attr_or0(d, cudaDevAttrEccEnabled);
	p->pciBusID = attr_or0(d, cudaDevAttrPciBusId);
	p->pciDeviceID = attr_or0(d, cudaDevAttrPciDeviceId);
	p->pciDomainID = attr_or0(d, cudaDevAttrPciDomainId);
	p->tccDriver = attr_or0(d, cudaDevAttrTccDriver);
	p->asyncEngineCount = attr_or0(d, cudaDevAttrAsyncEngineCount);
	p->unifiedAddressing = attr_or0(d, cudaDevAttrUnifiedAddressing);
	p->memoryBusWidth = attr_or0(d, cudaDevAttrGlobalMemoryBusWidth);
	p->l2CacheSize = attr_or0(d, cudaDevAttrL2CacheSize);
	p->persistingL2CacheMaxSize = attr_or0(d, cudaDevAttrMaxPersistingL2CacheSize);
	p->maxThreadsPerMultiProcessor = attr_or0(d, cudaDevAttrMaxThreadsPerMultiProcessor);
	p->streamPrioritiesSupported = attr_or0(d, cudaDevAttrStreamPrioritiesSupported);
	p->globalL1CacheSupported = attr_or0(d, cudaDevAttrGlobalL1CacheSupported);
	p->localL1CacheSupported = attr_or0(d, cudaDevAttrLocalL1CacheSupported);
	p->sharedMemPerMultiprocessor =
		(size_t)attr_or0(d, cudaDevAttrMaxSharedMemoryPerMultiprocessor);
	p->regsPerMultiprocessor = attr_or0(d, cudaDevAttrMaxRegistersPerMultiprocessor);
	p->managedMemory = attr_or0(d, cudaDevAttrManagedMemory);
	p->isMultiGpuBoard = attr_or0(d, cudaDevAttrIsMultiGpuBoard);
	p->multiGpuBoardGroupID = attr_or0(d, cudaDevAttrMultiGpuBoardGroupID);
	p->hostNativeAtomicSupported = attr_or0(d, cudaDevAttrHostNativeAtomicSupported);
	p->pageableMemoryAccess = attr_or0(d, cudaDevAttrPageableMemoryAccess);
	p->concurrentManagedAccess = attr_or0(d, cudaDevAttrConcurrentManagedAccess);
	p->computePreemptionSupported = attr_or0(d, cudaDevAttrComputePreemptionSupported);
	p->canUseHostPointerForRegisteredMem =
		attr_or0(d, cudaDevAttrCanUseHostPointerForRegisteredMem);
	p->cooperativeLaunch = attr_or0(d, cudaDevAttrCooperativeLaunch);
	p->sharedMemPerBlockOptin = (size_t)attr_or0(d, cudaDevAttrMaxSharedMemoryPerBlockOptin);
	p->pageableMemoryAccessUsesHostPageTables =
		attr_or0(d, cudaDevAttrPageableMemoryAccessUsesHostPageTables);
	p->directManagedMemAccessFromHost = attr_or0(d, cudaDevAttrDirectManagedMemAccessFromHost);
	p->maxBlocksPerMultiProcessor = attr_or0(d, cudaDevAttrMaxBlocksPerMultiprocessor);
	p->accessPolicyMaxWindowSize = attr_or0(d, cudaDevAttrMaxAccessPolicyWindowSize);
	p->reservedSharedMemPerBlock = (size_t)attr_or0(d, cudaDevAttrReservedSharedMemoryPerBlock);
	p->hostRegisterSupported = attr_or0(d, cudaDevAttrHostRegisterSupported);
	p->sparseCudaArraySupported = attr_or0(d, cudaDevAttrSparseCudaArraySupported);
	p->hostRegisterReadOnlySupported = attr_or0(d, cudaDevAttrHostRegisterReadOnlySupported);
	p->timelineSemaphoreInteropSupported =
		attr_or0(d, cudaDevAttrTimelineSemaphoreInteropSupported);
	p->memoryPoolsSupported = attr_or0(d, cudaDevAttrMemoryPoolsSupported);
	p->gpuDirectRDMASupported = attr_or0(d, cudaDevAttrGPUDirectRDMASupported);
	p->gpuDirectRDMAFlushWritesOptions =
		(unsigned)attr_or0(d, cudaDevAttrGPUDirectRDMAFlushWritesOptions);
	p->gpuDirectRDMAWritesOrdering = attr_or0(d, cudaDevAttrGPUDirectRDMAWritesOrdering);
	p->memoryPoolSupportedHandleTypes =
		(unsigned)attr_or0(d, cudaDevAttrMemoryPoolSupportedHandleTypes);
	p->deferredMappingCudaArraySupported =
		attr_or0(d, cudaDevAttrDeferredMappingCudaArraySupported);
	p->ipcEventSupported = attr_or0(d, cudaDevAttrIpcEventSupport);
	p->clusterLaunch = attr_or0(d, cudaDevAttrClusterLaunch);
	p->deviceNumaConfig = attr_or0(d, cudaDevAttrNumaConfig);
	p->deviceNumaId = attr_or0(d, cudaDevAttrNumaId);
	p->mpsEnabled = attr_or0(d, cudaDevAttrMpsEnabled);
	p->hostNumaId = attr_or0(d, cudaDevAttrHostNumaId);
	p->gpuPciDeviceID = (unsigned)attr_or0(d, cudaDevAttrGpuPciDeviceId);
	p->gpuPciSubsystemID = (unsigned)attr_or0(d, cudaDevAttrGpuPciSubsystemId);
	p->hostNumaMultinodeIpcSupported = attr_or0(d, cudaDevAttrHostNumaMultinodeIpcSupported);
	return cudaSuccess;
}

static void format_bus_id(int dev, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.0", attr_or0(dev, cudaDevAttrPciDomainId),
		 attr_or0(dev, cudaDevAttrPciBusId), attr_or0(dev, cudaDevAttrPciDeviceId));
}

cudaError_t sim_cudaDeviceGetPCIBusId(char *pciBusId, int len, int device)
{
	char id[32];

	if (!sim_valid_device(device))
		return cudaErrorInvalidDevice;
	if (!pciBusId || len <= 0)
		return cudaErrorInvalidValue;
	format_bus_id(device, id, sizeof(id));
	/* Real CUDA writes what fits, then refuses a buffer too short for the whole id. */
	snprintf(pciBusId, (size_t)len, "%s", id);
	if ((size_t)len <= strlen(id))
		return cudaErrorInvalidValue;
	return cudaSuccess;
}

cudaError_t sim_cudaDeviceGetByPCIBusId(int *device, const char *pciBusId)
{
	unsigned dom, bus, dv, fn;
	char tail;

	if (!device || !pciBusId)
		return cudaErrorInvalidValue;
	/* Forms: domain:bus:device.function, or bus:device.function. */
	if (sscanf(pciBusId, "%x:%x:%x.%x%c", &dom, &bus, &dv, &fn, &tail) != 4) {
		dom = 0;
		if (sscanf(pciBusId, "%x:%x.%x%c", &bus, &dv, &fn, &tail) != 3)
			return cudaErrorInvalidValue;
	}
	for (int d = 0; d < sim_cfg.devices; d++) {
		if ((int)dom == attr_or0(d, cudaDevAttrPciDomainId) &&
		    (int)bus == attr_or0(d, cudaDevAttrPciBusId) &&
		    (int)dv == attr_or0(d, cudaDevAttrPciDeviceId) && fn == 0) {
			*device = d;
			return cudaSuccess;
		}
	}
	return cudaErrorInvalidDevice;
}

cudaError_t sim_cudaDeviceGetStreamPriorityRange(int *leastPriority, int *greatestPriority)
{
	if (leastPriority)
		*leastPriority = 0;
	if (greatestPriority)
		*greatestPriority = -5;
	return cudaSuccess;
}

/* What cudaDeviceGetLimit answered on the real H200: -1 marks cudaErrorUnsupportedLimit. */
static const long long limit_model[] = { 1024, 8650752, 8388608, -1, 2048,
					 64,   11796480, 232448, 0,	 -1 };

cudaError_t sim_cudaDeviceGetLimit(size_t *pValue, enum cudaLimit limit)
{
	struct sim_device *d = &sim.dev[sim_current_device()];
	unsigned l = (unsigned)limit;

	if (!pValue || l >= sizeof(limit_model) / sizeof(limit_model[0]))
		return cudaErrorInvalidValue;
	if (limit_model[l] < 0)
		return cudaErrorUnsupportedLimit;
	*pValue = d->limits_set[l] ? d->limits[l] : (size_t)limit_model[l];
	return cudaSuccess;
}

cudaError_t sim_cudaDeviceSetLimit(enum cudaLimit limit, size_t value)
{
	struct sim_device *d = &sim.dev[sim_current_device()];
	unsigned l = (unsigned)limit;

	if (l >= sizeof(limit_model) / sizeof(limit_model[0]))
		return cudaErrorInvalidValue;
	if (limit_model[l] < 0)
		return cudaErrorUnsupportedLimit;
	d->limits[l] = value;
	d->limits_set[l] = true;
	return cudaSuccess;
}

cudaError_t sim_cudaMemGetInfo(size_t *free, size_t *total)
{
	struct sim_heap *h = &sim.dev[sim_current_device()].heap;

	if (free)
		*free = sim_cfg.mem_bytes - sim_heap_charged(h->used);
	if (total)
		*total = sim_cfg.mem_bytes;
	return cudaSuccess;
}

cudaError_t sim_cudaDeviceSynchronize(void)
{
	int dev = sim_current_device();
	cudaError_t err = sim_capture_sync_device(dev);

	if (err)
		return err;
	sim_wait_device(dev);
	return sim.lost;
}

/* --- peer access ------------------------------------------------------------------------ */

cudaError_t sim_cudaDeviceCanAccessPeer(int *canAccessPeer, int device, int peerDevice)
{
	if (!sim_valid_device(device) || !sim_valid_device(peerDevice))
		return cudaErrorInvalidDevice;
	if (!canAccessPeer)
		return cudaErrorInvalidValue;
	*canAccessPeer = device != peerDevice && sim_cfg.peer[device][peerDevice];
	return cudaSuccess;
}

cudaError_t sim_cudaDeviceEnablePeerAccess(int peerDevice, unsigned int flags)
{
	int dev = sim_current_device();
	struct sim_device *d = &sim.dev[dev];

	if (!sim_valid_device(peerDevice))
		return cudaErrorInvalidDevice;
	if (flags != 0)
		return cudaErrorInvalidValue;
	if (peerDevice == dev || !sim_cfg.peer[dev][peerDevice])
		return cudaErrorPeerAccessUnsupported;
	if (d->peer_enabled[peerDevice])
		return cudaErrorPeerAccessAlreadyEnabled;
	if (d->peer_count >= SIM_MAX_PEERS)
		return cudaErrorTooManyPeers;
	d->peer_enabled[peerDevice] = true;
	d->peer_count++;
	return cudaSuccess;
}

cudaError_t sim_cudaDeviceDisablePeerAccess(int peerDevice)
{
	struct sim_device *d = &sim.dev[sim_current_device()];

	if (!sim_valid_device(peerDevice))
		return cudaErrorInvalidDevice;
	if (!d->peer_enabled[peerDevice])
		return cudaErrorPeerAccessNotEnabled;
	d->peer_enabled[peerDevice] = false;
	d->peer_count--;
	return cudaSuccess;
}

bool sim_device_reaches(int dev, int owner)
{
	return dev == owner || sim.dev[dev].peer_enabled[owner];
}

static void sim_peer_reset(int dev)
{
	for (int p = 0; p < sim_cfg.devices; p++) {
		struct sim_device *o = &sim.dev[p];

		if (sim.dev[dev].peer_enabled[p]) {
			sim.dev[dev].peer_enabled[p] = false;
			sim.dev[dev].peer_count--;
		}
		if (o->peer_enabled[dev]) {
			o->peer_enabled[dev] = false;
			o->peer_count--;
		}
	}
}

cudaError_t sim_cudaDeviceGetP2PAttribute(int *value, enum cudaDeviceP2PAttr attr, int srcDevice,
					  int dstDevice)
{
	bool peer;

	if (!value)
		return cudaErrorInvalidValue;
	if (!sim_valid_device(srcDevice) || !sim_valid_device(dstDevice) || srcDevice == dstDevice)
		return cudaErrorInvalidDevice;
	peer = sim_cfg.peer[srcDevice][dstDevice];
	switch ((int)attr) {
	case cudaDevP2PAttrPerformanceRank:
		*value = 0;
		return cudaSuccess;
	case cudaDevP2PAttrAccessSupported:
	case cudaDevP2PAttrNativeAtomicSupported:
	case cudaDevP2PAttrCudaArrayAccessSupported:
		*value = peer;
		return cudaSuccess;
	case cudaDevP2PAttrOnlyPartialNativeAtomicSupported:
		*value = 0;
		return cudaSuccess;
	}
	return cudaErrorInvalidValue;
}

/*
 * cudaDeviceReset: the current device's context goes, with everything in it: queued work is
 * finished first, then its streams, events, device memory, pinned memory and registrations,
 * peer mappings (both ways), flags and limits. Other devices keep theirs. A lost process
 * stays lost: the next call on the device finds no context (cudaErrorDevicesUnavailable).
 */
cudaError_t sim_cudaDeviceReset(void)
{
	int dev = sim_current_device();
	struct sim_device *d;

	if (!sim_valid_device(dev))
		return cudaErrorNoDevice;
	d = &sim.dev[dev];
	sim_wait_device(dev);
	sim_stream_destroy_all(dev);
	sim_event_destroy_all(dev);
	sim_device_free_all(dev);
	sim_host_drop_device(dev);
	sim_peer_reset(dev);
	if (d->has_barrier) {
		d->has_barrier = false;
		sim_dep_unref(d->barrier.s);
	}
	d->ctx = false;
	d->flags = 0;
	memset(d->limits_set, 0, sizeof(d->limits_set));
	return cudaSuccess;
}
