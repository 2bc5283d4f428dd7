"""hsokv_anchor_mix: hsokv_anchor's label-anchored prototypes interpolated with the zero-shot head
(issue 20, Deliver 5).

hsokv_anchor replaces the zero-shot arg-max by the nearest prototype in the space of centred
zero-shot scores (one similarity to each label's prompt, its mean over labels subtracted). Here the
score of label c is (1 - mix) * centred zero-shot score_c - mix * distance to prototype_c, so the
memory corrects the zero-shot head's label offsets only as far as the k-shot dev set says it helps:
`mix` is picked on the k-shot dev set from hsokv_proto's MIXES (0 = zero-shot alone, 1 =
hsokv_anchor; ties: the most even mix). Nothing is trained; without memory = the zero-shot arg-max.
"""
import torch

from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS, accuracy
from hsokv.benchmarks.glue.methods.hsokv_proto import MIXES, label_means
from hsokv.benchmarks.glue.prompts import zero_shot_scores


def centred(scores: torch.Tensor) -> torch.Tensor:
    return scores - scores.mean(-1, keepdim=True)


@METHODS.register("hsokv_anchor_mix")
def hsokv_anchor_mix(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)
    protos = label_means(centred(zero_shot_scores(encoder, task, train)), train.labels, len(task.label_names))

    def accuracies(data, mixes) -> dict[float, float]:
        keys = centred(zero_shot_scores(encoder, task, data))
        dist = torch.cdist(keys, protos)
        return {mix: accuracy(((1 - mix) * keys - mix * dist).argmax(-1), data) for mix in mixes}
    dev_by_mix = accuracies(dev, MIXES)
    mix = max(MIXES, key=lambda m: (dev_by_mix[m], -abs(m - 0.5)))
    out = {"dev_accuracy": dev_by_mix[mix], "mix": mix}
    for split, data in evals.items():
        scores = accuracies(data, (mix, 0.0))
        out[split], out[f"{split}_without_memory"] = scores[mix], scores[0.0]
    return out
