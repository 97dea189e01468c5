/*
 * argspy.h: the record libferry_argspy.so (argspy.c) keeps of the last call that reached it,
 * as test_version_args reads it (dlsym "ferry_argspy_last").
 */
#ifndef FERRY_TESTS_ARGSPY_H
#define FERRY_TESTS_ARGSPY_H

#include <stddef.h>

struct argspy_call {
	char fn[64];
	const void *ptr;
	size_t count;
	int loc_type, loc_id;
	unsigned flags;
	void *stream;
	int advice;
	void *dst, *src;	/* kernel-node attributes: the nodes as 13.0 takes them */
};

#endif
