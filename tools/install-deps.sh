#!/bin/sh
# Installs what ferry needs to build and test on Debian or Ubuntu (apt): the build tools,
# CMocka (tests), jansson (JSON summaries), gcovr (coverage), clang with its libFuzzer runtime
# (the fault-rule fuzzer); then checks that the CUDA Toolkit (13.x: headers and
# libcudart.so.13; no GPU or driver needed) is there. Runs apt-get through sudo when not root.
set -eu

packages="build-essential cmake pkg-config libcmocka-dev libjansson-dev gcovr binutils clang
libclang-rt-14-dev"

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "install-deps: not root and no sudo: install $packages yourself" >&2
	exit 1
fi

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q
	# shellcheck disable=SC2086
	$sudo apt-get install -y -q $missing
fi

cuda=${CUDA_HOME:-/usr/local/cuda}
if ! command -v nvcc >/dev/null 2>&1 && [ ! -x "$cuda/bin/nvcc" ]; then
	echo "install-deps: the CUDA Toolkit is not installed (no nvcc on PATH or in $cuda);" >&2
	echo "install CUDA 13 from NVIDIA (the toolkit only: no GPU is needed)" >&2
	exit 1
fi
if ! ls "$cuda"/lib64/libcudart.so.13* "$cuda"/targets/*/lib/libcudart.so.13* >/dev/null 2>&1 &&
	! ldconfig -p 2>/dev/null | grep -q 'libcudart.so.13'; then
	echo "install-deps: libcudart.so.13 not found under $cuda (ferry needs CUDA 13)" >&2
	exit 1
fi
echo "install-deps: ready"
