"""hsokv_batch_replay (a 32-draw replay batch every step; `hsokv` until 2026-12-06) vs hsokv_merged (iCaRL's replay: the memory's entries added to
the task's training images) (and hsokv_merged_ld: merged with iCaRL's distillation) on the validation split, small CNN, CPU, where a task holds many more images
than the memory (the GPU grid's 10,000 to 500); hsokv_merged_r5 / _r20: merged with each entry 5 / 20 times an epoch;
hsokv_random_selection: H-SOKV's design with a class-balanced memory in random order (no herding); hsokv_lr0_01 / _lr0_1 / _lr0_3:
H-SOKV's design at lr 0.01 / 0.1 / 0.3 (0.03 in params). One JSON line per run.

    python research/continual_merged/check.py EPOCHS SEED RUN[,RUN...] DATA TRAIN_PER_CLASS VAL_PER_CLASS BUFFER [GRID]
    (DATA: download_cifar's folder, e.g. data/raw/continual; GRID: a readout grid as JSON, e.g.
    '{"k": [5, 10, 50], "tau": [0.02, 0.05, 0.2], "w": [0.25, 0.5, 0.75, 1.0]}', default params' continual.readout_grid.
    With GRID the line also holds each readout's test class-IL and chosen settings, to compare two grids on the same
    training: the choice stays on validation, and a larger grid's best validation score is biased upwards, its test not)
"""
import json
import sys
import time

import torch

from hsokv.benchmarks.continual.data import load_images
from hsokv.benchmarks.continual.protocol import run_one
from hsokv.benchmarks.continual.stream import make_stream
from hsokv.config import load_params

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
cfg = load_params("params.yaml", ("seeds", "device", "continual"))
c = cfg.continual
epochs, seed, runs, data = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4]
train_per_class, val_per_class, buffer = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
grid = json.loads(sys.argv[8]) if len(sys.argv) > 8 else None
# a variant of this check only: merged replay with iCaRL's distillation too (iCaRL's training, H-SOKV's readout)
# and merged replay with each entry 5 or 20 times an epoch (`merged_repeats`; 20 = the replay batch's exposures here)
method_args = dict(c.method_args, hsokv_merged_ld=dict(c.method_args["hsokv_merged"], logit_distill=1.0),
                   hsokv_merged_r5=dict(c.method_args["hsokv_merged"], merged_repeats=5),
                   hsokv_merged_r20=dict(c.method_args["hsokv_merged"], merged_repeats=20),
                   # merged replay's learning rate, never tuned (0.03 is the replay batch's; 2026-12-06, seventeenth
                   # session): params' hsokv_lr0.01 / hsokv_lr0.1 under the names these runs were recorded with, and 0.3
                   hsokv_lr0_01=c.method_args["hsokv_lr0.01"], hsokv_lr0_1=c.method_args["hsokv_lr0.1"],
                   hsokv_lr0_3=dict(c.method_args["hsokv"], method="hsokv", lr=0.3))
stream = make_stream(load_images("cifar10", data), 2, val_per_class, train_per_class, 100, torch.device("cpu"))
for run in runs:
    start = time.perf_counter()
    r = run_one(stream, run, buffer, seed, backbone="small_cnn", epochs=epochs, batch_size=c.batch_size,
                replay_batch_size=c.replay_batch_size, augment=True, all_method_args=method_args,
                readout_grid=grid or c.readout_grid, log=lambda s: None)
    line = {"run": run, "seed": seed, "epochs": epochs, "train_per_class": train_per_class,
            "val_per_class": val_per_class, "buffer": buffer, "seconds": round(time.perf_counter() - start, 1),
            "torch": torch.__version__}
    if grid:
        line["readout_grid"] = grid
    for name, ro in r["readouts"].items():
        line[name] = {k: ro[k] for k in ro if "val" in k or (grid and k in ("class_il", "setting"))}
    print(json.dumps(line), flush=True)
