"""Class-incremental learning: a stream of tasks, the methods that learn it, and how they are scored.

Protocol (Mammoth / DER, Buzzega et al. 2020): the classes in fixed order, `classes_per_task` per
task ((0,1), (2,3), ... for CIFAR-10's 5 tasks). A method sees one task's training set at a time
and is evaluated after each task on the test sets of every task so far:
- class-IL: arg-max over every class seen so far (the task is not given);
- task-IL: arg-max over the task's own classes (the task is given).
R[i][j] is the accuracy on task j after training task i (j <= i). From the last row:
average accuracy = mean_j R[T-1][j]; backward transfer BWT = mean_{j<T-1} (R[T-1][j] - R[j][j]);
forgetting = mean_{j<T-1} (max_{i<T-1} R[i][j] - R[T-1][j]) (Chaudhry et al. 2018).

Methods (CONTINUAL_METHODS), all with the same backbone, optimiser (plain SGD as DER's baselines),
epochs, batch size and seeds:
- finetune: trains on each task in turn (the lower bound).
- er: experience replay; a reservoir buffer of `buffer` examples, and each step adds a batch drawn
  from it (DER's ER).
- hsokv: the KV episodic memory with the same budget of `buffer` entries. Key = the backbone's
  feature vector, value = the image and the logits the network gave it when written. After each
  task the memory is rebalanced so every class seen holds buffer // classes entries, chosen by
  herding (iCaRL: the entries whose mean best matches the class's feature mean); its keys are then
  re-encoded with the current backbone. Training replays memory entries with cross-entropy plus
  `distill_weight` x MSE to their stored logits (DER++'s dark knowledge); prediction is the
  nearest class mean of the memory's keys (`readout: ncm`, cosine), which does not suffer the
  linear head's bias towards the newest classes, or the head itself (`readout: classifier`).
- joint: one model trained on all tasks at once (the upper bound; a single row of R).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from hsokv.config import ConfigError, ContinualConfig
from hsokv.data.images import ImageSet
from hsokv.memory import KeyValueMemory
from hsokv.vision import ImageClassifier

CONTINUAL_METHODS: dict[str, type] = {}


def register(name: str):
    def deco(cls):
        cls.name = name
        CONTINUAL_METHODS[name] = cls
        return cls
    return deco


# -- the stream ------------------------------------------------------------------------------------
@dataclass
class Task:
    classes: list[int]
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor


def make_stream(images: ImageSet, classes_per_task: int, train_per_class: int | None,
                device: torch.device) -> list[Task]:
    """Tasks of consecutive classes, images normalised by the training set's channel mean/std.
    `train_per_class` keeps a fixed subset (the same for every seed: the seeds vary the training)."""
    num_classes = int(images.train_y.max()) + 1
    if num_classes % classes_per_task:
        raise ConfigError(f"continual.classes_per_task={classes_per_task} does not divide the dataset's "
                         f"{num_classes} classes; valid: {[d for d in range(1, num_classes + 1) if num_classes % d == 0]}")
    keep = np.arange(len(images.train_y))
    if train_per_class is not None:
        rng = np.random.default_rng(0)
        keep = np.sort(np.concatenate([rng.permutation(np.flatnonzero(images.train_y == c))[:train_per_class]
                                       for c in range(num_classes)]))
    mean = images.train_x.mean(axis=(0, 2, 3), keepdims=True)
    std = images.train_x.std(axis=(0, 2, 3), keepdims=True) + 1e-6
    tensor = lambda a: torch.as_tensor((a - mean) / std, dtype=torch.float32, device=device)  # noqa: E731
    train_x, train_y = tensor(images.train_x[keep]), torch.as_tensor(images.train_y[keep], device=device)
    test_x, test_y = tensor(images.test_x), torch.as_tensor(images.test_y, device=device)
    tasks = []
    for first in range(0, num_classes, classes_per_task):
        classes = list(range(first, first + classes_per_task))
        tr = torch.isin(train_y, torch.tensor(classes, device=device))
        te = torch.isin(test_y, torch.tensor(classes, device=device))
        tasks.append(Task(classes, train_x[tr], train_y[tr], test_x[te], test_y[te]))
    return tasks


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random crop with zero padding (4 pixels at 32x32, 1 at 8x8) and, for colour images, a
    horizontal flip: DER's CIFAR transform, done on the whole batch at once."""
    b, c, h, w = x.shape
    pad = max(1, h // 8)
    padded = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (b,), generator=generator, device=x.device)
    dx = torch.randint(0, 2 * pad + 1, (b,), generator=generator, device=x.device)
    rows = (torch.arange(h, device=x.device)[None] + dy[:, None])[:, None, :, None]
    cols = (torch.arange(w, device=x.device)[None] + dx[:, None])[:, None, None, :]
    out = padded[torch.arange(b, device=x.device)[:, None, None, None], torch.arange(c, device=x.device)[None, :, None, None],
                 rows, cols]
    if c == 3:
        flip = torch.rand(b, generator=generator, device=x.device) < 0.5
        out = torch.where(flip[:, None, None, None], out.flip(3), out)
    return out


