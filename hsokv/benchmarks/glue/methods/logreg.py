"""logreg: scikit-learn's logistic regression on the frozen encoder's vectors of the training
examples; the inverse regularisation C is picked on the k-shot dev set from LOGREG_C."""
import numpy as np
from sklearn.linear_model import LogisticRegression

from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS

LOGREG_C = (0.01, 0.1, 1.0, 10.0, 100.0)


@METHODS.register("logreg")
def logreg(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)
    x_train, y_train = encoder.vectors(train.seqs).numpy(), train.labels.numpy()
    x_dev, y_dev = encoder.vectors(dev.seqs).numpy(), dev.labels.numpy()
    best = None
    for c in LOGREG_C:  # lbfgs is deterministic: the seed enters only through the sample
        clf = LogisticRegression(C=c, max_iter=2000).fit(x_train, y_train)
        dev_acc = float(np.mean(clf.predict(x_dev) == y_dev))
        if best is None or dev_acc > best[0]:  # ties keep the stronger regularisation
            best = (dev_acc, c, clf)
    dev_acc, c, clf = best
    out = {"dev_accuracy": dev_acc, "C": c}
    for split, data in evals.items():
        out[split] = float(np.mean(clf.predict(encoder.vectors(data.seqs).numpy()) == data.labels.numpy()))
    return out
