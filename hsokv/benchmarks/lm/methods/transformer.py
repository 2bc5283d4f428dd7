"""The transformer without memory: nanoGPT's training recipe, then every target of a split scored.

Training (as nanoGPT's train.py): each step draws `batch_size` random windows of the training
tokens from a seeded generator; AdamW; learning rate warmed up linearly, then cosine-decayed to
`min_learning_rate` at `max_iters`; gradient norm clipped. Every `eval_interval` steps (and at the
end) the mean loss on `eval_iters` random batches of train and of val is logged for the loss curves;
with `keep_best_val` the weights at the lowest val estimate are kept at the end (nanoGPT saves its
checkpoint only when that estimate improves: on Tiny Shakespeare the 6-layer model overfits by step
5,000). Nothing else is selected on it.

Scoring: the split is cut into consecutive windows of block_size tokens; each target is predicted
from the tokens before it in its window, so every target (token 1 .. n-1 of the split) is scored
exactly once, with 1 to block_size tokens of context.
"""
from __future__ import annotations

import contextlib
import math
import time

import torch
import torch.nn.functional as F

from hsokv.benchmarks.lm.config import LanguageModelConfig
from hsokv.benchmarks.lm.model import GPT, GPTConfig
from hsokv.fit import fit


def learning_rate(step: int, cfg: LanguageModelConfig) -> float:
    if step < cfg.warmup_iters:
        return cfg.learning_rate * (step + 1) / (cfg.warmup_iters + 1)
    progress = (step - cfg.warmup_iters) / max(1, cfg.max_iters - cfg.warmup_iters)
    return cfg.min_learning_rate + 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))) * (
        cfg.learning_rate - cfg.min_learning_rate)


def random_batch(ids: torch.Tensor, batch_size: int, block_size: int, generator: torch.Generator,
                 device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    block_size = min(block_size, len(ids) - 1)  # a user corpus's val split may be shorter than a block
    starts = torch.randint(len(ids) - block_size, (batch_size,), generator=generator)
    offsets = starts[:, None] + torch.arange(block_size + 1)
    window = ids[offsets]
    return window[:, :-1].to(device), window[:, 1:].to(device)


def windows(ids: torch.Tensor, block_size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive (inputs, targets) windows covering targets ids[1:] once each; the last may be shorter."""
    n = len(ids) - 1
    full = n // block_size * block_size
    out = [(ids[:full].view(-1, block_size), ids[1:full + 1].view(-1, block_size))] if full else []
    if full < n:
        out.append((ids[full:n].view(1, -1), ids[full + 1:].view(1, -1)))
    return out


def autocast(device: torch.device):
    """bf16 on a GPU, as nanoGPT trains this model there; the CPU path stays in float32."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()


class Transformer:
    def __init__(self, vocab_size: int, cfg: LanguageModelConfig, device: torch.device):
        self.cfg, self.device = cfg, device
        self.model = GPT(GPTConfig(vocab_size=vocab_size, block_size=cfg.block_size, n_layer=cfg.n_layer,
                                   n_head=cfg.n_head, n_embd=cfg.n_embd, dropout=cfg.dropout)).to(device)

    @torch.no_grad()
    def _estimate(self, splits: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        self.model.eval()
        out = {}
        for name in ("train", "val"):
            with autocast(self.device):
                losses = [self.model(*random_batch(splits[name], self.cfg.batch_size, self.cfg.block_size, generator,
                                                   self.device))[1].item() for _ in range(self.cfg.eval_iters)]
            out[f"{name}_loss"] = sum(losses) / len(losses)
        self.model.train()
        return out

    def fit(self, splits: dict[str, torch.Tensor], seed: int, log=None) -> list[dict]:
        """Train; returns the loss curve [{step, train_loss, val_loss, seconds}], each point also passed to `log`."""
        cfg = self.cfg
        batches = torch.Generator().manual_seed(seed)
        # a separate generator, so logging more or less often never changes the training batches
        probes = torch.Generator().manual_seed(seed + 1_000_003)
        opt = self.model.configure_optimizer(cfg.learning_rate, cfg.weight_decay, (0.9, cfg.beta2))
        curve = _Curve(self, splits, probes, opt, log)

        def train_batches(_):
            for step in range(cfg.max_iters):
                curve.before_step(step)
                yield random_batch(splits["train"], cfg.batch_size, cfg.block_size, batches, self.device)
        fit(self.model, train_batches, lambda batch: self.model(*batch)[1], opt, steps=cfg.max_iters,
            hooks=[curve], grad_clip=cfg.grad_clip or None, autocast=lambda: autocast(self.device))
        curve.before_step(cfg.max_iters)
        if curve.best is not None:   # val is the selection split; test is still scored once, afterwards
            self.model.load_state_dict(curve.best[2])
        self.kept_step = curve.best[1] if curve.best is not None else cfg.max_iters
        self.model.eval()
        return curve.history

    @torch.no_grad()
    def score(self, ids: torch.Tensor, keys: tuple[str, ...] = ("final",)) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """(ln p(target) [n], {key: state [n, n_embd]} for each GPT.states key asked for) for the targets
        ids[1:], in order."""
        self.model.eval()
        logp, states = [], {key: [] for key in keys}
        for inputs, targets in windows(ids, self.cfg.block_size):
            for x, y in zip(inputs.split(self.cfg.eval_batch_size), targets.split(self.cfg.eval_batch_size)):
                s = self.model.states(x.to(self.device))
                lp = F.log_softmax(self.model.lm_head(s["final"]).float(), dim=-1)
                logp.append(lp.gather(2, y.to(self.device)[..., None]).flatten().cpu())
                for key in keys:
                    states[key].append(s[key].flatten(0, 1))
        return torch.cat(logp), {key: torch.cat(v) for key, v in states.items()}


class _Curve:
    """The hsokv.fit hook of the transformer's training: before each step, the loss-curve point
    (every eval_interval steps and at the end) and the step's learning rate; training seconds."""

    def __init__(self, method: Transformer, splits: dict[str, torch.Tensor], probes: torch.Generator,
                 opt: torch.optim.Optimizer, log):
        self.method, self.splits, self.probes, self.opt, self.log = method, splits, probes, opt, log
        self.history, self.seconds, self.start = [], 0.0, 0.0
        self.best = None   # (val estimate, step, weights) of the lowest val estimate, with keep_best_val

    def before_step(self, step: int) -> None:
        cfg = self.method.cfg
        if step % cfg.eval_interval == 0 or step == cfg.max_iters:
            self.history.append({"step": step, **self.method._estimate(self.splits, self.probes),
                                 "seconds": self.seconds})
            if self.log:
                self.log(self.history[-1])
            if cfg.keep_best_val and (self.best is None or self.history[-1]["val_loss"] < self.best[0]):
                self.best = (self.history[-1]["val_loss"], step,
                             {k: v.detach().clone() for k, v in self.method.model.state_dict().items()})
        self.start = time.perf_counter()
        for group in self.opt.param_groups:
            group["lr"] = learning_rate(step, cfg)

    def after_step(self, step: int, batch, loss: torch.Tensor, output) -> None:
        self.seconds += time.perf_counter() - self.start
