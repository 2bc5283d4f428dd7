"""hsokv_anchor: memory keyed in the zero-shot head's label space (issue 20, Deliver 5).

Each training example is written with a label-anchored key: its zero-shot scores, one similarity to
each label's prompt (hsokv.benchmarks.glue.prompts). A label's prototype is the mean key of its
entries, and the prediction is the label with the nearest prototype. What the zero-shot head lacks
is calibration: the offsets between its prompts (MNLI's unchanged hypothesis is always nearer the
premise than its rewrites, so plain arg-max favours entailment); 16 stored examples per class
measure those offsets, and nothing is trained or selected. Without memory = the zero-shot arg-max.

A key is centred (its mean over labels subtracted): how similar an input is to every prompt at
once says nothing about its label, and uncentred keys let that common part decide the nearest
prototype (first version: below zero-shot on SST-2's k-shot dev sets, seeds 13/21/42, MiniLM).
"""
import torch

from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS, accuracy
from hsokv.benchmarks.glue.methods.hsokv_proto import label_means
from hsokv.benchmarks.glue.prompts import zero_shot_scores


@METHODS.register("hsokv_anchor")
def hsokv_anchor(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)
    def keys(data) -> tuple[torch.Tensor, torch.Tensor]:
        scores = zero_shot_scores(encoder, task, data)
        return scores - scores.mean(-1, keepdim=True), scores
    protos = label_means(keys(train)[0], train.labels, len(task.label_names))

    def score(data) -> tuple[float, float]:
        centred, scores = keys(data)
        return accuracy(torch.cdist(centred, protos).argmin(-1), data), accuracy(scores.argmax(-1), data)
    out = {"dev_accuracy": score(dev)[0]}
    for split, data in evals.items():
        out[split], out[f"{split}_without_memory"] = score(data)
    return out
