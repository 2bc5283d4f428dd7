"""hsokv vs hsokv_feature_distill (distill 5 and 1) on the validation split, small CNN, CPU: one line per run.

    python research/continual_distill/check.py EPOCHS SEED RUN[,RUN...] [DATA]   (DATA: download_cifar's folder)
"""
import json
import sys

import torch

from hsokv.benchmarks.continual.data import load_images
from hsokv.benchmarks.continual.stream import make_stream
from hsokv.benchmarks.continual.protocol import run_one
from hsokv.config import load_params
torch.set_num_threads(1); torch.use_deterministic_algorithms(True)
cfg = load_params("params.yaml", ("seeds", "device", "continual")); c = cfg.continual
epochs, seed, runs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
images = load_images("cifar10", sys.argv[4] if len(sys.argv) > 4 else "data/raw/continual")
stream = make_stream(images, 2, c.val_per_class, c.train_per_class, c.test_per_class, torch.device("cpu"))
args = dict(c.method_args); args["hsokv_fd1"] = dict(args["hsokv_feature_distill"], distill=1.0)
for run in runs:
    r = run_one(stream, run, 200, seed, backbone="small_cnn", epochs=epochs, batch_size=c.batch_size,
                replay_batch_size=c.replay_batch_size, augment=True, all_method_args=args, readout_grid=c.readout_grid, log=lambda s: None)
    ro = r["readouts"]["retrieval"]
    print(json.dumps({"run": run, "seed": seed, "epochs": epochs, "keys": list(r["readouts"]), **{k: ro[k] for k in ro if "val" in k or k in ("final_class_il",)}}), flush=True)
