"""The meaning search's input (issue 21, problem (c)): for each seed, H-SOKV's phase-1 training
stories and the items it is scored on as ids into a table of frozen sentence vectors (all-MiniLM-L6-v2),
in one safetensors file, so a trial never runs the encoder.

The items:
- `validation`: the recognition validation stories (one held-out training-wording usage of each
  phase-1 word that has two or more; hsokv.benchmarks.words.data) with the word replaced by MASK:
  the cloze task on usages training never showed, carved from the training words' usages, never
  from any test split. Its wording is the training one, so it is easier than the cloze test.
- `test`: the cloze test items of the phase-1 words (test-only wordings, word masked), scored
  once per search with the chosen config; `recall`: the recall test items (a paraphrase of the
  definition), reported beside it, never selected on.
Cloze is the task selected on: the one with the most headroom above chance on frozen MiniLM
(H-SOKV one-shot 0.148; recall 0.194, comprehension 0.621 of chance 0.25) whose query form
(a usage without the word) can be carved from training usages; recall's (a re-worded
definition) cannot, since training shows each definition in one wording only.

Layout: per seed `<seed>/table` (row 0 = padding), `<seed>/train_{ids,probes,labels}`,
`<seed>/{validation,test,recall}_{ids,labels,exposures}`, `<seed>/label_domains`; every id
tensor is padded with 0.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from hsokv.benchmarks.words.data import SyntheticSplits, build_splits
from hsokv.benchmarks.words.inputs import SentenceEncoder, SentenceInputs
from hsokv.benchmarks.words.items import Item
from hsokv.benchmarks.words.methods import METHODS
from hsokv.benchmarks.words.objective import SearchTask
from hsokv.benchmarks.words.tasks import MASK, replace_word, task_items
from hsokv.benchmarks.words.tensors import label_domains
from hsokv.config import DataConfig
from hsokv.errors import HsokvError

EVALS = ("validation", "test", "recall")


class MeaningDataError(HsokvError):
    """The meaning search's vectors file is missing or holds other seeds."""


@dataclasses.dataclass(frozen=True)
class FrozenTable:
    """A seed's sentence vectors as the MiniLM path's H-SOKV reads them (SentenceInputs' fields)."""
    table: torch.Tensor
    pretrained: bool = True

    @property
    def dim(self) -> int:
        return int(self.table.shape[1])


@dataclasses.dataclass
class MeaningTask(SearchTask):
    inputs: FrozenTable | None = None
    recall: tuple = ()   # (ids, labels, exposures) of the recall test: reported, never selected on


def minilm_hsokv(task: MeaningTask, cfg, device) -> torch.nn.Module:
    """The very model the protocol's hsokv method builds on these sentence vectors (SearchTask.make_model)."""
    return METHODS.get("hsokv")(task.vocab_size, task.num_labels, cfg.data.max_length, cfg, device, None,
                                inputs=task.inputs).model


def search_items(splits: SyntheticSplits) -> dict[str, list[Item]]:
    """The validation, test and recall items of one seed (see the module's docstring)."""
    masked = [dataclasses.replace(it, text=replace_word(it.text, splits.words[it.label], MASK))
              for it in splits.validation]
    return {"validation": masked, "test": task_items(splits, "cloze")["test"],
            "recall": task_items(splits, "recall")["test"]}


def encode_seeds(specs, cfg, seeds: list[int], encoder: SentenceEncoder, path: Path) -> dict:
    """Build each seed's splits (data.*, synthetic.candidates) and write their vectors to `path`;
    returns the number of items per split of the first seed. Sentences shared by seeds are encoded once."""
    tensors, sizes = {}, None
    for seed in seeds:
        splits = build_splits(specs, cfg.data, seed, cfg.synthetic.candidates)
        items = search_items(splits)
        # only what the search reads: phase 2, retention and the other tasks are never encoded
        needed = dataclasses.replace(splits, train_phase2=[], test=[], validation=[], test_phase2=[], retention=[],
                                     tasks={"search": items})
        inputs = SentenceInputs(encoder, needed)
        train = splits.train_phase1
        tensors.update({f"{seed}/table": inputs.table, f"{seed}/label_domains": label_domains(splits),
                        f"{seed}/train_ids": inputs([it.text for it in train]),
                        f"{seed}/train_probes": inputs([it.probe for it in train]),
                        f"{seed}/train_labels": torch.tensor([it.label for it in train])})
        for name, its in items.items():
            tensors.update({f"{seed}/{name}_ids": inputs([it.text for it in its]),
                            f"{seed}/{name}_labels": torch.tensor([it.label for it in its]),
                            f"{seed}/{name}_exposures": torch.tensor([it.exposures for it in its])})
        sizes = sizes or {"words": len(splits.words), "train": len(train), **{k: len(v) for k, v in items.items()},
                          "sentences": len(inputs.table) - 1}
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(path))
    return sizes


def load_task(path: str | Path, seed: int, cfg) -> MeaningTask:
    """One seed's task for hsokv.benchmarks.words.objective's trials. `cfg` gives the model, memory
    and train defaults; data.max_length becomes the stories' width in sentences (what memory keeps
    per entry) and memory.capacity the number of training queries: neither changes what the
    model computes (no story is longer, nothing is evicted), both shrink what a trial copies."""
    path = Path(path)
    if not path.is_file():
        raise MeaningDataError(f"{path}: not found; run `dvc repro meaning_vectors`")
    t = load_file(str(path))
    if f"{seed}/table" not in t:
        have = sorted({int(k.split("/")[0]) for k in t})
        raise MeaningDataError(f"{path} holds seeds {have}, not {seed}; rerun the meaning_vectors stage "
                               "(search_meaning.seeds changed)")
    g = lambda name: t[f"{seed}/{name}"]   # noqa: E731
    ids, probes, labels = g("train_ids"), g("train_probes"), g("train_labels")
    width = max(ids.shape[1], probes.shape[1])
    # a data section of its own: the search reads no other data.* key. model_construct: the width in
    # sentences (~4) is below the lowest story length in tokens that data.max_length allows (16), and
    # every key-refresh at the end of an epoch pays for each padding position
    cfg = cfg.model_copy(update={"data": DataConfig.model_construct(max_length=width),
                                 "memory": cfg.memory.model_copy(update={"capacity": 2 * len(labels)})})
    evals = {name: (g(f"{name}_ids"), g(f"{name}_labels"), g(f"{name}_exposures")) for name in EVALS}
    return MeaningTask(cfg, len(g("table")), len(g("label_domains")), (ids, probes, labels, torch.arange(len(labels))),
                       evals["validation"], evals["test"], g("label_domains"), make_model=minilm_hsokv,
                       inputs=FrozenTable(g("table")), recall=evals["recall"])
