#!/bin/sh
# ferry report's bad input: no gcovr, no coverage build (none there, not a CMake build, a
# build without coverage, one configured but not built), bad options: each said with what is
# missing and how to get it, exit 2, and nothing written.
# usage: test_report_input.sh FERRY PLAIN_BUILD_DIR WORKDIR
set -u
ferry=$1 plain=$2 work=$3
fail=0
no() { echo "not ok: $*"; fail=1; }
rm -rf "$work"
mkdir -p "$work"
out=$work/out

# expect STATUS TEXT -- ARGS...: ferry report ARGS exits STATUS, says TEXT, writes nothing
expect() {
	want=$1 text=$2
	shift 3
	"$@" >"$work/said.txt" 2>&1
	rc=$?
	[ $rc -eq "$want" ] || no "$*: exit $rc, expected $want"
	grep -qF -- "$text" "$work/said.txt" || no "$*: did not say '$text' ($(cat "$work/said.txt"))"
	[ -e "$out" ] && no "$*: wrote $out"
	rm -rf "$out"
}

# a gcovr stand-in, so that the checks after it are reached on any machine
mkdir -p "$work/bin"
printf '#!/bin/sh\nexit 0\n' >"$work/bin/gcovr"
chmod +x "$work/bin/gcovr"

expect 2 "gcovr not found on PATH: install it (Debian: apt-get install gcovr" -- \
	env PATH=/nonexistent FERRY_GCOVR= "$ferry" report --build "$plain" --out "$out"
expect 2 "gcovr not found at FERRY_GCOVR=$work/no-gcovr" -- \
	env FERRY_GCOVR="$work/no-gcovr" "$ferry" report --build "$plain" --out "$out"
export FERRY_GCOVR="$work/bin/gcovr"
expect 2 "no coverage build at $work/none: make one with \`cmake -S" -- \
	"$ferry" report --build "$work/none" --out "$out"
mkdir -p "$work/empty"
expect 2 "$work/empty is not a CMake build (no CMakeCache.txt)" -- \
	"$ferry" report --build "$work/empty" --out "$out"
expect 2 "$plain is not a coverage build (FERRY_COVERAGE is off" -- \
	"$ferry" report --build "$plain" --out "$out"
mkdir -p "$work/configured"
echo "FERRY_COVERAGE:BOOL=ON" >"$work/configured/CMakeCache.txt"
expect 2 "the coverage build $work/configured is configured but not built: \`cmake --build" -- \
	"$ferry" report --build "$work/configured" --out "$out"
expect 2 "unexpected argument 'extra'" -- "$ferry" report extra
expect 2 "--colour" -- "$ferry" report --colour
expect 2 "--bench $work/no.csv: no such file" -- \
	env FERRY_GCOVR="$work/bin/gcovr" "$ferry" report --build "$work/configured" --out "$out" \
	--bench "$work/no.csv"
"$ferry" help report | grep -q "usage: ferry report" || no "ferry help report"

[ $fail -eq 0 ] && echo "ok: ferry report's bad input"
exit $fail
