#!/bin/bash
# On the GPU host, after gpu_launch.sh: waits while the scaling sweep runs, at most SECONDS, then copies the seeds'
# result files not yet sent ($HOME/rl-scaling/seed-<S>.json) to $OUT (the call's return folder) and prints the log's
# last lines. Make these calls back to back until the sweep ends: the host goes back 30 s after a call ends, and
# the sweep with it. Usage:
#   bash research/rl_scaling/gpu_wait.sh SECONDS     (SECONDS < the call's limit)
# The pattern is written so that it cannot match a call's own command line (2026-12-06: `pgrep -f "[r]l.scaling"`
# in a call that also named ~/rl-scaling matched itself and waited out its whole limit).
set -uo pipefail
SECONDS_MAX=$1
R=$HOME/rl-scaling
[ -d "$R" ] || { echo "no $R (launch with gpu_launch.sh first)" >&2; exit 1; }
end=$((SECONDS + SECONDS_MAX))
while pgrep -f "[h]sokv[.]benchmarks[.]rl[.]scaling" > /dev/null && [ "$SECONDS" -lt "$end" ]; do sleep 5; done
pgrep -f "[h]sokv[.]benchmarks[.]rl[.]scaling" > /dev/null && echo "sweep still running" || echo "sweep ended"
source "$(dirname "$0")/../gpu_send_once.sh"
send_once "$R" "seed-*.json" "${OUT:?set OUT to the folder the call returns}/rl-scaling" 8
echo "result files sent: $(ls "$OUT/rl-scaling" | tr '\n' ' ')"
tail -n 6 "$HOME/rl-scaling.log"
