#!/bin/sh
# Builds the probes of tools/probe/ and tools/gen/ against the CUDA runtime of this machine,
# runs them on every GPU and on one (CUDA_VISIBLE_DEVICES=0), and writes the outputs to $1.
set -u
out=${1:?usage: run_probes.sh OUTDIR}
cuda=${CUDA_HOME:-/usr/local/cuda}
here=$(dirname "$0")
mkdir -p "$out"
cc -O1 -o "$out/cuda_probe.bin" "$here/cuda_probe.c" -I"$cuda/include" -L"$cuda/lib64" -lcudart -lpthread &&
cc -O1 -o "$out/gen_device_model.bin" "$here/../gen/gen_device_model.c" -I"$cuda/include" -L"$cuda/lib64" -lcudart &&
"$cuda/bin/nvcc" -o "$out/kernel_probe.bin" "$here/kernel_probe.cu" || exit 1
export LD_LIBRARY_PATH="$cuda/lib64:${LD_LIBRARY_PATH:-}"
nvidia-smi -L > "$out/gpus.txt" 2>&1
nvidia-smi topo -m >> "$out/gpus.txt" 2>&1
"$out/gen_device_model.bin" > "$out/device_model.def" 2>&1
timeout 300 "$out/cuda_probe.bin" all > "$out/probe_all_gpus.txt" 2>&1
CUDA_VISIBLE_DEVICES=0 timeout 300 "$out/cuda_probe.bin" all > "$out/probe_one_gpu.txt" 2>&1
for m in sticky_reset sticky_thread sticky_setdev sticky_dev1_first spin_nonblocking spin_blocking; do
	timeout 60 "$out/kernel_probe.bin" $m >> "$out/kernel.txt" 2>&1
done
rm -f "$out"/*.bin
echo done
