/*
 * test_scenario: the scenario parser (scenarios/runner/scenario.c): directives and their
 * defaults, lists expanded into one step per combination, expectations, and every kind of
 * bad input named by file, line and column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ferry.h"
#include "scenario.h"

static void test_directives_and_defaults(void **state)
{
	struct scenario s;
	char err[1024];
	const char *text = "# a comment\n"
			   "scenario the title   \n"
			   "cites F04 (somewhere)\n"
			   "\n"
			   "devices 4\n"
			   "peers 0-1,2>3\n"
			   "config chunk=64K slots=3 budget=0 flags=never-peer,no-pinned\n"
			   "fault cudaDeviceEnablePeerAccess:error(cudaErrorPeerAccessUnsupported)\n"
			   "fault host-alloc:error(cudaErrorMemoryAllocation)@nth(2)  # why\n"
			   "copy 0>1 size=4K path=staged-pinned|staged-pageable fallback=peer:any\n"
			   "enable 1>2\n"
			   "run true\n";

	assert_true(scn_parse("x.scn", text, &s, err, sizeof(err)));
	assert_string_equal(s.title, "the title");
	assert_string_equal(s.cites, "F04 (somewhere)");
	assert_int_equal(s.devices, 4);
	assert_string_equal(s.peers, "0-1,2>3");
	assert_true(s.has_config && s.has_budget);
	assert_int_equal(s.chunk, 64 << 10);
	assert_int_equal(s.slots, 3);
	assert_int_equal(s.budget, 0);
	assert_int_equal(s.flags, 0x1 | 0x8);
	assert_int_equal(s.nrules, 2);
	assert_string_equal(s.faults,
			    "cudaDeviceEnablePeerAccess:error(cudaErrorPeerAccessUnsupported);"
			    "host-alloc:error(cudaErrorMemoryAllocation)@nth(2)");
	assert_int_equal(s.nsteps, 3);
	assert_int_equal(s.steps[0].src, 0);
	assert_int_equal(s.steps[0].dst, 1);
	assert_int_equal(s.steps[0].layout.size, 4096);
	assert_int_equal(s.steps[0].path_mask, (1u << 3) | (1u << 4));
	assert_int_equal(s.steps[0].nfallbacks, 1);
	assert_string_equal(s.steps[0].fb_error[0], "any");
	assert_true(s.steps[1].is_enable);
	assert_true(s.steps[2].is_run);
	assert_string_equal(s.steps[2].cmd, "true");
	scn_free(&s);

	/* defaults: 2 devices, all peers, the title from the file name */
	assert_true(scn_parse("dir/y.scn", "copy host>pinned size=1\n", &s, err, sizeof(err)));
	assert_int_equal(s.devices, 2);
	assert_string_equal(s.peers, "all");
	assert_string_equal(s.title, "y.scn");
	assert_int_equal(s.steps[0].src, SCN_HOST);
	assert_int_equal(s.steps[0].dst, SCN_PINNED);
	assert_int_equal(s.steps[0].status, 0);
	assert_int_equal(s.steps[0].repeat, 1);
	assert_int_equal(s.ncuda, 0);	/* the runtime as it is */
	scn_free(&s);

	/* the version axis: a list, or all of the emulated matrix */
	assert_true(scn_parse("v.scn", "cuda 11.8|12.8\ncopy 0>1 size=1\n", &s, err, sizeof(err)));
	assert_int_equal(s.ncuda, 2);
	assert_string_equal(s.cuda[0], "11.8");
	assert_string_equal(s.cuda[1], "12.8");
	scn_free(&s);
	assert_true(scn_parse("v.scn", "cuda all\ncopy 0>1 size=1\n", &s, err, sizeof(err)));
	assert_int_equal(s.ncuda, 8);
	assert_string_equal(s.cuda[0], "11.8");
	assert_string_equal(s.cuda[7], "13.0");
	scn_free(&s);

	/* shim expectations: per version, or every one; a|b alternatives */
	assert_true(scn_parse("v.scn", "cuda 12.8|13.0\n"
				       "shim 12.8: batch=v12080 stream-device=event-probe|driver-context\n"
				       "shim *: device-attrs=cudaDeviceGetAttribute\n"
				       "copy 0>1 size=1\n", &s, err, sizeof(err)));
	assert_int_equal(s.nshim, 3);
	assert_int_equal(s.shim[0].version, 8);	/* 12.8 in ferry__cuda_versions */
	assert_string_equal(scn_shim_cap(s.shim[0].cap), "batch");
	assert_int_equal(s.shim[0].variants, 1u << 1);
	assert_string_equal(scn_shim_cap(s.shim[1].cap), "stream-device");
	assert_int_equal(s.shim[1].variants, (1u << 0) | (1u << 1));
	assert_int_equal(s.shim[2].version, -1);
	scn_free(&s);
}

