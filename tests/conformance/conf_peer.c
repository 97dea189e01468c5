/*
 * conf_peer.c: conformance of peer-access queries and their state.
 *
 * cudaDeviceCanAccessPeer, cudaDeviceEnablePeerAccess / cudaDeviceDisablePeerAccess (one
 * way, per device pair, shared by all threads), cudaDeviceGetP2PAttribute (CUDA_VARIANTS.md
 * V18 has the 2x H200 answers), and the last-error slot after each refusal (FIELD_FAILURES.md
 * F05, F06). Every test that enables access has the teardown disable it again.
 */
#include "conformance.h"

static void test_peer_can_access_self(void **state)
{
	int n = conf_device_count();

	(void)state;
	for (int d = 0; d < n; d++) {
		int can = -1;

		CHECK_RC(cudaDeviceCanAccessPeer(&can, d, d), cudaSuccess);
		CHECK_INT(can, 0);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_peer_can_access_invalid_device(void **state)
{
	int can = -1, n = conf_device_count();

	(void)state;
	CHECK_RC(cudaDeviceCanAccessPeer(&can, 0, n), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaDeviceCanAccessPeer(&can, n, 0), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaDeviceCanAccessPeer(&can, -1, 0), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_peer_can_access_null(void **state)
{
	(void)state;
	CHECK_RC(cudaDeviceCanAccessPeer(NULL, 0, 0), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_peer_can_access_pair(void **state)
{
	int c01 = -1, c10 = -1, a01 = -1, a10 = -1;

	(void)state;
	CONF_NEED_DEVICES(2);
	CHECK_RC(cudaDeviceCanAccessPeer(&c01, 0, 1), cudaSuccess);
	CHECK_RC(cudaDeviceCanAccessPeer(&c10, 1, 0), cudaSuccess);
	/* The 2x H200 box has NVLink: 1 both ways (V18). */
	CHECK_INT(c01, 1);
	CHECK_INT(c10, 1);
	/* And the P2P attribute says the same as the query. */
	CHECK_RC(cudaDeviceGetP2PAttribute(&a01, cudaDevP2PAttrAccessSupported, 0, 1), cudaSuccess);
	CHECK_RC(cudaDeviceGetP2PAttribute(&a10, cudaDevP2PAttrAccessSupported, 1, 0), cudaSuccess);
	CHECK_INT(a01, c01);
	CHECK_INT(a10, c10);
	CONF_DONE();
}

static void test_peer_enable_self(void **state)
{
	(void)state;
	/* 217, as ferry's issue says (measured); the header's text would suggest 101. */
	CHECK_RC(cudaDeviceEnablePeerAccess(0, 0), cudaErrorPeerAccessUnsupported);
	CHECK_LAST(cudaErrorPeerAccessUnsupported);
	CONF_DONE();
}

static void test_peer_enable_invalid_device(void **state)
{
	(void)state;
	CHECK_RC(cudaDeviceEnablePeerAccess(conf_device_count(), 0), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaDeviceEnablePeerAccess(-1, 0), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_peer_enable_flags_nonzero(void **state)
{
	(void)state;
	CONF_NEED_PEER(0, 1);
	CHECK_RC(cudaDeviceEnablePeerAccess(1, 1), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	/* Nothing was enabled. */
	CHECK_RC(cudaDeviceDisablePeerAccess(1), cudaErrorPeerAccessNotEnabled);
	CHECK_LAST(cudaErrorPeerAccessNotEnabled);
	CONF_DONE();
}

static void test_peer_enable_twice(void **state)
{
	(void)state;
	CONF_NEED_PEER(0, 1);
	REQUIRE_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CHECK_RC(cudaDeviceEnablePeerAccess(1, 0), cudaErrorPeerAccessAlreadyEnabled);
	/* F05: the refusal is latched as the last error. */
	CHECK_PEEK(cudaErrorPeerAccessAlreadyEnabled);
	CHECK_LAST(cudaErrorPeerAccessAlreadyEnabled);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_peer_disable_not_enabled(void **state)
{
	(void)state;
	CONF_NEED_PEER(0, 1);
	CHECK_RC(cudaDeviceDisablePeerAccess(1), cudaErrorPeerAccessNotEnabled);
	/* F06: latched too. */
	CHECK_LAST(cudaErrorPeerAccessNotEnabled);
	CONF_DONE();
}

static void test_peer_disable_self(void **state)
{
	(void)state;
	CHECK_RC(cudaDeviceDisablePeerAccess(0), cudaErrorPeerAccessNotEnabled);
	CHECK_LAST(cudaErrorPeerAccessNotEnabled);
	CONF_DONE();
}

static void test_peer_disable_invalid_device(void **state)
{
	(void)state;
	CHECK_RC(cudaDeviceDisablePeerAccess(conf_device_count()),
		 cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_peer_enable_then_disable(void **state)
{
	(void)state;
	CONF_NEED_PEER(0, 1);
	CHECK_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	CHECK_RC(cudaDeviceDisablePeerAccess(1), cudaSuccess);
	CHECK_RC(cudaDeviceDisablePeerAccess(1), cudaErrorPeerAccessNotEnabled);
	CHECK_LAST(cudaErrorPeerAccessNotEnabled);
	/* And again: the state goes round. */
	CHECK_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	CHECK_RC(cudaDeviceDisablePeerAccess(1), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_peer_enable_is_one_way(void **state)
{
	(void)state;
	CONF_NEED_PEER(0, 1);
	CONF_NEED_PEER(1, 0);
	REQUIRE_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	/* 0 -> 1 enabled says nothing of 1 -> 0. */
	CHECK_RC(cudaSetDevice(1), cudaSuccess);
	CHECK_RC(cudaDeviceDisablePeerAccess(0), cudaErrorPeerAccessNotEnabled);
	CHECK_LAST(cudaErrorPeerAccessNotEnabled);
	CHECK_RC(cudaDeviceEnablePeerAccess(0, 0), cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_peer_can_access_unchanged_by_enable(void **state)
{
	int can = -1;

	(void)state;
	CONF_NEED_PEER(0, 1);
	REQUIRE_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	CHECK_RC(cudaDeviceCanAccessPeer(&can, 0, 1), cudaSuccess);
	CHECK_INT(can, 1);
	CONF_DONE();
}

struct peer_thread_result {
	cudaError_t set;
	cudaError_t enable;
	cudaError_t last;
};

static void *peer_thread_enable(void *arg)
{
	struct peer_thread_result *r = arg;

	r->set = cudaSetDevice(0);
	r->enable = cudaDeviceEnablePeerAccess(1, 0);
	r->last = cudaGetLastError();
	return NULL;
}

static void test_peer_state_shared_by_threads(void **state)
{
	struct peer_thread_result r = { (cudaError_t)-1, (cudaError_t)-1, (cudaError_t)-1 };

	(void)state;
	CONF_NEED_PEER(0, 1);
	REQUIRE_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	/* The device's context is shared: another thread finds access already on. */
	RUN_THREAD(peer_thread_enable, &r);
	CHECK_RC(r.set, cudaSuccess);
	CHECK_RC(r.enable, cudaErrorPeerAccessAlreadyEnabled);
	CHECK_RC(r.last, cudaErrorPeerAccessAlreadyEnabled);
	/* Its latched error is not ours. */
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_peer_p2p_attribute_values(void **state)
{
	static const int want[] = { 0, 0, 1, 1, 1, 0 }; /* V18, attrs 1..5 */

	(void)state;
	CONF_NEED_DEVICES(2);
	for (int a = 1; a <= 5; a++) {
		int v01 = -1, v10 = -1;

		CHECK_RC(cudaDeviceGetP2PAttribute(&v01, (enum cudaDeviceP2PAttr)a, 0, 1),
			 cudaSuccess);
		CHECK_RC(cudaDeviceGetP2PAttribute(&v10, (enum cudaDeviceP2PAttr)a, 1, 0),
			 cudaSuccess);
		if (!CHECK_INT(v01, want[a]))
			printf("    attribute %d (0,1)\n", a);
		if (!CHECK_INT(v10, want[a]))
			printf("    attribute %d (1,0)\n", a);
	}
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_peer_p2p_attribute_invalid_attr(void **state)
{
	int v = -1;

	(void)state;
	CONF_NEED_DEVICES(2);
	CHECK_RC(cudaDeviceGetP2PAttribute(&v, (enum cudaDeviceP2PAttr)6, 0, 1),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_RC(cudaDeviceGetP2PAttribute(&v, (enum cudaDeviceP2PAttr)0, 0, 1),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_peer_p2p_attribute_same_device(void **state)
{
	int v = -1;

	(void)state;
	CHECK_RC(cudaDeviceGetP2PAttribute(&v, cudaDevP2PAttrAccessSupported, 0, 0),
		 cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_peer_p2p_attribute_invalid_device(void **state)
{
	int v = -1, n = conf_device_count();

	(void)state;
	CHECK_RC(cudaDeviceGetP2PAttribute(&v, cudaDevP2PAttrAccessSupported, 0, n),
		 cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_RC(cudaDeviceGetP2PAttribute(&v, cudaDevP2PAttrAccessSupported, -1, 0),
		 cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_peer_p2p_attribute_null(void **state)
{
	(void)state;
	CONF_NEED_DEVICES(2);
	CHECK_RC(cudaDeviceGetP2PAttribute(NULL, cudaDevP2PAttrAccessSupported, 0, 1),
		 cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CONF_DONE();
}

static void test_peer_access_enabled_copy(void **state)
{
	unsigned char want[4096], got[4096];
	unsigned char *a, *b;

	(void)state;
	CONF_NEED_PEER(0, 1);
	a = DEV_ALLOC(0, sizeof(want));
	b = DEV_ALLOC(1, sizeof(want));
	REQUIRE_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	conf_pattern(want, sizeof(want), 60);
	WRITE_TO(a, want, sizeof(want));
	/* Peer access enabled: both the Peer call and a plain cudaMemcpy move the bytes. */
	CHECK_RC(cudaMemcpyPeer(b, 1, a, 0, sizeof(want)), cudaSuccess);
	READ_BACK(got, b, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CHECK_RC(cudaMemset(a, 0, sizeof(want)), cudaSuccess);
	CHECK_RC(cudaMemcpy(a, b, sizeof(want), cudaMemcpyDefault), cudaSuccess);
	READ_BACK(got, a, sizeof(got));
	CHECK_BYTES(got, want, sizeof(got));
	CONF_DONE();
}

static void test_peer_access_enables_memset(void **state)
{
	unsigned char got[4096];
	unsigned char *b;

	(void)state;
	CONF_NEED_PEER(0, 1);
	b = DEV_ALLOC(1, sizeof(got));
	/* Without access, device 0 cannot memset device 1's memory (conf_copy.c); with it, can. */
	CHECK_RC(cudaMemset(b, 0x21, sizeof(got)), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	REQUIRE_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	CHECK_RC(cudaMemset(b, 0x22, sizeof(got)), cudaSuccess);
	CHECK_RC(cudaDeviceSynchronize(), cudaSuccess);
	READ_BACK(got, b, sizeof(got));
	CHECK_FILL(got, 0x22, sizeof(got));
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_peer_access_sets_device_pointer(void **state)
{
	struct cudaPointerAttributes a;
	unsigned char *b;

	(void)state;
	CONF_NEED_PEER(0, 1);
	b = DEV_ALLOC(1, 4096);
	/* devicePointer is the address for the current device: NULL until it may reach it. */
	memset(&a, 0, sizeof(a));
	CHECK_RC(cudaPointerGetAttributes(&a, b), cudaSuccess);
	CHECK_INT(a.device, 1);
	CHECK_PTR(a.devicePointer, NULL);
	REQUIRE_RC(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
	memset(&a, 0, sizeof(a));
	CHECK_RC(cudaPointerGetAttributes(&a, b), cudaSuccess);
	CHECK_INT(a.device, 1);
	CHECK_PTR(a.devicePointer, b);
	CHECK_RC(cudaDeviceDisablePeerAccess(1), cudaSuccess);
	memset(&a, 0, sizeof(a));
	CHECK_RC(cudaPointerGetAttributes(&a, b), cudaSuccess);
	CHECK_PTR(a.devicePointer, NULL);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static const struct CMUnitTest tests[] = {
	CONF_TEST(test_peer_can_access_self),
	CONF_TEST(test_peer_can_access_invalid_device),
	CONF_TEST(test_peer_can_access_null),
	CONF_TEST(test_peer_can_access_pair),
	CONF_TEST(test_peer_enable_self),
	CONF_TEST(test_peer_enable_invalid_device),
	CONF_TEST(test_peer_enable_flags_nonzero),
	CONF_TEST(test_peer_enable_twice),
	CONF_TEST(test_peer_disable_not_enabled),
	CONF_TEST(test_peer_disable_self),
	CONF_TEST(test_peer_disable_invalid_device),
	CONF_TEST(test_peer_enable_then_disable),
	CONF_TEST(test_peer_enable_is_one_way),
	CONF_TEST(test_peer_can_access_unchanged_by_enable),
	CONF_TEST(test_peer_state_shared_by_threads),
	CONF_TEST(test_peer_p2p_attribute_values),
	CONF_TEST(test_peer_p2p_attribute_invalid_attr),
	CONF_TEST(test_peer_p2p_attribute_same_device),
	CONF_TEST(test_peer_p2p_attribute_invalid_device),
	CONF_TEST(test_peer_p2p_attribute_null),
	CONF_TEST(test_peer_access_enabled_copy),
	CONF_TEST(test_peer_access_enables_memset),
	CONF_TEST(test_peer_access_sets_device_pointer),
};

CONF_MAIN("conf_peer", tests)
