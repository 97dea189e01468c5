#!/bin/sh
# run_core_gpu.sh OUT_DIR CMOCKA_PREFIX JANSSON_PREFIX: on a GPU machine, builds ferry and
# runs the copy core against the real runtime (what CI, without a GPU, cannot):
#   - core_capture: copies recorded into a stream capture, the graph launched and checked;
#   - test_core's ladder and strided groups under the interposer over the real runtime
#     (virtual devices, peer matrices and fault rules, every byte checked);
#   - core_child on the real peer pairs (no interposer): peer, staged and pageable rungs;
#   - bench/core_paths: every rung against the ceilings, 4 KiB .. 1 GiB (and the chunk x slot
#     sweep with SWEEP=1).
# SECTIONS: a subset of "capture tests real bench" (default: all).
set -u
. "$(dirname "$0")/build_gpu.sh"
gpu_build "${1:?usage: run_core_gpu.sh OUT_DIR CMOCKA_PREFIX JANSSON_PREFIX}" "${2:?}" "${3:?}" \
	ferry ferry_inject ferry_sim ferry_nvml ferry_core core_child core_capture test_core \
	core_paths
out=$1
ngpu=$(nvidia-smi -L | wc -l)
inject=$build/interpose/libferry_inject.so
child=$build/tests/core/core_child
sections=${SECTIONS:-capture tests real bench}
on() { case " $sections " in *" $1 "*) return 0 ;; esac; return 1; }
echo "== $ngpu GPU(s)"
on capture && {
	"$build/tests/core/core_capture" >"$out/capture.txt" 2>&1
	echo "core_capture: exit $?"; grep -v '^ok' "$out/capture.txt"
}
on tests && for g in ladder strided threads; do
	LD_PRELOAD=$inject "$build/tests/core/test_core" "$g" >"$out/test_core_$g.txt" 2>&1
	echo "test_core $g over the real runtime: exit $? ($(grep -E 'PASSED|FAILED' \
		"$out/test_core_$g.txt" | tr '\n' ' '))"
	grep -A3 '^ERROR' "$out/test_core_$g.txt" | head -n 20
done
on real && [ "$ngpu" -ge 2 ] && {
	echo "== real pairs, no interposer"
	"$child" 0\>1:n=100000003 1\>0:n=100000003 0\>1:w=1000,h=3000,sp=1024,dp=4096 \
		0\>1:w=20,h=5,d=4,sp=32,ss=200,dp=24,ds=160 h\>1:n=1000000 1\>h:n=1000000 \
		>"$out/real_peer.txt" 2>&1
	echo "peer: exit $?"; cat "$out/real_peer.txt"
	"$child" --flags never-peer 0\>1:n=100000003 1\>0:w=1000,h=3000,sp=1024,dp=4096 \
		>"$out/real_pinned.txt" 2>&1
	echo "pinned: exit $?"; cat "$out/real_pinned.txt"
	"$child" --flags never-peer,no-pinned 0\>1:n=10000003 >"$out/real_pageable.txt" 2>&1
	echo "pageable: exit $?"; cat "$out/real_pageable.txt"
	"$child" --threads 16 --iters 20 --devs "$ngpu" >"$out/real_threads.txt" 2>&1
	echo "threads: exit $?"; cat "$out/real_threads.txt"
}
on bench && {
	echo "== bench"
	extra=""
	[ "${SWEEP:-0}" = 1 ] && extra=--sweep
	"$build/bench/core_paths" $extra >"$out/bench.txt" 2>&1
	echo "core_paths: exit $?"; cat "$out/bench.txt"
	if [ "$ngpu" -ge 2 ]; then
		CUDA_VISIBLE_DEVICES=0 "$build/bench/core_paths" --max 512M >"$out/bench_one.txt" 2>&1
		echo "core_paths on one GPU: exit $?"; cat "$out/bench_one.txt"
	fi
}
exit 0
