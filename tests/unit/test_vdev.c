/*
 * test_vdev: virtual devices (FERRY_DEVICES) over one simulated GPU: what a program sees of
 * each one (identity, memory quota, peer matrix, the limit of 8 peers, reset), beyond what
 * the conformance suite checks of a multi-GPU box. Each case runs in a child with its own
 * settings (sim_test.h).
 */
#define _GNU_SOURCE /* dlvsym */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_test.h"

#define MiB (1ULL << 20)

static int child_identity(void)
{
	int n = 0, back = -1;
	char bus[32], name[3][256];

	cudaGetDeviceCount(&n);
	printf("count=%d\n", n);
	for (int d = 0; d < 3; d++) {
		struct cudaDeviceProp p;
		int bus_attr = -1;

		cudaGetDeviceProperties(&p, d);
		snprintf(name[d], sizeof(name[d]), "%s", p.name);
		cudaDeviceGetAttribute(&bus_attr, cudaDevAttrPciBusId, d);
		cudaDeviceGetPCIBusId(bus, sizeof(bus), d);
		cudaDeviceGetByPCIBusId(&back, bus);
		printf("dev%d name=%s bus=%d/%d id=%s back=%d\n", d, p.name, p.pciBusID, bus_attr,
		       bus, back);
	}
	printf("props_bad=%d ", (int)cudaGetDeviceProperties(&(struct cudaDeviceProp){ 0 }, 3));
	printf("attr_bad=%d ", (int)cudaDeviceGetAttribute(&back, cudaDevAttrWarpSize, 3));
	printf("set_bad=%d ", (int)cudaSetDevice(3));
	printf("last=%d\n", (int)cudaGetLastError());
	return 0;
}

static int child_quota(void)
{
	void *a, *b, *c;
	size_t free_b = 0, total = 0;

	cudaSetDevice(1);
	printf("a=%d ", (int)cudaMalloc(&a, 48 * MiB));
	printf("b=%d ", (int)cudaMalloc(&b, 32 * MiB));
	printf("last=%d ", (int)cudaGetLastError());
	cudaMemGetInfo(&free_b, &total);
	printf("total=%zu free=%zu ", (size_t)(total / MiB), (size_t)(free_b / MiB));
	cudaSetDevice(0);
	printf("other=%d ", (int)cudaMalloc(&c, 48 * MiB));	/* device 0 has its own */
	cudaSetDevice(1);
	cudaFree(a);
	printf("after_free=%d\n", (int)cudaMalloc(&b, 32 * MiB));
	return 0;
}

static int child_peers(void)
{
	int c01 = -1, c10 = -1, c12 = -1, c02 = -1;

	cudaDeviceCanAccessPeer(&c01, 0, 1);
	cudaDeviceCanAccessPeer(&c10, 1, 0);
	cudaDeviceCanAccessPeer(&c12, 1, 2);
	cudaDeviceCanAccessPeer(&c02, 0, 2);
	printf("can 01=%d 10=%d 12=%d 02=%d\n", c01, c10, c12, c02);
	cudaSetDevice(0);
	printf("enable01=%d ", (int)cudaDeviceEnablePeerAccess(1, 0));
	printf("enable02=%d ", (int)cudaDeviceEnablePeerAccess(2, 0));
	printf("again01=%d ", (int)cudaDeviceEnablePeerAccess(1, 0));
	printf("self=%d ", (int)cudaDeviceEnablePeerAccess(0, 0));
	printf("disable02=%d ", (int)cudaDeviceDisablePeerAccess(2));
	printf("disable01=%d\n", (int)cudaDeviceDisablePeerAccess(1));
	cudaSetDevice(1);
	printf("enable10=%d\n", (int)cudaDeviceEnablePeerAccess(0, 0));
	return 0;
}

static int child_nine_peers(void)
{
	cudaSetDevice(0);
	for (int p = 1; p <= 9; p++)
		printf("%d ", (int)cudaDeviceEnablePeerAccess(p, 0));
	printf("\n");
	return 0;
}

