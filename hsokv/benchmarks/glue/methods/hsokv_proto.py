"""hsokv_proto: memory as label-anchored prototypes beside the zero-shot head (issue 20, Deliver 5).

The memory holds every training example's frozen vector; each label's entries are averaged into
one unit prototype, and the score is (1 - mix) * zero-shot score + mix * cosine to the prototype.
The zero-shot head (hsokv.benchmarks.glue.prompts) carries what the encoder already knows about
the labels, which 16 examples per class cannot teach a fine-tuned classifier; the memory adds the
task's own examples without moving the encoder, so it cannot overfit 32-48 examples. `mix` is
picked on the k-shot dev set from MIXES (0 = zero-shot alone, 1 = prototypes alone).
"""
import torch
import torch.nn.functional as F

from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS, accuracy
from hsokv.benchmarks.glue.prompts import zero_shot_scores

MIXES = tuple(i / 10 for i in range(11))


def label_means(keys: torch.Tensor, labels: torch.Tensor, num_labels: int) -> torch.Tensor:
    """[num_labels, dim]: each label's mean key."""
    return torch.stack([keys[labels == c].mean(0) for c in range(num_labels)])


def prototypes(keys: torch.Tensor, labels: torch.Tensor, num_labels: int) -> torch.Tensor:
    """[num_labels, dim]: each label's mean key, unit length."""
    return F.normalize(label_means(keys, labels, num_labels), dim=-1)


@METHODS.register("hsokv_proto")
def hsokv_proto(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)
    protos = prototypes(encoder.vectors(train.seqs), train.labels, len(task.label_names))

    def parts(data) -> tuple[torch.Tensor, torch.Tensor]:
        return zero_shot_scores(encoder, task, data), F.normalize(encoder.vectors(data.seqs), dim=-1) @ protos.T

    def accuracies(data, mixes) -> dict[float, float]:
        zero, memory = parts(data)
        return {mix: accuracy(((1 - mix) * zero + mix * memory).argmax(-1), data) for mix in mixes}
    dev_by_mix = accuracies(dev, MIXES)
    mix = max(MIXES, key=lambda m: (dev_by_mix[m], -abs(m - 0.5)))  # ties: the most even mix
    out = {"dev_accuracy": dev_by_mix[mix], "mix": mix}
    for split, data in evals.items():
        scores = accuracies(data, (mix, 0.0))
        out[split], out[f"{split}_without_memory"] = scores[mix], scores[0.0]
    return out
