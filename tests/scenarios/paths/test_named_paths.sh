#!/bin/sh
# ferry run's named paths: each run's paths collected from the executor's "paths:" line, the
# path matrix (--paths) with never-taken paths first and each taken path naming its runs,
# --require-all-paths failing (and naming them) while some path was never taken, a matrix
# that cannot be written refused with nothing left behind, and an executor that names a
# path this ferry does not know failing the run.
# usage: test_named_paths.sh FERRY SCENARIO_DIR WORKDIR
set -u
ferry=$1 scn=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
plans=$scn/ladder/plans.scn
fail=0
no() { echo "not ok: $*"; fail=1; }
rm -rf "$work"
mkdir -p "$work"

# 1. the matrix of one scenario
"$ferry" run --paths "$work/m.json" "$plans" >"$work/out.txt" 2>&1 || no "plans.scn failed"
grep -q '^named paths: [1-9][0-9]* of [1-9][0-9]* taken$' "$work/out.txt" ||
	no "no 'named paths: N of M taken' line"
[ -s "$work/m.json" ] || no "no matrix written"
[ -e "$work/m.json.tmp" ] && no "the matrix's temporary file was left"
# plan.graph is taken by plans.scn, and named with it
grep -A4 '"name": "plan.graph"' "$work/m.json" | grep -q 'plans.scn' ||
	no "plan.graph does not name plans.scn"
# rung.staged-pageable is not (plans.scn never stages through pageable memory): listed
# among the never taken, and before every taken path
grep -A12 '"never_taken"' "$work/m.json" | grep -q '"rung.staged-pageable"' ||
	no "rung.staged-pageable not listed as never taken"
first_taken=$(grep -n '"taken_by": \[$' "$work/m.json" | head -n 1 | cut -d: -f1)
last_empty=$(grep -n '"taken_by": \[\]' "$work/m.json" | tail -n 1 | cut -d: -f1)
[ -n "$first_taken" ] && [ -n "$last_empty" ] && [ "$last_empty" -lt "$first_taken" ] ||
	no "never-taken paths are not listed first"

# 2. --require-all-paths: one scenario cannot take them all
"$ferry" run --require-all-paths "$plans" >"$work/req.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || no "--require-all-paths on one scenario: exit $rc, expected 1"
grep -q '^never taken: .*rung.staged-pageable' "$work/req.txt" ||
	no "--require-all-paths does not name the paths never taken"

# 3. a matrix that cannot be written
"$ferry" run --paths "$work/no/such/dir/m.json" "$plans" >"$work/bad.txt" 2>&1
rc=$?
[ $rc -eq 2 ] || no "an unwritable matrix: exit $rc, expected 2"
grep -q 'cannot write the path matrix to .*no/such/dir/m.json' "$work/bad.txt" ||
	no "an unwritable matrix is not named"
[ -e "$work/no" ] && no "something was written for an unwritable matrix"

# 4. an executor that takes a path this ferry does not know (a scenario without fault
# rules: the stand-in executor makes no CUDA call)
FERRY_SCENARIO_EXEC=$here/unknown_path.sh "$ferry" run "$scn/ladder/host_endpoints.scn" \
	>"$work/unk.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || no "an unknown named path: exit $rc, expected 1"
grep -q "named path 'rung.teleport', which this ferry does not know" "$work/unk.txt" ||
	no "an unknown named path is not named"

# 5. campaigns do not take --paths
"$ferry" run --campaign 2 --paths "$work/c.json" "$plans" >"$work/camp.txt" 2>&1
rc=$?
[ $rc -eq 2 ] || no "--campaign with --paths: exit $rc, expected 2"

[ $fail -eq 0 ] && echo "ok: named paths"
exit $fail
