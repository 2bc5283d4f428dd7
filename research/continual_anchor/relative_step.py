"""How far 20 SGD steps (lr 0.03, batch 32, the first task's two classes of CIFAR-10's first training
batch, no augmentation) move each convolution relative to its initial norm, for torchvision's initial
weights (`resnet18`) and PyTorch's defaults (`resnet18_default_init`, Mammoth's). Run from the repository
root on the CPU: `python research/continual_anchor/relative_step.py [MIRROR]` (MIRROR holds cifar10/,
default ../shared/data)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hsokv.benchmarks.continual.backbones import make_image_model
from hsokv.benchmarks.continual.cifar import read_cifar_bin

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2615)


def first_task(mirror: Path, n: int = 640) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = read_cifar_bin(mirror / "cifar10/cifar-10-batches-bin/data_batch_1.bin")
    x, y = torch.tensor(images).float() / 255, torch.tensor(labels)
    keep = y < 2
    x = (x[keep][:n] - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    return x, y[keep][:n]


def main(mirror: Path) -> None:
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    x, y = first_task(mirror)
    for name in ("resnet18", "resnet18_default_init"):
        torch.manual_seed(0)
        model = make_image_model(name, 3, 10)
        convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
        start = [c.weight.detach().clone() for c in convs]
        opt = torch.optim.SGD(model.parameters(), lr=0.03)
        for step in range(20):
            batch = slice(32 * step, 32 * step + 32)
            loss = F.cross_entropy(model(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        moved = [((c.weight - w).norm() / w.norm()).item() for c, w in zip(convs, start)]
        print(f"{name}: median over the {len(convs)} convolutions of |w_20 - w_0| / |w_0| = {np.median(moved):.4f}; "
              f"initial median |w_0| = {np.median([w.norm().item() for w in start]):.2f}; last batch's loss {loss.item():.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data"))
