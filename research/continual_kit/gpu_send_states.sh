#!/bin/bash
# On the GPU host, after a grid's runs paused (gpu_launch.sh's MINUTES): sends their pause states back in pieces, as
# many as one call returns. A state is 46-91 MB and a call returns at most 8 files of 16 MiB, 64 MiB in all, so each
# state is cut once into 16,000,000-byte pieces (with its sha256) and each call sends the next pieces not yet sent,
# at most 4 (64,000,000 bytes). Make these calls back to back until it prints "all pieces sent"; here,
# research/continual_kit/join_states.sh joins and checks them. A call cut short loses what it had sent:
# `rm ~/cont-states/NAME/.fetched` sends everything again. Usage:
#   bash research/continual_kit/gpu_send_states.sh NAME     (NAME: the runs folder, e.g. default_init_e50)
set -euo pipefail
NAME=${1:?usage: gpu_send_states.sh NAME (the runs folder under ~/cont-runs, e.g. default_init_e50)}
R=$HOME/cont-runs/$NAME P=$HOME/cont-states/$NAME
PIECE_BYTES=${PIECE_BYTES:-16000000}
[ -d "$R" ] || { echo "no runs folder $R (gpu_launch.sh writes it)" >&2; exit 1; }
if pgrep -f "[c]ontinual.grid .*--out $R( |\$)" > /dev/null; then
    echo "the grid writing $R still runs: its states are written when it pauses (wait with gpu_wait.sh)" >&2; exit 1
fi
mkdir -p "$P"
for state in "$R"/paused/*.safetensors; do
    [ -f "$state" ] || continue
    label=$(basename "$state" .safetensors)
    [ -f "$P/$label.sha256" ] && continue   # cut already (an earlier call)
    split -b "$PIECE_BYTES" -d "$state" "$P/$label.safetensors.part"
    sha256sum "$state" | cut -d ' ' -f 1 > "$P/$label.sha256"
done
source "$(dirname "$0")/../gpu_send_once.sh"
# a call returns at most 8 files: up to 4 sha256 files and up to 4 pieces
send_once "$P" "*.sha256" "${OUT:?set OUT to the folder the call returns}/$NAME" 4
sums=$SENT sums_left=$LEFT
send_once "$P" "*.part*" "$OUT/$NAME" 4
LEFT=$((LEFT + sums_left))
echo "pieces sent: $SENT (and $sums sha256 files): $(ls "$OUT/$NAME" | tr '\n' ' ')"
if [ "$LEFT" -eq 0 ]; then echo "all pieces sent"; else echo "$LEFT files left: call again"; fi
