/*
 * conf_errors.c: conformance of the CUDA runtime's error state and error texts.
 *
 * The last-error slot: cudaGetLastError returns and clears it, cudaPeekAtLastError does not,
 * a failing call sets it, a succeeding one leaves it, and it belongs to the calling thread.
 * The texts: cudaGetErrorName / cudaGetErrorString for every value 0..1000, 10000 and a few
 * unknown ones, against common/cuda_errors.def (generated from the real 13.0 runtime).
 * The failing call used throughout is cudaSetDevice(-1) (cudaErrorInvalidDevice) and
 * cudaGetDeviceCount(NULL) (cudaErrorInvalidValue).
 */
#include "conformance.h"

#include <limits.h>

struct conf_err_entry {
	int value;
	const char *name;
	const char *message;
};

static const struct conf_err_entry err_table[] = {
#define FERRY_CUDA_ERROR(name, value, message) { value, #name, message },
#include "../../common/cuda_errors.def"
#undef FERRY_CUDA_ERROR
};

#define ERR_TABLE_LEN (sizeof(err_table) / sizeof(err_table[0]))

static const struct conf_err_entry *err_lookup(int value)
{
	for (size_t i = 0; i < ERR_TABLE_LEN; i++) {
		if (err_table[i].value == value)
			return &err_table[i];
	}
	return NULL;
}

