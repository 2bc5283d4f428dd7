"""The one training loop: it owns zero_grad, backward, gradient clipping and the optimiser step.

    fit(model, batches, loss_fn, optimizer, epochs=3, hooks=[...], grad_clip=1.0, autocast=None)

`batches(epoch)` gives that epoch's batches (drawn when the epoch starts, so a seeded generator
is consumed in the same order as a hand-written loop); with `steps` instead of `epochs` the
loop ends after that many steps, and `batches` may refill itself indefinitely. `loss_fn(batch)`
returns the loss, or (loss, output) when hooks need more of the forward pass; it runs inside
`autocast()` when given (e.g. bf16 on a GPU), the backward pass and the step outside it.

A hook may have any of:
    extra_loss(batch, output) -> tensor | None  a term added to the loss (replay, distillation)
    after_step(step, batch, loss, output)       after the optimiser step: write to or prune a
                                                memory, log; the graph of the step is spent
    end_epoch(epoch, step)                      re-encode keys, evaluate, keep the best state
    stop -> bool                                checked after every step and epoch: ask to stop
It cannot reorder the loop; nothing is overridden by subclassing.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import contextlib

import torch
from torch import nn


def fit(model: nn.Module, batches: Callable[[int], Iterable], loss_fn: Callable[[Any], Any],
        optimizer: torch.optim.Optimizer, *, epochs: int | None = None, steps: int | None = None,
        hooks: Iterable = (), grad_clip: float | None = None, autocast: Callable[[], Any] | None = None,
        step: int = 0) -> int:
    """Train; returns the next global step (`step` counts on from the caller's)."""
    if (epochs is None) == (steps is None):
        raise ValueError("fit needs exactly one of epochs and steps")
    hooks = list(hooks)
    end = None if steps is None else step + steps
    epoch = 0
    while (epochs is None or epoch < epochs) and (end is None or step < end):
        model.train()
        for batch in batches(epoch):
            with autocast() if autocast is not None else contextlib.nullcontext():
                out = loss_fn(batch)
            loss, output = out if isinstance(out, tuple) else (out, None)
            for hook in hooks:
                extra = getattr(hook, "extra_loss", None)
                term = extra(batch, output) if extra else None
                if term is not None:
                    loss = loss + term
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
            _call(hooks, "after_step", step, batch, loss, output)
            step += 1
            if _stop(hooks) or step == end:
                return step
        _call(hooks, "end_epoch", epoch, step)
        if _stop(hooks):
            return step
        epoch += 1
    return step


def _call(hooks: list, name: str, *args) -> None:
    for hook in hooks:
        method = getattr(hook, name, None)
        if method is not None:
            method(*args)


def _stop(hooks: list) -> bool:
    return any(getattr(hook, "stop", False) for hook in hooks)
