#!/bin/bash
# On the GPU host, in the call after the six that copied .gpu/cifar/pw, p0 ... p4 to $HOME/cifarkit (this
# call carries p5): joins and verifies CIFAR-10, installs the wheels, and starts the continual grid
# detached. Usage:
#   bash research/continual_kit/gpu_launch.sh SPEC PARALLEL MINUTES JOB [JOB ...]
# SPEC: a committed spec research/<D>/spec.json: the research grid's research/continual_default_init/e5 or
# e50 (the research preset's validation protocol), or research/continual_full_train/spec.json,
# research/continual_anchor/fp32/spec.json, ...; JOB:
# run:buffer:seed or run:buffer:first-last (e.g. derpp:200:2, derpp:200:0-4); MINUTES: runs pause at the first epoch's end past it (their states
# go to <runs folder>/paused/, see DEVELOPERS.md).
# Runs folder: $HOME/cont-runs/<name>, name = D without its "continual_" prefix, "/" as "_" (full_train,
# anchor_fp32, default_init_e5). The committed results of that protocol (research/<D>/runs/) are copied there
# first, so a label already run is skipped; a pause
# state copied to <runs folder>/paused/<label>.safetensors is resumed, and so is one sent in parts by
# pack_states.sh (joined here from $HOME/cifarkit/states/ and checked against its sha256).
# A second launch in a later call (no carry needed) starts another grid beside the first, e.g. the
# validation-protocol runs beside the full-train anchors: the data is joined once, each grid runs from its
# own copy of the code ($HOME/code-<runs folder name>) and logs to $HOME/cont-grid-<runs folder name>.log;
# two grids must not share a runs folder. CPUS=12-15 before the command pins the grid to those cores
# (taskset), e.g. beside the policy-search scaling sweep (research/rl_scaling/gpu_launch.sh) on the others.
set -euo pipefail
SPEC=$1 PARALLEL=$2 MINUTES=$3; shift 3
REPO=$PWD K=$HOME/cifarkit D=$HOME/hsokv-data
source "$(dirname "$0")/runs_name.sh"
source "$(dirname "$0")/join_checked.sh"
N=$(runs_name "$SPEC")
[ -f "$SPEC" ] || { echo "no spec $SPEC" >&2; exit 1; }
FROM=$(dirname "$SPEC")/runs
R=$HOME/cont-runs/$N
if pgrep -f "[c]ontinual.grid .*--out $R( |$)" > /dev/null; then echo "a grid already writes $R" >&2; exit 1; fi
mkdir -p "$K" "$D" "$R"
[ -d .gpu/cifar/p5 ] && cp .gpu/cifar/p5/* "$K/"
if [ ! -f "$D/cifar10/SHA256SUMS" ]; then
    cat "$K"/part.0{0,1,2,3,4,5} | tar xf - -C "$D" && rm "$K"/part.0*
fi
(cd "$D/cifar10" && sha256sum -c --quiet SHA256SUMS) \
    || { echo "cifar10: sha256 check failed (a part missing? six data calls: pw, p0-p4, then p5 with the launch)" >&2; exit 1; }
echo "cifar10: sha256 OK"
# once a machine: a second launch beside the first found them installed and only warned about every folder
[ -d $HOME/site ] || python3 -m pip install -q --no-index --no-deps --no-compile --target $HOME/site "$K"/whl/*.whl
rm -rf "$HOME/code-$N" && cp -r "$REPO" "$HOME/code-$N" && cd "$HOME/code-$N"
cp "$FROM"/*.json "$R/" 2>/dev/null || true
ls "$FROM" 2>/dev/null | grep '\.json$' >> "$R/.fetched" || true   # committed already: gpu_wait.sh does not send them back
for sum in "$K"/states/"$N"__*.safetensors.sha256; do   # pause states sent in parts by pack_states.sh
    [ -f "$sum" ] || continue
    state=${sum%.sha256} label=$(basename "${sum%.sha256}"); label=${label#"$N"__}
    mkdir -p "$R/paused"
    join_checked "$state" "$sum" "$R/paused/$label" \
        || { echo "$label: the joined parts do not match its sha256 (a part missing?)" >&2; exit 1; }
    echo "pause state $label: joined, sha256 OK"
    # consumed: a later launch on this machine would otherwise join it again after its run finished (the
    # grid deletes a finished run's state) and resume, or send back, a stale state
    rm -f "$state".part* "$sum"
done
# two inductor compile workers a run, not one per core: eight compiling runs otherwise start ~100 workers
export PYTHONPATH=$HOME/site:$HOME/code-$N OMP_NUM_THREADS=1 TORCHINDUCTOR_COMPILE_THREADS=${TORCHINDUCTOR_COMPILE_THREADS:-2}
touch "$R/.launched"   # logs older than this launch (an earlier grid's, same runs folder) do not count below
setsid nohup ${CPUS:+taskset -c "$CPUS"} python3 -m hsokv.benchmarks.continual.grid --spec "$SPEC" --data "$D" --out "$R" --jobs "$@" \
    --parallel "$PARALLEL" --commit "$(cat "$K/COMMIT")" --compile reduce-overhead --time-limit $((MINUTES * 60)) \
    > "$HOME/cont-grid-$N.log" 2>&1 < /dev/null &
# wait until every running worker of this launch has written to its log (its first line comes once its data is
# built: a bad spec or data has failed by then; a state that does not fit its spec fails in the next seconds, shown
# by gpu_wait.sh) or the grid has ended, at most 90 s; the runs' time limit counts from the launch
for _ in $(seq 45); do
    pgrep -f "[c]ontinual.grid .*--out $R( |\$)" > /dev/null || break
    workers=$(pgrep -fc "[c]ontinual.grid .*--out $R .*--worker" || true)
    fresh=$(find "$R/logs" -name '*.log' -newer "$R/.launched" -size +0 2>/dev/null | wc -l)
    [ "$workers" -ge 1 ] && [ "$fresh" -ge "$workers" ] && break
    sleep 2
done
tail -n 5 "$HOME/cont-grid-$N.log"; tail -n 2 "$R"/logs/*.log 2>/dev/null; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv
