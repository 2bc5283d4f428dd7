"""Stage continual: Split-CIFAR-10 (or digits) class-incremental learning on this machine: every
run of continual.methods x buffer_sizes x seeds on one stream -> results/continual.json,
metrics/continual.{json,md}, plots/continual/. The research grid runs on a GPU instead
(hsokv.benchmarks.continual.grid) and is summarised by stage continual_research."""
import argparse
import json
from pathlib import Path

import torch

from hsokv.benchmarks.continual.data import load_images
from hsokv.benchmarks.continual.protocol import run_one, runs
from hsokv.benchmarks.continual.report import summary, table, write_plots
from hsokv.benchmarks.continual.stream import make_stream
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import atomic_write_text, outputs, write_json
from hsokv.training import pick_device


READS = ("seeds", "device", "continual")


def main(args):
    cfg = load_params(args.params, READS)
    c = cfg.continual
    plan = runs(c.methods, c.method_args, c.buffer_sizes)
    device = pick_device(cfg.device)
    # Same seeds, same numbers: a fixed thread count (the CPU kernels' reduction order depends on
    # it) and deterministic kernels on the CPU.
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(device.type == "cpu")
    images = load_images(c.dataset, args.data, c.test_fraction)
    source = json.loads((Path(args.data) / "manifest.json").read_text(encoding="utf-8"))["source"]
    stream = make_stream(images, c.classes_per_task, c.val_per_class, c.train_per_class, c.test_per_class, device)
    print(f"{c.dataset}: {len(stream.tasks)} tasks, {sum(len(t.train.y) for t in stream.tasks)} training, "
          f"{sum(len(t.val.y) for t in stream.tasks)} validation and {sum(len(t.test.y) for t in stream.tasks)} "
          f"test images, {c.backbone} on {device}", flush=True)
    results = [run_one(stream, run, buffer, seed, backbone=c.backbone, epochs=c.epochs, batch_size=c.batch_size,
                       replay_batch_size=c.replay_batch_size, augment=c.augment, all_method_args=c.method_args,
                       readout_grid=c.readout_grid, log=lambda s: print(s, flush=True), precision=c.precision,
                       crop_padding=c.crop_padding)
               for seed in cfg.seeds for run, buffer in plan]
    metrics = summary(results, {"preset": cfg.preset, "dataset": c.dataset, "source": source, "backbone": c.backbone,
                                "epochs_per_task": c.epochs, "tasks": len(stream.tasks), "device": str(device),
                                "train_per_class": c.train_per_class, "val_per_class": c.val_per_class,
                                "test_per_class": c.test_per_class})
    md = Path(args.metrics).with_suffix(".md")
    with outputs(files=[args.results, md, args.metrics], dirs=[args.plots]) as new:   # together or not at all
        write_plots(metrics, new[args.plots])
        write_json(new[args.results], {"config": c.model_dump(), "runs": results})
        atomic_write_text(new[md], table(metrics))
        write_json(new[args.metrics], metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="data/raw/continual")
    parser.add_argument("--metrics", default="metrics/continual.json")
    parser.add_argument("--results", default="results/continual.json")
    parser.add_argument("--plots", default="plots/continual")
    run_stage(main, parser)
