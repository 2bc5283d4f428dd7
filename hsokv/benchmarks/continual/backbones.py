"""Image backbones for continual learning, by name (`continual.backbone`).

Each is an `ImageClassifier`: `features(x)` gives the vector the memory keys on (and NCM / kNN
readouts compare), `head` maps it to one logit per class of the whole stream (a single head, as
class-incremental learning needs).
- resnet18: torchvision's ResNet-18 adapted to 32x32 inputs as in Mammoth/DER: a 3x3 stride-1
  first convolution and no max-pool, so the last stage still sees 4x4 maps. Random init, torchvision's:
  Kaiming-normal (fan-out) weights on every convolution after the first.
- resnet18_default_init: the same network with every layer at PyTorch's default initialisation, as
  Mammoth's ResNet-18 (the DER paper's code) leaves it. Its convolution weights are ~2x smaller than
  torchvision's; under batch norm without weight decay the step a weight takes is relative to its norm,
  so the same learning rate moves these weights further (issue 18's anchor check).
- small_cnn: three 3x3 conv blocks (32, 64, 128 channels) and global average pooling; for the
  quick_test/demo presets on the CPU.
"""
from __future__ import annotations

import torch
from torch import nn

from hsokv.registry import Registry

BACKBONES = Registry("continual backbone")


class ImageClassifier(nn.Module):
    def __init__(self, body: nn.Module, feature_dim: int, num_classes: int):
        super().__init__()
        self.body, self.feature_dim = body, feature_dim
        self.head = nn.Linear(feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor, with_features: bool = False):
        """Logits, or (logits, features) from the same pass (hsokv's feature distillation)."""
        h = self.features(x)
        return (self.head(h), h) if with_features else self.head(h)


@BACKBONES.register("resnet18")
def resnet18(in_channels: int) -> tuple[nn.Module, int]:
    from torchvision.models import resnet18 as tv_resnet18
    net = tv_resnet18(weights=None)
    net.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
    net.maxpool = nn.Identity()
    net.fc = nn.Identity()
    return net, 512


@BACKBONES.register("resnet18_default_init")
def resnet18_default_init(in_channels: int) -> tuple[nn.Module, int]:
    net, dim = resnet18(in_channels)
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.BatchNorm2d)):
            module.reset_parameters()
    return net, dim


@BACKBONES.register("small_cnn")
def small_cnn(in_channels: int) -> tuple[nn.Module, int]:
    def block(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())
    body = nn.Sequential(block(in_channels, 32), nn.MaxPool2d(2), block(32, 64), nn.MaxPool2d(2), block(64, 128),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten())
    return body, 128


def make_image_model(name: str, in_channels: int, num_classes: int) -> ImageClassifier:
    body, dim = BACKBONES.get(name)(in_channels)
    return ImageClassifier(body, dim, num_classes)
