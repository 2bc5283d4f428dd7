"""What every search strategy optimises: H-SOKV trained on phase 1 for a step budget, scored on
the validation split.

A trial is one hyperparameter config with its own model. `run_trial` trains it for a number of
steps and returns its validation accuracy with its full state (weights, memory, optimiser,
batch order, random generator), so a later call continues exactly where it stopped, in this
process or another one. Each call runs on one CPU thread with its own seeded generator, so a
trial gives the same numbers on every execution backend.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch
from tokenizers import Tokenizer

from hsokv.benchmarks.words.data import SyntheticSplits
from hsokv.benchmarks.words.lifecycle import Lifecycle
from hsokv.benchmarks.words.tensors import eval_tensors, label_domains, training_tensors
from hsokv.benchmarks.words.training import TrainingLoop
from hsokv.config import PipelineConfig
from hsokv.search.config import SEARCHABLE
from hsokv.fit import fit
from hsokv.model import TransformerWithKV
from hsokv.padding import trimmed
from hsokv.search.space import apply
from hsokv.search.trial import TrialSpec
from hsokv.training import make_optimizer, pick_device


@dataclass
class SearchTask:
    """One seed's data, already tokenised: shared by every trial of a search."""
    cfg: PipelineConfig
    vocab_size: int
    num_labels: int
    train: tuple          # (stories, probes, labels, sources) of phase 1
    validation: tuple     # (ids, labels, exposures)
    test: tuple
    label_domains: torch.Tensor
    # (task, cfg, device) -> the model of a config; None = the from-scratch TransformerWithKV. A
    # module-level function, so the task pickles to other processes (hsokv.benchmarks.words.meaning_search_data
    # builds the MiniLM path's H-SOKV here).
    make_model: Callable | None = None


def make_task(splits: SyntheticSplits, tok: Tokenizer, cfg: PipelineConfig) -> SearchTask:
    if not splits.validation:
        raise ValueError("these splits have no validation items: rerun the prepare_synthetic stage")
    L = cfg.data.max_length
    return SearchTask(cfg, tok.get_vocab_size(), len(splits.words), training_tensors(tok, splits.train_phase1, L, 0),
                      eval_tensors(tok, splits.validation, L), eval_tensors(tok, splits.test, L), label_domains(splits))


@dataclass
class TrialState:
    """Everything needed to continue a trial; plain tensors, so it pickles."""
    values: dict
    model: dict                 # state_dict, the memory's entries included
    optimizer: dict
    order: torch.Tensor         # batches of the current epoch not yet used
    generator: torch.Tensor
    steps: int                  # steps this lineage has trained in all


@dataclass
class TrialResult:
    trial_id: int
    values: dict
    score: float          # validation accuracy
    steps: int            # steps trained in this call
    state: TrialState
    seconds: float


def _architecture(values: dict, cfg: PipelineConfig) -> tuple:
    m = apply(cfg, values).model
    return m.d_model, m.num_layers, m.num_heads, m.ff_dim


@torch.no_grad()
def accuracy(model: TransformerWithKV, ids: torch.Tensor, labels: torch.Tensor, device, mask=None) -> float:
    model.eval()
    pred = torch.cat([model.head(model.encoder(ids[i:i + 256].to(device))).argmax(-1).cpu()
                      for i in range(0, len(ids), 256)])
    hit = pred == labels
    return float(hit[mask].float().mean() if mask is not None else hit.float().mean())


def build_model(task: SearchTask, values: dict, parent: TrialState | None, device) -> TransformerWithKV:
    """A model for `values`, with `parent`'s weights and memory when given (same architecture)."""
    cfg = apply(task.cfg, values)
    if task.make_model is not None:
        model = task.make_model(task, cfg, device)
    else:
        model = TransformerWithKV(task.vocab_size, task.num_labels, cfg.data.max_length, cfg.model, cfg.memory,
                                  [Lifecycle()])
    if parent is not None:   # a state leaves out the frozen parameters (_trained_state): keep the model's
        model.load_state_dict({**model.state_dict(), **parent.model})
    return model.to(device)


