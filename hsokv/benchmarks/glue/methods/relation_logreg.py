"""relation_logreg and relation_logreg_lowdim: hsokv_relation's peers without memory, logistic
regression on its relation views (hsokv.benchmarks.glue.relations), each view standardised with the
training pairs' statistics; C is picked on the k-shot dev set from logreg's LOGREG_C (ties keep the
stronger regularisation).

- relation_logreg: all three views, concatenated (the 768 dimensions of |u - v| included);
- relation_logreg_lowdim: the centred zero-shot scores and the lexical cues only (9 features). With 48
  training pairs the wide view lets the classifier overfit; this was the strongest linear reader of
  the views found while hsokv_relation was designed (issue 20's report), so it is the peer to beat."""
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS
from hsokv.benchmarks.glue.methods.hsokv_anchor_mix import centred
from hsokv.benchmarks.glue.methods.hsokv_relation import standardiser
from hsokv.benchmarks.glue.methods.logreg import LOGREG_C
from hsokv.benchmarks.glue.relations import VIEWS, relation_views, skip_unless_pair

LOW_DIMENSIONAL = ("zero_shot", "lexical")


def relation_features(encoder, task, train, views=VIEWS, centre_zero_shot=False):
    """data -> [n, sum of the views' widths] numpy, each view standardised with `train`'s statistics
    (the zero-shot scores centred over labels first when centre_zero_shot)."""
    def chosen(data) -> dict[str, torch.Tensor]:
        v = relation_views(encoder, task, data)
        if centre_zero_shot:
            v["zero_shot"] = centred(v["zero_shot"])
        return {name: v[name] for name in views}
    train_views = chosen(train)
    scale = {name: standardiser(train_views[name]) for name in views}

    def features(data) -> np.ndarray:
        v = train_views if data is train else chosen(data)
        return torch.cat([scale[name](v[name]) for name in views], -1).double().numpy()
    return features


def fit_and_score(features, train, dev, evals) -> dict:
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


@METHODS.register("relation_logreg")
def relation_logreg(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    if (skip := skip_unless_pair(task, evals)) is not None:
        return skip
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)
    return fit_and_score(relation_features(encoder, task, train), train, dev, evals)


@METHODS.register("relation_logreg_lowdim")
def relation_logreg_lowdim(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    if (skip := skip_unless_pair(task, evals)) is not None:
        return skip
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)
    return fit_and_score(relation_features(encoder, task, train, LOW_DIMENSIONAL, centre_zero_shot=True),
                         train, dev, evals)
