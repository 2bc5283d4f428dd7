"""relation_knn: hsokv_relation's memory read by nearest neighbours instead of prototypes (its
peer): the same standardised relation views, a query's distance to each training pair is the sum
over views of the view's distance (Euclidean; |u - v|: 1 - cosine) divided by its mean over the
k-shot dev set's distances, and the k nearest vote (ties: the nearer summed distance), k picked
on the k-shot dev set from KNN_K (ties keep the smaller k)."""
import torch
import torch.nn.functional as F

from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS, accuracy
from hsokv.benchmarks.glue.methods.hsokv_relation import COSINE_VIEWS, standardiser
from hsokv.benchmarks.glue.relations import VIEWS, relation_views, skip_unless_pair

KNN_K = (1, 3, 5, 7, 9, 15)


def vote(dist: torch.Tensor, labels: torch.Tensor, k: int, num_labels: int) -> torch.Tensor:
    """Majority label of each row's k nearest columns; a tie goes to the label of smaller total distance."""
    near, idx = dist.topk(k, dim=-1, largest=False)
    lab = labels[idx]
    counts = F.one_hot(lab, num_labels).sum(1).float()
    spent = torch.zeros_like(counts).scatter_add_(1, lab, near)
    return (counts - 1e-6 * spent / (1 + spent.max())).argmax(-1)


@METHODS.register("relation_knn")
def relation_knn(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    if (skip := skip_unless_pair(task, evals)) is not None:
        return skip
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)
    keys = relation_views(encoder, task, train)
    scale = {name: standardiser(keys[name]) for name in VIEWS}
    keys = {name: scale[name](keys[name]) for name in VIEWS}

    def distances(data) -> dict[str, torch.Tensor]:
        q = relation_views(encoder, task, data)
        out = {}
        for name in VIEWS:
            a = scale[name](q[name])
            out[name] = (1 - F.normalize(a, dim=-1) @ F.normalize(keys[name], dim=-1).T if name in COSINE_VIEWS
                         else torch.cdist(a, keys[name]))
        return out
    dev_d = distances(dev)
    unit = {name: d.mean().clamp_min(1e-12) for name, d in dev_d.items()}

    def total(parts) -> torch.Tensor:
        return sum(parts[name] / unit[name] for name in VIEWS)
    n_labels, dev_total = len(task.label_names), total(dev_d)
    ks = [k for k in KNN_K if k <= len(train)]
    dev_by_k = {k: accuracy(vote(dev_total, train.labels, k, n_labels), dev) for k in ks}
    k = max(ks, key=lambda k: (dev_by_k[k], -k))
    out = {"dev_accuracy": dev_by_k[k], "k": k}
    for split, data in evals.items():
        out[split] = accuracy(vote(total(distances(data)), train.labels, k, n_labels), data)
    return out
