"""majority: the evaluation set's most frequent class, LM-BFF's reference line (it sees no training
data; with balanced k-shot sets there is no training majority to predict)."""
import torch

from hsokv.benchmarks.glue.methods.base import METHODS


@METHODS.register("majority")
def majority(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    out = {"dev_accuracy": float((dev.labels == torch.bincount(dev.labels).argmax()).float().mean())}
    for split, data in evals.items():
        out[split] = float((data.labels == torch.bincount(data.labels).argmax()).float().mean())
    return out
