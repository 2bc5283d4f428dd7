"""The language-model benchmark: character-level Tiny Shakespeare by default (nanoGPT's split, its
validation half held out as test), a causal transformer (model.py), a Kneser-Ney n-gram and kNN-LM
(knn.py) scored through one path (protocol.py), reported by report.py."""
from hsokv.benchmarks.lm import config  # noqa: F401  (registers the `language_model` params section)