static int child_reset(void)
{
	void *a, *b;
	cudaStream_t s0;
	unsigned int flags;
	struct cudaPointerAttributes at;

	cudaSetDevice(0);
	cudaMalloc(&a, MiB);
	cudaSetDevice(1);
	cudaMalloc(&b, MiB);
	cudaStreamCreate(&s0);
	cudaDeviceEnablePeerAccess(0, 0);
	printf("reset=%d ", (int)cudaDeviceReset());
	printf("stream_gone=%d ", (int)cudaStreamGetFlags(s0, &flags));
	cudaGetLastError();
	printf("b_gone=%d ", (int)cudaFree(b));
	cudaGetLastError();
	printf("peer_gone=%d ", (int)cudaDeviceDisablePeerAccess(0));
	cudaGetLastError();
	cudaSetDevice(0);
	cudaPointerGetAttributes(&at, a);
	printf("a_kept=%d dev=%d ", at.type == cudaMemoryTypeDevice, at.device);
	printf("free_a=%d\n", (int)cudaFree(a));
	return 0;
}

static int child_streams(void)
{
	cudaStream_t s1;
	cudaEvent_t e0;
	int dev = -1;
	void *h;

	cudaSetDevice(1);
	cudaStreamCreate(&s1);
	cudaMallocHost(&h, 64);
	cudaSetDevice(0);
	cudaEventCreate(&e0);
	cudaStreamGetDevice(s1, &dev);
	printf("stream_dev=%d ", dev);
	printf("record_other=%d ", (int)cudaEventRecord(e0, s1));
	printf("last=%d ", (int)cudaGetLastError());
	printf("record_own=%d ", (int)cudaEventRecord(e0, 0));
	{
		struct cudaPointerAttributes at;

		cudaPointerGetAttributes(&at, h);
		printf("pinned_dev=%d\n", at.device);
	}
	return 0;
}

/* The driver function PyTorch looks up with dlsym in libcuda, called with a virtual ordinal;
 * and dlsym(RTLD_NEXT) still answers for this program, not for the interposer. */
static int child_driver(void)
{
	void *h = dlopen(FERRY_FAKE_LIBCUDA, RTLD_NOW | RTLD_LOCAL);
	typedef int (*state_fn)(int, unsigned int *, int *);
	typedef void *(*dlsym_fn)(void *, const char *);
	state_fn state;
	unsigned int flags = 0;
	int active = -1, rc;
	void *rt = dlopen("libcudart.so.13", RTLD_LAZY | RTLD_NOLOAD);
	dlsym_fn old_dlsym;

	if (!h)
		return 4;
	state = (state_fn)(uintptr_t)dlsym(h, "cuDevicePrimaryCtxGetState");
	if (!state)
		return 5;
	rc = state(3, &flags, &active);
	printf("dev3 rc=%d active=%d ", rc, active);
	rc = state(4, &flags, &active);
	printf("dev4 rc=%d ", rc);
	/* dlsym as programs linked against glibc before 2.34 call it (PyTorch's wheels) */
	old_dlsym = (dlsym_fn)(uintptr_t)dlvsym(RTLD_DEFAULT, "dlsym", "GLIBC_2.2.5");
	if (!old_dlsym)
		return 6;
	state = (state_fn)(uintptr_t)old_dlsym(h, "cuDevicePrimaryCtxGetState");
	active = -1;
	rc = state ? state(3, &flags, &active) : -1;
	printf("old dev3 rc=%d active=%d ", rc, active);
	/* The program comes before the preloaded libraries: RTLD_NEXT from here is the
	 * interposer's cudaMalloc, as RTLD_DEFAULT; from the interposer it would be the
	 * simulator's. */
	printf("next_ok=%d\n", rt && dlsym(RTLD_NEXT, "cudaMalloc") ==
					      dlsym(RTLD_DEFAULT, "cudaMalloc") &&
					dlsym(RTLD_NEXT, "cudaMalloc") != dlsym(rt, "cudaMalloc"));
	return 0;
}

