#!/bin/sh
# ferry report --gate names what fails it: a scenario run that failed (with its step) and a
# failure point that ended badly (with its rule), on stdout and on the page, and exits 1. The
# coverage build is a stand-in (the plain build's ferry, a gcovr that writes a summary of
# 100% and 96%), and the failure point fails through a ferry-scenario with a planted bug
# (planted_corrupt.sh).
# usage: test_report_gate.sh FERRY FERRY_SCENARIO WORKDIR
set -u
ferry=$1 real=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
fail=0
no() { echo "not ok: $*"; fail=1; }
rm -rf "$work"
mkdir -p "$work/cov/tools" "$work/cov/core/CMakeFiles/ferry_core.dir" "$work/scn" "$work/bin"

# the stand-in coverage build
echo "FERRY_COVERAGE:BOOL=ON" >"$work/cov/CMakeCache.txt"
ln -s "$ferry" "$work/cov/tools/ferry"
: >"$work/cov/core/CMakeFiles/ferry_core.dir/copy.c.gcno"
cat >"$work/bin/gcovr" <<'GCOVR'
#!/bin/sh
while [ $# -gt 0 ]; do
	if [ "$1" = --json-summary ]; then
		printf '{"line_percent": 100.0, "line_covered": 10, "line_total": 10, "branch_percent": 96.0, "branch_covered": 24, "branch_total": 25, "files": []}\n' >"$2"
	fi
	shift
done
GCOVR
chmod +x "$work/bin/gcovr"

# one scenario that passes (and whose failure points the planted bug damages), one that
# fails its step
printf 'scenario good: one device\ndevices 1\ncopy 0>0 size=4K path=same-device\n' \
	>"$work/scn/good.scn"
printf 'scenario bad: expects the wrong rung\ndevices 1\ncopy 0>0 size=4K path=peer\n' \
	>"$work/scn/bad.scn"

FERRY_GCOVR=$work/bin/gcovr PLANTED_REAL_SCENARIO=$real \
	FERRY_SCENARIO_EXEC=$here/planted_corrupt.sh \
	"$ferry" report --build "$work/cov" --out "$work/out" --scenarios "$work/scn" --gate \
	--jobs 2 >"$work/said.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || no "exit $rc, expected 1"
said() { grep -qF -- "$1" "$work/said.txt" || no "did not say '$1'"; }
said "gate: FAILED: a scenario failed; a failure point ended badly; a named path was never taken;"
said "scenario FAIL $work/scn/bad.scn [cuda "
said "FAIL step 1 (line 3) copy 0>0 size=4K: delivered by same-device, expected peer"
# good.scn passes under every version: FERRY_GCOVR (set above) is not passed on to the runs,
# whose interposer refuses FERRY_ variables it does not know
said "scenarios: 8 of 16 runs passed"
said "failure point $work/scn/good.scn: CORRUPT cudaPointerGetAttributes:error("
said "wrong bytes: planted"
grep -q "^  scenario FAIL $work/scn/good.scn" "$work/said.txt" && no "listed good.scn as failed"
grep -qF "Runs that did not pass" "$work/out/index.html" ||
	no "the page does not list the runs that did not pass"
grep -qF "CORRUPT cudaPointerGetAttributes:error(" "$work/out/index.html" ||
	no "the page does not name the failure point"
[ $fail -ne 0 ] && cat "$work/said.txt"
[ $fail -eq 0 ] && echo "ok: ferry report --gate names what fails it"
exit $fail
