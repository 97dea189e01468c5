#!/bin/sh
# ferry run --campaign: the same seed draws the same schedules, another seed others; faults
# act; a failing schedule is shrunk to the faults that make it fail, and its reproduction
# command reproduces it; bad options are refused.
# usage: test_campaign.sh FERRY FERRY_SCENARIO SCENARIO_DIR WORKDIR
set -u
ferry=$1 real=$2 scn=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
one=$scn/ladder/peer_to_pinned.scn
fail=0
no() { echo "not ok: $*"; fail=1; }
mkdir -p "$work"

# 1. determinism: the schedules (not the timings) of two runs with one seed are the same
"$ferry" run --campaign 12 --seed 42 --verbose "$one" >"$work/a.txt" 2>&1 || no "seed 42 run 1 failed"
"$ferry" run --campaign 12 --seed 42 --verbose "$one" >"$work/b.txt" 2>&1 || no "seed 42 run 2 failed"
"$ferry" run --campaign 12 --seed 43 --verbose "$one" >"$work/c.txt" 2>&1 || no "seed 43 failed"
grep '^  run ' "$work/a.txt" >"$work/a.runs"
grep '^  run ' "$work/b.txt" >"$work/b.runs"
grep '^  run ' "$work/c.txt" >"$work/c.runs"
[ "$(wc -l <"$work/a.runs")" -eq 12 ] || no "12 runs expected, got $(wc -l <"$work/a.runs")"
cmp -s "$work/a.runs" "$work/b.runs" || no "one seed, two different campaigns"
cmp -s "$work/a.runs" "$work/c.runs" && no "seeds 42 and 43 drew the same campaign"
# faults acted: not every run is 'not reached'
grep -q 'fired [1-9]' "$work/a.runs" || no "no fault acted in 12 runs"

# 2. the planted bug: found, shrunk to its two faults, reproduced
PLANTED_REAL_SCENARIO=$real FERRY_SCENARIO_EXEC=$here/planted.sh \
	"$ferry" run --campaign 200 --seed 5 "$one" >"$work/p.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || no "the planted bug: exit $rc, expected 1"
found=$(grep -c '^CORRUPT run ' "$work/p.txt")
[ "$found" -ge 1 ] || no "the planted bug was not found in 200 runs"
grep '^ *minimal (' "$work/p.txt" >"$work/p.min"
[ "$(wc -l <"$work/p.min")" -eq "$found" ] || no "not every failing run was shrunk"
while read -r line; do
	case "$line" in
	"minimal (2 faults): "*cudaHostAlloc:*cudaEventRecord:* | \
	"minimal (2 faults): "*cudaEventRecord:*cudaHostAlloc:*) ;;
	*) no "not shrunk to the two planted faults: $line" ;;
	esac
done <"$work/p.min"
# no lasting failure (after) left where a single failing call is enough
grep -q '^ *minimal (.*@after(' "$work/p.min" && no "a lasting fault was not made single"
repro=$(grep -m1 'reproduce: ' "$work/p.txt" | sed 's/^ *reproduce: ferry //')
[ -n "$repro" ] || no "no reproduction command"
# shellcheck disable=SC2086 # the command line as printed (its quotes: eval)
PLANTED_REAL_SCENARIO=$real eval "\"$ferry\" $repro" >"$work/r.txt" 2>&1
grep -q 'wrong bytes: planted' "$work/r.txt" || no "the reproduction command does not reproduce"

# 3. bad options
"$ferry" run --seed 1 "$one" >/dev/null 2>&1; [ $? -eq 2 ] || no "--seed without --campaign"
"$ferry" run --campaign 0 "$one" >/dev/null 2>&1; [ $? -eq 2 ] || no "--campaign 0"
"$ferry" run --campaign 3 --faults-per-run 9 "$one" >/dev/null 2>&1; [ $? -eq 2 ] || no "9 faults"
"$ferry" run --campaign 3 --mutate "$one" >/dev/null 2>&1; [ $? -eq 2 ] || no "--campaign --mutate"

[ $fail -eq 0 ] && echo "ok: campaign ($found planted failures found and shrunk)"
exit $fail