static void test_lists_expand(void **state)
{
	struct scenario s;
	char err[1024];

	assert_true(scn_parse("x.scn",
			      "copy 0>1 size=1|2K|3M pattern=f32|fp16 stream=default|1\n",
			      &s, err, sizeof(err)));
	assert_int_equal(s.nsteps, 3 * 2 * 2);
	assert_int_equal(s.steps[0].layout.size, 1);
	assert_int_equal(s.steps[1].layout.size, 2048);
	assert_int_equal(s.steps[2].layout.size, 3 << 20);
	assert_int_equal(s.steps[3].pattern, SCN_FP16);
	assert_int_equal(s.steps[6].stream_dev, 1);
	assert_string_equal(s.steps[4].text, "copy 0>1 size=2K pattern=fp16");
	scn_free(&s);

	assert_true(scn_parse("x.scn", "copy 0>1 layout=2d:100,7,128,256|3d:20,5,4,32,200,24,160\n",
			      &s, err, sizeof(err)));
	assert_int_equal(s.nsteps, 2);
	assert_int_equal(s.steps[0].layout.ndim, 2);
	assert_int_equal(s.steps[0].layout.ds, 256 * 7);
	assert_int_equal(s.steps[1].layout.ndim, 3);
	assert_int_equal(s.steps[1].layout.ss, 200);
	scn_free(&s);
}

struct bad {
	const char *text, *msg;
};

