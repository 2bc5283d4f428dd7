"""Word-level tokenizer (HF `tokenizers`), fitted on training text only; unseen words map to [UNK]."""
from __future__ import annotations

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

PAD, UNK = "[PAD]", "[UNK]"


def _normalizer() -> normalizers.Normalizer:
    return normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])


def _pre_tokenizer() -> pre_tokenizers.PreTokenizer:
    # Words stay whole (invented words are the thing being learned); punctuation splits off.
    return pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])


def fit_tokenizer(texts: list[str]) -> Tokenizer:
    tok = Tokenizer(models.WordLevel(unk_token=UNK))
    tok.normalizer = _normalizer()
    tok.pre_tokenizer = _pre_tokenizer()
    tok.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=[PAD, UNK], min_frequency=1))
    return tok


_SPLITTER = (_normalizer(), _pre_tokenizer())


def split_words(text: str) -> list[str]:
    """The tokens a fitted tokenizer turns `text` into (as strings, before the vocabulary lookup):
    what word specs are checked against without fitting anything."""
    normalizer, pre_tokenizer = _SPLITTER
    return [piece for piece, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))]


def encode_batch(tok: Tokenizer, texts: list[str], max_length: int) -> list[list[int]]:
    return [enc.ids[:max_length] for enc in tok.encode_batch(texts)]
