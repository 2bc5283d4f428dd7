"""Class-incremental learning: one training loop and one evaluation for every method.

Protocol (Mammoth's seq-cifar10 / DER, Buzzega et al. 2020): the classes in fixed order,
`classes_per_task` per task. A method sees one task's training split at a time (SGD, batch 32,
plus its replay batch) and is evaluated after each task on every task so far:
- class-IL: arg-max over every class seen so far (the task is not given);
- task-IL: arg-max over the task's own classes (the task is given).
R[i][j] is the test accuracy on task j after training task i (j <= i). From the last row:
average accuracy = mean_j R[T-1][j]; backward transfer BWT = mean_{j<T-1} (R[T-1][j] - R[j][j]);
forgetting = mean_{j<T-1} (max_{i<T-1} R[i][j] - R[T-1][j]) (Chaudhry et al. 2018).
Each run is scored under every readout its method supports (head; and with a memory ncm, knn,
retrieval); a readout's settings are chosen on the validation split, never on test.
"""
from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from hsokv.benchmarks.continual import readouts, resume
from hsokv.benchmarks.continual.backbones import ImageClassifier, make_image_model
from hsokv.benchmarks.continual.stream import Split, Stream, Task
from hsokv.benchmarks.continual.methods import METHODS, ContinualMethod
from hsokv.errors import ConfigError
from hsokv.fit import fit
from hsokv.training import check_compile_mode


def accuracy_matrix_summary(matrix: list[list[float | None]]) -> dict:
    """Average accuracy, BWT and forgetting from R (rows: after task i; entries j <= i)."""
    last = matrix[-1]
    t = len(matrix)
    out = {"average_accuracy": float(np.mean([a for a in last if a is not None]))}
    if t > 1:
        out["bwt"] = float(np.mean([last[j] - matrix[j][j] for j in range(t - 1)]))
        out["forgetting"] = float(np.mean([max(matrix[i][j] for i in range(j, t - 1)) - last[j] for j in range(t - 1)]))
    else:
        out["bwt"] = out["forgetting"] = None
    return out


def flops_per_example(model: ImageClassifier, example: torch.Tensor) -> tuple[float, float]:
    """(forward, forward + backward) FLOPs for one example, from torch's FLOP counter."""
    was_training = model.training
    x = example[:2]
    model.eval()
    # model.forward, not model(...): a compiled model's graph hides its operations from the counter
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.forward(x)
    forward = counter.get_total_flops() / len(x)
    model.train()
    with FlopCounterMode(display=False) as counter:
        model.forward(x).sum().backward()
    model.zero_grad(set_to_none=True)
    model.train(was_training)
    return forward, counter.get_total_flops() / len(x)


# -- training ----------------------------------------------------------------------------------------
def train_task(method: ContinualMethod, split: Split, epochs: int, batch_size: int,
               autocast: Callable[[], Any], stop_at: float | None = None) -> list[float]:
    """The one loop (hsokv.fit): the method gives the loss and its memory writes; the loop owns
    the step. Returns the mean loss of each epoch trained: fewer than `epochs` when the clock
    passed `stop_at` (Unix time) at the end of one, so the run can pause there."""
    curve = _LossCurve(method, stop_at)

    def batches(epoch: int):
        return torch.randperm(len(split.y), generator=method.generator, device=split.y.device).split(batch_size)
    fit(method.model, batches, lambda idx: method.loss(split.x[idx], split.y[idx]), method.optimizer,
        epochs=epochs, hooks=[curve], autocast=autocast)
    return curve.means


class _LossCurve:
    """The fit hook of a continual method: its after_step (memory writes), each epoch's mean loss,
    and the stop at the first epoch's end past `stop_at`."""

    def __init__(self, method: ContinualMethod, stop_at: float | None):
        self.method, self.stop_at, self.losses, self.means = method, stop_at, [], []
        self.stop = False

    def after_step(self, step: int, batch, loss: torch.Tensor, output) -> None:
        self.method.after_step()
        self.losses.append(loss.detach())

    def end_epoch(self, epoch: int, step: int) -> None:
        self.means.append(float(torch.stack(self.losses).float().mean()))
        self.losses = []
        self.stop = self.stop_at is not None and time.time() >= self.stop_at


def _accuracies(readout: str, setting: dict, encoded: list[tuple[torch.Tensor, torch.Tensor]],
                splits: list[Split], tasks: list[Task], keys, labels) -> tuple[list[float], list[float]]:
    seen = torch.tensor([c for t in tasks for c in t.classes], device=encoded[0][0].device)
    class_il, task_il = [], []
    for (feats, logits), split, task in zip(encoded, splits, tasks):
        if len(split.y) == 0:   # no validation images (continual.val_per_class: 0)
            class_il.append(None)
            task_il.append(None)
            continue
        s = readouts.scores(readout, feats, logits, keys, labels, setting).float()
        for classes, out in ((seen, class_il), (torch.tensor(task.classes, device=s.device), task_il)):
            masked = torch.full_like(s, -torch.inf)
            masked[:, classes] = s[:, classes]
            out.append(100.0 * float((masked.argmax(1) == split.y).float().mean()))
    return class_il, task_il


