#!/bin/sh
# run_report_gpu.sh OUT_DIR CMOCKA_PREFIX JANSSON_PREFIX: on a GPU machine, what `ferry report`
# takes from real GPUs:
#   - bench/core_paths --csv: the bandwidth of each path by size (OUT/core_paths.csv; check
#     it in as reports/bench/core_paths.csv for the report's plot);
#   - the scenario suite under every emulated version over the real runtime, with the path
#     matrix (OUT/path_matrix.json): the named paths real CUDA takes.
# MAX: the largest copy of the bench (default 512M).
set -u
. "$(dirname "$0")/build_gpu.sh"
gpu_build "${1:?usage: run_report_gpu.sh OUT_DIR CMOCKA_PREFIX JANSSON_PREFIX}" "${2:?}" "${3:?}" \
	ferry ferry_inject ferry_sim ferry_nvml ferry_core ferry-scenario ferry-info core_paths
out=$1
echo "== $(nvidia-smi -L | wc -l) GPU(s)"
"$build/bench/core_paths" --max "${MAX:-512M}" --csv "$out/core_paths.csv" >"$out/core_paths.txt" 2>&1
echo "core_paths: exit $?"
cat "$out/core_paths.txt"
"$build/tools/ferry" run --backend real --cuda all --paths "$out/path_matrix.json" \
	"$top/scenarios" >"$out/scenarios.txt" 2>&1
echo "ferry run --backend real --cuda all scenarios: exit $?"
grep -E '^FAIL|^ +|runs of|^named paths' "$out/scenarios.txt" | head -40
