/*
 * misuse.h: the `misuse` step's cases (misuse.def), run by ferry-scenario.
 */
#ifndef FERRY_SCN_MISUSE_H
#define FERRY_SCN_MISUSE_H

#include <stdbool.h>
#include <stddef.h>

#include "ferry.h"

enum scn_misuse_id {
#define MISUSE(id, name, fn, meaning) SCN_MISUSE_##id,
#include "misuse.def"
#undef MISUSE
	SCN_MISUSE_COUNT
};

struct scn_misuse_result {
	size_t checks;		/* calls whose answer was checked */
	char why[512];		/* the first wrong answer */
	char error[300];	/* any: the first clear error an injected failure caused */
	bool lost;		/* any: the context was lost (FERRY_E_STICKY): nothing more can run */
};

/* Runs case id against ctx (which it leaves as it found it). With any (ferry enumerate's
 * runs), an answer that an injected failure changed into another clear error is allowed; a
 * refusal that wrote, a success with wrong bytes, an error without a message or a dirty
 * last-error slot never are. Returns false with why set when an answer is wrong. */
bool scn_misuse_run(ferry_ctx *ctx, enum scn_misuse_id id, bool any,
		    struct scn_misuse_result *res);

#endif