def _trained_state(model: torch.nn.Module) -> dict:
    """The state a trial hands on, on the CPU, without frozen parameters (a pretrained backbone's
    vector table: megabytes that never change, copied by every trial otherwise)."""
    frozen = {name for name, p in model.named_parameters() if not p.requires_grad}
    return {k: v.cpu() for k, v in model.state_dict().items() if k not in frozen}


class _Stream:
    """Batches of a resumable epoch order: the rest of `order` first, then a fresh permutation
    each time it runs out; the lifecycle's end of epoch runs at every refill but one at the start."""

    def __init__(self, order, n: int, batch_size: int, generator: torch.Generator, end_of_epoch, step: int):
        self.order, self.n, self.batch_size, self.generator = order, n, batch_size, generator
        self.end_of_epoch, self.step, self.start = end_of_epoch, step, step

    def batches(self, *tensors):
        while True:
            if len(self.order) == 0:
                if self.step > self.start:
                    self.end_of_epoch(self.step)
                self.order = torch.randperm(self.n, generator=self.generator)
            idx, self.order = self.order[:self.batch_size], self.order[self.batch_size:]
            yield tuple(t[idx] for t in tensors)
            self.step += 1


def run_trial(task: SearchTask, spec: TrialSpec) -> TrialResult:
    start = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run_trial(task, spec, start)
    finally:
        torch.set_num_threads(threads)


def _run_trial(task: SearchTask, spec: TrialSpec, start: float) -> TrialResult:
    cfg = apply(task.cfg, spec.values)
    device = pick_device(cfg.device)
    parent = spec.parent
    warm = parent is not None and _architecture(parent.values, task.cfg) == _architecture(spec.values, task.cfg)
    torch.manual_seed(spec.seed)
    model = build_model(task, spec.values, parent if warm else None, device)
    ids, probes, labels, sources = task.train
    if not warm and hasattr(model.encoder, "pool"):   # the from-scratch encoder's novelty prior
        model.encoder.pool.observe(ids.to(device), labels.to(device))
    generator = torch.Generator()
    opt = make_optimizer(model, cfg.train)
    same_config = warm and parent.values == spec.values
    if warm:
        generator.set_state(parent.generator)
        if same_config:  # a pure continuation keeps its optimiser's moments
            opt.load_state_dict(parent.optimizer)
    else:
        generator.manual_seed(spec.seed)
    steps_per_epoch = -(-len(ids) // cfg.train.batch_size)
    loop = TrainingLoop(model, cfg.train, device, task.label_domains, steps_per_epoch, opt)
    done = parent.steps if warm else 0
    stream = _Stream(parent.order if same_config else torch.empty(0, dtype=torch.long), len(ids),
                     cfg.train.batch_size, generator, loop.end_of_epoch, done)
    fit(model, lambda _: stream.batches(ids, probes, labels, sources), loop.loss, opt, steps=spec.steps,
        hooks=[loop], grad_clip=cfg.train.grad_clip, step=done)
    order = stream.order
    model.eval()
    model.memory.refresh_keys(trimmed(model.encoder))
    score = accuracy(model, task.validation[0], task.validation[1], device)
    state = TrialState(dict(spec.values), _trained_state(model), _to_cpu(opt.state_dict()), order,
                       generator.get_state(), done + spec.steps)
    return TrialResult(spec.trial_id, dict(spec.values), score, spec.steps, state, time.perf_counter() - start)


def _to_cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    return obj


def score_on_test(task: SearchTask, state: TrialState) -> dict:
    """The held-out test split, for a search's final choice only: accuracy and one-shot accuracy."""
    device = pick_device(task.cfg.device)
    model = build_model(task, state.values, state, device)
    ids, labels, exposures = task.test
    return {"accuracy": accuracy(model, ids, labels, device),
            "one_shot_accuracy": accuracy(model, ids, labels, device, exposures == 1)}


@dataclass
class WordsObjective:
    """The search objective (hsokv.search.trial.Objective) on one seed's word data."""
    task: SearchTask
    trial = staticmethod(run_trial)

    def defaults(self, names: list[str]) -> dict:
        return {n: getattr(getattr(self.task.cfg, SEARCHABLE[n][0]), SEARCHABLE[n][1]) for n in names}

    def test(self, state: TrialState) -> dict:
        return score_on_test(self.task, state)
