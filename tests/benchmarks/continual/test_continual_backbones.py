import math

import pytest
import torch
from torch import nn

from hsokv.benchmarks.continual.backbones import BACKBONES, make_image_model


def convs(model):
    return [m for m in model.modules() if isinstance(m, nn.Conv2d)]


@pytest.mark.parametrize("name", ["resnet18", "resnet18_default_init", "small_cnn"])
def test_every_backbone_maps_a_cifar_batch_to_features_and_logits(name):
    torch.manual_seed(0)
    model = make_image_model(name, 3, 10)
    logits, features = model(torch.randn(2, 3, 32, 32), with_features=True)
    assert logits.shape == (2, 10) and features.shape == (2, model.feature_dim)


def test_default_init_differs_from_torchvision_only_in_the_initial_weights():
    """torchvision draws every convolution after the stem from N(0, 2 / fan_out); PyTorch's default
    (Mammoth's) from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), about 2.4x smaller in a 3x3, 64-channel layer."""
    torch.manual_seed(0)
    tv = make_image_model("resnet18", 3, 10)
    torch.manual_seed(0)
    default = make_image_model("resnet18_default_init", 3, 10)
    assert [p.shape for p in tv.parameters()] == [p.shape for p in default.parameters()]
    for conv in convs(default):
        fan_in = conv.weight[0].numel()
        assert conv.weight.abs().max() <= 1 / math.sqrt(fan_in) + 1e-7
    layer = tv.body.layer1[0].conv1.weight
    assert layer.std().item() == pytest.approx(math.sqrt(2 / (64 * 9)), rel=0.05)
    ratio = layer.std() / default.body.layer1[0].conv1.weight.std()
    assert ratio.item() == pytest.approx(math.sqrt(2 / (64 * 9)) * math.sqrt(3 * 64 * 9), rel=0.05)


def test_backbone_names_are_registered():
    assert {"resnet18", "resnet18_default_init", "small_cnn"} <= set(BACKBONES.names())
