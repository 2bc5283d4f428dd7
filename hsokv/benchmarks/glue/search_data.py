"""The SST-2 search problem's input: every seed's 16-shot train/dev sets and GLUE's SST-2 dev set
(the test set here) as frozen MiniLM vectors, in one safetensors file.

Layout: `test_x`, `test_y`, `label` (the label sentences' vectors), and `<seed>/train_x`,
`<seed>/train_y`, `<seed>/dev_x`, `<seed>/dev_y` for each seed. Vectors are unit length.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from hsokv.benchmarks.glue.batches import Batches
from hsokv.benchmarks.glue.data import load_few_shot
from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.search import Sst2Objective, VectorTask
from hsokv.errors import GlueDataError


def encode_seeds(raw: Path, seeds: list[int], cfg, path: Path, make_backbone: Callable) -> dict:
    """Encode each seed's splits from `raw` (hsokv.benchmarks.glue.data.prepare's folder) -> `path`;
    returns the number of examples per split."""
    g, tensors, backbone, encoder = cfg.glue, {}, None, None
    for seed in seeds:
        splits = load_few_shot(raw, "SST-2", seed, g.k, g.k_shot_source)
        if backbone is None:   # one pretrained encoder for every seed: its vectors do not depend on the sample
            backbone = make_backbone(splits.train)
            train = Batches(backbone.tokenize(splits.train), [e.label for e in splits.train])
            encoder = FrozenEncoder.of_backbone(backbone, train, cfg, torch.device("cpu"))
            tensors["label"] = F.normalize(encoder.sentences(list(splits.task.label_sentences)), dim=-1)
            test = splits.evals["dev"]
            tensors["test_x"] = F.normalize(encoder.vectors(backbone.tokenize(test)), dim=-1)
            tensors["test_y"] = torch.tensor([e.label for e in test])
        for name, examples in (("train", splits.train), ("dev", splits.dev)):
            tensors[f"{seed}/{name}_x"] = F.normalize(encoder.vectors(backbone.tokenize(examples)), dim=-1)
            tensors[f"{seed}/{name}_y"] = torch.tensor([e.label for e in examples])
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(path))
    return {"train": len(tensors[f"{seeds[0]}/train_y"]), "dev": len(tensors[f"{seeds[0]}/dev_y"]),
            "test": len(tensors["test_y"])}


def load_task(path: str | Path, seed: int) -> VectorTask:
    path = Path(path)
    if not path.is_file():
        raise GlueDataError(f"{path}: not found; run `dvc repro sst2_vectors`")
    t = load_file(str(path))
    if f"{seed}/train_x" not in t:
        have = sorted({k.split("/")[0] for k in t if "/" in k}, key=int)
        raise GlueDataError(f"{path} holds seeds {have}, not {seed}; rerun the sst2_vectors stage "
                            "(search_sst2.seeds changed)")
    return VectorTask(t[f"{seed}/train_x"], t[f"{seed}/train_y"], t[f"{seed}/dev_x"], t[f"{seed}/dev_y"],
                      t["test_x"], t["test_y"], t["label"])


def seed_objective(path: str | Path, seed: int) -> Sst2Objective:
    """A seed's search problem (hsokv.search_runs): LM-BFF's sample `seed` of the cached vectors."""
    return Sst2Objective(load_task(path, seed))
