/*
 * control.c: the simulator's own API (ferry_sim.h).
 */
#include "ferry_sim.h"
#include "sim.h"

#define SIM_EXPORT __attribute__((visibility("default")))

SIM_EXPORT cudaError_t ferry_sim_fail_next(cudaStream_t stream, cudaError_t err, int sticky)
{
	cudaError_t rc = cudaSuccess;
	struct sim_stream *s;

	if (err == cudaSuccess || (sticky != 0 && sticky != 1) || sim_cfg.devices == 0)
		return cudaErrorInvalidValue;
	pthread_mutex_lock(&sim.lock);
	s = sim_stream_resolve(stream, &rc);
	if (s) {
		s->inject_err = err;
		s->inject_sticky = sticky;
	}
	pthread_mutex_unlock(&sim.lock);
	return rc;
}

SIM_EXPORT unsigned long long ferry_sim_pending(void)
{
	unsigned long long n = 0;

	pthread_mutex_lock(&sim.lock);
	for (struct sim_stream *s = sim.active; s; s = s->act_next)
		n += s->enq_seq - s->done_seq;
	pthread_mutex_unlock(&sim.lock);
	return n;
}
