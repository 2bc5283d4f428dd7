#!/bin/bash
# On the GPU host, in the call that carries .gpu/minilm/a (after the calls that copied b/ and c/ to
# $HOME/mlkit): installs the wheels, then starts MiniLM's trained rows (hsokv and finetune with LM-BFF's
# grid, SST-2 and MNLI, 5 seeds: 20 jobs = 180 points of 1,000 steps) detached, 16 points side by side,
# with the settings of the mpnet run (research/glue/gpu-mpnet/README.md). Poll as this folder's README says.
set -euo pipefail
REPO=$PWD
K=$HOME/mlkit
mkdir -p "$K" && cp -r .gpu/minilm/a/. "$K/"
cat "$K"/gt.part.* > "$K/whl/$(awk '{print $2}' "$K/SHA256SUMS")"
(cd "$K/whl" && sha256sum -c ../SHA256SUMS)
python3 -m pip install -q --no-index --no-deps --no-compile --target $HOME/site "$K"/whl/*.whl
rm -rf $HOME/code && cp -r "$REPO" $HOME/code && cd $HOME/code
# the committed jobs and points: the grid skips a job or point whose file exists, so a later lease resumes
mkdir -p $HOME/minilm-runs && cp -r research/glue/minilm/runs/. $HOME/minilm-runs/
export PYTHONPATH=$HOME/site:$HOME/code OMP_NUM_THREADS=1 TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1
JOBS=$(for t in SST-2 MNLI; do for m in hsokv finetune; do for s in 13 21 42 87 100; do echo -n "$t:minilm:$m:$s "; done; done; done)
setsid nohup python3 -m hsokv.benchmarks.glue.grid --spec research/glue/minilm/spec.json --data "$K/glue" \
    --out $HOME/minilm-runs --commit "$(cat "$K/COMMIT")" --split-points --parallel 16 --jobs $JOBS \
    > $HOME/minilm-grid.log 2>&1 < /dev/null &
sleep 60
tail -n 5 $HOME/minilm-grid.log; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv
