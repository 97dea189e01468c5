#!/bin/sh
# run_inject_gpu.sh OUT_DIR CMOCKA_PREFIX JANSSON_PREFIX: on a GPU machine, builds ferry and
# runs the interposer against the real runtime (what CI, without a GPU, cannot):
#   - the conformance suite under `ferry inject --devices N` (N = 2 and 4), and passed through;
#   - PyTorch under `ferry inject --devices 4` (tests/gpu/torch_vdev.py), with and without a
#     rule that fails the copies between devices;
#   - on 2 GPUs, rules on real peer copies (examples/peer_ring under error and corrupt rules);
#   - the interposer's overhead over the real runtime (bench/inject_overhead).
set -u
. "$(dirname "$0")/build_gpu.sh"
gpu_build "${1:?usage: run_inject_gpu.sh OUT_DIR CMOCKA_PREFIX JANSSON_PREFIX}" "${2:?}" "${3:?}" \
	ferry ferry_inject ferry_sim ferry_nvml peer_ring inject_overhead conf_device \
	conf_memory conf_copy conf_misuse conf_peer conf_stream conf_event conf_errors
out=$1
ngpu=$(nvidia-smi -L | wc -l)
ferry=$build/tools/ferry
conf=$top/tests/conformance/run_conformance.sh
bins=$build/tests/conformance
# SECTIONS: a subset of "conf torch ring overhead" (default: all)
sections=${SECTIONS:-conf torch ring overhead}
on() { case " $sections " in *" $1 "*) return 0 ;; esac; return 1; }
echo "== $ngpu GPU(s)"
on conf && for n in 2 4; do
	CONF_SKIP=test_stream_legacy_per_device "$ferry" inject --backend real --devices "$n" -- \
		"$conf" "$bins" "$out/conf_vdev$n" >/dev/null 2>"$out/conf_vdev$n.err"
	echo "conformance, $n virtual devices over $ngpu: exit $? ($(tail -n 1 "$out/conf_vdev$n.err"))"
	grep -v ' ok ' "$out/conf_vdev$n/summary.txt"
done
if on conf; then
	"$ferry" inject --backend real -- "$conf" "$bins" "$out/conf_pass" >/dev/null \
		2>"$out/conf_pass.err"
	echo "conformance, passed through: exit $? ($(tail -n 1 "$out/conf_pass.err"))"
fi
on torch && {
echo "== PyTorch"
"$ferry" inject --backend real --devices 4 -- python3 "$top/tests/gpu/torch_vdev.py" \
	>"$out/torch.txt" 2>&1
echo "torch, 4 virtual devices: exit $?"; grep -v '^ok' "$out/torch.txt" | tail -n 12
"$ferry" inject --backend real --devices 4 --require-fired \
	--faults 'peer-copy:error(cudaErrorPeerAccessUnsupported)' -- \
	python3 "$top/tests/gpu/torch_vdev.py" >"$out/torch_fault.txt" 2>&1
echo "torch, copies between devices failing: exit $?"; grep -v '^ok' "$out/torch_fault.txt" | tail -n 12
}
if on ring && [ "$ngpu" -ge 2 ]; then
	echo "== real peer copies"
	"$ferry" inject --backend real -- "$build/examples/peer_ring" >"$out/ring.txt" 2>&1
	echo "peer_ring: exit $? ($(tail -n 2 "$out/ring.txt" | tr '\n' ' '))"
	"$ferry" inject --backend real --require-fired \
		--faults 'cudaMemcpyPeerAsync:corrupt(bitflip)@nth(2)' -- "$build/examples/peer_ring" \
		>"$out/ring_bitflip.txt" 2>&1
	echo "peer_ring, bitflip on the 2nd peer copy: exit $? ($(grep -c CORRUPT "$out/ring_bitflip.txt") corrupt; $(tail -n 1 "$out/ring_bitflip.txt"))"
	"$ferry" inject --backend real --require-fired \
		--faults 'peer-copy:error(cudaErrorPeerAccessUnsupported) pair(1>0)' -- \
		"$build/examples/peer_ring" >"$out/ring_error.txt" 2>&1
	echo "peer_ring, peer copies 1>0 failing: exit $? ($(grep -m1 failed "$out/ring_error.txt"))"
fi
on overhead || exit 0
echo "== overhead"
"$ferry" inject --backend real -- "$build/bench/inject_overhead" >"$out/overhead.txt" 2>&1
"$ferry" inject --backend real --faults 'sync:error(cudaErrorUnknown) dev(7);cudaPeekAtLastError:error(cudaErrorUnknown)@nth(999999999)' \
	-- "$build/bench/inject_overhead" >>"$out/overhead.txt" 2>&1
"$ferry" inject --backend real --devices 4 -- "$build/bench/inject_overhead" >>"$out/overhead.txt" 2>&1
cat "$out/overhead.txt"
