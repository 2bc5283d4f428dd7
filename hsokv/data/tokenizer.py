"""Word-level tokenizer (HF `tokenizers`), fitted on training text only; unseen words map to [UNK]."""
from __future__ import annotations

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

PAD, UNK = "[PAD]", "[UNK]"


def fit_tokenizer(texts: list[str]) -> Tokenizer:
    tok = Tokenizer(models.WordLevel(unk_token=UNK))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    # Words stay whole (invented words are the thing being learned); punctuation splits off.
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=[PAD, UNK], min_frequency=1))
    return tok


def encode_batch(tok: Tokenizer, texts: list[str], max_length: int) -> list[list[int]]:
    return [enc.ids[:max_length] for enc in tok.encode_batch(texts)]
