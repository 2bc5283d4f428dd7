"""Image data for continual learning: which dataset, its verified copy, and loading it.

Datasets (`continual.dataset`):
- cifar10: CIFAR-10, fetched and read by cifar.py (either official version, MD5-checked).
- digits: scikit-learn's 8x8 digits (ships inside the package; SHA-256 of the arrays checked).

Images stay uint8 (NCHW) until a batch is used: the whole of CIFAR-10 is 184 MB that way, small
enough to live on the GPU. The task stream built from them is stream.py's.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hsokv.benchmarks.continual.cifar import CIFAR_CLASSES, fetch_cifar10, load_cifar10, md5
from hsokv.data.fetch import DataSourceError
from hsokv.io import atomic_dir

# sha256 of load_digits()'s images (float64 bytes) and labels (int64 bytes), scikit-learn 1.9.1.
DIGITS_SHA256 = {"images": "20def7f70a702f0af9732fbba4375e147a7d54fe70d8c45569b8e7c1c7010c10",
                 "target": "a3c91c262eddcf7ba8f0e37507c30284493c9b20412ffe4af30d536401f7ba21"}
DATASETS = ("cifar10", "digits")


@dataclass
class ImageSet:
    train_x: np.ndarray   # (N, C, H, W) uint8
    train_y: np.ndarray   # (N,) int64
    test_x: np.ndarray
    test_y: np.ndarray
    class_names: list[str]


def _sha256_array(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()



# -- digits ----------------------------------------------------------------------------------------
def export_digits(dest: Path) -> str:
    from sklearn.datasets import load_digits
    d = load_digits()
    got = {"images": _sha256_array(d.images), "target": _sha256_array(d.target.astype(np.int64))}
    bad = [k for k in got if got[k] != DIGITS_SHA256[k]]
    if bad:
        raise DataSourceError(f"sklearn.datasets.load_digits: {bad} differ from the recorded SHA-256 "
                              f"(got {got}, expected {DIGITS_SHA256}); the installed scikit-learn is not the pinned one")
    np.savez_compressed(dest / "digits.npz", images=d.images.astype(np.uint8), target=d.target.astype(np.int64))
    return "sklearn.datasets.load_digits (scikit-learn's copy of the UCI optical digits test set)"


def load_digits_set(folder: Path, test_fraction: float, split_seed: int = 0) -> ImageSet:
    """A fixed stratified split (independent of the run's seeds), so no test image is ever trained on.
    Pixel values 0-16 are scaled to 0-255 to share the uint8 pipeline with CIFAR."""
    path = Path(folder) / "digits.npz"
    if not path.is_file():
        raise DataSourceError(f"{path}: not found; run `dvc repro download_cifar` first")
    with np.load(path) as f:
        images, target = f["images"], f["target"]
    rng = np.random.default_rng(split_seed)
    is_test = np.zeros(len(target), dtype=bool)
    for c in np.unique(target):
        idx = rng.permutation(np.flatnonzero(target == c))
        is_test[idx[:int(round(len(idx) * test_fraction))]] = True
    x = np.round(images.astype(np.float32) * (255.0 / 16.0)).astype(np.uint8)[:, None]
    return ImageSet(x[~is_test], target[~is_test], x[is_test], target[is_test], [str(c) for c in range(10)])


# -- both --------------------------------------------------------------------------------------------
def fetch_images(dataset: str, dest: str | Path, mirrors: list[Path], allow_download: bool,
                 origin: str | None = None) -> dict:
    """Verified copies of `dataset` in `dest` (replaced only when complete); returns the manifest."""
    if dataset not in DATASETS:
        raise DataSourceError(f"continual.dataset: unknown dataset {dataset!r}; valid: {list(DATASETS)}")
    with atomic_dir(dest) as tmp:
        sub = Path(tmp) / dataset
        sub.mkdir(parents=True)
        source = (fetch_cifar10(sub, mirrors, allow_download, origin=origin) if dataset == "cifar10"
                  else export_digits(sub))
        files = sorted(p for p in sub.rglob("*") if p.is_file())
        manifest = {"dataset": dataset, "source": source,
                    "files": {str(p.relative_to(tmp)): md5(p) for p in files}}
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def load_images(dataset: str, folder: str | Path, test_fraction: float = 0.25) -> ImageSet:
    folder = Path(folder)
    manifest = folder / "manifest.json"
    if manifest.is_file():
        have = json.loads(manifest.read_text(encoding="utf-8")).get("dataset")
        if have != dataset:
            raise DataSourceError(f"{folder} holds {have!r}, but continual.dataset is {dataset!r}; "
                                  "run `dvc repro download_cifar` to fetch it")
    if dataset == "cifar10":
        return ImageSet(*load_cifar10(folder / "cifar10"), list(CIFAR_CLASSES))
    return load_digits_set(folder / "digits", test_fraction)
