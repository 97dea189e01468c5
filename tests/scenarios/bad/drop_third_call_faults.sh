#!/bin/sh
# A ferry-scenario whose runs lose their fault when it is a call's third (@nth(3)): as if the
# calls before it had changed (a clock, a race). ferry enumerate must list each such run as
# 'not reached' and exit 1: a failure point that went untested is not a pass.
case "$FERRY_FAULTS" in
*@nth\(3\)\ from*) unset FERRY_FAULTS ;;
esac
exec "$PLANTED_REAL_SCENARIO" "$@"
