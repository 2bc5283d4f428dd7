"""Stage continual: class-incremental learning on data/raw/continual (hsokv, er, finetune, joint on the
same stream, backbone and seeds) -> metrics/continual.json (mean, std over seeds), plots/continual/."""
import argparse
import json
from pathlib import Path

from hsokv.benchmarks.continual import run_seed, summary
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.continual import make_stream
from hsokv.data.images import load_images
from hsokv.io import atomic_dir, write_json
from hsokv.plots import write_continual_plots
from hsokv.training import pick_device


def main(args):
    cfg = load_params(args.params)
    c = cfg.continual
    device = pick_device(cfg.device)
    images = load_images(c.dataset, args.data, c.test_fraction)
    source = json.loads((Path(args.data) / "manifest.json").read_text(encoding="utf-8"))["source"]
    tasks = make_stream(images, c.classes_per_task, c.train_per_class, device)
    print(f"{c.dataset}: {len(tasks)} tasks, {sum(len(t.train_y) for t in tasks)} training and "
          f"{sum(len(t.test_y) for t in tasks)} test images, {c.backbone} on {device}", flush=True)
    per_seed = [run_seed(tasks, cfg, seed, device) for seed in cfg.seeds]
    metrics = summary(per_seed, cfg, source)
    with atomic_dir(args.plots) as plots:
        write_continual_plots(metrics, plots)
    write_json(Path(args.results), {"config": c.model_dump(), "seeds": per_seed})
    write_json(Path(args.metrics), metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="data/raw/continual")
    parser.add_argument("--metrics", default="metrics/continual.json")
    parser.add_argument("--results", default="results/continual.json")
    parser.add_argument("--plots", default="plots/continual")
    run_stage(main, parser)
