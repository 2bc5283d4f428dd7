"""Checkpoint directories in the Hugging Face layout, loaded without ever running pickled code.

    config.json            what the model is (written by the model: sizes, its config sections)
    model.safetensors      the model's weights
    kv_memory.safetensors  the memory's state_dict (hsokv.episodic: filled, counts, keys, value_<name>);
                           kv_memory.json says what it holds, for humans
    tokenizer.json         the HF `tokenizers` tokenizer the model was trained with

This module knows the folder format, not any model class: a model turns itself into (config,
weights, memory) and back (hsokv.model: save_pretrained / load_pretrained). Everything is
safetensors or JSON. A file that is a pickle (or a torch.save zip, which holds one) is refused
before anything reads it, and so is a truncated file or a tokenizer whose vocabulary does not
match config.json's `vocab_size`; each error names the file.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from pydantic import ValidationError
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer

from hsokv.config import MemoryConfig, ModelConfig
from hsokv.episodic import EpisodicMemory
from hsokv.errors import CheckpointError
from hsokv.io import atomic_dir

FILES = ("config.json", "model.safetensors", "kv_memory.safetensors", "tokenizer.json")
FORMAT = "hsokv-checkpoint"
VERSION = 2  # 2: the memory is an EpisodicMemory's state_dict (1 held KeyValueMemory's tensors)


def save_checkpoint(directory: str | Path, config: dict, weights: dict[str, torch.Tensor], memory: EpisodicMemory,
                    tokenizer: Tokenizer) -> Path:
    """Write the checkpoint directory atomically (a temporary directory, then a rename)."""
    directory = Path(directory)
    with atomic_dir(directory) as tmp:
        config = {"format": FORMAT, "version": VERSION, **config}
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        save_file({k: v.detach().contiguous().cpu() for k, v in weights.items()}, str(tmp / "model.safetensors"))
        save_file({k: v.contiguous().cpu() for k, v in memory.state_dict().items()}, str(tmp / "kv_memory.safetensors"))
        meta = {"capacity": memory.capacity, "key_dim": memory.key_dim, "values": list(memory.value_names),
                "entries": len(memory), "writes": memory.writes, "evictions": memory.evictions,
                "deletions": memory.deletions}
        (tmp / "kv_memory.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        tokenizer.save(str(tmp / "tokenizer.json"))
    return directory


def _refuse_pickle(path: Path) -> None:
    """A safetensors file starts with an 8-byte header length and then '{'; JSON with '{'. A pickle
    starts with 0x80 and its protocol, a torch.save file is a zip ('PK')."""
    head = path.read_bytes()[:9]
    offset = 8 if path.suffix == ".safetensors" else 0
    if head[offset:offset + 1] == b"{":
        return
    if head[:2] == b"PK" or (len(head) > 1 and head[0] == 0x80 and 2 <= head[1] <= 5):
        raise CheckpointError(f"{path}: a pickle / torch.save payload; hsokv loads only safetensors and JSON, "
                              "never pickled code. Re-save the model with its save_pretrained")


def _tensors(path: Path, device) -> dict[str, torch.Tensor]:
    _refuse_pickle(path)
    try:
        return load_file(str(path), device=str(device))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{path}: not a readable safetensors file (truncated or corrupt?): {err}") from None


SIZES = ("vocab_size", "num_labels", "max_length")
SECTIONS = {"model": ModelConfig, "memory": MemoryConfig}


def _read_config(path: Path) -> tuple[dict, ModelConfig, MemoryConfig]:
    """config.json, checked key by key (it is the one file a person is likely to edit), and its
    model and memory sections as validated config objects."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: expected a JSON object, got a {type(config).__name__}")
    if config.get("format") != FORMAT or config.get("version") != VERSION:
        raise CheckpointError(f"{path}: format {config.get('format')!r} version "
                              f"{config.get('version')!r}; expected {FORMAT!r} version {VERSION}")
    missing = [k for k in (*SIZES, *SECTIONS) if k not in config]
    if missing:
        raise CheckpointError(f"{path}: missing key(s) {missing}; save_pretrained writes {[*SIZES, *SECTIONS]}")
    for key in SIZES:
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CheckpointError(f"{path}: {key} must be a positive integer (got {value!r})")
    sections = {}
    for key, section in SECTIONS.items():
        if not isinstance(config[key], dict):
            raise CheckpointError(f"{path}: {key} must be an object (got {config[key]!r})")
        try:
            sections[key] = section(**config[key])
        except ValidationError as err:
            problems = "; ".join(f"{key}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
            raise CheckpointError(f"{path}: {problems}") from None
    return config, sections["model"], sections["memory"]


def load_checkpoint(directory: str | Path, device: str | torch.device = "cpu"
                    ) -> tuple[dict, dict[str, torch.Tensor], EpisodicMemory, Tokenizer]:
    """(config, weights, memory, tokenizer) from a directory written by save_checkpoint."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CheckpointError(f"{directory}: no such checkpoint directory")
    missing = [f for f in FILES if not (directory / f).is_file()]
    if missing:
        raise CheckpointError(f"{directory}: missing {', '.join(missing)}; a checkpoint holds {', '.join(FILES)}")
    for name in FILES:
        _refuse_pickle(directory / name)
    config, _, memory_cfg = _read_config(directory / "config.json")
    try:
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    except Exception as err:  # the tokenizers library raises a bare Exception on bad files
        raise CheckpointError(f"{directory / 'tokenizer.json'}: not a readable tokenizer ({err})") from None
    if tokenizer.get_vocab_size() != config["vocab_size"]:
        raise CheckpointError(f"{directory / 'tokenizer.json'}: vocabulary of {tokenizer.get_vocab_size()} tokens, but "
                              f"the model was trained with {config['vocab_size']}: tokenizer and model do not match")
    weights = _tensors(directory / "model.safetensors", device)
    try:
        memory = EpisodicMemory.from_state_dict(_tensors(directory / "kv_memory.safetensors", device),
                                                memory_cfg.eviction)
    except (ValueError, RuntimeError) as err:
        raise CheckpointError(f"{directory / 'kv_memory.safetensors'}: not an hsokv memory ({err})") from None
    return config, weights, memory, tokenizer
