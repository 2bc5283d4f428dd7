"""zero_shot: the label whose prompt the frozen encoder finds most similar; no training example is
used (hsokv.benchmarks.glue.prompts says which prompts, and why for sentence pairs)."""
from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods.base import METHODS, accuracy
from hsokv.benchmarks.glue.prompts import zero_shot_scores


@METHODS.register("zero_shot")
def zero_shot(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    encoder = FrozenEncoder.of_backbone(backbone, train, cfg, device)

    def score(data) -> float:
        return accuracy(zero_shot_scores(encoder, task, data).argmax(-1), data)
    return {"dev_accuracy": score(dev), **{split: score(data) for split, data in evals.items()}}
