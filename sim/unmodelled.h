/*
 * unmodelled.h: the one function unmodelled.c needs from the rest of the simulator. Kept
 * apart from sim.h because unmodelled.c must not see the CUDA headers (it defines runtime
 * symbols without their prototypes).
 */
#ifndef FERRY_SIM_UNMODELLED_H
#define FERRY_SIM_UNMODELLED_H

/* Says once on stderr that name is not modelled, stores cudaErrorNotSupported in the
 * thread's last-error slot, and returns it. */
int sim_unmodelled(const char *name, int *said);

#endif
