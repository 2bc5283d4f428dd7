"""The word benchmark's research runs on one backbone, in one process, for results committed as
JSON (stage words_research aggregates them): a backbone such as mpnet is optional
(requirements-research.txt), so no dvc stage may need it.

For the given preset (default `research`: its seeds; the data, synthetic and memory sections of
the params file), the splits are built in memory exactly as prepare_synthetic builds them, every
method runs every seed through the protocol's run_seed, and each sentence is encoded once by the
frozen backbone for the whole run (hsokv.benchmarks.words.inputs caches the vectors per process).
On a pretrained backbone the frozen ceiling (hsokv.benchmarks.words.ceiling) is written too.

    python -m stages.words_research_runs --backbone mpnet --methods hsokv_sentences,hsokv,finetune,knn \
        --out research/words --vectors results/vectors/mpnet.safetensors --commit $(git rev-parse HEAD)
    python -m stages.words_research_runs --backbone text --methods lookup,bm25 --out research/words ...

(stages/words_research_runs.py builds the backbone's encoder from GLUE's registry: a benchmark
never imports another.)

writes <out>/<backbone>/<method>.json ({method, backbone, preset, config, seeds: run_seed's results,
commit, torch, machine}) and <out>/<backbone>/ceiling.json.
"""
from __future__ import annotations

import platform
import time
from functools import partial
from pathlib import Path

import torch

from hsokv.benchmarks.words.ceiling import frozen_ceiling
from hsokv.benchmarks.words.data import build_splits
from hsokv.benchmarks.words.inputs import SentenceEncoder, VectorFile, sentence_vectors
from hsokv.benchmarks.words.methods import METHODS
from hsokv.benchmarks.words.protocol import run_seed
from hsokv.benchmarks.words.research_report import LEXICAL
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.config import ConfigError, PipelineConfig, as_dict, read_params, resolve
from hsokv.io import write_json



def research_config(params_path: str, preset: str, seeds: list[int] | None = None,
                    word_specs: str | None = None) -> PipelineConfig:
    """The params file's config at `preset`, with the seeds and the word list given instead of its own."""
    params = read_params(params_path)
    overrides = {"preset": preset, **({"seeds": seeds} if seeds else {}),
                 **({"data": {**params.get("data", {}), "word_specs": word_specs}} if word_specs else {})}
    return resolve({**params, **overrides}, params_path)


def provenance(commit: str) -> dict:
    return {"commit": commit, "torch": torch.__version__, "threads": torch.get_num_threads(),
            "machine": f"{platform.machine()} {platform.processor() or platform.system()}".strip()}


def _compact(result: dict) -> dict:
    """run_seed's result without the per-step history (the last step, which holds the memory size, stays)."""
    return {**result, "history": result["history"][-1:]}


def run(cfg: PipelineConfig, backbone: SentenceEncoder | str, methods: list[str], out: Path, commit: str, log=print,
        vectors: Path | None = None) -> None:
    """vectors: a file of frozen sentence vectors (inputs.save_vectors): read if it exists, written at the end."""
    for method in methods:
        if method not in METHODS:
            raise ConfigError(f"--methods: {method!r} is unknown; known methods: {sorted(METHODS)}")
    specs = load_word_specs(cfg.data.word_specs)
    backbone_name = backbone if isinstance(backbone, str) else backbone.name
    if backbone_name != LEXICAL and isinstance(backbone, str):
        raise ConfigError(f"backbone {backbone!r}: give the lexical controls' {LEXICAL!r} or a SentenceEncoder")
    folder = out / backbone_name
    folder.mkdir(parents=True, exist_ok=True)
    cache = VectorFile(vectors if backbone != LEXICAL else None, backbone_name)
    if cache.count:
        log(f"{vectors}: {cache.count} {backbone_name} sentence vectors")
    if backbone != LEXICAL:
        start = time.perf_counter()
        ceiling = frozen_ceiling(specs, partial(sentence_vectors, backbone), cfg.synthetic.candidates)
        write_json(folder / "ceiling.json", {"backbone": backbone_name, "word_specs": str(cfg.data.word_specs),
                                             "ceiling": ceiling, "wall_seconds": time.perf_counter() - start,
                                             **provenance(commit)})
        log(f"{backbone_name} frozen ceiling: {ceiling}")
    splits = {seed: build_splits(specs, cfg.data, seed, cfg.synthetic.candidates) for seed in cfg.seeds}
    for method in methods:
        results = []
        for seed in cfg.seeds:
            # Tokenizer: only the scratch backbone reads token ids, and this runner has none.
            r = run_seed(method, splits[seed], None, cfg, seed, count_flops=False, backbone=backbone)
            results.append(_compact(r))
            log(f"{backbone_name}/{method} seed {seed}: one-shot "
                + " ".join(f"{t} {d['test']['one_shot_accuracy']:.3f}" for t, d in r["tasks"].items())
                + f" ({r['wall_seconds']:.0f}s)")
        write_json(folder / f"{method}.json", {"method": method, "backbone": backbone_name, "preset": cfg.preset,
                                               "word_specs": str(cfg.data.word_specs), "config": as_dict(cfg),
                                               "seeds": results, **provenance(commit)})
        cache.save()
