"""Choosing hsokv_sentences' key settings (`synthetic.sentence_keys`: rule, word, temperature, weight)
on the held-out word list, so that no test item of the main list ever picks them.

`data/heldout_words.yaml` has 200 words of 4 domains the main list does not have, other templates
and other syllables: every item scored here is disjoint from the main list's test items. Each grid
point runs the whole protocol (run_seed: phase 1, the task variants, phase 2, retention) on every
seed, but the two learning phases are trained once per seed (trained_once): no key setting changes
training, so a point's figures are those of its own full run (tested), at one point's share of the training. A
point's score is fixed before any run: the mean over the meaning variants (recall, comprehension,
cloze) of the accuracy after phase 1 and the retention accuracy after phase 2, all items (one-shot
and few-shot). The chosen point is the best mean score over seeds; ties go to the
earlier point of GRID's order.

Results are one file per seed (`<out>/seed_<n>.json`, every point's per-variant accuracies), so
seeds can run in separate processes; `summarize` reads them all and names the chosen point.
"""
from __future__ import annotations

import copy
import itertools
import statistics
import time
from pathlib import Path

from hsokv.benchmarks.words.config import KEY_RULES, KEY_WORDS, SentenceKeysConfig
from hsokv.benchmarks.words.data import build_splits
from hsokv.benchmarks.words.inputs import SentenceEncoder
from hsokv.benchmarks.words.methods.hsokv_sentences import HSOKVSentences
from hsokv.benchmarks.words.protocol import run_seed
from hsokv.benchmarks.words.research import provenance
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.config import ConfigError, PipelineConfig
from hsokv.io import read_json, write_json

METHOD = "hsokv_sentences"
VARIANTS = ("recall", "comprehension", "cloze")
GRID = {"rule": KEY_RULES, "word": KEY_WORDS, "temperature": (0.02, 0.05, 0.1), "weight": (1.0, 2.0, 100.0)}


def grid_points() -> list[dict]:
    return [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]


def with_keys(cfg: PipelineConfig, point: dict) -> PipelineConfig:
    synthetic = cfg.synthetic.model_copy(update={"sentence_keys": SentenceKeysConfig(**point)})
    return cfg.model_copy(update={"synthetic": synthetic})


def score(result: dict) -> float:
    """The selection criterion: mean over VARIANTS of (accuracy after phase 1 + retention) / 2."""
    tasks = result["tasks"]
    return statistics.fmean((tasks[v]["test"]["accuracy"] + tasks[v]["retention"]["accuracy"]) / 2 for v in VARIANTS)


def trained_once() -> type[HSOKVSentences]:
    """hsokv_sentences whose learning phases train on the first run only: later runs (other key
    settings, same seed and data) take a copy of the model, step and generator that phase left. The
    rule picks the sentences written as keys after training, from the trained model; temperature and
    weight act in predict; so the keys, and everything measured, are still each point's own."""
    memo: dict[int, tuple] = {}

    class TrainedOnce(HSOKVSentences):
        def _train(self, ids, probes, labels, sources, phase):
            if phase not in memo:
                history = super()._train(ids, probes, labels, sources, phase)
                memo[phase] = (copy.deepcopy(self.model), self.step, self.generator.get_state(), history)
            model, self.step, state, history = memo[phase]
            self.model = copy.deepcopy(model)
            self.generator.set_state(state)
            return copy.deepcopy(history)
    return TrainedOnce


def run_selection_seed(cfg: PipelineConfig, backbone: SentenceEncoder, seed: int, out: Path, commit: str,
                       log=print) -> Path:
    """Every grid point on one seed of cfg's word list -> <out>/seed_<seed>.json."""
    missing = [v for v in VARIANTS if v not in cfg.synthetic.tasks]
    if missing:
        raise ConfigError(f"synthetic.tasks: key selection scores {list(VARIANTS)}; add {missing}")
    splits = build_splits(load_word_specs(cfg.data.word_specs), cfg.data, seed, cfg.synthetic.candidates)
    points, method_class = [], trained_once()
    for point in grid_points():
        start = time.perf_counter()
        r = run_seed(METHOD, splits, None, with_keys(cfg, point), seed, count_flops=False, backbone=backbone,
                     method_class=method_class)
        points.append({**point, "score": score(r),
                       "accuracy": {v: {split: r["tasks"][v][split]["accuracy"] for split in ("test", "retention")}
                                    for v in (*VARIANTS, "recognition")},
                       "wall_seconds": time.perf_counter() - start})
        log(f"seed {seed} {point}: score {points[-1]['score']:.3f} ({points[-1]['wall_seconds']:.0f}s)")
    path = out / f"seed_{seed}.json"
    write_json(path, {"method": METHOD, "backbone": backbone.name, "word_specs": str(cfg.data.word_specs),
                      "preset": cfg.preset, "seed": seed, "criterion": score.__doc__, "points": points,
                      **provenance(commit)})
    return path


def summarize(folder: Path) -> dict:
    """Every seed file of folder -> each point's mean score over seeds and the chosen point."""
    files = sorted(folder.glob("seed_*.json"))
    if not files:
        raise ConfigError(f"{folder}: no seed_*.json (write them with stages/words_key_selection.py)")
    runs = [read_json(f) for f in files]
    keys = [tuple(p[k] for k in GRID) for p in runs[0]["points"]]
    for f, run in zip(files, runs):
        if [tuple(p[k] for k in GRID) for p in run["points"]] != keys or run["word_specs"] != runs[0]["word_specs"]:
            raise ConfigError(f"{f}: another grid or word list than {files[0]}; keep one selection a folder")
    points = []
    for i, key in enumerate(keys):
        scores = [run["points"][i]["score"] for run in runs]
        points.append({**dict(zip(GRID, key)), "mean": statistics.fmean(scores),
                       "std": statistics.stdev(scores) if len(scores) > 1 else 0.0,
                       **{v: statistics.fmean(run["points"][i]["accuracy"][v]["test"] for run in runs)
                          for v in VARIANTS}})
    chosen = max(points, key=lambda p: p["mean"])   # max keeps the first of equal scores
    return {"word_specs": runs[0]["word_specs"], "backbone": runs[0]["backbone"],
            "seeds": [run["seed"] for run in runs], "points": points,
            "chosen": {k: chosen[k] for k in GRID}}


def markdown(summary: dict) -> str:
    lines = [f"Key selection for {METHOD} on {summary['word_specs']} ({summary['backbone']}, seeds "
             f"{summary['seeds']}); score = mean over {', '.join(VARIANTS)} of (after phase 1 + retention) / 2",
             "", "| rule | word | temperature | weight | score (mean ± std) | " + " | ".join(VARIANTS) + " (after phase 1) |",
             "|---|---|---|---|---|" + "---|" * len(VARIANTS)]
    for p in summary["points"]:
        mark = "**" if {k: p[k] for k in GRID} == summary["chosen"] else ""
        lines.append(f"| {mark}{p['rule']}{mark} | {p['word']} | {p['temperature']} | {p['weight']} | {p['mean']:.3f} ± {p['std']:.3f} | "
                     + " | ".join(f"{p[v]:.3f}" for v in VARIANTS) + " |")
    return "\n".join(lines) + "\n"
