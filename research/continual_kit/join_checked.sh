# Sourced by gpu_launch.sh (on the GPU host) and join_states.sh (here): a pause state travels cut into parts
# (a call carries or returns at most 64 MiB) with its sha256. join_checked PARTS SUM DEST joins the files PARTS.part*
# into DEST and keeps it only if it matches the sha256 in the file SUM; it returns 1 (and leaves no DEST) otherwise.
join_checked() {
    local parts=$1 sum=$2 dest=$3
    cat "$parts".part* > "$dest.tmp" 2>/dev/null
    if [ "$(sha256sum "$dest.tmp" | cut -d ' ' -f 1)" = "$(cat "$sum")" ]; then
        mv "$dest.tmp" "$dest"
    else
        rm -f "$dest.tmp"; return 1
    fi
}
