/*
 * handles.c: the set of live stream and event handles.
 *
 * A handle is the address of the simulator's object; a call that names a handle the
 * simulator did not hand out (or has destroyed) must answer cudaErrorInvalidResourceHandle
 * and touch nothing, so handles are looked up here before they are dereferenced. An
 * open-addressing hash set of pointers, with tombstones; called with sim.lock held.
 */
#include "sim.h"

#include <stdlib.h>

#define TOMB ((uintptr_t)1)

static uintptr_t *slots;
static size_t cap, used, live;

static size_t hash(uintptr_t p)
{
	p ^= p >> 33;
	p *= 0xff51afd7ed558ccdULL;
	p ^= p >> 33;
	return (size_t)p;
}

static bool grow(void)
{
	size_t ncap = cap ? cap * 2 : 256;
	uintptr_t *n = calloc(ncap, sizeof(*n));

	if (!n)
		return false;
	for (size_t i = 0; i < cap; i++) {
		if (slots[i] && slots[i] != TOMB) {
			size_t j = hash(slots[i]) & (ncap - 1);

			while (n[j])
				j = (j + 1) & (ncap - 1);
			n[j] = slots[i];
		}
	}
	free(slots);
	slots = n;
	cap = ncap;
	used = live;
	return true;
}

bool sim_handle_add(const void *h)
{
	size_t i;

	if ((used + 1) * 2 > cap && !grow())
		return false;
	i = hash((uintptr_t)h) & (cap - 1);
	while (slots[i] && slots[i] != TOMB)
		i = (i + 1) & (cap - 1);
	if (!slots[i])
		used++;
	slots[i] = (uintptr_t)h;
	live++;
	return true;
}

static size_t find(const void *h)
{
	size_t i;

	if (!cap || (uintptr_t)h <= TOMB)
		return SIZE_MAX;
	i = hash((uintptr_t)h) & (cap - 1);
	while (slots[i]) {
		if (slots[i] == (uintptr_t)h)
			return i;
		i = (i + 1) & (cap - 1);
	}
	return SIZE_MAX;
}

bool sim_handle_live(const void *h)
{
	return find(h) != SIZE_MAX;
}

void sim_handle_remove(const void *h)
{
	size_t i = find(h);

	if (i != SIZE_MAX) {
		slots[i] = TOMB;
		live--;
	}
}
