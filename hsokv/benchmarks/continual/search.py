"""Split-CIFAR-10 as a search problem (issue 21, problem (a)): one continual method (DER++ by default,
`search_continual.method: hsokv` for H-SOKV's memory) trained along the fixed class-incremental
stream for a step budget, searched over its learning rate and its replay/distillation weights
(hsokv.benchmarks.continual.search_config says why each range), selected on the validation split,
tested once on the test split.

The stream in steps: a trial's lineage may be at most `length` steps (random/grid's trial_steps, a
swarm team's longest lineage: every strategy's finished trial), split evenly over the tasks, so step
s always trains the same task whichever call runs it. At the first step of a task the method's
begin_task runs; after the last, its end_task (H-SOKV herds the task into its memory there). Within
a task the batches are the protocol's: epochs of a permutation drawn from the method's generator,
cut into batches of continual.batch_size. A call continues from `spec.parent` (network, optimiser,
memory, both random generators, the epoch's remaining order, the stream position: the method's own
pause state, hsokv.benchmarks.continual.resume's), so a trial continued in two calls is bit for bit
the trial trained in one. A lineage longer than the stream (PBT's members: the budget / population)
keeps training on the last task after its end_task.

Score: class-IL accuracy on the validation split of every task of the stream, the arg-max over the
classes trained so far, so images of classes not yet trained count as wrong: a trial that has seen
two tasks of five can reach at most 0.4, and trials at one stream position (a peer's rung) are
compared on the same images and classes. That alone does not stop an unfinished trial from looking better than a finished one:
forgetting makes a head biased to the last task, and on the CPU demo (DER++, seed 0) trials stopped
at 2/3 of the stream scored 0.22-0.23 while every finished one scored 0.13-0.14, so the searches
chose models that never saw the last classes. With `search_continual.finished_first` (the default)
an unfinished trial therefore scores its accuracy - 1: it ranks below every finished trial, trials
at one position keep their order (successive halving's rungs), and a search's best is always a
finished trial whose score is its plain accuracy (a best-so-far curve is below 0 until the first
trial finishes). H-SOKV is scored with its own readout (retrieval: head and memory vote; settings chosen on
the same validation split, as the protocol chooses them) once its memory holds entries, DER++ with
its head. Test (`test`), once per search with the chosen state: class-IL accuracy on the test split
of every task (with equal test sizes per task, CIFAR-10's, this equals the protocol's average
accuracy after the last task), the per-task mean and the task-IL accuracy beside it.

Determinism: one CPU thread inside a trial, a model built under spec.seed, the method's generators
seeded by it (or restored from the parent): the same numbers on every backend.
"""
from __future__ import annotations

import bisect
import copy
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from hsokv.benchmarks.continual import readouts
from hsokv.benchmarks.continual.backbones import make_image_model
from hsokv.benchmarks.continual.data import load_images
from hsokv.benchmarks.continual.methods import METHODS, ContinualMethod
from hsokv.benchmarks.continual.protocol import method_args
from hsokv.benchmarks.continual.search_config import METHOD_ARG
from hsokv.benchmarks.continual.stream import Split, Stream, make_stream
from hsokv.errors import ConfigError
from hsokv.fit import fit
from hsokv.search.swarm import lineage_steps
from hsokv.search.trial import TrialSpec