@torch.no_grad()
def evaluate(method: ContinualMethod, tasks: list[Task], grid: dict[str, list], autocast) -> dict:
    """Every readout's class-IL and task-IL accuracy on the test split of each task so far, with
    its settings chosen by mean class-IL accuracy on the validation split. A readout with several
    settings (knn, retrieval) also records every setting's validation and test accuracies under
    "grid", so a later choice among them (a sub-grid, another rule) can be rescored from the run's file;
    the test figures play no part in the choice made here."""
    keys = labels = None
    with autocast():
        if method.memory is not None and len(method.memory):
            slots = method.memory.slots()
            keys, _ = method.encode(method.memory.value("image")[slots])
            labels = method.memory.value("label")[slots]
        encoded = {name: [method.encode(getattr(t, name).x) for t in tasks] for name in ("val", "test")}
    out = {}
    for readout in readouts.READOUTS:
        if readout != "head" and keys is None:
            continue
        candidates = readouts.settings(readout, grid)
        vals = [_accuracies(readout, s, encoded["val"], [t.val for t in tasks], tasks, keys, labels)
                for s in candidates]
        scores = [np.mean([a for a in v[0] if a is not None] or [-1.0]) for v in vals]
        best = int(np.argmax(scores))
        tests = [_accuracies(readout, s, encoded["test"], [t.test for t in tasks], tasks, keys, labels)
                 for s in candidates]
        out[readout] = {"class_il": tests[best][0], "task_il": tests[best][1], "val_class_il": vals[best][0],
                        "setting": candidates[best]}
        if len(candidates) > 1:
            out[readout]["grid"] = [{"setting": s, "val_class_il": v[0], "class_il": t[0], "task_il": t[1]}
                                    for s, v, t in zip(candidates, vals, tests)]
    return out


# -- one run -------------------------------------------------------------------------------------------
def method_args(method_args: dict[str, dict], run: str, buffer: int | None, epochs: int | None = None) -> dict:
    """A run's hyperparameters: continual.method_args[run]; a value given as a mapping from
    buffer size to value takes the entry for this run's buffer; one its method states per task
    (hsokv's merged_exposures) becomes the value of `epochs` epochs a task (resolve_args)."""
    out = {}
    for key, value in method_args.get(run, {}).items():
        if isinstance(value, dict):
            value = {int(k): v for k, v in value.items()}   # JSON specs carry the sizes as strings
            if buffer not in value:
                raise ValueError(f"continual.method_args.{run}.{key} has no value for buffer {buffer} "
                                 f"(has {sorted(value)})")
            value = value[buffer]
        out[key] = value
    cls = method_class(run, method_args)
    cls.check_args(f"continual.method_args.{run}", out)   # as given, before a per-task value becomes an epoch's
    return cls.resolve_args(out, epochs)


def check_runs(methods: list[str], all_method_args: dict[str, dict], buffer_sizes: list[int] | None = None) -> None:
    """Before any run trains: every run names a registered method (itself, or method_args[run].method)
    once, gives the hyperparameters that method requires and no key it does not read (a misspelt
    `weight_decy` would otherwise run without weight decay), and a per-buffer value for each of
    `buffer_sizes`."""
    repeated = sorted({run for run in methods if methods.count(run) > 1})
    if repeated:
        raise ConfigError(f"continual.methods: {repeated} listed more than once (each run is one row; its seeds "
                          "come from continual.seeds)")
    for run in methods:
        args = all_method_args.get(run, {})
        name = args.get("method", run)
        if name not in METHODS:
            raise ConfigError(f"continual.methods: unknown {run!r}; valid: {', '.join(METHODS.names())} "
                              "or a key of continual.method_args with a `method:` entry")
        cls, where = METHODS.get(name), f"continual.method_args.{run}"
        missing = [key for key in cls.required_args if key not in args]
        if missing:
            raise ConfigError(f"{where}: {missing} not set ({name} needs {list(cls.required_args)})")
        known = {"method", *cls.required_args, *cls.optional_args}
        unknown = sorted(set(args) - known)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: not a hyperparameter of {name}; valid: {sorted(known)}")
        for key, value in args.items():
            if isinstance(value, dict) and cls.needs_memory and buffer_sizes is not None:
                has = {int(k) for k in value}
                lacking = [b for b in buffer_sizes if b not in has]
                if lacking:
                    raise ConfigError(f"{where}.{key}: no value for buffer size(s) {lacking} "
                                      f"(continual.buffer_sizes); has {sorted(has)}")
        try:
            cls.check_args(where, args)
        except ValueError as err:
            raise ConfigError(str(err)) from None


