#!/bin/sh
# run_conformance.sh: runs every conformance program (conf_*) found in BIN_DIR, each under a
# time limit, and writes one log per program plus a summary into LOG_DIR.
#
#   run_conformance.sh BIN_DIR LOG_DIR            # against whatever libcudart.so.13 resolves to
#   LD_PRELOAD=.../libferry_sim.so FERRY_SIM_DEVICES=2 run_conformance.sh BIN_DIR LOG_DIR
#
# To compare two backends, diff their checks:  diff LOG_A/checks.txt LOG_B/checks.txt
# (checks.txt holds the CHECKED, SKIPPED and MISMATCH lines of every program, in order).
# CONF_TIMEOUT sets the limit per program in seconds (default 300). Exit status: 0 when every
# program passed, 1 otherwise.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 BIN_DIR LOG_DIR" >&2
	exit 2
fi
bin_dir=$1
log_dir=$2
limit=${CONF_TIMEOUT:-300}
mkdir -p "$log_dir" || exit 2
: >"$log_dir/checks.txt"
: >"$log_dir/summary.txt"

status=0
found=0
for prog in "$bin_dir"/conf_*; do
	[ -f "$prog" ] && [ -x "$prog" ] || continue
	found=1
	name=$(basename "$prog")
	log="$log_dir/$name.log"
	timeout -k 10 "$limit" "$prog" >"$log" 2>&1
	rc=$?
	grep -E '^(BACKEND|CHECKED|SKIPPED|MISMATCH|TEARDOWN)' "$log" >>"$log_dir/checks.txt"
	tests=$(grep -c '^\[ RUN' "$log")
	failed=$(grep '^\[  FAILED  \] test_' "$log" | sort -u | wc -l)
	skipped=$(grep -c '^SKIPPED' "$log")
	mism=$(grep -c '^MISMATCH' "$log")
	case $rc in
	124 | 137) verdict="TIMEOUT" ;;
	0) verdict="ok" ;;
	*) verdict="rc=$rc" ;;
	esac
	printf '%-12s %-8s tests=%-3s failed=%-3s skipped=%-3s mismatches=%s\n' \
		"$name" "$verdict" "$tests" "$failed" "$skipped" "$mism" | tee -a "$log_dir/summary.txt"
	[ "$rc" -eq 0 ] || status=1
done
if [ $found -eq 0 ]; then
	echo "$0: no conf_* programs in $bin_dir" >&2
	exit 2
fi
exit $status
