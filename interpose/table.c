/*
 * table.c: the function and error tables of table.h, expanded from common/.
 */
#include "table.h"

#include <string.h>

#define FN_NOCTX INJ_FN_NOCTX
#define FN_NOSLOT INJ_FN_NOSLOT
#define FN_CALLBACK INJ_FN_CALLBACK

const struct inj_fn_info inj_fns[INJ_NFNS] = {
#define FERRY_CUDA_FN(name, params, args, family, devices, size, stream, dst, twin, flags) \
	{ #name, INJ_CLS_##family, (flags) },
#include "cuda_api.def"
#undef FERRY_CUDA_FN
};

int inj_fn_lookup(const char *name, size_t len)
{
	for (int i = 0; i < INJ_NFNS; i++)
		if (strlen(inj_fns[i].name) == len && memcmp(inj_fns[i].name, name, len) == 0)
			return i;
	return -1;
}

static const struct {
	const char *name;
	int value;
} errors[] = {
#define FERRY_CUDA_ERROR(name, value, message) { #name, value },
#include "cuda_errors.def"
#undef FERRY_CUDA_ERROR
};

const char *const inj_error_names[] = {
#define FERRY_CUDA_ERROR(name, value, message) #name,
#include "cuda_errors.def"
#undef FERRY_CUDA_ERROR
	NULL
};

int inj_error_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (strlen(errors[i].name) == len && memcmp(errors[i].name, name, len) == 0)
			return errors[i].value;
	return -1;
}

bool inj_error_loses_context(int err)
{
	static const char *const lost[] = {
		"cudaErrorIllegalAddress",	 "cudaErrorLaunchTimeout",
		"cudaErrorHardwareStackError",	 "cudaErrorIllegalInstruction",
		"cudaErrorMisalignedAddress",	 "cudaErrorInvalidAddressSpace",
		"cudaErrorInvalidPc",		 "cudaErrorLaunchFailure",
		"cudaErrorECCUncorrectable",
	};

	for (size_t i = 0; err > 0 && i < sizeof(lost) / sizeof(lost[0]); i++)
		if (inj_error_lookup(lost[i], strlen(lost[i])) == err)
			return true;
	return false;
}