# -- scoring ---------------------------------------------------------------------------------------
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


@torch.no_grad()
def evaluate(scores: Callable[[torch.Tensor], torch.Tensor], tasks: list[Task], seen: int,
             batch_size: int) -> tuple[list[float], list[float]]:
    """Class-IL and task-IL accuracy on each of the first `seen` tasks' test sets."""
    seen_classes = torch.tensor([c for t in tasks[:seen] for c in t.classes], device=tasks[0].test_x.device)
    class_il, task_il = [], []
    for task in tasks[:seen]:
        hit_c = hit_t = 0
        own = torch.tensor(task.classes, device=task.test_x.device)
        for i in range(0, len(task.test_y), batch_size):
            s = scores(task.test_x[i:i + batch_size]).float()
            y = task.test_y[i:i + batch_size]
            masked = torch.full_like(s, -math.inf)
            masked[:, seen_classes] = s[:, seen_classes]
            hit_c += int((masked.argmax(1) == y).sum())
            masked = torch.full_like(s, -math.inf)
            masked[:, own] = s[:, own]
            hit_t += int((masked.argmax(1) == y).sum())
        class_il.append(100.0 * hit_c / len(task.test_y))
        task_il.append(100.0 * hit_t / len(task.test_y))
    return class_il, task_il


def flops_per_example(model: ImageClassifier, example: torch.Tensor) -> tuple[float, float]:
    """(forward, forward + backward) FLOPs for one example, from torch's FLOP counter."""
    was_training = model.training
    x = example[:2]
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    forward = counter.get_total_flops() / len(x)
    model.train()
    with FlopCounterMode(display=False) as counter:
        model(x).sum().backward()
    model.zero_grad(set_to_none=True)
    model.train(was_training)
    return forward, counter.get_total_flops() / len(x)


# -- methods ---------------------------------------------------------------------------------------
class _Method:
    """Trains one model through the stream; counts examples trained on and encoded (for FLOPs)."""
    name = ""

    def __init__(self, model: ImageClassifier, cfg: ContinualConfig, buffer: int | None, seed: int,
                 generator: torch.Generator):
        self.model, self.cfg, self.buffer, self.generator = model, cfg, buffer, generator
        self.rng = np.random.default_rng(seed)
        self.optimizer = torch.optim.SGD(model.parameters(), lr=cfg.learning_rate)
        self.trained_examples = 0
        self.encoded_examples = 0

    def replay_loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor | None:
        return None

    def observe(self, x: torch.Tensor, y: torch.Tensor) -> float:
        self.model.train()
        inputs = augment(x, self.generator) if self.cfg.augment else x
        loss = F.cross_entropy(self.model(inputs), y)
        extra = self.replay_loss(x, y)
        if extra is not None:
            loss = loss + extra
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.trained_examples += len(x)
        return float(loss.detach())

    def end_task(self, task: Task, seen_classes: list[int]) -> None:
        pass

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        return self.model(x)


@register("finetune")
class Finetune(_Method):
    pass


@register("joint")
class Joint(_Method):
    pass


