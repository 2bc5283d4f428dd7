"""Training throughput of the continual methods on this device, eager against torch.compile.

A 50-epoch seq-cifar10 run is ~70k SGD steps; at batch 32 a ResNet-18 step is bound by kernel
launches on an H100/H200, not by arithmetic, so a run's length is steps x launch time. This
measures steps/s of the real method code (hsokv.benchmarks.continual.methods, the protocol's
training loop, bf16 autocast on a GPU or fp32: `--precisions`) on random images of CIFAR's shape, for each method and
each compile mode, so the grid's mode is chosen on a measurement:

    python -m hsokv.benchmarks.continual.speed --methods er derpp --modes eager reduce-overhead \
        --steps 300 --out speed.json

The first task trains `--warm-steps` steps (filling the memory), then the second task's first
`--steps` steps after `--warm-steps` more are timed: compilation and cuDNN's autotuning fall in
the untimed part.
"""
from __future__ import annotations

import argparse
import json
import platform
import time

import torch

from hsokv.benchmarks.continual.config import ContinualConfig
from hsokv.benchmarks.continual.methods import METHODS
from hsokv.benchmarks.continual.protocol import PRECISIONS, build_model, make_autocast, method_args, train_task
from hsokv.benchmarks.continual.stream import Split, Stream, Task
from hsokv.training import COMPILE_MODES

BUFFER = 200   # memory entries of the methods that have one; their settings are continual.method_args' defaults


def random_stream(device: torch.device, per_task: int, seed: int = 0) -> Stream:
    g = torch.Generator().manual_seed(seed)
    tasks = []
    for t in range(5):
        x = torch.randint(0, 256, (per_task, 3, 32, 32), generator=g, dtype=torch.uint8)
        y = torch.arange(2 * t, 2 * t + 2).repeat_interleave(per_task // 2)
        split = Split(x.to(device), y.to(device))
        tasks.append(Task([2 * t, 2 * t + 1], split, Split(x[:64].to(device), y[:64].to(device)), split))
    mean = torch.full((1, 3, 1, 1), 0.5, device=device)
    return Stream(tasks, mean, torch.full((1, 3, 1, 1), 0.29, device=device))


def steps_per_second(method_name: str, mode: str, device: torch.device, steps: int, warm_steps: int,
                     backbone: str = "resnet18", batch_size: int = 32, precision: str = "bf16") -> dict:
    """`mode`: "eager" or a torch.compile mode of hsokv.training.COMPILE_MODES; `precision`:
    continual.precision. The steps run through the protocol's own training loop (train_task) on a split
    cut to exactly that many batches."""
    torch.manual_seed(0)
    stream = random_stream(device, per_task=max(1000, batch_size * (steps + 2 * warm_steps)))
    model = build_model(backbone, stream, "none" if mode == "eager" else mode)
    cls = METHODS.get(method_name)
    buffer = BUFFER if cls.needs_memory else None
    generator = torch.Generator(device=device).manual_seed(0)
    config = ContinualConfig()
    method = cls(model, stream, buffer, method_args(config.method_args, method_name, buffer, config.epochs), 0,
                 generator, True, 32)
    autocast = make_autocast(device, precision)

    def run(task_index: int, n: int) -> float:
        split = method.training_split(stream.tasks[task_index])
        split = Split(split.x[:n * batch_size], split.y[:n * batch_size])
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        train_task(method, split, 1, batch_size, autocast)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    method.begin_task(0, stream.tasks[0])
    compile_seconds = run(0, warm_steps)
    method.end_task(stream.tasks[0])
    method.begin_task(1, stream.tasks[1])
    compile_seconds += run(1, warm_steps)
    seconds = run(1, steps)
    return {"method": method_name, "mode": mode, "precision": precision, "steps": steps, "seconds": seconds,
            "steps_per_second": steps / seconds, "warmup_seconds": compile_seconds,
            "hours_per_50_epoch_run": 5 * 50 * (9000 / batch_size) / (steps / seconds) / 3600}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--methods", nargs="+", default=["er", "derpp"], choices=sorted(ContinualConfig().method_args))
    p.add_argument("--modes", nargs="+", default=["eager", "reduce-overhead"],
                   choices=["eager", *(m for m in COMPILE_MODES if m != "none")])
    p.add_argument("--precisions", nargs="+", default=["bf16"], choices=list(PRECISIONS))
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--warm-steps", type=int, default=30)
    p.add_argument("--backbone", default="resnet18")
    p.add_argument("--out")
    args = p.parse_args()
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    rows = []
    for precision in args.precisions:
        for mode in args.modes:
            for m in args.methods:
                try:
                    r = steps_per_second(m, mode, device, args.steps, args.warm_steps, args.backbone,
                                         precision=precision)
                except Exception as err:   # a mode that fails to compile is a measured outcome, not a crash
                    r = {"method": m, "mode": mode, "precision": precision,
                         "error": f"{type(err).__name__}: {err}"[:2000]}
                print(json.dumps(r), flush=True)
                rows.append(r)
    out = {"device": torch.cuda.get_device_name() if device.type == "cuda" else platform.processor() or "cpu",
           "torch": torch.__version__, "rows": rows}
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
