/*
 * errors.c: the last-error slot, and the versions the process sees.
 *
 * The runtime keeps its own per-thread slot of the last error; the interposer cannot write
 * it, so it keeps one more per thread for the errors it answers itself (injected errors,
 * and the rules of virtual devices). Whichever was set last is the program's last error:
 * an answer of the interposer sets its slot; a failure from the runtime empties it (the
 * runtime's slot is newer). cudaGetLastError clears both, cudaPeekAtLastError reads them.
 *
 * FERRY_CUDA_VERSION makes cudaRuntimeGetVersion answer that version, and
 * cudaDriverGetVersion FERRY_CUDA_DRIVER, else at least that version. What dlsym finds
 * under it is versions.c's.
 */
#include "inject.h"

cudaError_t inj_fail(cudaError_t err)
{
	if (err != cudaSuccess && err != cudaErrorNotReady)
		inj_tls.slot = err;
	return err;
}

cudaError_t inj_real_result(cudaError_t err)
{
	if (err != cudaSuccess && err != cudaErrorNotReady)
		inj_tls.slot = cudaSuccess;
	return err;
}

cudaError_t inj_impl_cudaGetLastError(void)
{
	inj_pfn_cudaGetLastError f = (inj_pfn_cudaGetLastError)inj_real(INJ_FN_cudaGetLastError);
	cudaError_t real = f ? f() : cudaSuccess;
	cudaError_t mine = inj_tls.slot;

	inj_tls.slot = cudaSuccess;
	return mine != cudaSuccess ? mine : real;
}

cudaError_t inj_impl_cudaPeekAtLastError(void)
{
	inj_pfn_cudaPeekAtLastError f =
		(inj_pfn_cudaPeekAtLastError)inj_real(INJ_FN_cudaPeekAtLastError);

	if (inj_tls.slot != cudaSuccess)
		return inj_tls.slot;
	return f ? f() : cudaSuccess;
}

cudaError_t inj_impl_cudaRuntimeGetVersion(int *runtimeVersion)
{
	cudaError_t err = INJ_REAL(cudaRuntimeGetVersion, (runtimeVersion));

	if (err == cudaSuccess && inj.cuda_version)
		*runtimeVersion = inj.cuda_version;
	return err;
}

cudaError_t inj_impl_cudaDriverGetVersion(int *driverVersion)
{
	cudaError_t err = INJ_REAL(cudaDriverGetVersion, (driverVersion));

	if (err == cudaSuccess && inj.cuda_driver)
		*driverVersion = inj.cuda_driver;
	else if (err == cudaSuccess && inj.cuda_version > *driverVersion)
		*driverVersion = inj.cuda_version;
	return err;
}
