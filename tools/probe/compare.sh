#!/bin/sh
# compare.sh EXPECTED ACTUAL: compares two outputs of cuda_probe (a real runtime's, recorded
# in tools/probe/expected/, and the simulator's). Timings become "blocks" (>= 200 ms: the
# call waited for a stream held 300 ms) or "returns"; what legitimately differs is left out:
# the memory size (FERRY_SIM_MEM, and the real runtime's own reservation) and the numbers
# of stream ids (the real runtime creates streams of its own). A device-to-pageable copy
# while another stream's host function runs was seen to wait on three runs of a real H200
# and not on a fourth: either answer passes there (the simulator waits). Exit 0 when the
# rest is equal.
set -u
norm() {
	sed -E 's/blocked_ms=(2[0-9][0-9]|[3-9][0-9][0-9]|[0-9]{4,})$/blocks/;
		s/blocked_ms=[0-9]{1,3}$/returns/;
		s/^(blocking sync_memcpy_d2h_nonblocking_held rc=0) (blocks|returns)$/\1 either/' "$1" |
		grep -vE '^meminfo meminfo free=|^streams getid_[a-z0-9]+ value='
}
exp=$(mktemp) act=$(mktemp)
trap 'rm -f "$exp" "$act"' EXIT
norm "$1" >"$exp"
norm "$2" >"$act"
if [ "$(wc -l <"$exp")" -lt 100 ]; then
	echo "compare.sh: $1 holds too few results" >&2
	exit 2
fi
diff -u "$exp" "$act" && echo "compare.sh: $(wc -l <"$act") answers agree"
