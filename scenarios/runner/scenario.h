/*
 * scenario.h: scenario files (the .scn files under scenarios/), their grammar and parsed
 * form. Shared by `ferry run` (which reads a scenario to set up the interposer and checks it
 * before anything runs) and ferry-scenario (which runs its steps). No CUDA calls happen here.
 *
 * A scenario is a text file, one directive a line; '#' starts a comment; blank lines are
 * ignored. Directives, in any order (steps run in file order):
 *
 *   scenario TEXT             a title (default: the file name)
 *   cites TEXT                what it reproduces (a field failure, its reports)
 *   devices N                 virtual devices (1..64; default 2)
 *   peers SPEC                the peer matrix, FERRY_PEERS's grammar (default all)
 *   cuda VER|VER...|all       the CUDA runtime versions to run under, each a run of its own
 *                             (the interposer's emulation, FERRY_CUDA_VERSION); all: 11.8,
 *                             12.0, 12.2, 12.4, 12.6, 12.8, 12.9, 13.0 (default: the
 *                             runtime as it is, unemulated)
 *   driver VER                the driver version the runtime reports (FERRY_CUDA_DRIVER:
 *                             ferry inject --cuda-driver): below 12.8, batched copies
 *                             answer cudaErrorCallRequiresNewerDriver
 *   shim VER|*: CAP=V[|V]...  under CUDA version VER (one of the cuda line's; *: every
 *                             version), the version shim (shim/variants.def) chose variant
 *                             V (or one of the V|V list) for capability CAP: checked at the
 *                             end, each a check
 *   config KEY=VALUE...       the copy core's config: chunk=SIZE slots=N budget=SIZE
 *                             self-test-timeout=MS
 *                             flags=never-peer,always-stage,no-self-test,no-pinned,
 *                             no-batch
 *   sim KEY=VALUE...          the simulator's schedule: sched=random|eager|lazy
 *                             progress-ms=N (lazy with a long progress period: work that
 *                             is only polled never ends, F03); the scenario then runs on
 *                             the simulator only (`ferry run --backend real` skips it)
 *   hide SYMBOL...            CUDA symbols the process does not find (FERRY_HIDE): runtime
 *                             functions dlsym answers NULL for, with their _ptsz twins, and
 *                             driver functions the runtime's entry points do not find; a
 *                             runtime name must be one CUDA 13.0 exports (or an older
 *                             _v2/_v3 of one, or a call 13.0 removed); repeatable
 *   fault RULE                a fault rule, FERRY_FAULTS's grammar (one a line; repeatable)
 *   copy SRC>DST KEY=VALUE... a copy through libferry, checked byte by byte
 *   batch SRC>DST count=N size=SIZE KEY=VALUE...
 *                             N items of SIZE bytes through ferry_copy_batch, each to a
 *                             shuffled slot of the destination, guard bytes between the
 *                             slots; the copy keys, and via=batch|loop|per-item (how the
 *                             items went, report->via)
 *   plan SRC>DST size=SIZE KEY=VALUE...
 *                             a copy plan (ferry_plan_create) launched repeat= times, the
 *                             source rewritten before each launch; via=graph|unplanned
 *   move SRC>DST size=SIZE KEY=VALUE...
 *                             ferry_move: a new buffer on DST (a device or host) with
 *                             SRC's bytes, checked, then ferry_free; the copy keys
 *                             (mode=plain|pending); a refused move must leave no buffer
 *   misuse CASE...|all        libferry's API called wrongly on purpose, the cases of
 *                             runner/misuse.def: each refusal must name what is wrong,
 *                             write nothing and count one failure
 *   enable SRC>DST            the scenario itself enables DST's access to SRC first (as
 *                             another library would), and clears the slot after
 *   run CMD ARGS...           an external command under the same interposer; must exit 0
 *
 * SRC and DST: a device number, `host` (pageable memory), `pinned` (cudaMallocHost) or
 * `registered` (malloc'd, then cudaHostRegister; where registering fails, the memory stays
 * pageable and the scenario clears the error, as field failure F13's workaround does).
 * Copy keys, inputs (a|b|c lists several values: the step is repeated for each, and for every
 * combination of several lists):
 *   size=SIZE                 contiguous bytes (K, M, G suffixes)
 *   layout=2d:W,H,SP,DP       rows of W bytes, H rows, source and destination pitches
 *   layout=3d:W,H,D,SP,SS,DP,DS
 *   pattern=random|f32|bf16|fp16   seeded data; the float ones mix NaNs with payloads,
 *                             infinities, negative zero and denormals
 *   stream=default|DEV        the caller's stream: 0, or a new stream of device DEV
 *   repeat=N                  the step N times
 *   mode=plain|capture|pending|invalidated
 *                             capture: the call is recorded into a capture of the step's
 *                             stream (stream=DEV: the legacy stream cannot capture), which
 *                             must stay valid, then the graph is launched once and the bytes
 *                             checked; pending: an error (cudaErrorInvalidMemcpyDirection) is
 *                             left in the last-error slot before the call, which must refuse
 *                             (status defaults to FERRY_E_PENDING), write nothing and leave
 *                             the error to its owner; invalidated: the step's stream is
 *                             capturing and its capture already invalidated (a query of
 *                             the capturing stream, 900): the call must refuse (status
 *                             defaults to FERRY_E_CAPTURE), write nothing and leave the
 *                             capture to its owner, who ends it
 * Copy keys, expectations (a|b means any of them):
 *   path=PATH                 the rung that delivered: same-device, peer, staged-pinned,
 *                             staged-pageable, host, driver-staged
 *   status=STATUS             FERRY_OK (default), FERRY_E_CUDA, FERRY_E_STICKY ...
 *   fallback=PATH:ERROR       the report names this rung given up, for this CUDA error
 *                             (cudaSuccess: a policy, or a self-test that found wrong
 *                             bytes; `any`); repeatable
 *
 * Every copy that succeeds is checked byte for byte, with guard bytes before and after the
 * destination and the gaps between its rows; after the last step the last-error slot must be
 * clean, every fault rule must have fired, and at least one step must have checked something.
 */
