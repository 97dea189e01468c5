/*
 * fuzz_scenario: libFuzzer target for the scenario parser (scenarios/runner/scenario.h).
 *
 * Each input is parsed as a scenario file. Beyond the sanitizers' checks it checks what the
 * parser promises: a failure names the file, line and column ("f.scn:L:C: ...") in a
 * NUL-terminated message inside the buffer, and leaves nothing allocated; a success yields
 * 1 .. SCN_MAX_STEPS steps whose devices exist, whose layouts hold what they claim, whose
 * expectations name real paths; parsing is deterministic.
 *
 * Built with clang by tests/fuzz/CMakeLists.txt (target fuzz_scenario); ctest replays the
 * seeds (corpus/scenarios/) and saved crashes (fuzz_scenario_corpus).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_scenario: %s:%d: invariant failed: %s\n",   \
				__FILE__, __LINE__, #cond);                                \
			abort();                                                           \
		}                                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[700], err2[700];
	struct scenario s, s2;
	bool ok, ok2;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 'x', sizeof(err));
	ok = scn_parse("f.scn", text, &s, err, 600);
	ok2 = scn_parse("f.scn", text, &s2, err2, 600);
	CHECK(ok == ok2);
	if (!ok) {
		unsigned line, col;

		CHECK(memchr(err, '\0', 600) != NULL);
		CHECK(err[600] == 'x');	/* nothing past the length given */
		CHECK(sscanf(err, "f.scn:%u:%u: ", &line, &col) == 2 && line >= 1 && col >= 1);
		CHECK(strcmp(err, err2) == 0);
		CHECK(s.steps == NULL && s.faults == NULL && s.nsteps == 0);
	} else {
		CHECK(s.nsteps >= 1 && s.nsteps <= SCN_MAX_STEPS && s.nsteps == s2.nsteps);
		CHECK(s.devices >= 1 && s.devices <= 64);
		for (size_t i = 0; i < s.nsteps; i++) {
			const struct scn_step *st = &s.steps[i];

			CHECK(st->line >= 1);
			if (st->is_run) {
				CHECK(st->cmd && st->cmd[0]);
				continue;
			}
			CHECK(st->src < (int)s.devices && st->dst < (int)s.devices);
			CHECK(st->src >= SCN_REGISTERED && st->dst >= SCN_REGISTERED);
			if (st->is_enable)
				continue;
			if (st->is_misuse) {
				/* its cases, no copy of its own */
				CHECK(st->misuse_mask != 0);
				continue;
			}
			CHECK(st->layout.ndim == 1 || st->layout.ndim == 2 || st->layout.ndim == 3);
			if (st->layout.ndim > 1) {
				const struct scn_layout *l = &st->layout;

				CHECK(l->w && l->h && l->d);
				CHECK(l->h == 1 || (l->sp >= l->w && l->dp >= l->w));
			}
			CHECK(st->repeat >= 1 && st->nfallbacks <= SCN_MAX_FALLBACKS);
			CHECK(st->path_mask < (1u << 8));
			CHECK(strcmp(scn_status_name(st->status), "FERRY_E_UNKNOWN") != 0);
		}
		scn_free(&s);
		scn_free(&s2);
	}
	free(text);
	return 0;
}