static void test_bad_input_named(void **state)
{
	static const struct bad cases[] = {
		{ "copy 0>1 sise=4K\n", "b.scn:1:10: unknown key 'sise' (did you mean 'size'?)" },
		{ "devices 2\ncopy 0>2 size=1\n",
		  "b.scn:2:1: copy 0>2 size=1: the scenario has 2 devices (0..1)" },
		{ "copyy 0>1 size=1\n", "b.scn:1:1: unknown directive 'copyy'; did you mean 'copy'?" },
		{ "copy 0-1 size=1\n", "b.scn:1:6: expected SRC>DST" },
		{ "copy 0>gpu size=1\n", "b.scn:1:8: 'gpu' is not a device number (0..63), host, pinned" },
		{ "copy 0>1 size=12Q\n", "b.scn:1:10: '12Q' is not a size" },
		{ "copy 0>1\n", "b.scn:1:6: a copy needs size= or layout=" },
		{ "copy 0>1 size=1 size=2\n", "b.scn:1:17: size given twice" },
		{ "copy 0>1 size=1 path=pier\n", "b.scn:1:17: unknown path 'pier' (did you mean 'peer'?)" },
		{ "copy 0>1 size=1 status=E_CUDAA\n", "b.scn:1:17: unknown status 'E_CUDAA'" },
		{ "copy 0>1 size=1 fallback=peer\n", "b.scn:1:17: fallback 'peer': expected PATH:ERROR" },
		{ "copy 0>1 layout=2d:10,5,4,10\n",
		  "b.scn:1:10: layout '2d:10,5,4,10': a pitch is smaller than what it must hold" },
		{ "copy 0>1 layout=4d:1\n", "b.scn:1:10: layout '4d:1': expected 2d:W,H,SP,DP" },
		{ "copy 0>1 size=1 pattern=f64\n", "b.scn:1:17: unknown pattern 'f64'" },
		{ "devices 0\n", "b.scn:1:9: devices '0': expected 1..64" },
		{ "peers 0-9\ncopy 0>1 size=1\n", "b.scn:1:7: peers: " },
		{ "config chunk=4K slotz=2\n", "b.scn:1:17: unknown config key 'slotz' (did you mean 'slots'?)" },
		{ "config flags=never-pear\n", "b.scn:1:8: unknown flag 'never-pear' (did you mean 'never-peer'?)" },
		{ "fault cudaMemcpyPeerAsync:eror(cudaErrorUnknown)\n",
		  "b.scn:1:7: bad fault rule:\nb.scn line 1, rule 1, column 21: unknown action 'eror'" },
		{ "fault cudaMemcpyPeerAsync:error(cudaErrorUnknwn)\n", "did you mean cudaErrorUnknown?" },
		{ "enable 0>0\n", "b.scn:1:8: enable needs two different devices" },
		{ "# only a comment\n", "b.scn:1:1: no steps: a scenario needs at least one copy or run" },
		{ "run\n", "b.scn:1:4: run needs a command" },
		{ "cuda 12.7\ncopy 0>1 size=1\n", "b.scn:1:6: cuda '12.7': not a version ferry emulates" },
		{ "cuda 12.8|14.0\n", "b.scn:1:11: cuda '14.0': not a version" },
		{ "cuda 12.8|\n", "b.scn:1:11: cuda '': not a version" },
		{ "cuda 13.0|13.0\n", "b.scn:1:11: cuda 13.0 is listed twice" },
		{ "cuda 12.8\ncuda 13.0\n", "b.scn:2:6: cuda is given twice" },
		{ "cuda\n", "b.scn:1:5: cuda '': not a version" },
		{ "shim batch=v12080\n", "b.scn:1:6: shim needs VERSION: CAP=VARIANT" },
		{ "shim 12.7: batch=v12080\n", "b.scn:1:6: shim '12.7': not a version" },
		{ "shim 12.8:\n", "b.scn:1:11: shim 12.8: needs CAP=VARIANT" },
		{ "shim 12.8: bach=v12080\n", "b.scn:1:12: unknown shim capability 'bach' (did you mean 'batch'?)" },
		{ "shim 12.8: batch=v12090\n", "b.scn:1:12: unknown variant 'v12090' of batch (did you mean 'v12080'?)" },
		{ "shim 12.8: batch\n", "b.scn:1:12: 'batch': expected CAP=VARIANT" },
		{ "copy 0>1 size=1 count=3\n", "b.scn:1:17: count= belongs to batch steps" },
		{ "copy 0>1 size=1 via=loop\n", "b.scn:1:17: via= belongs to batch and plan steps" },
		{ "batch 0>1 count=0 size=1\n", "b.scn:1:11: count '0': expected 1..65536 items" },
		{ "batch 0>1 count=2 layout=2d:10,5,10,10\n",
		  "b.scn:1:19: a batch step copies size= bytes, not a layout" },
		{ "batch 0>1 size=1 via=graph\n", "b.scn:1:18: unknown via 'graph' (batch, loop, per-item)" },
		{ "plan 0>1 size=1 via=batch\n", "b.scn:1:17: unknown via 'batch' (graph, unplanned)" },
		{ "cuda 13.0\nshim 12.8: batch=v12080\ncopy 0>1 size=1\n",
		  "b.scn:2:12: shim 12.8: the scenario does not run under 12.8" },
		{ "copy 0>1 size=1 mode=captur\n",
		  "b.scn:1:17: unknown mode 'captur' (did you mean 'capture'?) (plain, capture, "
		  "pending, invalidated)" },
		{ "copy 0>1 size=1 mode=invalidated\n",
		  "b.scn:1:17: mode=invalidated needs stream=DEV" },
		{ "copy 0>1 size=1 mode=capture\n",
		  "b.scn:1:17: mode=capture needs stream=DEV: the legacy stream" },
		{ "batch 0>1 count=2 size=1 stream=1|default mode=capture\n",
		  "b.scn:1:43: mode=capture needs stream=DEV" },
		{ "hide cudaMalloc cudaGraphInstantiat\n",
		  "b.scn:1:17: hide: no CUDA runtime function 'cudaGraphInstantiat' (did you mean "
		  "'cudaGraphInstantiate'?)" },
		{ "hide\n", "b.scn:1:5: hide needs CUDA symbol names" },
		{ "hide cu-Bad\n", "b.scn:1:6: hide: 'cu-Bad' is not a CUDA symbol name" },
		{ "misuse copy.null-ctx copy.overlpa\n",
		  "b.scn:1:22: unknown misuse case 'copy.overlpa' (did you mean 'copy.overlap'?)" },
		{ "misuse\n", "b.scn:1:7: misuse needs a case name or all" },
		{ "misuse pair pair\n", "b.scn:1:13: misuse case 'pair' named twice" },
		{ "move 0>pinned size=1\n", "b.scn:1:8: a move's DST is a device or host" },
		{ "move 0>1 size=1 mode=capture stream=1\n",
		  "b.scn:1:17: a move allocates: it cannot be captured" },
		{ "move 0>1 layout=2d:1,1,1,1\n", "a move step copies size= bytes, not a layout" },
		{ "move 0>1 size=1 via=graph\n", "via= belongs to batch and plan steps" },
		{ "devices 2\nmove 0>2 size=1\n", "b.scn:2:1: move 0>2 size=1: the scenario has 2 "
		  "devices" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scenario s;
		char err[2048] = "";

		if (scn_parse("b.scn", cases[i].text, &s, err, sizeof(err)))
			fail_msg("case %zu parsed: %s", i, cases[i].text);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: wanted '%s' in '%s'", i, cases[i].msg, err);
		/* nothing left allocated */
		assert_null(s.steps);
		assert_null(s.faults);
	}
}

/* mode=: plain by default; pending expects FERRY_E_PENDING unless status= says otherwise;
 * capture with a stream of a device */
static void test_modes(void **state)
{
	struct scenario s;
	char err[2048] = "";

	(void)state;
	assert_true(scn_parse("m.scn",
			      "copy 0>1 size=1\n"
			      "copy 0>1 size=1 mode=pending\n"
			      "copy 0>1 size=1 mode=pending status=FERRY_E_STICKY\n"
			      "copy 0>1 size=1 stream=0 mode=invalidated\n"
			      "plan 0>1 size=1 stream=1 mode=capture via=unplanned\n"
			      "hide cudaStreamGetCaptureInfo_v2 cuStreamGetCtx\n"
			      "hide cudaThreadSynchronize cudaMemcpyAsync_ptsz\n",
			      &s, err, sizeof(err)));
	assert_int_equal(s.nsteps, 5);
	assert_int_equal(s.steps[3].mode, SCN_INVALIDATED);
	assert_int_equal(s.steps[3].status, FERRY_E_CAPTURE);
	memmove(&s.steps[3], &s.steps[4], sizeof(s.steps[0]));	/* the checks below: as before */
	assert_string_equal(s.hide, "cudaStreamGetCaptureInfo_v2,cuStreamGetCtx,"
				    "cudaThreadSynchronize,cudaMemcpyAsync_ptsz");
	assert_int_equal(s.nhide, 4);
	assert_int_equal(s.steps[0].mode, SCN_PLAIN);
	assert_int_equal(s.steps[0].status, FERRY_OK);
	assert_int_equal(s.steps[1].mode, SCN_PENDING);
	assert_int_equal(s.steps[1].status, FERRY_E_PENDING);
	assert_int_equal(s.steps[2].status, FERRY_E_STICKY);
	assert_int_equal(s.steps[3].mode, SCN_CAPTURE);
	assert_int_equal(s.steps[3].stream_dev, 1);
	scn_free(&s);
}

/* move and misuse steps: what they parse into */
static void test_move_misuse(void **state)
{
	struct scenario s;
	char err[2048] = "";

	(void)state;
	/* the fifth flag: the loop over the names once stopped at four */
	assert_true(scn_parse("f.scn", "config flags=no-batch,always-stage\ncopy 0>1 size=1\n", &s,
			      err, sizeof(err)));
	assert_int_equal(s.flags, FERRY_NO_BATCH | FERRY_ALWAYS_STAGE);
	scn_free(&s);
	assert_true(scn_parse("u.scn",
			      "move 0>host size=4K|8K mode=pending\n"
			      "misuse copy.overlap names\n"
			      "misuse all\n",
			      &s, err, sizeof(err)));
	assert_int_equal(s.nsteps, 4);
	assert_true(s.steps[0].is_move);
	assert_int_equal(s.steps[0].dst, SCN_HOST);
	assert_int_equal(s.steps[1].layout.size, 8192);
	assert_int_equal(s.steps[1].status, FERRY_E_PENDING);
	assert_true(s.steps[2].is_misuse);
	assert_false(s.steps[2].is_move);
	/* misuse.def's order: names is the 9th case, copy.overlap the 14th */
	assert_true(s.steps[2].misuse_mask == ((1ull << 8) | (1ull << 13)));
	assert_string_equal(s.steps[2].text, "misuse copy.overlap names");
	/* all: every case, a run of low bits */
	assert_true(s.steps[3].misuse_mask != 0 &&
		    (s.steps[3].misuse_mask & (s.steps[3].misuse_mask + 1)) == 0);
	scn_free(&s);
}

static void test_missing_file_named(void **state)
{
	struct scenario s;
	char err[512];

	assert_false(scn_parse_file("/nonexistent/x.scn", &s, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/x.scn: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directives_and_defaults),
		cmocka_unit_test(test_lists_expand),
		cmocka_unit_test(test_bad_input_named),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_move_misuse),
		cmocka_unit_test(test_missing_file_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
