"""A continual run paused and resumed: one safetensors file holds everything needed to continue.

A 50-epoch Split-CIFAR-10 run takes longer than one lease of the GPU, so the grid
(hsokv.benchmarks.continual.grid) pauses its runs at an epoch boundary before the lease ends and
continues them in the next one. The file holds the method's state (network, optimiser, memory,
herding order, both random generators, counters; iCaRL's previous network when paused inside a
task) as tensors, and the run's progress (task, epochs done in it, the accuracy rows and losses so
far, wall seconds) as JSON in the file's metadata. Resuming continues bit for bit: the same batches,
augmentations and replay draws as a run that never stopped (checked on the CPU by the tests).
safetensors holds no code, so loading a file never executes anything.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save

from hsokv.errors import CheckpointError

FORMAT = "hsokv-continual-run/1"


def save_run(path: Path, tensors: dict[str, torch.Tensor], method_meta: dict, progress: dict,
             fingerprint: dict) -> None:
    """Write the file atomically: a kill mid-write leaves the previous pause point intact."""
    meta = {"format": FORMAT, "fingerprint": json.dumps(fingerprint, sort_keys=True),
            "method": json.dumps(method_meta), "progress": json.dumps(progress)}
    # safetensors stores plain row-major tensors: channels-last weights are copied to that layout
    blob = save({k: v.detach().contiguous() for k, v in tensors.items()}, metadata=meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_run(path: Path, fingerprint: dict, device: torch.device) -> tuple[dict[str, torch.Tensor], dict, dict]:
    """(tensors, method meta, progress) of a paused run; refuses a file of another run or spec."""
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(path), device=str(device))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{path}: not a readable paused-run file ({err}); delete it to start the run afresh")
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: format {meta.get('format')!r}, expected {FORMAT!r}; delete it to start afresh")
    saved = json.loads(meta["fingerprint"])
    if saved != json.loads(json.dumps(fingerprint, sort_keys=True)):
        differ = sorted(k for k in set(saved) | set(fingerprint) if saved.get(k) != fingerprint.get(k))
        raise CheckpointError(f"{path}: paused under other settings (differ: {differ}); delete it to start afresh")
    return tensors, json.loads(meta["method"]), json.loads(meta["progress"])


def prefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {f"{prefix}.{k}": v for k, v in tensors.items()}


def unprefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """The optimiser's per-parameter state (SGD's momentum buffers), flattened for safetensors."""
    return {f"{i}.{name}": value for i, state in optimizer.state_dict()["state"].items()
            for name, value in state.items() if isinstance(value, torch.Tensor)}


def load_optimizer(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor]) -> None:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": optimizer.state_dict()["param_groups"]})
