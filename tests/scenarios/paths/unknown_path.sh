#!/bin/sh
# An executor (FERRY_SCENARIO_EXEC) of another build: every check passes, and it says it took
# a named path the ferry command does not know.
echo "ok: 1 steps, 1 checks, 0 bytes compared"
echo "paths: rung.peer rung.teleport"
exit 0