@dataclass
class StreamTask:
    """One search's stream and the fixed settings of every trial on it (shared by all trials)."""
    stream: Stream
    method: str             # a continual method with alpha and beta (derpp, hsokv)
    args: dict              # its defaults: continual.method_args[method] at `buffer`
    buffer: int
    backbone: str
    batch_size: int
    replay_batch_size: int
    augment: bool
    readout_grid: dict
    length: int             # the stream in steps (see the module's docstring)
    finished_first: bool = True   # an unfinished trial scores its accuracy - 1 (see the module's docstring)
    crop_padding: str = "mean"    # continual.crop_padding

    def bounds(self) -> list[int]:
        """The step at which each task starts, and the stream's end: tasks + 1 entries."""
        t = len(self.stream.tasks)
        return [k * self.length // t for k in range(t + 1)]


@dataclass
class StreamState:
    """Everything a later call continues from; plain tensors and JSON-able meta, so it pickles."""
    values: dict
    tensors: dict           # the method's pause state (ContinualMethod.state)
    meta: dict
    order: torch.Tensor     # the current epoch's batches not yet drawn
    steps: int              # the stream position: steps this lineage has trained in all


@dataclass
class StreamResult:
    trial_id: int
    values: dict
    score: float            # class-IL validation accuracy over every task's images
    steps: int
    state: StreamState
    seconds: float


def _method(task: StreamTask, values: dict, seed: int, parent: StreamState | None) -> ContinualMethod:
    """The method of `values` (searched names over the defaults), with parent's state when given."""
    args = {**task.args, **{METHOD_ARG[n]: v for n, v in values.items()}}
    torch.manual_seed(seed)
    model = make_image_model(task.backbone, task.stream.tasks[0].train.x.shape[1], task.stream.num_classes)
    generator = torch.Generator().manual_seed(seed)
    method = METHODS.get(task.method)(model, task.stream, task.buffer, args, seed, generator, task.augment,
                                      task.replay_batch_size, crop_padding=task.crop_padding)
    if parent is not None:   # copies: other trials continue from the same parent
        method.load_state({k: v.clone() for k, v in parent.tensors.items()}, copy.deepcopy(parent.meta))
    return method


def run_stream_trial(task: StreamTask, spec: TrialSpec) -> StreamResult:
    """Train spec.steps steps along the stream from spec.parent's position (0 if None); score the
    validation split. One CPU thread, whatever the caller's."""
    start, threads = time.perf_counter(), torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        values = {**defaults(task, list(METHOD_ARG)), **spec.values}
        parent = spec.parent
        method = _method(task, values, spec.seed, parent)
        done = parent.steps if parent is not None else 0
        order = parent.order.clone() if parent is not None else torch.empty(0, dtype=torch.long)
        tasks, bounds = task.stream.tasks, task.bounds()

        def batches(_epoch):
            nonlocal order
            position = done
            while True:
                t = min(bisect.bisect_right(bounds, position) - 1, len(tasks) - 1)
                if position == bounds[t] and position < bounds[-1]:   # a task's first step
                    method.begin_task(t, tasks[t])
                    order = torch.empty(0, dtype=torch.long)
                split = method.training_split(tasks[t])
                if len(order) == 0:   # a new epoch of this task
                    order = torch.randperm(len(split.y), generator=method.generator)
                idx, order = order[:task.batch_size], order[task.batch_size:]
                yield split, idx
                position += 1

        class Boundaries:
            """The method's memory writes after every step, and its end_task after a task's last step."""
            def after_step(self, step, batch, loss, output):
                method.after_step()
                if step + 1 in bounds[1:]:
                    method.end_task(tasks[bounds.index(step + 1) - 1])

        fit(method.model, batches, lambda b: method.loss(b[0].x[b[1]], b[0].y[b[1]]), method.optimizer,
            steps=spec.steps, hooks=[Boundaries()], step=done)
        tensors, meta = method.state(mid_task=True)
        state = StreamState(dict(values), {k: v.detach().clone() for k, v in tensors.items()}, meta, order,
                            done + spec.steps)
        score = evaluate(task, method, "val")["accuracy"]
        if task.finished_first and state.steps < task.length:
            score -= 1.0   # below every finished trial; unfinished trials at one position keep their order
    finally:
        torch.set_num_threads(threads)
    return StreamResult(spec.trial_id, dict(spec.values), score, spec.steps, state, time.perf_counter() - start)


def defaults(task: StreamTask, names: list[str]) -> dict:
    return {n: task.args[METHOD_ARG[n]] for n in names}


@torch.no_grad()
def _scores(task: StreamTask, method: ContinualMethod, splits: list[Split]) -> tuple[str, list, torch.Tensor]:
    """(readout, its candidate settings, scores [settings, images, classes]) of the images of `splits`,
    masked to the classes trained so far: the method's own readout once its memory holds entries."""
    x = torch.cat([s.x for s in splits])
    feats, logits = method.encode(x)
    keys = labels = None
    readout = "head"
    if method.readout != "head" and method.memory is not None and len(method.memory):
        slots = method.memory.slots()
        keys, _ = method.encode(method.memory.value("image")[slots])
        labels = method.memory.value("label")[slots]
        readout = method.readout
    candidates = readouts.settings(readout, task.readout_grid)
    seen = torch.tensor(method.seen_classes, dtype=torch.long)
    out = torch.full((len(candidates), len(x), task.stream.num_classes), -torch.inf)
    for i, setting in enumerate(candidates):
        s = readouts.scores(readout, feats, logits, keys, labels, setting).float()
        out[i][:, seen] = s[:, seen]
    return readout, candidates, out


def evaluate(task: StreamTask, method: ContinualMethod, split: str, choose_on: str | None = None) -> dict:
    """Class-IL accuracy on `split` ('val' or 'test') of every task: a fraction of all its images,
    unseen classes wrong. The readout's setting is the best on `choose_on` (default: `split` itself);
    also the per-task mean and the task-IL accuracy."""
    tasks = task.stream.tasks
    splits = [getattr(t, split) for t in tasks]
    readout, candidates, scores = _scores(task, method, splits)
    best = 0
    if len(candidates) > 1:
        choose_on = choose_on or split
        chooser = scores if choose_on == split else _scores(task, method, [getattr(t, choose_on) for t in tasks])[2]
        y_choose = torch.cat([getattr(t, choose_on).y for t in tasks])
        best = int(torch.stack([(c.argmax(1) == y_choose).float().mean() for c in chooser]).argmax())
    s, y = scores[best], torch.cat([sp.y for sp in splits])
    hit = s.argmax(1) == y
    per_task, task_il, at = [], [], 0
    for t, sp in zip(tasks, splits):
        n = len(sp.y)
        per_task.append(float(hit[at:at + n].float().mean()))
        own = torch.full_like(s[at:at + n], -torch.inf)
        own[:, t.classes] = s[at:at + n][:, t.classes]
        task_il.append(float((own.argmax(1) == sp.y).float().mean()) if t.classes[0] in method.seen_classes else 0.0)
        at += n
    return {"accuracy": float(hit.float().mean()), "average_accuracy": sum(per_task) / len(per_task),
            "task_il_accuracy": sum(task_il) / len(task_il), "readout": readout, "setting": candidates[best]}


class ContinualObjective:
    """hsokv.search.trial.Objective for one seed's search on the stream."""
    trial = staticmethod(run_stream_trial)

    def __init__(self, task: StreamTask):
        self.task = task

    def defaults(self, names: list[str]) -> dict:
        return defaults(self.task, names)

    def test(self, state: StreamState) -> dict:
        """The chosen state on the test split, once (readout settings chosen on validation); the
        sizes the report's standard errors need, and the stream position it was trained to."""
        method = _method(self.task, state.values, 0, state)
        out = evaluate(self.task, method, "test", choose_on="val")
        return {"accuracy": out["accuracy"], "average_accuracy": out["average_accuracy"],
                "task_il_accuracy": out["task_il_accuracy"], "stream_position": state.steps / self.task.length,
                "n": sum(len(t.test.y) for t in self.task.stream.tasks),
                "validation_n": sum(len(t.val.y) for t in self.task.stream.tasks)}


def seed_objective(task: StreamTask, seed: int) -> ContinualObjective:
    """A seed's search problem (hsokv.search_runs): the one stream; the seed varies the training only."""
    return ContinualObjective(task)


def stream_length(section) -> int:
    """The stream in steps: random/grid's steps per config, a swarm team's longest lineage."""
    return section.trial_steps or lineage_steps(section)


def load_task(cfg, data: str | Path) -> StreamTask:
    """The stream of cfg.continual (dataset, backbone, batches, augmentation, per-class subsets; the
    search's own subsets where search_continual sets them) with the method of cfg.search_continual."""
    c, s = cfg.continual, cfg.search_continual
    images = load_images(c.dataset, data, c.test_fraction)
    per_class = {k: getattr(s, k) if getattr(s, k) is not None else getattr(c, k)
                 for k in ("train_per_class", "val_per_class", "test_per_class")}
    if not per_class["val_per_class"]:
        raise ConfigError("search_continual.val_per_class: the search needs a validation split (continual.val_per_class "
                          "is 0); set it >= 1")
    stream = make_stream(images, c.classes_per_task, per_class["val_per_class"], per_class["train_per_class"],
                         per_class["test_per_class"], torch.device("cpu"))
    length = stream_length(s)
    if length < len(stream.tasks):
        raise ConfigError(f"search_continual: a lineage of {length} steps (trial_steps, or agent_steps x eta^r x "
                          f"meta_iterations) is shorter than the stream's {len(stream.tasks)} tasks; valid: >= "
                          f"{len(stream.tasks)}")
    if s.method not in c.method_args:
        raise ConfigError(f"search_continual.method: {s.method!r} has no continual.method_args entry (its defaults)")
    try:
        args = method_args(c.method_args, s.method, s.buffer)
    except ValueError as err:
        raise ConfigError(f"search_continual.buffer: {err}") from None
    missing = sorted(set(METHOD_ARG.values()) - set(args))
    if missing:
        raise ConfigError(f"search_continual.method: continual.method_args.{s.method} lacks {missing}, "
                          "the defaults of the searched names")
    return StreamTask(stream, args.pop("method", s.method), args, s.buffer, c.backbone, c.batch_size,
                      c.replay_batch_size, c.augment, dict(c.readout_grid), length, s.finished_first, c.crop_padding)