def method_class(run: str, all_method_args: dict[str, dict]) -> type:
    """The registered method a run trains: method_args[run].method, or the run's own name."""
    return METHODS.get(all_method_args.get(run, {}).get("method", run))


def runs(methods: list[str], all_method_args: dict[str, dict], buffer_sizes: list[int]) -> list[tuple[str, int | None]]:
    """(run, buffer) pairs: one per buffer size for methods with a memory, one otherwise."""
    check_runs(methods, all_method_args, buffer_sizes)
    out = []
    for run in methods:
        out += [(run, b) for b in buffer_sizes] if method_class(run, all_method_args).needs_memory else [(run, None)]
    return out


def build_model(backbone: str, stream: Stream, compile_mode: str = "none") -> ImageClassifier:
    """The stream's classifier on the stream's device (channels-last on a GPU), compiled in place
    with torch.compile unless `compile_mode` (one of hsokv.training.COMPILE_MODES) is "none"."""
    check_compile_mode(compile_mode)
    device = stream.tasks[0].train.x.device
    model = make_image_model(backbone, stream.tasks[0].train.x.shape[1], stream.num_classes).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    if compile_mode != "none":
        model.compile(mode=compile_mode)   # in place: the state dict keeps its keys, so pause files still load
    return model


PRECISIONS = ("bf16", "fp32")   # continual.precision


