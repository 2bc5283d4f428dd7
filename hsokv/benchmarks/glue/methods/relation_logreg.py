"""relation_logreg: hsokv_relation's peer without memory, logistic regression on the same relation
views (hsokv.benchmarks.glue.relations), concatenated after the same standardisation; C is picked
on the k-shot dev set from logreg's LOGREG_C (ties keep the stronger regularisation)."""
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS
from hsokv.benchmarks.glue.methods.hsokv_relation import skipped, standardiser
from hsokv.benchmarks.glue.methods.logreg import LOGREG_C
from hsokv.benchmarks.glue.relations import VIEWS, is_pair_task, relation_views


def relation_features(encoder, task, train):
    """data -> [n, sum of view widths] numpy, each view standardised with `train`'s statistics."""
    views = relation_views(encoder, task, train)
    scale = {name: standardiser(views[name]) for name in VIEWS}

    def features(data) -> np.ndarray:
        v = views if data is train else relation_views(encoder, task, data)
        return torch.cat([scale[name](v[name]) for name in VIEWS], -1).double().numpy()
    return features


@METHODS.register("relation_logreg")
def relation_logreg(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    if not is_pair_task(task):
        return skipped(evals, f"{task.name} has single sentences: no premise-hypothesis relation")
    features = relation_features(FrozenEncoder.of_backbone(backbone, train, cfg, device), task, train)
    x_train, y_train, x_dev, y_dev = features(train), train.labels.numpy(), features(dev), dev.labels.numpy()
    best = None
    for c in LOGREG_C:
        clf = LogisticRegression(C=c, max_iter=3000).fit(x_train, y_train)
        dev_acc = float(np.mean(clf.predict(x_dev) == y_dev))
        if best is None or dev_acc > best[0]:
            best = (dev_acc, c, clf)
    dev_acc, c, clf = best
    out = {"dev_accuracy": dev_acc, "C": c}
    for split, data in evals.items():
        out[split] = float(np.mean(clf.predict(features(data)) == data.labels.numpy()))
    return out
