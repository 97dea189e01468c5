/*
 * control.c: the control API (ferry_inject.h).
 */
#include "ferry_inject.h"
#include "inject.h"

#include <string.h>

INJ_EXPORT unsigned ferry_inject_rule_count(void)
{
	return (unsigned)inj.rules.n;
}

INJ_EXPORT long long ferry_inject_rule_matched(unsigned index)
{
	if (index < 1 || index > inj.rules.n)
		return -1;
	return (long long)atomic_load(&inj.rules.v[index - 1].matched);
}

INJ_EXPORT long long ferry_inject_rule_fired(unsigned index)
{
	if (index < 1 || index > inj.rules.n)
		return -1;
	return (long long)atomic_load(&inj.rules.v[index - 1].fired);
}

INJ_EXPORT long long ferry_inject_calls(const char *name)
{
	int fn = name ? inj_fn_lookup(name, strlen(name)) : -1;

	return fn < 0 ? -1 : (long long)atomic_load(&inj.calls[fn]);
}

INJ_EXPORT int ferry_inject_write_summary(const char *path)
{
	return path && *path ? inj_summary_write_to(path) : -1;
}
