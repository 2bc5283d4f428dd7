#!/bin/bash
# On the GPU host, in the call after the three that copied .gpu/rl/p0 ... p2 to $HOME/rlkit (this call
# carries p3; gpu_prepare.sh builds them): installs the wheels into $HOME/rlsite (numpy only if the host's
# Python lacks it) and starts the scaling sweep detached, pinned to the cores CPUS so that it can share
# the host with GPU work pinned to the others (e.g. the continual kit with CPUS=12-15). Usage:
#   bash research/rl_scaling/gpu_launch.sh CPUS "WORKERS" ROUNDS SEED [SEED ...]
# e.g. gpu_launch.sh 0-11 "1 8" 2 0 1 2 3 4: the many-core Hopper spec (research/rl_specs/) on 1 and 8
# Ray workers, each twice a seed in alternating order (hsokv.benchmarks.rl.scaling --rounds). The seeds
# run one after another, one process and one result file each, $HOME/rl-scaling/seed-<S>.json (a lease
# that ends mid-sweep keeps the seeds it finished; merge them here with `python -m
# hsokv.benchmarks.rl.scaling --merge ... --out ...`); the log is $HOME/rl-scaling.log. Another spec:
# SPEC=research/rl_specs/<name>.json before the command. Then `bash research/rl_scaling/gpu_wait.sh SECONDS` calls
# back to back bring the finished seeds' files home.
set -euo pipefail
SPEC=${SPEC:-research/rl_specs/many-core-hopper.json}
CPUS=$1 WORKERS=$2 ROUNDS=$3; shift 3
[ $# -ge 1 ] || { echo "name at least one seed" >&2; exit 1; }
REPO=$PWD K=$HOME/rlkit
mkdir -p "$K" "$HOME/rl-scaling"
[ -d .gpu/rl/p3 ] && cp .gpu/rl/p3/* "$K/"
if [ ! -d "$HOME/rlsite/ray" ]; then
    cat "$K"/part.0{0,1,2,3} | tar xf - -C "$K"
    python3 -c "import numpy" 2>/dev/null && rm -f "$K"/whl/numpy-*.whl
    python3 -m pip install -q --no-index --no-deps --no-compile --target "$HOME/rlsite" "$K"/whl/*.whl
fi
rm -rf "$HOME/code-rl" && cp -r "$REPO" "$HOME/code-rl" && cd "$HOME/code-rl"
export PYTHONPATH=$HOME/rlsite:$HOME/code-rl OMP_NUM_THREADS=1
export COMMIT; COMMIT=$(cat "$K/COMMIT")
# shellcheck disable=SC2086  # WORKERS is a list
setsid nohup taskset -c "$CPUS" bash -c 'for s in "${@:4}"; do
    python3 -m hsokv.benchmarks.rl.scaling --spec "$1" --workers $2 --rounds "$3" --seeds "$s" \
        --out "$HOME/rl-scaling/seed-$s.json" --commit "$COMMIT" || exit 1
done' sweep "$SPEC" "$WORKERS" "$ROUNDS" "$@" > "$HOME/rl-scaling.log" 2>&1 < /dev/null &
sleep 15
# the sweep's own pattern (gpu_wait.sh's): '[r]l.scaling' also matched the calling shell, whose command line names
# research/rl_scaling/gpu_launch.sh, and printed that shell's cores (0-15, 2026-12-07) instead of the sweep's
tail -n 5 "$HOME/rl-scaling.log"; taskset -cp "$(pgrep -f '[h]sokv[.]benchmarks[.]rl[.]scaling' | head -n 1)"; uptime
