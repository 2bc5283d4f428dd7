#!/bin/bash
# Packs pause states (hsokv.benchmarks.continual.resume's <label>.safetensors, 46-90 MB) for the GPU host:
# each is cut into parts that fit one call beside the working tree (a call carries at most 64 MiB in all),
# one part a folder, .gpu/states/p0, p1, ... (git-excluded), with the state's sha256. Usage, from the
# repository root:
#   bash research/continual_kit/pack_states.sh PROTOCOL:STATE [PROTOCOL:STATE ...]
# PROTOCOL: the runs folder the state resumes in, a committed spec's name (research/continual_full_train/spec.json:
# full_train; research/continual_anchor/fp32/spec.json: anchor_fp32; research/continual_default_init/e50/spec.json:
# default_init_e50; runs_name.sh); e.g. default_init_e50:.gpu/paused/icarl-200-e50-s2.safetensors. Then one call per folder, after the six data calls and before
# gpu_launch.sh: `mkdir -p ~/cifarkit/states && cp .gpu/states/pN/* ~/cifarkit/states/` with
# `carry: [".gpu/states/pN"]`; gpu_launch.sh joins the parts of its runs folder's states, checks each
# sha256 and puts the state where the grid resumes it.
set -euo pipefail
source "$(dirname "$0")/runs_name.sh"
[ $# -ge 1 ] || { echo "name at least one PROTOCOL:STATE (e.g. default_init_e50:.gpu/paused/icarl-200-e50-s2.safetensors)" >&2; exit 1; }
names=$(valid_names)
for arg in "$@"; do
    protocol=${arg%%:*} state=${arg#*:}
    grep -qx -- "$protocol" <<< "$names" || { echo "$arg: PROTOCOL must be one of: $(echo $names), got '$protocol'" >&2; exit 1; }
    [ -f "$state" ] || { echo "$arg: no state file $state" >&2; exit 1; }
    case "$state" in *.safetensors) ;; *) echo "$state: a pause state is <label>.safetensors" >&2; exit 1 ;; esac
done
S=.gpu/states
grep -qx '/.gpu/' .git/info/exclude || echo /.gpu/ >> .git/info/exclude
# what else travels in every call: the tracked files (untracked ones travel too; keep them few)
TREE=$(git ls-files -z | xargs -0 du -cb | tail -n 1 | cut -f 1)
PART=$(( 64 * 1024 * 1024 - TREE - 2 * 1024 * 1024 ))
[ "$PART" -gt 4000000 ] || { echo "the working tree ($TREE bytes) leaves no room for a state's part" >&2; exit 1; }
rm -rf "$S" && mkdir -p "$S"
used=()   # bytes in each folder; a part goes to the first folder it fits in (first fit)
for arg in "$@"; do
    protocol=${arg%%:*} state=${arg#*:}
    name=${protocol}__$(basename "$state")
    tmp=$(mktemp -d)
    split -b "$PART" -d "$state" "$tmp/$name.part"
    for part in "$tmp"/*.part*; do
        size=$(stat -c %s "$part") i=0
        while [ "$i" -lt "${#used[@]}" ] && [ $((used[i] + size)) -gt "$PART" ]; do i=$((i + 1)); done
        [ "$i" -lt "${#used[@]}" ] || used[i]=0
        mkdir -p "$S/p$i" && mv "$part" "$S/p$i/" && used[i]=$((used[i] + size))
    done
    sha256sum "$state" | cut -d ' ' -f 1 > "$S/p$i/$name.sha256"   # beside the state's last part
    rmdir "$tmp"
done
n=${#used[@]}
du -sh "$S"/*
echo "$n calls, each: mkdir -p ~/cifarkit/states && cp .gpu/states/pN/* ~/cifarkit/states/  (carry .gpu/states/pN)"
