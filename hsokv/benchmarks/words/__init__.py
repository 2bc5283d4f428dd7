"""The one-shot word benchmark: invented words learned from a few stories, tested on unseen
sentences and again after a second phase (retention). specs.py reads word-spec files, data.py
builds the story splits (items.py: one story), tasks.py the meaning task variants and word probes,
tensors.py pads token ids, inputs.py turns stories into what a method reads (token ids, frozen
sentence vectors or text), methods/ holds one file per method (the lexical controls too),
protocol.py measures every method the same way, report.py summarises; objective.py, timing.py and
ablations.py are the search and ablation runs on it, trainer.py a Python entry point."""
from hsokv.benchmarks.words import config  # noqa: F401  (registers the benchmark's params sections)
