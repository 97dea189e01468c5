/*
 * ferry_sim.h: the control API of libferry_sim.so, the simulated CUDA runtime.
 *
 * For tests and for the harness: it makes the simulator do what a real GPU does only when
 * something breaks. A program that must also run on real CUDA looks these up with
 * dlsym(RTLD_DEFAULT, "ferry_sim_...") and finds NULL there.
 */
#ifndef FERRY_SIM_H
#define FERRY_SIM_H

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The next operation queued on stream (a copy, memset, record, host function ...) fails
 * when it runs: it does nothing, and
 *   - if sticky is 0, err is reported by the next cudaStreamSynchronize / cudaStreamQuery of
 *     that stream (and by a synchronous call that waits for it);
 *   - if sticky is 1, the process loses its contexts, as a real H200 did after an illegal
 *     address (tools/probe/kernel_probe.cu): from then on every call that needs a context
 *     answers err on a device that had one, cudaErrorDevicesUnavailable on one that had
 *     not (cudaSetDevice to it too), and cudaDeviceReset does not bring a device back.
 * stream may be 0, cudaStreamLegacy or cudaStreamPerThread (the current device's).
 * Returns cudaSuccess, or cudaErrorInvalidResourceHandle / cudaErrorInvalidValue.
 */
cudaError_t ferry_sim_fail_next(cudaStream_t stream, cudaError_t err, int sticky);

/* The number of operations queued on all streams that have not run yet. */
unsigned long long ferry_sim_pending(void);

#ifdef __cplusplus
}
#endif

#endif
