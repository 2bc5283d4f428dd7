"""What every continual method shares: the model, its optimiser, batch preparation, and the hooks
the one training loop (hsokv.benchmarks.continual.protocol.train_task) calls.

A method turns a batch of raw uint8 images into a loss (`loss`), may write to its memory after
the optimiser step (`after_step`) and at task boundaries (`begin_task`, `end_task`), and says
which memory its readouts may use (`memory`). The loop owns zero_grad, backward and step, so no
method gets a different optimiser protocol.
"""
from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from hsokv.benchmarks.continual.backbones import ImageClassifier
from hsokv.benchmarks.continual.buffer import herding, reservoir_slots
from hsokv.benchmarks.continual.resume import load_optimizer, optimizer_tensors, prefixed, unprefixed
from hsokv.benchmarks.continual.stream import Split, Stream, Task
from hsokv.episodic import EpisodicMemory
from hsokv.registry import Registry

METHODS = Registry("continual method")
CROP_PADDINGS = ("mean", "black")   # continual.crop_padding


def augment(x: torch.Tensor, generator: torch.Generator, fill: torch.Tensor | None = None) -> torch.Tensor:
    """Random crop with padding (4 pixels at 32x32, 1 at 8x8) and, for colour images, a horizontal
    flip: DER's CIFAR transform, on the whole batch at once. The border holds zeros, or `fill` (a
    (1, C, 1, 1) value per channel: black in normalised units, as torchvision pads before normalising)."""
    b, c, h, w = x.shape
    pad = max(1, h // 8)
    padded = F.pad(x, (pad, pad, pad, pad)) if fill is None else F.pad(x - fill, (pad, pad, pad, pad)) + fill
    dy = torch.randint(0, 2 * pad + 1, (b,), generator=generator, device=x.device)
    dx = torch.randint(0, 2 * pad + 1, (b,), generator=generator, device=x.device)
    rows = (torch.arange(h, device=x.device)[None] + dy[:, None])[:, None, :, None]
    cols = (torch.arange(w, device=x.device)[None] + dx[:, None])[:, None, None, :]
    out = padded[torch.arange(b, device=x.device)[:, None, None, None],
                 torch.arange(c, device=x.device)[None, :, None, None], rows, cols]
    if c == 3:
        flip = torch.rand(b, generator=generator, device=x.device) < 0.5
        out = torch.where(flip[:, None, None, None], out.flip(3), out)
    return out


def to_device(array: np.ndarray, device: torch.device) -> torch.Tensor:
    """A host array on `device` without waiting for the GPU: a copy from pageable memory would
    first drain the GPU's queue every step (what made replay methods ~2.5x slower there)."""
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    return tensor.pin_memory().to(device, non_blocking=True) if device.type == "cuda" else tensor


class ContinualMethod:
    """Plain SGD on cross-entropy over the stream: the fine-tuning lower bound, and the base of
    every other method. `args` are the method's own hyperparameters (continual.method_args)."""
    name = ""
    joint = False           # trained once on the union of all tasks
    readout = "head"        # the method's own prediction (hsokv.benchmarks.continual.readouts)
    needs_memory = False    # holds an EpisodicMemory of `buffer` entries: image, label + memory_values
    memory_values: dict[str, tuple[tuple[int, ...], torch.dtype]] = {}
    # keeps a frozen copy of the network as it was when the task began, from the second task on
    # (`old_model`: iCaRL's distillation targets, hsokv's feature distillation); its bytes are reported
    keeps_previous_network = False
    old_model = None
    # the hyperparameters (continual.method_args) the method reads: a run must give the required ones
    # and may give the optional ones; any other key is refused by protocol.check_runs before training
    required_args: tuple[str, ...] = ("lr",)
    optional_args: tuple[str, ...] = ("weight_decay",)
    trains = True           # False: the loop takes no step (the `untrained` control); no optimiser then

    @classmethod
    def check_args(cls, where: str, args: dict[str, Any]) -> None:
        """Refuse (ValueError naming `where`.key) what the constructor would refuse, before any run trains."""

    @classmethod
    def resolve_args(cls, args: dict[str, Any], epochs: int | None) -> dict[str, Any]:
        """The hyperparameters a run of `epochs` epochs a task trains with (and records), from those
        given (one value per buffer size already taken): the same, unless a method states one per task."""
        return args

    def __init__(self, model: ImageClassifier, stream: Stream, buffer: int | None, args: dict[str, Any],
                 seed: int, generator: torch.Generator, augment_images: bool, replay_batch_size: int,
                 crop_padding: str = "mean"):
        self.model, self.stream, self.buffer, self.args = model, stream, buffer, args
        self.generator, self.augment_images, self.replay_batch_size = generator, augment_images, replay_batch_size
        if crop_padding not in CROP_PADDINGS:
            raise ValueError(f"crop_padding must be one of {CROP_PADDINGS}, got {crop_padding!r}")
        # black pixels (0 before normalising) in the normalised units the crop works in
        self.crop_fill = stream.normalise(torch.zeros_like(stream.mean)) if crop_padding == "black" else None
        self.rng = np.random.default_rng(seed)
        self.optimizer = torch.optim.SGD(model.parameters(), lr=float(args["lr"]),
                                         weight_decay=float(args.get("weight_decay", 0.0))) if self.trains else None
        self.memory: EpisodicMemory | None = None
        if self.needs_memory:
            if not buffer:
                raise ValueError(f"{self.name} needs a memory: give it a buffer size")
            shape = tuple(stream.tasks[0].train.x.shape[1:])
            values = {"image": (shape, torch.uint8), "label": ((), torch.int64), **self.memory_values}
            self.memory = EpisodicMemory(buffer, values).to(stream.tasks[0].train.x.device)
        self.task_index = 0
        self.offered = 0          # examples offered to a reservoir so far
        self.seen_classes: list[int] = []
        self.past_classes: list[int] = []   # the classes of the tasks before the current one
        self.trained_examples = 0
        self.encoded_examples = 0
        self._filled: torch.Tensor | None = None   # the memory's filled slots, cached for replay draws
        self._filled_count = 0

    # -- batches ---------------------------------------------------------------------------------
    def prepare(self, x: torch.Tensor, train: bool = True) -> torch.Tensor:
        """uint8 images -> normalised float (augmented when training); channels-last on the GPU,
        where cuDNN's convolutions are faster that way (on the CPU it is slower)."""
        x = self.stream.normalise(x)
        if train and self.augment_images:
            x = augment(x, self.generator, self.crop_fill)
        return x.contiguous(memory_format=torch.channels_last) if x.is_cuda else x

    def forward(self, x: torch.Tensor, with_features: bool = False):
        self.trained_examples += len(x)
        return self.model(x, with_features=True) if with_features else self.model(x)

    def stream_loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Cross-entropy on the stream batch; the batch and its logits are kept for after_step."""
        return self.stream_and_replay(x, y, None)[0]

    def stream_and_replay(self, x: torch.Tensor, y: torch.Tensor, idx: torch.Tensor | None,
                          with_features: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """stream_loss, and the logits of memory entries `idx` from the same forward pass (batch norm
        then normalises the stream and the replayed entries together). with_features: the pass's
        (prepared inputs, features, logits) are kept in `_features` too."""
        images = x if idx is None else torch.cat([x, self.memory.value("image")[idx]])
        inputs = self.prepare(images)
        out = self.forward(inputs, with_features)
        if with_features:
            out, features = out
            self._features = (inputs, features, out)
        n = len(x)
        self._batch = (x, y, out[:n].detach().float())
        return F.cross_entropy(out[:n], y), out[n:]

    def replay(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits of memory entries `idx`, augmented like the stream."""
        return self.forward(self.prepare(self.memory.value("image")[idx]))

    def replay_indices(self) -> torch.Tensor | None:
        """A uniform draw, with replacement, of filled memory slots. Mammoth's buffer (utils/buffer.py,
        get_data) draws without replacement and returns fewer than asked while it holds fewer; every
        committed run used this draw, so it stays (a known difference, stated in the README)."""
        if self.memory is None:
            return None
        if self._filled is None:   # looked up once per memory change: nonzero() waits for the GPU
            self._filled = self.memory.slots()
            self._filled_count = len(self._filled)
        if self._filled_count == 0:
            return None
        return self._filled[to_device(self.rng.integers(0, self._filled_count, self.replay_batch_size),
                                      self._filled.device)]

    def split_with_memory(self, task: Task, repeats: int = 1) -> Split:
        """The task's training images with the memory's entries added (iCaRL's replay: each entry
        `repeats` examples of the epoch, one in iCaRL, not a draw into every step's replay batch)."""
        if self.memory is None or len(self.memory) == 0:
            return task.train
        slots = self.memory.slots().repeat(repeats)
        return Split(torch.cat([task.train.x, self.memory.value("image")[slots]]),
                     torch.cat([task.train.y, self.memory.value("label")[slots]]))

    # -- hooks the loop calls ---------------------------------------------------------------------
    def training_split(self, task: Task) -> Split:
        return task.train

    def begin_task(self, index: int, task: Task) -> None:
        self.task_index = index
        self.past_classes = list(self.seen_classes)
        self.seen_classes = sorted(set(self.seen_classes) | set(task.classes))
        if self.keeps_previous_network:
            self.old_model = self._frozen_copy() if self.past_classes else None

    def _frozen_copy(self):
        old = copy.deepcopy(self.model).eval()
        for p in old.parameters():
            p.requires_grad_(False)
        return old

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(self.forward(self.prepare(x)), y)

    def after_step(self) -> None:
        pass

    def end_task(self, task: Task) -> None:
        pass

    def reservoir_write(self, x: torch.Tensor, y: torch.Tensor, **values: torch.Tensor) -> None:
        """Offer a batch to the memory by reservoir sampling over the whole stream (Vitter's R)."""
        slots = reservoir_slots(self.offered, len(x), self.buffer, self.rng)
        if self.offered < self.buffer:
            self._filled = None   # new slots are being filled
        self.offered += len(x)
        rows = np.flatnonzero(slots >= 0)   # chosen on the host: a boolean mask on the GPU would sync
        if rows.size:
            where, rows = to_device(slots[rows], x.device), to_device(rows, x.device)
            self.memory.write(where, image=x[rows], label=y[rows], **{k: v[rows] for k, v in values.items()})

    @torch.no_grad()
    def herd_into_memory(self, task: Task, order: str = "herding", **stored: bool) -> None:
        """Class-balanced memory by herding (iCaRL): every class seen keeps buffer // classes
        entries; old classes drop the tail of their herding order, new ones are herded from the
        task's training images on the current features. `order: random` ranks each new class's
        images in a random order instead (the run's generator): the same class balance without
        herding (the control that isolates it). `stored` names values to keep (logits)."""
        if order not in ("herding", "random"):
            raise ValueError(f"order: {order!r}; valid: ['herding', 'random']")
        mem = self.memory
        per_class = self.buffer // len(self.seen_classes)
        if per_class == 0:
            raise ValueError(f"a memory of {self.buffer} entries cannot hold one per class for "
                             f"{len(self.seen_classes)} classes")
        if not hasattr(self, "herding_rank"):
            self.herding_rank = torch.zeros(self.buffer, dtype=torch.long, device=mem.filled.device)
        self._filled = None
        mem.remove((mem.filled & (self.herding_rank >= per_class)).nonzero().flatten())
        # random order needs no features: encode only for herding or for logits to store
        feats, logits = (self.encode(task.train.x) if order == "herding" or stored.get("logits")
                         else (None, None))
        for c in task.classes:
            idx = (task.train.y == c).nonzero().flatten()
            if order == "herding":
                picked = idx[herding(feats[idx], per_class)]
            else:
                picked = idx[to_device(self.rng.permutation(len(idx))[:per_class], idx.device)]
            free = mem.free_slots()[:len(picked)]
            extra = {"logits": logits[picked]} if stored.get("logits") else {}
            mem.write(free, image=task.train.x[picked], label=task.train.y[picked], **extra)
            self.herding_rank[free] = torch.arange(len(picked), device=free.device)

    # -- pausing and resuming (hsokv.benchmarks.continual.resume) --------------------------------------
    def state(self, mid_task: bool) -> tuple[dict[str, torch.Tensor], dict]:
        """(tensors, JSON-able meta) from which `load_state` continues the run exactly; `mid_task`:
        paused inside a task, so what begin_task set up must be kept too."""
        tensors = {**prefixed("model", self.model.state_dict()),
                   **(prefixed("optimizer", optimizer_tensors(self.optimizer)) if self.optimizer else {}),
                   "generator": self.generator.get_state()}
        if self.memory is not None:
            tensors.update(prefixed("memory", self.memory.state_dict()))
        if hasattr(self, "herding_rank"):
            tensors["herding_rank"] = self.herding_rank
        if mid_task and self.old_model is not None:   # at a task boundary begin_task makes it afresh
            tensors.update(prefixed("old_model", self.old_model.state_dict()))
        meta = {"task_index": self.task_index, "offered": self.offered, "seen_classes": self.seen_classes,
                "past_classes": self.past_classes, "trained_examples": self.trained_examples,
                "encoded_examples": self.encoded_examples, "rng": self.rng.bit_generator.state}
        return tensors, meta

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict) -> None:
        self.model.load_state_dict(unprefixed("model", tensors))
        if self.optimizer is not None:
            load_optimizer(self.optimizer, unprefixed("optimizer", tensors))
        self.generator.set_state(tensors["generator"].cpu())
        if self.memory is not None:
            self.memory.load_state_dict(unprefixed("memory", tensors))
        self._filled = None
        if "herding_rank" in tensors:
            self.herding_rank = tensors["herding_rank"]
        for key in ("task_index", "offered", "seen_classes", "past_classes", "trained_examples", "encoded_examples"):
            setattr(self, key, meta[key])
        self.rng.bit_generator.state = meta["rng"]
        old = unprefixed("old_model", tensors)
        self.old_model = None
        if old:
            self.old_model = self._frozen_copy()
            self.old_model.load_state_dict(old)

    def extra_state_bytes(self) -> int:
        """Bytes kept besides the memory and the model being trained (the previous network)."""
        if self.old_model is None:
            return 0
        return sum(t.numel() * t.element_size() for t in self.old_model.state_dict().values())

    @torch.no_grad()
    def encode(self, x: torch.Tensor, batch_size: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
        """(features, logits) of uint8 images, no augmentation, eval mode."""
        was = self.model.training
        self.model.eval()
        feats = []
        for i in range(0, len(x), batch_size):
            feats.append(self.model.features(self.prepare(x[i:i + batch_size], train=False)).float())
        self.model.train(was)
        self.encoded_examples += len(x)
        f = torch.cat(feats) if feats else torch.zeros(0, self.model.feature_dim, device=x.device)
        return f, self.model.head(f).float()
