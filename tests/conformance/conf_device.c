/*
 * conf_device.c: conformance of device enumeration and description.
 *
 * cudaGetDeviceCount, cudaSetDevice/cudaGetDevice (per thread), cudaGetDeviceProperties,
 * cudaDeviceGetAttribute for the attributes copy code reads, cudaMemGetInfo, the PCI bus id
 * round trip, stream priority range and versions. Values are compared with each other
 * (properties against attributes) rather than with one card's numbers, except where
 * CUDA_VARIANTS.md §5 measured the real 2x H200 box.
 */
#include "conformance.h"

#include <limits.h>

static void test_device_count_positive(void **state)
{
	int n = -1;

	(void)state;
	CHECK_RC(cudaGetDeviceCount(&n), cudaSuccess);
	CHECK_TRUE(n >= 1);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_device_count_null(void **state)
{
	(void)state;
	CHECK_RC(cudaGetDeviceCount(NULL), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_device_set_get_each(void **state)
{
	int n = conf_device_count();

	(void)state;
	for (int d = 0; d < n; d++) {
		int got = -1;

		CHECK_RC(cudaSetDevice(d), cudaSuccess);
		CHECK_RC(cudaGetDevice(&got), cudaSuccess);
		CHECK_INT(got, d);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_device_set_invalid_ordinal(void **state)
{
	int n = conf_device_count(), got = -1;

	(void)state;
	CHECK_RC(cudaSetDevice(n), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaSetDevice(-1), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaSetDevice(INT_MAX), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	/* The current device is what it was before the failed calls. */
	CHECK_RC(cudaGetDevice(&got), cudaSuccess);
	CHECK_INT(got, 0);
	CONF_DONE();
}

static void test_device_get_null(void **state)
{
	(void)state;
	CHECK_RC(cudaGetDevice(NULL), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

struct dev_thread_result {
	cudaError_t rc_get;
	int dev;
	cudaError_t rc_set;
};

static void *dev_thread_get(void *arg)
{
	struct dev_thread_result *r = arg;

	r->rc_get = cudaGetDevice(&r->dev);
	return NULL;
}

static void test_device_new_thread_starts_on_0(void **state)
{
	struct dev_thread_result r = { (cudaError_t)-1, -1, (cudaError_t)-1 };
	int last = conf_device_count() - 1, got = -1;

	(void)state;
	CHECK_RC(cudaSetDevice(last), cudaSuccess);
	RUN_THREAD(dev_thread_get, &r);
	CHECK_RC(r.rc_get, cudaSuccess);
	CHECK_INT(r.dev, 0);
	CHECK_RC(cudaGetDevice(&got), cudaSuccess);
	CHECK_INT(got, last);
	CONF_DONE();
}

static void *dev_thread_set_1(void *arg)
{
	struct dev_thread_result *r = arg;

	r->rc_set = cudaSetDevice(1);
	r->rc_get = cudaGetDevice(&r->dev);
	return NULL;
}

static void test_device_current_is_per_thread(void **state)
{
	struct dev_thread_result r = { (cudaError_t)-1, -1, (cudaError_t)-1 };
	int got = -1;

	(void)state;
	CONF_NEED_DEVICES(2);
	RUN_THREAD(dev_thread_set_1, &r);
	CHECK_RC(r.rc_set, cudaSuccess);
	CHECK_INT(r.dev, 1);
	CHECK_RC(cudaGetDevice(&got), cudaSuccess);
	CHECK_INT(got, 0);
	CONF_DONE();
}

static void test_device_properties_basic(void **state)
{
	int n = conf_device_count();

	(void)state;
	for (int d = 0; d < n; d++) {
		struct cudaDeviceProp p;

		memset(&p, 0, sizeof(p));
		CHECK_RC(cudaGetDeviceProperties(&p, d), cudaSuccess);
		CHECK_TRUE(p.name[0] != '\0');
		CHECK_TRUE(memchr(p.name, '\0', sizeof(p.name)) != NULL);
		CHECK_TRUE(p.totalGlobalMem > 0);
		CHECK_INT(p.unifiedAddressing, 1);
		CHECK_TRUE(p.major >= 1);
		CHECK_TRUE(p.multiProcessorCount > 0);
		CHECK_TRUE(p.asyncEngineCount >= 1);
		CHECK_INT(p.canUseHostPointerForRegisteredMem, 1);
		CHECK_INT(p.hostRegisterSupported, 1);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_device_properties_invalid_device(void **state)
{
	struct cudaDeviceProp p;

	(void)state;
	CHECK_RC(cudaGetDeviceProperties(&p, conf_device_count()), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaGetDeviceProperties(&p, -1), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_device_properties_null(void **state)
{
	(void)state;
	CHECK_RC(cudaGetDeviceProperties(NULL, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_device_properties_leave_reserved(void **state)
{
	struct cudaDeviceProp p;
	unsigned char want[sizeof(p.reserved)];

	(void)state;
	/* CUDA_VARIANTS.md V14: 13.0 writes 784 of the 1008 bytes and leaves reserved alone. */
	memset(&p, 0xcd, sizeof(p));
	memset(want, 0xcd, sizeof(want));
	CHECK_RC(cudaGetDeviceProperties(&p, 0), cudaSuccess);
	CHECK_BYTES((const void *)p.reserved, want, sizeof(p.reserved));
	CONF_DONE();
}

static int attr(enum cudaDeviceAttr a, int dev)
{
	int v = INT_MIN;

	CHECK_RC(cudaDeviceGetAttribute(&v, a, dev), cudaSuccess);
	return v;
}

static void test_device_properties_match_attributes(void **state)
{
	int n = conf_device_count();

	(void)state;
	for (int d = 0; d < n; d++) {
		struct cudaDeviceProp p;

		memset(&p, 0, sizeof(p));
		CHECK_RC(cudaGetDeviceProperties(&p, d), cudaSuccess);
		CHECK_INT(attr(cudaDevAttrPciBusId, d), p.pciBusID);
		CHECK_INT(attr(cudaDevAttrPciDeviceId, d), p.pciDeviceID);
		CHECK_INT(attr(cudaDevAttrPciDomainId, d), p.pciDomainID);
		CHECK_INT(attr(cudaDevAttrComputeCapabilityMajor, d), p.major);
		CHECK_INT(attr(cudaDevAttrComputeCapabilityMinor, d), p.minor);
		CHECK_INT(attr(cudaDevAttrMultiProcessorCount, d), p.multiProcessorCount);
		CHECK_INT(attr(cudaDevAttrAsyncEngineCount, d), p.asyncEngineCount);
		CHECK_INT(attr(cudaDevAttrUnifiedAddressing, d), p.unifiedAddressing);
		CHECK_INT(attr(cudaDevAttrConcurrentManagedAccess, d), p.concurrentManagedAccess);
		CHECK_INT(attr(cudaDevAttrCanUseHostPointerForRegisteredMem, d),
			  p.canUseHostPointerForRegisteredMem);
		CHECK_INT(attr(cudaDevAttrHostRegisterSupported, d), p.hostRegisterSupported);
		CHECK_INT(attr(cudaDevAttrGlobalL1CacheSupported, d), p.globalL1CacheSupported);
		CHECK_INT(attr(cudaDevAttrManagedMemory, d), p.managedMemory);
	}
	CONF_DONE();
}

static void test_device_pci_location_distinct(void **state)
{
	struct cudaDeviceProp a, b;

	(void)state;
	CONF_NEED_DEVICES(2);
	CHECK_RC(cudaGetDeviceProperties(&a, 0), cudaSuccess);
	CHECK_RC(cudaGetDeviceProperties(&b, 1), cudaSuccess);
	CHECK_TRUE(a.pciDomainID != b.pciDomainID || a.pciBusID != b.pciBusID ||
		   a.pciDeviceID != b.pciDeviceID);
	CONF_DONE();
}

static void test_device_attribute_copy_fields(void **state)
{
	(void)state;
	/* What copy code reads; the values every 64-bit Linux GPU of this generation answers. */
	CHECK_INT(attr(cudaDevAttrUnifiedAddressing, 0), 1);
	CHECK_TRUE(attr(cudaDevAttrAsyncEngineCount, 0) >= 1);
	CHECK_INT(attr(cudaDevAttrCanUseHostPointerForRegisteredMem, 0), 1);
	CHECK_INT(attr(cudaDevAttrHostRegisterSupported, 0), 1);
	CHECK_INT(attr(cudaDevAttrConcurrentManagedAccess, 0), 1);
	CHECK_INT(attr(cudaDevAttrHostRegisterReadOnlySupported, 0), 1);
	CHECK_INT(attr(cudaDevAttrMemoryPoolsSupported, 0), 1);
	CHECK_TRUE(attr(cudaDevAttrMultiProcessorCount, 0) > 0);
	CHECK_TRUE(attr(cudaDevAttrComputeCapabilityMajor, 0) >= 1);
	CHECK_TRUE(attr(cudaDevAttrPciBusId, 0) >= 0);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_device_attribute_removed_fields(void **state)
{
	(void)state;
	/* Fields 13.0 dropped from cudaDeviceProp still answer as attributes (CUDA_VARIANTS §5) */
	CHECK_TRUE(attr(cudaDevAttrClockRate, 0) > 0);
	CHECK_INT(attr(cudaDevAttrGpuOverlap, 0), 1);
	CHECK_INT(attr(cudaDevAttrKernelExecTimeout, 0), 0);
	CHECK_INT(attr(cudaDevAttrComputeMode, 0), 0);
	CHECK_TRUE(attr(cudaDevAttrMemoryClockRate, 0) > 0);
	CHECK_INT(attr((enum cudaDeviceAttr)96, 0), 1);
	CONF_DONE();
}

static void test_device_attribute_invalid_attribute(void **state)
{
	int v = 0;

	(void)state;
	/* There is no total-memory attribute: cudaMemGetInfo / totalGlobalMem are the only ways. */
	CHECK_RC(cudaDeviceGetAttribute(&v, (enum cudaDeviceAttr)100000, 0),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaDeviceGetAttribute(&v, (enum cudaDeviceAttr)0, 0),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaDeviceGetAttribute(&v, (enum cudaDeviceAttr)-1, 0),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_device_attribute_null_value(void **state)
{
	(void)state;
	CHECK_RC(cudaDeviceGetAttribute(NULL, cudaDevAttrPciBusId, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_device_attribute_invalid_device(void **state)
{
	int v = 0;

	(void)state;
	CHECK_RC(cudaDeviceGetAttribute(&v, cudaDevAttrPciBusId, conf_device_count()),
		 cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaDeviceGetAttribute(&v, cudaDevAttrPciBusId, -1), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_device_mem_get_info_bounds(void **state)
{
	size_t free_b = 0, total = 0;
	struct cudaDeviceProp p;

	(void)state;
	CHECK_RC(cudaGetDeviceProperties(&p, 0), cudaSuccess);
	CHECK_RC(cudaMemGetInfo(&free_b, &total), cudaSuccess);
	CHECK_TRUE(total > 0);
	CHECK_TRUE(free_b <= total);
	CHECK_TRUE(free_b > 0);
	CHECK_UINT(total, p.totalGlobalMem);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_device_mem_get_info_null_allowed(void **state)
{
	size_t free_b = 0, total = 0, v = 0;

	(void)state;
	/* Either pointer may be NULL (measured); the other is still written. */
	CHECK_RC(cudaMemGetInfo(&free_b, &total), cudaSuccess);
	CHECK_RC(cudaMemGetInfo(NULL, &v), cudaSuccess);
	CHECK_UINT(v, total);
	v = 0;
	CHECK_RC(cudaMemGetInfo(&v, NULL), cudaSuccess);
	CHECK_TRUE(v > 0 && v <= total);
	CHECK_RC(cudaMemGetInfo(NULL, NULL), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static bool near(size_t a, size_t b, size_t tol)
{
	return a > b ? a - b <= tol : b - a <= tol;
}

static void test_device_mem_get_info_tracks_malloc(void **state)
{
	const size_t big = 1024 * CONF_MIB, tol = 8 * CONF_MIB;
	size_t before = 0, during = 0, after = 0, total = 0;
	void *warm = NULL, *p = NULL;

	(void)state;
	/* The first allocation may set up runtime state of its own: take it out of the picture. */
	REQUIRE_RC(cudaMalloc(&warm, CONF_MIB), cudaSuccess);
	REQUIRE_RC(cudaFree(warm), cudaSuccess);
	CHECK_RC(cudaMemGetInfo(&before, &total), cudaSuccess);
	REQUIRE_RC(cudaMalloc(&p, big), cudaSuccess);
	CHECK_RC(cudaMemGetInfo(&during, &total), cudaSuccess);
	CHECK_RC(cudaFree(p), cudaSuccess);
	CHECK_RC(cudaMemGetInfo(&after, &total), cudaSuccess);
	if (!CHECK_TRUE(near(before - during, big, tol)))
		printf("    free before %zu, with 1 GiB allocated %zu\n", before, during);
	if (!CHECK_TRUE(near(after, before, tol)))
		printf("    free before %zu, after cudaFree %zu\n", before, after);
	CONF_DONE();
}

static void test_device_mem_get_info_per_device(void **state)
{
	const size_t big = 512 * CONF_MIB, tol = 8 * CONF_MIB;
	size_t f0 = 0, f1 = 0, g0 = 0, g1 = 0, total = 0;

	(void)state;
	CONF_NEED_DEVICES(2);
	/* Memory taken on device 1 shows in device 1's figure, not in device 0's. */
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	DEV_ALLOC(1, CONF_MIB);
	CHECK_RC(cudaMemGetInfo(&f1, &total), cudaSuccess);
	CHECK_RC(cudaSetDevice(0), cudaSuccess);
	CHECK_RC(cudaMemGetInfo(&f0, &total), cudaSuccess);
	DEV_ALLOC(1, big);
	CHECK_RC(cudaMemGetInfo(&g0, &total), cudaSuccess);
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_RC(cudaMemGetInfo(&g1, &total), cudaSuccess);
	CHECK_TRUE(near(f0, g0, tol));
	CHECK_TRUE(near(f1 - g1, big, tol));
	CONF_DONE();
}

static void test_device_pci_bus_id_roundtrip(void **state)
{
	int n = conf_device_count();

	(void)state;
	for (int d = 0; d < n; d++) {
		char id[64];
		int back = -1;

		memset(id, 0, sizeof(id));
		CHECK_RC(cudaDeviceGetPCIBusId(id, (int)sizeof(id), d), cudaSuccess);
		CHECK_RC(cudaDeviceGetByPCIBusId(&back, id), cudaSuccess);
		CHECK_INT(back, d);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_device_pci_bus_id_format(void **state)
{
	unsigned domain = ~0u, bus = ~0u, device = ~0u, function = ~0u;
	char id[64], tail = 0;

	(void)state;
	memset(id, 0, sizeof(id));
	CHECK_RC(cudaDeviceGetPCIBusId(id, (int)sizeof(id), 0), cudaSuccess);
	/* "domain:bus:device.function", in hex, as the attributes give them. */
	CHECK_INT(sscanf(id, "%x:%x:%x.%x%c", &domain, &bus, &device, &function, &tail), 4);
	CHECK_INT(domain, attr(cudaDevAttrPciDomainId, 0));
	CHECK_INT(bus, attr(cudaDevAttrPciBusId, 0));
	CHECK_INT(device, attr(cudaDevAttrPciDeviceId, 0));
	CHECK_INT(function, 0);
	CHECK_INT(strlen(id), 12);
	CONF_DONE();
}

static void test_device_pci_bus_id_invalid_device(void **state)
{
	char id[64];

	(void)state;
	CHECK_RC(cudaDeviceGetPCIBusId(id, (int)sizeof(id), conf_device_count()),
		 cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaDeviceGetPCIBusId(id, (int)sizeof(id), -1), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_device_by_pci_bus_id_unknown(void **state)
{
	int d = -1;

	(void)state;
	/* Well formed, but no such device; then not a bus id at all. */
	CHECK_RC(cudaDeviceGetByPCIBusId(&d, "0000:ff:1f.7"), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaDeviceGetByPCIBusId(&d, "not-a-bus-id"), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaDeviceGetByPCIBusId(NULL, "0000:00:00.0"), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_device_stream_priority_range(void **state)
{
	int least = 99, greatest = 99;

	(void)state;
	CHECK_RC(cudaDeviceGetStreamPriorityRange(&least, &greatest), cudaSuccess);
	CHECK_INT(least, 0);
	CHECK_TRUE(greatest < 0);
	CHECK_INT(greatest, -5);
	/* Either pointer may be NULL. */
	CHECK_RC(cudaDeviceGetStreamPriorityRange(NULL, &greatest), cudaSuccess);
	CHECK_RC(cudaDeviceGetStreamPriorityRange(&least, NULL), cudaSuccess);
	CHECK_RC(cudaDeviceGetStreamPriorityRange(NULL, NULL), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_device_runtime_version(void **state)
{
	int v = 0;

	(void)state;
	CHECK_RC(cudaRuntimeGetVersion(&v), cudaSuccess);
	CHECK_INT(v, 13000);
	CHECK_RC(cudaRuntimeGetVersion(NULL), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_device_driver_version(void **state)
{
	int v = 0;

	(void)state;
	CHECK_RC(cudaDriverGetVersion(&v), cudaSuccess);
	CHECK_TRUE(v >= 13000);
	CHECK_RC(cudaDriverGetVersion(NULL), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_device_synchronize_idle(void **state)
{
	int n = conf_device_count();

	(void)state;
	for (int d = 0; d < n; d++) {
		CHECK_RC(cudaSetDevice(d), cudaSuccess);
		CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static const struct CMUnitTest tests[] = {
	CONF_TEST(test_device_count_positive),
	CONF_TEST(test_device_count_null),
	CONF_TEST(test_device_set_get_each),
	CONF_TEST(test_device_set_invalid_ordinal),
	CONF_TEST(test_device_get_null),
	CONF_TEST(test_device_new_thread_starts_on_0),
	CONF_TEST(test_device_current_is_per_thread),
	CONF_TEST(test_device_properties_basic),
	CONF_TEST(test_device_properties_invalid_device),
	CONF_TEST(test_device_properties_null),
	CONF_TEST(test_device_properties_leave_reserved),
	CONF_TEST(test_device_properties_match_attributes),
	CONF_TEST(test_device_pci_location_distinct),
	CONF_TEST(test_device_attribute_copy_fields),
	CONF_TEST(test_device_attribute_removed_fields),
	CONF_TEST(test_device_attribute_invalid_attribute),
	CONF_TEST(test_device_attribute_null_value),
	CONF_TEST(test_device_attribute_invalid_device),
	CONF_TEST(test_device_mem_get_info_bounds),
	CONF_TEST(test_device_mem_get_info_null_allowed),
	CONF_TEST(test_device_mem_get_info_tracks_malloc),
	CONF_TEST(test_device_mem_get_info_per_device),
	CONF_TEST(test_device_pci_bus_id_roundtrip),
	CONF_TEST(test_device_pci_bus_id_format),
	CONF_TEST(test_device_pci_bus_id_invalid_device),
	CONF_TEST(test_device_by_pci_bus_id_unknown),
	CONF_TEST(test_device_stream_priority_range),
	CONF_TEST(test_device_runtime_version),
	CONF_TEST(test_device_driver_version),
	CONF_TEST(test_device_synchronize_idle),
};

CONF_MAIN("conf_device", tests)
