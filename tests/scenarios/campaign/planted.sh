#!/bin/sh
# A ferry-scenario with a planted bug, for the campaign test: it runs the real one, then
# reports wrong bytes when the fault schedule holds both a cudaHostAlloc and a cudaEventRecord
# rule, whatever else it holds. The shrinker must bring every such schedule down to those two.
"$PLANTED_REAL_SCENARIO" "$@"
rc=$?
case "$FERRY_FAULTS" in
*@after\(4000000000\)*) ;; # the clean run's counting rules, which never act
*cudaHostAlloc:*cudaEventRecord:* | *cudaEventRecord:*cudaHostAlloc:*)
	echo "FAIL step 1 (line 1): wrong bytes: planted"
	exit 1
	;;
esac
exit $rc
