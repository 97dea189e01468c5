# build_gpu.sh: sourced by the run_*_gpu.sh scripts. gpu_build OUT CMOCKA_PREFIX JANSSON_PREFIX
# TARGET...: builds the targets (Release) in build-gpu against the CMocka and Jansson unpacked
# under the prefixes (the device machine has no package index), logging to OUT/build.log; sets
# $top, $build and LD_LIBRARY_PATH (for libcmocka); on failure prints the log's end and exits.
gpu_build() {
	out=$1
	cm=$2
	js=$3
	shift 3
	top=$(cd "$(dirname "$0")/../.." && pwd)
	build=$top/build-gpu
	mkdir -p "$out"
	lib=$(find "$cm" -name libcmocka.so.0 | head -n 1)
	export LD_LIBRARY_PATH="$(dirname "$lib"):${LD_LIBRARY_PATH:-}"
	{ cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release \
		-DCMOCKA_INCLUDE_DIR="$cm/usr/include" -DCMOCKA_LIBRARY="$lib" \
		-DJANSSON_INCLUDE_DIR="$js/usr/include" \
		-DJANSSON_STATIC="$(find "$js" -name libjansson.a | head -n 1)" &&
		cmake --build "$build" -j"$(nproc)" --target "$@"; } >"$out/build.log" 2>&1 || {
		tail -n 30 "$out/build.log"
		exit 1
	}
}