static void test_errors_get_last_returns_and_clears(void **state)
{
	(void)state;
	CHECK_RC(cudaSetDevice(-1), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_LAST(cudaSuccess);
	CHECK_PEEK(cudaSuccess);
	CONF_DONE();
}

static void test_errors_peek_does_not_clear(void **state)
{
	(void)state;
	CHECK_RC(cudaSetDevice(-1), cudaErrorInvalidDevice);
	CHECK_PEEK(cudaErrorInvalidDevice);
	CHECK_PEEK(cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CHECK_PEEK(cudaSuccess);
	CONF_DONE();
}

static void test_errors_success_keeps_slot(void **state)
{
	int n = 0, dev = -1;

	(void)state;
	CHECK_RC(cudaSetDevice(-1), cudaErrorInvalidDevice);
	CHECK_RC(cudaGetDeviceCount(&n), cudaSuccess);
	CHECK_RC(cudaGetDevice(&dev), cudaSuccess);
	CHECK_RC(cudaSetDevice(0), cudaSuccess);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void test_errors_latest_failure_wins(void **state)
{
	(void)state;
	CHECK_RC(cudaSetDevice(-1), cudaErrorInvalidDevice);
	CHECK_RC(cudaGetDeviceCount(NULL), cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidValue);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_errors_failing_call_returns_own_code(void **state)
{
	(void)state;
	/* A failure left in the slot does not change what the next failing call returns. */
	CHECK_RC(cudaGetDeviceCount(NULL), cudaErrorInvalidValue);
	CHECK_RC(cudaSetDevice(-1), cudaErrorInvalidDevice);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

struct err_thread_result {
	cudaError_t first_last;
	cudaError_t failed;
	cudaError_t peek;
};

static void *err_thread_reads(void *arg)
{
	struct err_thread_result *r = arg;

	r->first_last = cudaGetLastError();
	return NULL;
}

static void test_errors_slot_is_per_thread(void **state)
{
	struct err_thread_result r = { (cudaError_t)-1, (cudaError_t)-1, (cudaError_t)-1 };

	(void)state;
	CHECK_RC(cudaSetDevice(-1), cudaErrorInvalidDevice);
	RUN_THREAD(err_thread_reads, &r);
	CHECK_RC(r.first_last, cudaSuccess);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static void *err_thread_fails(void *arg)
{
	struct err_thread_result *r = arg;

	r->failed = cudaSetDevice(-1);
	r->peek = cudaPeekAtLastError();
	return NULL;
}

static void test_errors_other_thread_failure_not_seen(void **state)
{
	struct err_thread_result r = { (cudaError_t)-1, (cudaError_t)-1, (cudaError_t)-1 };

	(void)state;
	CHECK_LAST(cudaSuccess);
	RUN_THREAD(err_thread_fails, &r);
	CHECK_RC(r.failed, cudaErrorInvalidDevice);
	CHECK_RC(r.peek, cudaErrorInvalidDevice);
	CHECK_PEEK(cudaSuccess);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_errors_table_is_sane(void **state)
{
	(void)state;
	/* The table itself: sorted, no duplicates, and it holds the codes ferry relies on. */
	for (size_t i = 1; i < ERR_TABLE_LEN; i++)
		CHECK_TRUE(err_table[i - 1].value < err_table[i].value);
	CHECK_TRUE(err_lookup(0) != NULL);
	CHECK_TRUE(err_lookup(217) != NULL);
	CHECK_TRUE(err_lookup(704) != NULL);
	CHECK_TRUE(err_lookup(10000) != NULL);
	CONF_DONE();
}

static void check_name_and_string(int value)
{
	const struct conf_err_entry *e = err_lookup(value);
	const char *want_name = e ? e->name : FERRY_CUDA_ERROR_UNRECOGNIZED;
	const char *want_msg = e ? e->message : FERRY_CUDA_ERROR_UNRECOGNIZED;
	const char *name = cudaGetErrorName((cudaError_t)value);
	const char *msg = cudaGetErrorString((cudaError_t)value);

	char what[64];

	snprintf(what, sizeof(what), "cudaGetErrorName(%d)", value);
	conf_check_str(__FILE__, __LINE__, what, name, want_name);
	snprintf(what, sizeof(what), "cudaGetErrorString(%d)", value);
	conf_check_str(__FILE__, __LINE__, what, msg, want_msg);
}

static void test_errors_names_and_strings_0_to_1000(void **state)
{
	(void)state;
	for (int v = 0; v <= 1000; v++)
		check_name_and_string(v);
	CONF_DONE();
}

static void test_errors_names_and_strings_10000(void **state)
{
	(void)state;
	check_name_and_string(10000);
	CHECK_STR(cudaGetErrorName(cudaErrorApiFailureBase), "cudaErrorApiFailureBase");
	CONF_DONE();
}

static void test_errors_unknown_values_unrecognized(void **state)
{
	static const int unknown[] = { -1, -12345, 10, 11, 1001, 5000, 9999, 10001, 20000, INT_MAX,
				       INT_MIN };

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		CHECK_STR(cudaGetErrorName((cudaError_t)unknown[i]), "unrecognized error code");
		CHECK_STR(cudaGetErrorString((cudaError_t)unknown[i]), "unrecognized error code");
	}
	CONF_DONE();
}

static void test_errors_text_calls_leave_slot(void **state)
{
	(void)state;
	CHECK_RC(cudaSetDevice(-1), cudaErrorInvalidDevice);
	cudaGetErrorName((cudaError_t)12345);
	cudaGetErrorString(cudaErrorMemoryAllocation);
	CHECK_LAST(cudaErrorInvalidDevice);
	/* An unknown value asked for does not become an error either. */
	cudaGetErrorString((cudaError_t)-7);
	CHECK_LAST(cudaSuccess);
	CONF_DONE();
}

static void test_errors_known_names_spelled(void **state)
{
	(void)state;
	/* The names ferry's fault rules and reports use, straight from the enum. */
	CHECK_STR(cudaGetErrorName(cudaSuccess), "cudaSuccess");
	CHECK_STR(cudaGetErrorName(cudaErrorInvalidValue), "cudaErrorInvalidValue");
	CHECK_STR(cudaGetErrorName(cudaErrorMemoryAllocation), "cudaErrorMemoryAllocation");
	CHECK_STR(cudaGetErrorName(cudaErrorInvalidDevice), "cudaErrorInvalidDevice");
	CHECK_STR(cudaGetErrorName(cudaErrorPeerAccessUnsupported),
		  "cudaErrorPeerAccessUnsupported");
	CHECK_STR(cudaGetErrorName(cudaErrorNotReady), "cudaErrorNotReady");
	CHECK_STR(cudaGetErrorName(cudaErrorPeerAccessAlreadyEnabled),
		  "cudaErrorPeerAccessAlreadyEnabled");
	CHECK_STR(cudaGetErrorName(cudaErrorPeerAccessNotEnabled), "cudaErrorPeerAccessNotEnabled");
	CHECK_STR(cudaGetErrorName(cudaErrorHostMemoryAlreadyRegistered),
		  "cudaErrorHostMemoryAlreadyRegistered");
	CHECK_STR(cudaGetErrorName(cudaErrorHostMemoryNotRegistered),
		  "cudaErrorHostMemoryNotRegistered");
	CHECK_STR(cudaGetErrorString(cudaErrorNotReady), "device not ready");
	CHECK_STR(cudaGetErrorString(cudaErrorInvalidValue), "invalid argument");
	CONF_DONE();
}

static void *err_thread_starts_clean(void *arg)
{
	struct err_thread_result *r = arg;

	r->peek = cudaPeekAtLastError();
	r->failed = cudaGetDeviceCount(NULL);
	r->first_last = cudaGetLastError();
	return NULL;
}

static void test_errors_new_thread_slot_clean(void **state)
{
	struct err_thread_result r = { (cudaError_t)-1, (cudaError_t)-1, (cudaError_t)-1 };

	(void)state;
	CHECK_RC(cudaSetDevice(-1), cudaErrorInvalidDevice);
	RUN_THREAD(err_thread_starts_clean, &r);
	CHECK_RC(r.peek, cudaSuccess);
	CHECK_RC(r.failed, cudaErrorInvalidValue);
	CHECK_RC(r.first_last, cudaErrorInvalidValue);
	CHECK_LAST(cudaErrorInvalidDevice);
	CONF_DONE();
}

static const struct CMUnitTest tests[] = {
	CONF_TEST(test_errors_get_last_returns_and_clears),
	CONF_TEST(test_errors_peek_does_not_clear),
	CONF_TEST(test_errors_success_keeps_slot),
	CONF_TEST(test_errors_latest_failure_wins),
	CONF_TEST(test_errors_failing_call_returns_own_code),
	CONF_TEST(test_errors_slot_is_per_thread),
	CONF_TEST(test_errors_other_thread_failure_not_seen),
	CONF_TEST(test_errors_new_thread_slot_clean),
	CONF_TEST(test_errors_table_is_sane),
	CONF_TEST(test_errors_names_and_strings_0_to_1000),
	CONF_TEST(test_errors_names_and_strings_10000),
	CONF_TEST(test_errors_unknown_values_unrecognized),
	CONF_TEST(test_errors_text_calls_leave_slot),
	CONF_TEST(test_errors_known_names_spelled),
};

CONF_MAIN("conf_errors", tests)