#ifndef FERRY_SCENARIO_H
#define FERRY_SCENARIO_H

#include "common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCN_MAX_STEPS 4096	/* after expanding lists */
#define SCN_MAX_FALLBACKS 4
#define SCN_HOST (-1)		/* pageable host memory */
#define SCN_PINNED (-2)		/* pinned host memory */
#define SCN_REGISTERED (-3)	/* malloc'd and registered */

enum scn_pattern { SCN_RANDOM, SCN_F32, SCN_BF16, SCN_FP16 };

struct scn_layout {
	unsigned ndim;		/* 1: size bytes; 2; 3 */
	size_t size;
	size_t w, h, d, sp, ss, dp, ds;
};

struct scn_step {
	unsigned line;		/* in the file */
	bool is_run, is_enable;
	bool is_move;		/* move: ferry_move of layout.size bytes, then ferry_free */
	bool is_misuse;		/* misuse: the cases of misuse_mask (misuse.def's order) */
	uint64_t misuse_mask;
	bool is_batch;		/* batch: count items of layout.size through ferry_copy_batch */
	bool is_plan;		/* plan: a copy plan of layout.size, launched repeat times */
	unsigned count;		/* batch: items */
	unsigned via_mask;	/* batch, plan: bit per way allowed (batch, loop, per-item,
				 * graph, unplanned); 0: any */
	char *cmd;		/* run: the command line (a shell runs it) */
	int src, dst;		/* a device, SCN_HOST or SCN_PINNED */
	struct scn_layout layout;
	enum scn_pattern pattern;
	int stream_dev;		/* -1: stream 0 */
	unsigned repeat;
	enum scn_mode { SCN_PLAIN, SCN_CAPTURE, SCN_PENDING, SCN_INVALIDATED } mode;
	unsigned path_mask;	/* bit per ferry_path allowed; 0: any */
	int status;		/* the ferry_status expected */
	unsigned nfallbacks;
	int fb_path[SCN_MAX_FALLBACKS];
	char fb_error[SCN_MAX_FALLBACKS][48];	/* a cudaError_t name, or "any" */
	char text[160];		/* the step as written, expanded: for messages */
};

#define SCN_MAX_SHIM 64

/* An expectation of the version shim's choice. */
struct scn_shim {
	int version;		/* an index of ferry__cuda_versions, or -1: every version */
	unsigned cap;		/* a capability, in shim/variants.def's order */
	unsigned variants;	/* bit per variant allowed */
	unsigned line, col;
};

struct scenario {
	char name[256];		/* the file, as given */
	char title[160];
	char cites[256];
	unsigned devices;
	char peers[256];
	char hide[32 * 64];	/* hide: a comma list, FERRY_HIDE's form */
	unsigned nhide;
	unsigned ncuda;		/* 0: the runtime as it is */
	char cuda[FERRY_CUDA_NVERSIONS][8];
	char driver[8];		/* driver: "" when not given */
	struct scn_shim shim[SCN_MAX_SHIM];
	unsigned nshim;
	char *faults;		/* the rules joined with ';' (NULL: none) */
	unsigned nrules;
	bool has_config, has_budget;
	size_t chunk, budget;
	unsigned slots, flags;
	unsigned self_test_ms;	/* 0: the default */
	char sim_sched[8];	/* sim: "" when not given */
	char sim_progress[12];
	struct scn_step *steps;
	size_t nsteps;
};

/* Parses text (a NUL-terminated file's contents; name for messages) into s. On error returns
 * false, leaves nothing allocated, and writes into err a message that starts with
 * "name:line:column: " and says what was expected (and the nearest valid name for a misspelt
 * one). */
bool scn_parse(const char *name, const char *text, struct scenario *s, char *err, size_t len);
/* Whether name can be hidden (hide, ferry inject --hide): a driver symbol (cu...), or a
 * runtime function CUDA 13.0 exports, or an older name of one; else why not into msg, with
 * the nearest known name. */
bool scn_symbol_check(const char *name, char *msg, size_t len);
/* Reads and parses a file. */
bool scn_parse_file(const char *path, struct scenario *s, char *err, size_t len);
void scn_free(struct scenario *s);

/* The shim's capabilities and variants (shim/variants.def), as scenarios name them: the
 * number of capabilities; a capability's name; its variant v's name (NULL past the last). */
unsigned scn_shim_ncaps(void);
const char *scn_shim_cap(unsigned cap);
const char *scn_shim_variant(unsigned cap, unsigned v);

/* Names: of paths and statuses as scenarios write them. */
const char *scn_path_name(int path);
const char *scn_status_name(int status);

#endif
