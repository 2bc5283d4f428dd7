"""setfit: SetFit (Tunstall et al. 2022) through the `setfit` package, its standard recipe: the
pretrained sentence encoder fine-tuned contrastively on pairs generated from the k-shot training
set (20 iterations, batch 16, one epoch, body learning rate 2e-5), then a logistic-regression
head on its vectors. Nothing is selected on the k-shot dev set (the recipe has no selection); its
accuracy is reported. Sentence pairs are one text, premise <separator> hypothesis, as SetFit takes
single texts. A backbone without a sentence-transformers folder (scratch) gets no SetFit row.

The package is optional (requirements-research.txt): it adds datasets, evaluate and accelerate.
"""
import tempfile

import numpy as np

from hsokv.benchmarks.glue.methods.base import METHODS
from hsokv.errors import BackboneError

INSTALL = "pip install -r requirements-research.txt"


def _texts(backbone, data) -> list[str]:
    return [e.text_a if e.text_b is None else f"{e.text_a} {backbone.pair_separator} {e.text_b}"
            for e in data.examples]


def check_installed() -> None:
    try:
        import datasets  # noqa: F401
        import setfit  # noqa: F401
    except ImportError:
        raise BackboneError(f"glue.methods lists 'setfit', which needs the setfit package: {INSTALL}") from None


@METHODS.register("setfit")
def setfit(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
    if not hasattr(backbone, "sentence_transformers_folder"):
        return {"dev_accuracy": None, **{split: None for split in evals},
                "skipped": f"backbone {backbone.name!r} is not a sentence-transformers model"}
    check_installed()
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments
    model = SetFitModel.from_pretrained(str(backbone.sentence_transformers_folder()), device=str(device))
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(output_dir=scratch, batch_size=16, num_epochs=1,
                                 num_iterations=cfg.glue.setfit_iterations, body_learning_rate=2e-5,
                                 seed=generator.initial_seed(), report_to="none", save_strategy="no",
                                 show_progress_bar=False)
        Trainer(model=model, args=args, train_dataset=Dataset.from_dict(
            {"text": _texts(backbone, train), "label": train.labels.tolist()})).train()

    def score(data) -> float:
        pred = np.asarray(model.predict(_texts(backbone, data), batch_size=cfg.glue.eval_batch_size,
                                        as_numpy=True))
        return float(np.mean(pred == data.labels.numpy()))
    return {"dev_accuracy": score(dev), **{split: score(data) for split, data in evals.items()}}
