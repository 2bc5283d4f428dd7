"""The word protocol's runs, side by side: every (method, seed) of the synthetic stage and every
(variant, seed) of the ablation stage is one run (run_seed), handed to `workers` spawned processes
of `threads` torch threads each when workers > 1, else run here in order.

Why processes: the demo's models are small (1 layer, 64 wide), so torch's two threads on a
2-core machine wait on each other at every small matrix product. Measured on 2 cores (hsokv, demo
data, one seed): one process of 2 threads 13.9 s; two processes of 1 thread 20.4 s each, side by
side (two seeds in 20.4 s instead of 27.8); two processes of 2 threads 86 s each (oversubscribed:
never do that). Every run starts from its own seed, so its figures do not depend on the worker it
ran in or on what ran before it there (tests/benchmarks/words/test_words_runs.py).
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hsokv.benchmarks.words.ablations import ablation_config
from hsokv.benchmarks.words.data import SPLIT_PARAMS, build_splits, load_prepared
from hsokv.benchmarks.words.inputs import (SentenceEncoder, load_vectors, save_vectors, sentence_vectors,
                                           split_sentences, statement_form_lists)
from hsokv.benchmarks.words.methods import METHODS
from hsokv.benchmarks.words.protocol import run_seed
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.config import read_params, restrict
from hsokv.errors import BackboneError
from hsokv.jobs import set_threads, starmap_spawned
from hsokv.live import open_live, step_logger
from hsokv.tokenizer import fit_tokenizer


def input_of(method: str, backbone: str) -> str:
    """What `method` reads: the lexical controls always read text, every other method `backbone`."""
    return "text" if tuple(METHODS.get(method).backbones) == ("text",) else backbone


def side_by_side(fn, arg_tuples: list[tuple], workers: int, threads: int | None, start=set_threads,
                 start_args: tuple = ()) -> list:
    """[fn(*args) for args in arg_tuples], in that order; when workers > 1 in that many spawned
    processes, each started by start(threads, *start_args) (threads None: torch's default, which
    oversubscribes)."""
    if workers <= 1:
        return [fn(*args) for args in arg_tuples]
    return starmap_spawned(fn, arg_tuples, max(1, min(workers, len(arg_tuples))), start, (threads, *start_args))


@dataclass(frozen=True)
class MethodRun:
    """One run of the synthetic stage: `method` on `seed`'s prepared splits (data_dir), its DVCLive
    log under live_dir/seed_<n>, and with `models` set the trained model saved to models/seed_<n>."""
    method: str
    seed: int
    data_dir: Path
    live_dir: Path
    models: Path | None = None


def run_method(run: MethodRun, cfg, backbone) -> dict:
    """run_seed for one MethodRun (a spawned worker's unit: everything it needs is in its arguments)."""
    splits, tokenizer = load_prepared(run.data_dir, run.seed)
    source = input_of(run.method, backbone if isinstance(backbone, str) else "pretrained")

    def save(method):
        method.model.save_pretrained(run.models / f"seed_{run.seed}", tokenizer,
                                     {"seed": run.seed, "preset": cfg.preset})

    with open_live(run.live_dir / f"seed_{run.seed}") as live:
        # The controls compute no matrix products worth counting; the counter would slow them 20x.
        result = run_seed(run.method, splits, tokenizer, cfg, run.seed, step_logger(live), count_flops=source != "text",
                          on_done=save if run.models is not None else None,
                          backbone="text" if source == "text" else backbone)
        for key in ("one_shot_accuracy", "accuracy"):
            live.log_metric(f"test/{key}", result["test"][key], plot=False)
        live.log_metric("retention", result["retention"]["accuracy"], plot=False)
    tasks = " ".join(f"{t} {r['test']['one_shot_accuracy']:.3f}" for t, r in result["tasks"].items())
    print(f"{result['backbone']}/{run.method} seed {run.seed}: one-shot {tasks}; recognition retention "
          f"{result['retention']['accuracy']:.3f} ({result['wall_seconds']:.1f}s on {result['device']})", flush=True)
    return result


def run_methods(runs: list[MethodRun], cfg, backbone, workers: int = 1, threads: int | None = None) -> list[dict]:
    """run_method over `runs`, results in their order. With a pretrained backbone and workers > 1,
    this process first encodes every sentence of the runs' seeds once (the demo's 14,900 MiniLM
    sentences: ~32 s on 2 cores) and hands the vectors to the workers in a file."""
    if isinstance(backbone, str) or workers <= 1:
        return side_by_side(run_method, [(r, cfg, backbone) for r in runs], workers, threads)
    seeds = dict.fromkeys(r.seed for r in runs)
    found = split_sentences(*(load_prepared(runs[0].data_dir, seed)[0] for seed in seeds))
    sentence_vectors(backbone, found)
    # apart: a batch's padding can move an encoder's vectors in their last bits, so the stories'
    # sentences are encoded in the batches they always were
    for forms in statement_form_lists(found):
        sentence_vectors(backbone, forms)
    with tempfile.TemporaryDirectory() as tmp:
        vectors = Path(tmp) / "vectors.safetensors"
        save_vectors(vectors, backbone.name)
        encoded = SentenceEncoder(backbone.name, backbone.dim, _encoded_already)   # picklable: no model in it
        return side_by_side(run_method, [(r, cfg, encoded) for r in runs], workers, threads, _start_worker,
                            (str(vectors), backbone.name))


def _start_worker(threads: int | None, vectors: str, backbone: str) -> None:
    set_threads(threads)
    load_vectors(vectors, backbone)


def _encoded_already(texts: list[str]):
    raise BackboneError(f"{len(texts)} sentences were not among the vectors the parent process encoded, "
                        f"e.g. {texts[0]!r}: a run asked for text outside its seed's prepared splits")


# H-SOKV on splits it builds itself, at ablation.preset's size (every preset's data/model/train parts).
ABLATION_READS = ("seeds", "device", *SPLIT_PARAMS, "model", "memory", "train", "eval", "ablation.preset",
                  "synthetic.tasks")


def variant_config(params: str, variant: str):
    """The config a variant runs with (an unknown variant is refused here, before any work)."""
    return restrict(ablation_config(read_params(params), variant, params), ABLATION_READS)


def run_variant(params: str, variant: str, seed: int, live_dir: Path) -> dict:
    """One ablation variant on one seed: H-SOKV on splits built here at ablation.preset's size."""
    cfg = variant_config(params, variant)
    splits = build_splits(load_word_specs(cfg.data.word_specs), cfg.data, seed, cfg.synthetic.candidates)
    with open_live(live_dir / f"seed_{seed}") as live:
        # `synthetic` reports H-SOKV's FLOPs; counting them here too would double the run time of
        # the small ablation models.
        result = run_seed("hsokv", splits, fit_tokenizer(splits.training_text()), cfg, seed, step_logger(live),
                          count_flops=False)
    print(f"{variant} seed {seed}: one-shot {result['test']['one_shot_accuracy']:.3f} "
          f"retention {result['retention']['accuracy']:.3f} memory {result['history'][-1]['memory_size']}", flush=True)
    return result
