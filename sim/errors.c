/*
 * errors.c: the last-error slot, and the names and messages of every cudaError_t.
 *
 * As on the real runtime, the slot is per host thread: every failing call stores its error
 * there, cudaGetLastError returns and clears it, cudaPeekAtLastError only returns it. A
 * sticky error (lost contexts, sim.lost) goes through the slot like any other when a call
 * returns it: cudaGetLastError clears it like any other (as seen on a real runtime:
 * tools/probe/kernel_probe.cu); every later call that needs a context answers it again.
 */
#include "sim.h"

void sim_set_last_error(cudaError_t err)
{
	if (err != cudaSuccess)
		sim_self()->last_error = err;
}

cudaError_t sim_get_last_error(bool clear)
{
	struct sim_thread *t = sim_self();
	cudaError_t err = t->last_error;

	if (clear)
		t->last_error = cudaSuccess;
	return err;
}

const char *sim_error_name(cudaError_t err)
{
	switch ((int)err) {
#define FERRY_CUDA_ERROR(name, value, message) \
	case value:                            \
		return #name;
#include "cuda_errors.def"
#undef FERRY_CUDA_ERROR
	}
	return FERRY_CUDA_ERROR_UNRECOGNIZED;
}

const char *sim_error_string(cudaError_t err)
{
	switch ((int)err) {
#define FERRY_CUDA_ERROR(name, value, message) \
	case value:                            \
		return message;
#include "cuda_errors.def"
#undef FERRY_CUDA_ERROR
	}
	return FERRY_CUDA_ERROR_UNRECOGNIZED;
}

/* The table must name the same values as the header the simulator is built with. */
#define FERRY_CUDA_ERROR(name, value, message) \
	_Static_assert((int)name == value, #name " has another value in this CUDA header");
#include "cuda_errors.def"
#undef FERRY_CUDA_ERROR
