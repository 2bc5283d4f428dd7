#!/bin/bash
# On the GPU host, after gpu_launch.sh: waits while the grid writing $HOME/cont-runs/NAME runs, at most
# SECONDS, then copies the finished runs' result JSONs not yet sent (at most 8, a call's limit) to $OUT (the call's return folder) and prints
# each run's last log line. Make these calls back to back until the grid ends: the host goes back 30 s
# after a call ends, and the runs with it (2026-12-06: a lease lost its runs after 12 minutes that way, by
# waiting on the development machine between calls); each call also brings back what has finished, so a
# machine taken back mid-lease loses only the runs in flight. Usage:
#   bash research/continual_kit/gpu_wait.sh NAME SECONDS     (NAME e.g. default_init_e50; SECONDS < the call's limit)
# A call returns at most 8 files in all: two of these in one call (both grids) take MAX_FILES=4 each. A file
# sent but not returned (the call cut short) is sent again after `rm $HOME/cont-runs/NAME/.fetched`.
set -uo pipefail
NAME=$1 SECONDS_MAX=$2
R=$HOME/cont-runs/$NAME
[ -d "$R" ] || { echo "no runs folder $R (launch with gpu_launch.sh first)" >&2; exit 1; }
end=$((SECONDS + SECONDS_MAX))
# '[c]ontinual.grid': the bracket keeps the pattern from matching this script's own command line
while pgrep -f "[c]ontinual.grid .*--out $R( |\$)" > /dev/null && [ "$SECONDS" -lt "$end" ]; do sleep 10; done
pgrep -f "[c]ontinual.grid .*--out $R( |\$)" > /dev/null && echo "grid still running" || echo "grid ended"
# a call brings back at most 8 files (2026-12-06: 12 finished runs, 4 left out), so each result goes once,
# MAX_FILES a call, and $R/.fetched lists what has gone (gpu_launch.sh puts the committed results, copied in, there)
source "$(dirname "$0")/../gpu_send_once.sh"
send_once "$R" "*.json" "${OUT:?set OUT to the folder the call returns}/$NAME" "${MAX_FILES:-8}"
echo "result files sent: $SENT ($(ls "$OUT/$NAME" | tr '\n' ' '))"
[ "$LEFT" -eq 0 ] || echo "$LEFT more finished: call again to fetch them"
ls "$R/paused" 2>/dev/null | sed 's/^/paused: /'
for log in "$R"/logs/*.log; do [ -f "$log" ] && echo "$(basename "$log" .log): $(tail -n 1 "$log")"; done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
