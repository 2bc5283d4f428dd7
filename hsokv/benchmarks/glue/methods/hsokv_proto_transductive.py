"""hsokv_proto_transductive: hsokv_proto whose memory also takes confident predictions on the
evaluation set, TRANSDUCTIVE (issue 20, Deliver 5): it reads the evaluation set's inputs (never its
labels) before predicting them, which the inductive rows do not.

Start from hsokv_proto's prototypes (the training examples' mean frozen vectors per label); then,
ROUNDS times, score the evaluation set with (1 - mix) * zero-shot + mix * cosine to the prototypes,
write into memory the KEEP fraction of each predicted label's inputs with the largest margin
(best score minus second best) under that predicted label, and rebuild each prototype from its
label's training entries and written entries together. ROUNDS and KEEP were fixed before any
run and are not tuned; `mix` is picked per evaluation set on the k-shot dev set (scored with that
set's refined prototypes) from hsokv_proto's MIXES. Without memory = the zero-shot arg-max.
"""
import torch
import torch.nn.functional as F

from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS, accuracy
from hsokv.benchmarks.glue.methods.hsokv_proto import MIXES
from hsokv.benchmarks.glue.prompts import zero_shot_scores

ROUNDS = 2
KEEP = 0.5


def refine(keys: torch.Tensor, labels: torch.Tensor, pool: torch.Tensor, pool_zero: torch.Tensor,
           mix: float, num_labels: int) -> torch.Tensor:
    """[num_labels, dim] unit prototypes from the labelled keys plus the pool's confident entries."""
    def protos(k: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.normalize(torch.stack([k[y == c].mean(0) for c in range(num_labels)]), dim=-1)
    current = protos(keys, labels)
    for _ in range(ROUNDS):
        pred, chosen = confident((1 - mix) * pool_zero + mix * pool @ current.T, num_labels)
        current = protos(torch.cat([keys, pool[chosen]]), torch.cat([labels, pred[chosen]]))
    return current


def confident(scores: torch.Tensor, num_labels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(predicted labels, indices of the KEEP fraction of each predicted label's rows with the largest
    margin, best score minus second best)."""
    top = scores.topk(2, dim=-1)
    pred, margin = top.indices[:, 0], top.values[:, 0] - top.values[:, 1]
    chosen = []
    for c in range(num_labels):
        idx = (pred == c).nonzero().squeeze(1)
        chosen.append(idx[margin[idx].argsort(descending=True)[: int(KEEP * len(idx))]])
    return pred, torch.cat(chosen)


@METHODS.register("hsokv_proto_transductive")
def hsokv_proto_transductive(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)
    n = len(task.label_names)
    keys = F.normalize(encoder.vectors(train.seqs), dim=-1)

    def parts(data) -> tuple[torch.Tensor, torch.Tensor]:
        return zero_shot_scores(encoder, task, data), F.normalize(encoder.vectors(data.seqs), dim=-1)
    dev_zero, dev_x = parts(dev)
    out: dict = {}
    for split, data in evals.items():
        zero, x = parts(data)
        by_mix = {}
        for mix in MIXES:
            protos = refine(keys, train.labels, x, zero, mix, n)
            dev_acc = accuracy(((1 - mix) * dev_zero + mix * dev_x @ protos.T).argmax(-1), dev)
            by_mix[mix] = (dev_acc, accuracy(((1 - mix) * zero + mix * x @ protos.T).argmax(-1), data))
        mix = max(MIXES, key=lambda m: (by_mix[m][0], -abs(m - 0.5)))   # ties: the most even mix
        out[split], out[f"{split}_without_memory"] = by_mix[mix][1], accuracy(zero.argmax(-1), data)
        out[f"{split}_mix"], out[f"{split}_dev_accuracy"] = mix, by_mix[mix][0]
    out["dev_accuracy"] = out[f"{next(iter(evals))}_dev_accuracy"]
    return out
