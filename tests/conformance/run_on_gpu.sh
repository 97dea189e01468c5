#!/bin/sh
# run_on_gpu.sh: on a machine with GPUs, builds ferry and holds the simulator to the real
# runtime: the conformance suite against the real runtime with every GPU and with one
# (CUDA_VISIBLE_DEVICES=0), the same binaries against libferry_sim.so with as many devices,
# the probes of tools/probe/, and the demo on the real GPUs. Writes everything to OUT_DIR.
#
#   tests/conformance/run_on_gpu.sh OUT_DIR [CMOCKA_PREFIX]
#
# CMOCKA_PREFIX: where cmocka is unpacked (its usr/include and usr/lib/<triplet>), for a
# machine that cannot install it.
set -u
out=${1:?usage: run_on_gpu.sh OUT_DIR [CMOCKA_PREFIX]}
cm=${2:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build-gpu
mkdir -p "$out"
set --
if [ -n "$cm" ]; then
	lib=$(find "$cm" -name libcmocka.so.0 | head -n 1)
	set -- -DCMOCKA_INCLUDE_DIR="$cm/usr/include" -DCMOCKA_LIBRARY="$lib"
	export LD_LIBRARY_PATH="$(dirname "$lib"):${LD_LIBRARY_PATH:-}"
fi
{ cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" &&
	cmake --build "$build" -j"$(nproc)"; } >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log"
	exit 1
}
ngpu=$(nvidia-smi -L 2>/dev/null | wc -l)
sim=$build/sim/libferry_sim.so
conf=$top/tests/conformance/run_conformance.sh
bins=$build/tests/conformance

"$conf" "$bins" "$out/real$ngpu"
CUDA_VISIBLE_DEVICES=0 "$conf" "$bins" "$out/real1"
LD_PRELOAD=$sim FERRY_SIM_DEVICES=$ngpu "$conf" "$bins" "$out/sim$ngpu"
LD_PRELOAD=$sim FERRY_SIM_DEVICES=1 "$conf" "$bins" "$out/sim1"
for n in 1 "$ngpu"; do
	# The checks made must be the same on both backends (a mismatch shows in the summary).
	grep -v '^BACKEND' "$out/real$n/checks.txt" >"$out/real$n.checks"
	grep -v '^BACKEND' "$out/sim$n/checks.txt" >"$out/sim$n.checks"
	if diff "$out/real$n.checks" "$out/sim$n.checks" >"$out/diff$n.txt"; then
		echo "conformance with $n GPU(s): real and simulated runs made the same checks"
	else
		echo "conformance with $n GPU(s): the runs differ (diff$n.txt)"
	fi
done
"$build/examples/peer_ring" >"$out/peer_ring_real.txt" 2>&1
echo "peer_ring on the real GPUs: exit $? ($(tail -n 1 "$out/peer_ring_real.txt"))"
sh "$top/tools/probe/run_probes.sh" "$out/probes" >/dev/null 2>&1
echo "probes: $(wc -l <"$out/probes/probe_all_gpus.txt") lines"