def make_autocast(device: torch.device, precision: str = "bf16") -> Callable[[], Any]:
    """The training and scoring context for `precision` on `device`. On a GPU, bf16 autocast (torch's
    default TF32 settings) or true fp32 (TF32 off for convolutions and matmuls: the DER paper's
    arithmetic); both settings are made explicitly, as they are process-wide. A CPU runs fp32."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if device.type != "cuda":
        return contextlib.nullcontext
    torch.backends.cudnn.allow_tf32 = precision == "bf16"
    torch.backends.cuda.matmul.allow_tf32 = False
    if precision == "fp32":
        return contextlib.nullcontext
    return lambda: torch.autocast("cuda", dtype=torch.bfloat16)


def check_readout_grid(stream: Stream, readout_grid: dict[str, list]) -> None:
    """Without validation images (continual.val_per_class: 0, the full-train protocol) nothing can
    choose among the readouts' settings, so the grid must name one setting: taking its first would be
    a silent, untuned choice (the kNN and retrieval readouts' scores depend on it)."""
    if any(len(t.val.y) for t in stream.tasks):
        return
    several = {k: v for k, v in readout_grid.items() if len(v) > 1}
    if several:
        raise ConfigError(f"continual.val_per_class: 0 holds out no validation images, so nothing chooses among "
                          f"continual.readout_grid's settings ({', '.join(f'{k}: {v}' for k, v in several.items())}); "
                          "give one value per key (a setting chosen on a run with a validation split) or "
                          "val_per_class >= 1")


def run_one(stream: Stream, run: str, buffer: int | None, seed: int, *, backbone: str, epochs: int,
            batch_size: int, replay_batch_size: int, augment: bool, all_method_args: dict[str, dict],
            readout_grid: dict[str, list], log: Callable[[str], None] = print,
            checkpoint: Path | None = None, stop_at: float | None = None, compile_mode: str = "none",
            precision: str = "bf16", crop_padding: str = "mean") -> dict | None:
    """Train one method (run name `run`, e.g. a variant of hsokv) through the stream; score it.

    With `checkpoint` (a file path) the run continues from that file when it exists, saves its
    state there after each task, and pauses (saves and returns None) at the first epoch's end past
    `stop_at` (Unix time): how a grid spans several GPU leases (hsokv.benchmarks.continual.resume).
    `compile_mode` (one of hsokv.training.COMPILE_MODES): "none" runs eagerly; otherwise the model is compiled with
    torch.compile in that mode. On an H200, "reduce-overhead" (CUDA graphs) trains ER 2.2x, DER++
    2.5x and fine-tuning 3.2x faster than eager at batch 32, where kernel launches bound a step
    (hsokv.benchmarks.continual.speed); the numbers differ from eager ones by rounding, not by method.
    `precision` and `crop_padding`: continual.precision and continual.crop_padding."""
    check_readout_grid(stream, readout_grid)
    device = stream.tasks[0].train.x.device
    torch.manual_seed(seed)
    np.random.seed(seed)
    args = method_args(all_method_args, run, buffer, epochs)
    cls = METHODS.get(args.pop("method", run))
    model = build_model(backbone, stream, compile_mode)
    generator = torch.Generator(device=device).manual_seed(seed)
    method = cls(model, stream, buffer, args, seed, generator, augment, replay_batch_size, crop_padding=crop_padding)
    autocast = make_autocast(device, precision)
    tasks = stream.tasks
    if method.joint:
        merged = Task([c for t in tasks for c in t.classes],
                      Split(torch.cat([t.train.x for t in tasks]), torch.cat([t.train.y for t in tasks])), None, None)
        tasks_in_order = [merged]
    else:
        tasks_in_order = tasks
    fingerprint = {"run": run, "buffer": buffer, "seed": seed, "backbone": backbone, "epochs": epochs,
                   "batch_size": batch_size, "replay_batch_size": replay_batch_size, "augment": augment,
                   "args": args, "readout_grid": readout_grid, "tasks": [t.classes for t in tasks],
                   "train_sizes": [len(t.train.y) for t in tasks], "compile": compile_mode, "precision": precision,
                   "crop_padding": crop_padding}
    progress = {"task": 0, "epochs_done": 0, "rows": {}, "losses": [], "wall_seconds": 0.0}
    if checkpoint is not None and checkpoint.exists():
        tensors, meta, progress = resume.load_run(checkpoint, fingerprint, device)
        method.load_state(tensors, meta)
        log(f"  resumed from {checkpoint}: task {progress['task'] + 1}, {progress['epochs_done']} epochs done")
    rows: dict[str, dict[str, list]] = progress["rows"]
    losses: list[float] = progress["losses"]
    start = time.perf_counter() - progress["wall_seconds"]

    def pause(task: int, epochs_done: int) -> None:
        tensors, meta = method.state(mid_task=epochs_done > 0)
        resume.save_run(checkpoint, tensors, meta, {"task": task, "epochs_done": epochs_done, "rows": rows,
                                                    "losses": losses, "wall_seconds": time.perf_counter() - start},
                        fingerprint)

    for i, task in enumerate(tasks_in_order):
        if i < progress["task"]:
            continue
        done = progress["epochs_done"] if i == progress["task"] else 0
        if i > progress["task"] and checkpoint is not None and stop_at is not None and time.time() >= stop_at:
            return None   # the boundary was saved after the last task; every call trains at least one epoch
        if done == 0:
            method.begin_task(i, task)
        to_train = epochs if method.trains else 0   # the untrained control takes no step
        means = train_task(method, method.training_split(task), to_train - done, batch_size, autocast,
                           None if checkpoint is None else stop_at)
        losses += means
        if done + len(means) < to_train:
            pause(i, done + len(means))
            return None
        method.end_task(task)
        seen = len(tasks) if method.joint else i + 1
        scored = evaluate(method, tasks[:seen], readout_grid, autocast)
        for readout, r in scored.items():
            row = rows.setdefault(readout, {"class_il": [], "task_il": [], "val_class_il": [], "setting": []})
            pad = [None] * (len(tasks) - seen)
            row["class_il"].append(r["class_il"] + pad)
            row["task_il"].append(r["task_il"] + pad)
            row["val_class_il"].append(r["val_class_il"] + pad)
            row["setting"].append(r["setting"])
            if "grid" in r:   # one entry per task boundary (None where a resumed run scored before it was kept)
                row.setdefault("grid", [None] * (len(row["setting"]) - 1)).append(r["grid"])
        log(f"  {run}{'' if buffer is None else '-' + str(buffer)} seed {seed} after task {i + 1}: class-IL "
            + ", ".join(f"{k} {np.mean(v['class_il']):.1f}" for k, v in scored.items()))
        if checkpoint is not None and i + 1 < len(tasks_in_order):
            pause(i + 1, 0)   # a kill (the lease ending) loses at most the task in progress
    if device.type == "cuda":
        torch.cuda.synchronize()
    wall = time.perf_counter() - start
    fwd, train = flops_per_example(model, method.prepare(tasks[0].train.x[:2], train=False))
    for row in rows.values():
        row["class_il_summary"] = accuracy_matrix_summary(row["class_il"])
        row["task_il_summary"] = accuracy_matrix_summary(row["task_il"])
    mem = method.memory
    return {
        "run": run, "method": cls.name, "buffer": buffer, "seed": seed, "readout": cls.readout,
        "readouts": rows, "losses": losses, "args": args,
        "memory": {"entries": 0 if mem is None else mem.capacity,
                   "bytes_per_entry": 0 if mem is None else mem.nbytes_per_entry(),
                   "bytes": 0 if mem is None else mem.capacity * mem.nbytes_per_entry(),
                   "extra_state_bytes": method.extra_state_bytes()},
        "trained_examples": method.trained_examples, "encoded_examples": method.encoded_examples,
        "train_flops": method.trained_examples * train + method.encoded_examples * fwd,
        "wall_seconds": wall, "device": str(device), "compile": compile_mode, "precision": precision,
        "crop_padding": crop_padding,
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__}
