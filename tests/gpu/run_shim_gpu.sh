#!/bin/sh
# run_shim_gpu.sh OUT_DIR CMOCKA_PREFIX JANSSON_PREFIX: on a GPU machine, the version shim and
# the version emulation over the real CUDA 13.0 runtime (what CI, without a GPU, cannot):
#   - ferry info, as the runtime is and under emulated 11.8 / 12.8 (the variant table);
#   - test_versions under every emulated version over the real runtime;
#   - test_core_batch (ferry_copy_batch's contract, capture included, each allocation checked
#     once) on the real runtime, under the interposer (which counts the pointer checks);
#   - the scenario suite under every emulated version over the real runtime
#     (ferry run --backend real --cuda all);
#   - test_core_plan (copy plans: peer, one device, the staged pipeline as a graph) on the
#     real runtime;
#   - bench/core_batch: 4096 x 4 KiB and 256 x 1 MiB between two GPUs;
#   - bench/core_plan: a repeated copy replayed as a plan vs plain ferry_copy.
# SECTIONS: a subset of "info versions batch plan scenarios bench" (default: all).
set -u
. "$(dirname "$0")/build_gpu.sh"
gpu_build "${1:?usage: run_shim_gpu.sh OUT_DIR CMOCKA_PREFIX JANSSON_PREFIX}" "${2:?}" "${3:?}" \
	ferry ferry_inject ferry_sim ferry_nvml ferry_core ferry-scenario ferry-info \
	test_versions test_core_batch test_core_plan core_batch core_plan
out=$1
ferry=$build/tools/ferry
sections=${SECTIONS:-info versions batch plan scenarios bench}
on() { case " $sections " in *" $1 "*) return 0 ;; esac; return 1; }
echo "== $(nvidia-smi -L | wc -l) GPU(s)"
on info && for v in "" 11.8 12.8; do
	"$ferry" info --backend real ${v:+--cuda $v} >"$out/info${v:+_$v}.txt" 2>&1
	echo "ferry info ${v:+--cuda $v}: exit $?"; cat "$out/info${v:+_$v}.txt"
done
on versions && for v in 11.8 12.0 12.2 12.4 12.6 12.8 12.9 13.0; do
	FERRY_FAULTS_FILE=tests/unit/versions_rules.txt \
	"$ferry" inject --backend real --cuda "$v" -- "$build/tests/unit/test_versions" \
		>"$out/test_versions_$v.txt" 2>&1
	echo "test_versions under $v over the real runtime: exit $? \
($(grep -E 'PASSED|FAILED' "$out/test_versions_$v.txt" | tr '\n' ' '))"
done
on batch && {
	TEST_UNDER_INJECT=1 "$ferry" inject --backend real -- \
		"$build/tests/core/test_core_batch" >"$out/test_core_batch.txt" 2>&1
	echo "test_core_batch on the real runtime (under the interposer): exit $? \
($(grep -E 'PASSED|FAILED' "$out/test_core_batch.txt" | tr '\n' ' '))"
}
on plan && {
	"$build/tests/core/test_core_plan" >"$out/test_core_plan.txt" 2>&1
	echo "test_core_plan on the real runtime: exit $? \
($(grep -E 'PASSED|FAILED' "$out/test_core_plan.txt" | tr '\n' ' '))"
	grep -E 'FAILED|error|byte' "$out/test_core_plan.txt" | head -10
}
on scenarios && {
	"$ferry" run --backend real --cuda all "$top/scenarios" >"$out/scenarios.txt" 2>&1
	echo "ferry run --backend real --cuda all scenarios: exit $?"
	grep -E '^FAIL|^ +|runs of' "$out/scenarios.txt" | head -40
}
on bench && {
	"$build/bench/core_batch" --reps 21 >"$out/core_batch.txt" 2>&1
	echo "core_batch: exit $?"; cat "$out/core_batch.txt"
	"$build/bench/core_plan" --reps 31 >"$out/core_plan.txt" 2>&1
	echo "core_plan: exit $?"; cat "$out/core_plan.txt"
}
