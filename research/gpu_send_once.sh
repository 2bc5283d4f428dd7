# Sourced by the GPU kits' wait scripts (research/continual_kit/gpu_wait.sh, research/rl_scaling/gpu_wait.sh): a
# call returns at most 8 files, and the host goes back 30 s after it, so each wait call sends what has finished and
# not gone yet. send_once DIR GLOB DEST MAX copies DIR's files matching GLOB that DIR/.fetched does not list to DEST,
# at most MAX, and lists them there; SENT = how many went, LEFT = how many more are waiting.
send_once() {
    local dir=$1 glob=$2 dest=$3 max=$4 f
    SENT=0 LEFT=0
    mkdir -p "$dest"
    for f in "$dir"/$glob; do
        [ -f "$f" ] || continue
        grep -qxF "$(basename "$f")" "$dir/.fetched" 2>/dev/null && continue
        if [ "$SENT" -ge "$max" ]; then LEFT=$((LEFT + 1)); continue; fi
        cp "$f" "$dest/" && basename "$f" >> "$dir/.fetched" && SENT=$((SENT + 1))
    done
}
