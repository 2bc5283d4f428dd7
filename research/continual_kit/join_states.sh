#!/bin/bash
# Here, after gpu_send_states.sh's calls: joins the pause states' pieces from the calls' returned folders into
# .gpu/paused/NAME/<label>.safetensors and checks each against its sha256; a state whose pieces are not all there or
# do not match is refused (its pieces kept). Then `pack_states.sh NAME:.gpu/paused/NAME/<label>.safetensors ...` sends
# them to the next lease. Usage, from the repository root:
#   bash research/continual_kit/join_states.sh NAME FOLDER [FOLDER ...]   (FOLDER: a call's files_at, holding NAME/)
set -uo pipefail
source "$(dirname "$0")/join_checked.sh"
NAME=${1:?usage: join_states.sh NAME FOLDER [FOLDER ...]}; shift
[ $# -ge 1 ] || { echo "name at least one folder the calls returned (their files_at)" >&2; exit 1; }
T=.gpu/paused/$NAME
mkdir -p "$T/pieces"
for folder in "$@"; do
    [ -d "$folder/$NAME" ] || { echo "$folder: no $NAME/ in it (a call of gpu_send_states.sh $NAME returns one)" >&2; exit 1; }
    cp "$folder/$NAME"/* "$T/pieces/"
done
status=0
for sum in "$T"/pieces/*.sha256; do
    [ -f "$sum" ] || continue
    label=$(basename "$sum" .sha256)
    if join_checked "$T/pieces/$label.safetensors" "$sum" "$T/$label.safetensors"; then
        rm "$T/pieces/$label".*
        echo "$label: joined, sha256 OK -> $T/$label.safetensors"
    else
        echo "$label: its pieces do not match its sha256 (a piece missing? fetch it with another gpu_send_states.sh call)" >&2
        status=1
    fi
done
for piece in "$T"/pieces/*.safetensors.part*; do   # pieces whose sha256 file has not come
    [ -f "$piece" ] || continue
    label=$(basename "$piece"); label=${label%.safetensors.part*}
    [ -f "$T/pieces/$label.sha256" ] && continue
    echo "$label: pieces but no sha256 file (fetch it with another gpu_send_states.sh call)" >&2
    status=1
done
rmdir "$T/pieces" 2>/dev/null || true
exit $status