static int child(const char *mode)
{
	if (strcmp(mode, "driver") == 0)
		return child_driver();
	if (strcmp(mode, "identity") == 0)
		return child_identity();
	if (strcmp(mode, "quota") == 0)
		return child_quota();
	if (strcmp(mode, "peers") == 0)
		return child_peers();
	if (strcmp(mode, "nine_peers") == 0)
		return child_nine_peers();
	if (strcmp(mode, "reset") == 0)
		return child_reset();
	if (strcmp(mode, "streams") == 0)
		return child_streams();
	return 3;
}

static void test_vdev_identity(void **state)
{
	(void)state;
	EXPECT_OUT("identity",
		   "count=3\n"
		   "dev0 name=NVIDIA H200 [vdev 0] bus=0/0 id=000f:00:00.0 back=0\n"
		   "dev1 name=NVIDIA H200 [vdev 1] bus=1/1 id=000f:01:00.0 back=1\n"
		   "dev2 name=NVIDIA H200 [vdev 2] bus=2/2 id=000f:02:00.0 back=2\n"
		   "props_bad=101 attr_bad=101 set_bad=101 last=101\n",
		   "FERRY_DEVICES=3");
}

static void test_vdev_memory_quota(void **state)
{
	(void)state;
	EXPECT_OUT("quota", "a=0 b=2 last=2 total=64 free=16 other=0 after_free=0\n",
		   "FERRY_DEVICES=2", "FERRY_DEVICE_MEM=64M");
}

static void test_vdev_peer_matrix(void **state)
{
	(void)state;
	EXPECT_OUT("peers",
		   "can 01=1 10=0 12=1 02=0\n"
		   "enable01=0 enable02=217 again01=704 self=217 disable02=705 disable01=0\n"
		   "enable10=217\n",
		   "FERRY_DEVICES=3", "FERRY_PEERS=0>1,1-2");
	EXPECT_OUT("peers", "can 01=0 10=0 12=0 02=0\n", "FERRY_DEVICES=3", "FERRY_PEERS=none");
	EXPECT_OUT("peers", "can 01=1 10=1 12=1 02=1\n", "FERRY_DEVICES=3");
}

static void test_vdev_ninth_peer_refused(void **state)
{
	(void)state;
	EXPECT_OUT("nine_peers", "0 0 0 0 0 0 0 0 711 \n", "FERRY_DEVICES=10");
}

static void test_vdev_reset_one_device(void **state)
{
	(void)state;
	EXPECT_OUT("reset",
		   "reset=0 stream_gone=400 b_gone=1 peer_gone=705 a_kept=1 dev=0 free_a=0\n",
		   "FERRY_DEVICES=2");
}

static void test_vdev_streams_events_pinned(void **state)
{
	(void)state;
	EXPECT_OUT("streams", "stream_dev=1 record_other=400 last=400 record_own=0 pinned_dev=1\n",
		   "FERRY_DEVICES=2");
}

static void test_vdev_driver_ordinals(void **state)
{
	(void)state;
	/* 4 virtual devices over one: ordinal 3 is the GPU; 4 is no device */
	EXPECT_OUT("driver", "dev3 rc=0 active=7 dev4 rc=101 old dev3 rc=0 active=7 next_ok=1\n",
		   "FERRY_DEVICES=4");
	/* without virtual devices the driver answers for itself */
	EXPECT_OUT("driver",
		   "dev3 rc=101 active=-1 dev4 rc=101 old dev3 rc=101 active=-1 next_ok=1\n",
		   "FERRY_SUMMARY_ROOT=0");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vdev_driver_ordinals),
		cmocka_unit_test(test_vdev_identity),
		cmocka_unit_test(test_vdev_memory_quota),
		cmocka_unit_test(test_vdev_peer_matrix),
		cmocka_unit_test(test_vdev_ninth_peer_refused),
		cmocka_unit_test(test_vdev_reset_one_device),
		cmocka_unit_test(test_vdev_streams_events_pinned),
	};

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
