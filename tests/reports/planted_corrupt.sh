#!/bin/sh
# A ferry-scenario with a planted bug, for test_report_gate.sh: it runs the real one, then
# reports wrong bytes when the fault schedule fails libferry's first cudaPointerGetAttributes.
"$PLANTED_REAL_SCENARIO" "$@"
rc=$?
case "$FERRY_FAULTS" in
*cudaPointerGetAttributes:error*@nth\(1\)\ from*)
	echo "FAIL step 1 (line 3): wrong bytes: planted"
	exit 1
	;;
esac
exit $rc
