/*
 * ferry_inject.h: the control API of libferry_inject.so, the fault-injecting interposer.
 *
 * A program under `ferry inject` (or with libferry_inject.so preloaded) can ask what the
 * rules did, to check in its own tests that a fault it expected did fire. A program that
 * must also run without the interposer looks these up with dlsym(RTLD_DEFAULT, ...).
 */
#ifndef FERRY_INJECT_H
#define FERRY_INJECT_H

#ifdef __cplusplus
extern "C" {
#endif

/* The number of fault rules loaded (FERRY_FAULTS, then FERRY_FAULTS_FILE). */
unsigned ferry_inject_rule_count(void);

/* How many calls rule number index (1-based) matched, and how many it acted on; -1 when
 * there is no such rule. */
long long ferry_inject_rule_matched(unsigned index);
long long ferry_inject_rule_fired(unsigned index);

/* How many times the program called the CUDA function name (its _ptsz/_ptds twin counts as
 * the function); -1 when the interposer does not wrap it. */
long long ferry_inject_calls(const char *name);

/* Writes the summary (the FERRY_SUMMARY format) to path now; 0, or -1. */
int ferry_inject_write_summary(const char *path);

#ifdef __cplusplus
}
#endif

#endif
