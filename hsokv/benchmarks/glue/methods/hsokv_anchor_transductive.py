"""hsokv_anchor_transductive: hsokv_anchor whose memory also takes confident predictions on the
evaluation set, TRANSDUCTIVE (issue 20, Deliver 5): it reads the evaluation set's inputs (never
their labels) before predicting them.

hsokv_anchor's prototypes (label means of the centred zero-shot scores of the training examples)
are rebuilt hsokv_proto_transductive.ROUNDS times from the training entries plus the KEEP fraction
of each predicted label's evaluation inputs with the largest margin; the prediction is the nearest
prototype, as in hsokv_anchor (nothing is chosen on the dev set: the k-shot dev accuracy is
reported with the first evaluation set's prototypes). Designed after the mpnet table of
research/glue/cpu-mpnet/ was seen (hsokv_anchor best on MNLI, transduction best on SST-2), with
hsokv_proto_transductive's constants unchanged. Without memory = the zero-shot arg-max.
"""
import torch

from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS, accuracy
from hsokv.benchmarks.glue.methods.hsokv_anchor_mix import centred
from hsokv.benchmarks.glue.methods.hsokv_proto import label_means
from hsokv.benchmarks.glue.methods.hsokv_proto_transductive import ROUNDS, confident
from hsokv.benchmarks.glue.prompts import zero_shot_scores


def refine_anchors(keys: torch.Tensor, labels: torch.Tensor, pool: torch.Tensor, num_labels: int) -> torch.Tensor:
    current = label_means(keys, labels, num_labels)
    for _ in range(ROUNDS):
        pred, chosen = confident(-torch.cdist(pool, current), num_labels)
        current = label_means(torch.cat([keys, pool[chosen]]), torch.cat([labels, pred[chosen]]), num_labels)
    return current


@METHODS.register("hsokv_anchor_transductive")
def hsokv_anchor_transductive(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)
    n = len(task.label_names)
    keys, dev_keys = (centred(zero_shot_scores(encoder, task, d)) for d in (train, dev))
    out: dict = {}
    for split, data in evals.items():
        scores = zero_shot_scores(encoder, task, data)
        protos = refine_anchors(keys, train.labels, centred(scores), n)
        out[split], out[f"{split}_without_memory"] = (accuracy(torch.cdist(centred(scores), protos).argmin(-1), data),
                                                      accuracy(scores.argmax(-1), data))
        out[f"{split}_dev_accuracy"] = accuracy(torch.cdist(dev_keys, protos).argmin(-1), dev)
    out["dev_accuracy"] = out[f"{next(iter(evals))}_dev_accuracy"]
    return out