@register("er")
class ExperienceReplay(_Method):
    """Reservoir sampling over the whole stream (Vitter's algorithm R), as DER's ER."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.x = self.y = None
        self.seen = 0

    def _reservoir_add(self, x: torch.Tensor, y: torch.Tensor) -> None:
        if self.x is None:
            self.x = torch.zeros((self.buffer, *x.shape[1:]), dtype=x.dtype, device=x.device)
            self.y = torch.zeros(self.buffer, dtype=y.dtype, device=y.device)
        for i in range(len(x)):
            slot = self.seen if self.seen < self.buffer else int(self.rng.integers(0, self.seen + 1))
            if slot < self.buffer:
                self.x[slot], self.y[slot] = x[i], y[i]
            self.seen += 1

    def replay_loss(self, x, y):
        loss = None
        filled = min(self.seen, self.buffer)
        if filled:
            idx = torch.as_tensor(self.rng.integers(0, filled, min(self.cfg.replay_batch_size, filled)), device=x.device)
            rx = augment(self.x[idx], self.generator) if self.cfg.augment else self.x[idx]
            loss = F.cross_entropy(self.model(rx), self.y[idx])
            self.trained_examples += len(idx)
        self._reservoir_add(x, y)
        return loss


@register("hsokv")
class HsokvMemory(_Method):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dim = self.model.feature_dim
        self.memory = KeyValueMemory(dim, self.buffer, max_length=1, similarity="cosine", eviction="error")
        self.images: torch.Tensor | None = None
        self.logits: torch.Tensor | None = None
        self.rank = torch.zeros(self.buffer, dtype=torch.long)  # herding order within the entry's class
        self.class_means: torch.Tensor | None = None

    def replay_loss(self, x, y):
        slots = self.memory.valid.nonzero().flatten()
        if len(slots) == 0:
            return None
        pick = slots[torch.as_tensor(self.rng.integers(0, len(slots), min(self.cfg.replay_batch_size, len(slots))))]
        pick = pick.to(self.images.device)
        rx = augment(self.images[pick], self.generator) if self.cfg.augment else self.images[pick]
        out = self.model(rx)
        self.trained_examples += len(pick)
        loss = F.cross_entropy(out, self.memory.labels[pick.cpu()].to(out.device))
        if self.cfg.distill_weight:
            loss = loss + self.cfg.distill_weight * F.mse_loss(out, self.logits[pick])
        return loss

    @torch.no_grad()
    def _encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.model.eval()
        feats, logits = [], []
        for i in range(0, len(x), self.cfg.eval_batch_size):
            f = self.model.features(x[i:i + self.cfg.eval_batch_size]).float()
            feats.append(f)
            logits.append(self.model.head(f))
        self.encoded_examples += len(x)
        return torch.cat(feats), torch.cat(logits)

    @staticmethod
    def herding(features: torch.Tensor, m: int) -> torch.Tensor:
        """Indices of m examples, in order, whose running mean tracks the class mean (iCaRL)."""
        f = F.normalize(features, dim=1)
        mu = f.mean(0)
        chosen: list[int] = []
        total = torch.zeros_like(mu)
        available = torch.ones(len(f), dtype=torch.bool, device=f.device)
        for k in range(1, min(m, len(f)) + 1):
            gap = ((mu[None] - (total[None] + f) / k) ** 2).sum(1).masked_fill(~available, math.inf)
            i = int(gap.argmin())
            chosen.append(i)
            available[i] = False
            total += f[i]
        return torch.tensor(chosen, dtype=torch.long)

    def end_task(self, task: Task, seen_classes: list[int]) -> None:
        per_class = self.buffer // len(seen_classes)
        if per_class == 0:
            raise ConfigError(f"continual.buffer_sizes: {self.buffer} memory entries cannot hold one per class "
                             f"for {len(seen_classes)} classes")
        mem = self.memory
        if self.images is None:
            self.images = torch.zeros((self.buffer, *task.train_x.shape[1:]), device=task.train_x.device)
            self.logits = torch.zeros((self.buffer, self.model.head.out_features), device=task.train_x.device)
        # Shrink the classes already held to per_class entries (the tail of each herding order).
        mem.remove(mem.valid & (self.rank >= per_class))
        feats, logits = self._encode(task.train_x)
        for c in task.classes:
            idx = (task.train_y == c).nonzero().flatten()
            order = self.herding(feats[idx], per_class).to(idx.device)
            picked = idx[order]
            slots = mem.write(feats[picked].cpu(), torch.full((len(picked),), c), torch.zeros(len(picked), 1, dtype=torch.long),
                              picked.cpu(), step=0)
            self.images[slots.to(self.images.device)] = task.train_x[picked]
            self.logits[slots.to(self.images.device)] = logits[picked]
            self.rank[slots] = torch.arange(len(picked))
        # Every key re-encoded by the backbone as it is now, then one mean per class.
        slots = mem.valid.nonzero().flatten()
        keys, _ = self._encode(self.images[slots.to(self.images.device)])
        mem.keys[slots] = keys.cpu()
        num_classes = self.model.head.out_features
        means = torch.zeros(num_classes, keys.shape[1], device=keys.device)
        labels = mem.labels[slots].to(keys.device)
        means.index_add_(0, labels, F.normalize(keys, dim=1))
        self.class_means = F.normalize(means, dim=1)

    def scores(self, x):
        self.model.eval()
        if self.cfg.readout == "classifier" or self.class_means is None:
            return self.model(x)
        return F.normalize(self.model.features(x).float(), dim=1) @ self.class_means.T


# -- one run ----------------------------------------------------------------------------------------
def _epochs(method: _Method, x: torch.Tensor, y: torch.Tensor, epochs: int, batch_size: int,
            autocast: Callable) -> list[float]:
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=method.generator, device=y.device)
        for i in range(0, len(y), batch_size):
            idx = order[i:i + batch_size]
            with autocast():
                losses.append(method.observe(x[idx], y[idx]))
    return losses


def run_stream(method: _Method, tasks: list[Task], cfg: ContinualConfig, autocast: Callable) -> dict:
    """Train through the stream; R matrices (class-IL, task-IL) and the loss curve."""
    t = len(tasks)
    if method.name == "joint":
        x = torch.cat([task.train_x for task in tasks])
        y = torch.cat([task.train_y for task in tasks])
        losses = _epochs(method, x, y, cfg.epochs, cfg.batch_size, autocast)
        with autocast():
            class_il, task_il = evaluate(method.scores, tasks, t, cfg.eval_batch_size)
        return {"class_il": [class_il], "task_il": [task_il], "losses": losses}
    r_class, r_task, losses, seen = [], [], [], []
    for i, task in enumerate(tasks):
        seen.extend(task.classes)
        losses.extend(_epochs(method, task.train_x, task.train_y, cfg.epochs, cfg.batch_size, autocast))
        with autocast():
            method.end_task(task, list(seen))
            class_il, task_il = evaluate(method.scores, tasks, i + 1, cfg.eval_batch_size)
        r_class.append(class_il + [None] * (t - i - 1))
        r_task.append(task_il + [None] * (t - i - 1))
    return {"class_il": r_class, "task_il": r_task, "losses": losses}
