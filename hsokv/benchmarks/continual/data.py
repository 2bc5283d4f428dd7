"""Image data for continual learning: fetching verified copies, loading them, building the stream.

Datasets (`continual.dataset`):
- cifar10: CIFAR-10 in either official version, each file checked against the MD5 its authors
  publish: the python version (`cifar-10-batches-py/`, or `cifar-10-python.tar.gz`) or the binary
  version (`cifar-10-batches-bin/`, or `cifar-10-binary.tar.gz`). Sources in order: each mirror
  (`data.mirror`, then $HSOKV_DATA_MIRROR) under `cifar10/`, then the official URL when
  `data.allow_download` is true. The python batches are pickles: they are read with an unpickler
  that can build only arrays and plain containers, so a tampered file cannot run code.
- digits: scikit-learn's 8x8 digits (ships inside the package; SHA-256 of the arrays checked).

Images stay uint8 (NCHW) until a batch is used: the whole of CIFAR-10 is 184 MB that way, small
enough to live on the GPU. The stream (`make_stream`) holds the classes in fixed order,
`classes_per_task` per task; each task has a training split, a validation split carved from the
training images (`val_per_class`, fixed, independent of the run's seeds, used for every choice of
hyperparameter) and the official test split, which is scored but never used to choose anything.
"""
from __future__ import annotations

import hashlib
import io
import json
import pickle
import shutil
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from hsokv.data.fetch import DataSourceError, official_url
from hsokv.io import atomic_dir


@dataclass(frozen=True)
class CifarFormat:
    """One official release of CIFAR-10: its folder, its archive and each member's MD5."""
    folder: str
    archive: str
    archive_md5: str
    url: str
    train: tuple[tuple[str, str], ...]
    test: tuple[str, str]
    meta: tuple[str, str]

    @property
    def files(self) -> dict[str, str]:
        return dict((*self.train, self.test, self.meta))


CIFAR_PYTHON = CifarFormat(
    "cifar-10-batches-py", "cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a",
    "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    (("data_batch_1", "c99cafc152244af753f735de768cd75f"), ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
     ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"), ("data_batch_4", "634d18415352ddfa80567beed471001a"),
     ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb")),
    ("test_batch", "40351d587109b95175f43aff81a1287e"), ("batches.meta", "5ff9c542aee3614f3951f8cda6e48888"))
CIFAR_BINARY = CifarFormat(
    "cifar-10-batches-bin", "cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530",
    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    (("data_batch_1.bin", "5dd7e06a14cb22eb9f671a540d1b7c25"), ("data_batch_2.bin", "5ea93a67294ea407fff1d09f752e9692"),
     ("data_batch_3.bin", "942cd6a4bcdd0dd3c604fbe906cb4421"), ("data_batch_4.bin", "ae636b3ba5c66a11e91e8cb52e771fcb"),
     ("data_batch_5.bin", "53f37980c15c3d472c316c40844f3f0d")),
    ("test_batch.bin", "803d5f7f4d78ea53de84dbe85f74fb6d"), ("batches.meta.txt", "728051cd483f366e254dddb25bead8b3"))
CIFAR_FORMATS = (CIFAR_PYTHON, CIFAR_BINARY)
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
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


def md5(path: str | Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_array(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


# -- fetching CIFAR-10 -------------------------------------------------------------------------------
def _take_folder(fmt: CifarFormat, folder: Path, out: Path, label: str, tried: list[str]) -> bool:
    missing = [name for name in fmt.files if not (folder / name).is_file()]
    if missing:
        tried.append(f"{label}: {folder} lacks {missing}")
        return False
    for name, want in fmt.files.items():
        got = md5(folder / name)
        if got != want:
            tried.append(f"{label}: {folder / name} fails its checksum (md5 {got}, expected {want})")
            return False
    (out / fmt.folder).mkdir(parents=True, exist_ok=True)
    for name in fmt.files:
        shutil.copyfile(folder / name, out / fmt.folder / name)
    return True


def _take_archive(fmt: CifarFormat, archive: Path, out: Path, scratch: Path, label: str, tried: list[str]) -> bool:
    got = md5(archive)
    if got != fmt.archive_md5:
        tried.append(f"{label}: {archive} fails its checksum (md5 {got}, expected {fmt.archive_md5}; "
                     "a truncated copy fails here)")
        return False
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(scratch, filter="data")
    except (tarfile.TarError, OSError, EOFError) as err:
        tried.append(f"{label}: {archive} could not be extracted ({err})")
        return False
    return _take_folder(fmt, scratch / fmt.folder, out, f"{label} (extracted)", tried)


def _download(url: str, to: Path) -> None:
    with urllib.request.urlopen(url, timeout=60) as response, open(to, "wb") as f:  # noqa: S310 (fixed https URL)
        shutil.copyfileobj(response, f)


def cifar_mirror_layouts() -> list[list[str]]:
    """What fetch_cifar10 accepts under a mirror root (each a one-path layout), for a check that copies nothing."""
    return [[f"{base}{name}"] for fmt in CIFAR_FORMATS for base in ("cifar10/", "") for name in (fmt.archive, fmt.folder)]


def fetch_cifar10(dest: Path, mirrors: list[Path], allow_download: bool, download=_download,
                  origin: str | None = None) -> str:
    """Verified CIFAR-10 files into dest/<format folder>; returns where they came from."""
    tried: list[str] = []
    scratch = dest / ".extract"
    for root in mirrors:
        if not root.is_dir():
            tried.append(f"mirror {root}: not a folder")
            continue
        found = False
        for fmt in CIFAR_FORMATS:
            for base in (root / "cifar10", root):
                if (base / fmt.archive).is_file():
                    found = True
                    ok = _take_archive(fmt, base / fmt.archive, dest, scratch, "mirror", tried)
                    shutil.rmtree(scratch, ignore_errors=True)
                    if ok:
                        return str(base / fmt.archive)
                if (base / fmt.folder).is_dir():
                    found = True
                    if _take_folder(fmt, base / fmt.folder, dest, "mirror", tried):
                        return str(base / fmt.folder)
        if not found:
            tried.append(f"mirror {root}: has none of " + ", ".join(
                f"cifar10/{f.archive}, cifar10/{f.folder}/" for f in CIFAR_FORMATS))
    if allow_download:
        for fmt in (CIFAR_BINARY, CIFAR_PYTHON):
            staging = dest / ".download"
            staging.mkdir(exist_ok=True)
            url = official_url(fmt.url, origin)
            try:
                download(url, staging / fmt.archive)
                if _take_archive(fmt, staging / fmt.archive, dest, scratch, f"download {url}", tried):
                    return url
            except OSError as err:  # URLError and socket errors are OSErrors
                tried.append(f"download {url}: failed ({err})")
            finally:
                shutil.rmtree(staging, ignore_errors=True)
                shutil.rmtree(scratch, ignore_errors=True)
    else:
        tried.append("download: not attempted (data.allow_download is false)")
    lines = "\n  ".join(tried) or "(no source configured)"
    raise DataSourceError(
        f"could not get a verified copy of CIFAR-10.\nTried:\n  {lines}\nProvide it in one of three ways: "
        f"put cifar10/{CIFAR_BINARY.folder}/ or cifar10/{CIFAR_BINARY.archive} (md5 {CIFAR_BINARY.archive_md5}) "
        f"or the python version (cifar10/{CIFAR_PYTHON.archive}, md5 {CIFAR_PYTHON.archive_md5}) under data.mirror "
        "(params.yaml) or $HSOKV_DATA_MIRROR; or set data.allow_download: true where the web is reachable; "
        "or run the offline stand-in with continual.dataset: digits.")


# -- reading CIFAR-10 ----------------------------------------------------------------------------------
class _SafeUnpickler(pickle.Unpickler):
    """Builds numpy arrays and plain containers only; any other global is refused."""
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a CIFAR batch holds arrays and lists only")
        return super().find_class(module.replace("numpy.core", "numpy._core"), name)


def read_cifar_batch(path: Path) -> dict:
    """One python-version batch as a dict with str keys."""
    try:
        with open(path, "rb") as f:
            batch = _SafeUnpickler(io.BytesIO(f.read()), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError) as err:
        raise DataSourceError(f"{path}: not a CIFAR-10 python batch ({err})") from None
    if not isinstance(batch, dict):
        raise DataSourceError(f"{path}: not a CIFAR-10 python batch (a {type(batch).__name__}, expected a dict)")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in batch.items()}


def read_cifar_bin(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One binary-version batch: records of a label byte then 3,072 pixel bytes (R, G, B planes)."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % 3073:
        raise DataSourceError(f"{path}: {raw.size} bytes is not a whole number of 3,073-byte CIFAR-10 records")
    records = raw.reshape(-1, 3073)
    labels = records[:, 0].astype(np.int64)
    if labels.max(initial=0) > 9:
        raise DataSourceError(f"{path}: label byte {int(labels.max())} outside 0-9; not a CIFAR-10 binary batch")
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


def _read_split(folder: Path, fmt: CifarFormat, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for name in names:
        if fmt is CIFAR_BINARY:
            x, y = read_cifar_bin(folder / name)
        else:
            batch = read_cifar_batch(folder / name)
            if "data" not in batch or "labels" not in batch:
                raise DataSourceError(f"{folder / name}: a CIFAR-10 batch needs 'data' and 'labels' (has {sorted(batch)})")
            x = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            y = np.asarray(batch["labels"], dtype=np.int64)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def load_cifar10(folder: Path) -> ImageSet:
    for fmt in CIFAR_FORMATS:
        sub = Path(folder) / fmt.folder
        if sub.is_dir():
            train_x, train_y = _read_split(sub, fmt, [n for n, _ in fmt.train])
            test_x, test_y = _read_split(sub, fmt, [fmt.test[0]])
            return ImageSet(train_x, train_y, test_x, test_y, list(CIFAR_CLASSES))
    raise DataSourceError(f"{folder}: no CIFAR-10 batches here ({' or '.join(f.folder for f in CIFAR_FORMATS)}); "
                          "run `dvc repro download_cifar` first")


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
        return load_cifar10(folder / "cifar10")
    return load_digits_set(folder / "digits", test_fraction)


# -- the stream ------------------------------------------------------------------------------------
@dataclass
class Split:
    x: torch.Tensor   # uint8 (N, C, H, W)
    y: torch.Tensor   # int64 (N,)


@dataclass
class Task:
    classes: list[int]
    train: Split
    val: Split
    test: Split


@dataclass
class Stream:
    tasks: list[Task]
    mean: torch.Tensor   # (1, C, 1, 1) per-channel mean of the training images, in [0, 1] units
    std: torch.Tensor

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        return (x.float() / 255.0 - self.mean) / self.std

    @property
    def num_classes(self) -> int:
        return sum(len(t.classes) for t in self.tasks)


def _per_class(y: np.ndarray, n: int | None, rng: np.random.Generator, pool: np.ndarray) -> np.ndarray:
    """The first n of a fixed permutation of each class's indices within `pool` (all if n is None)."""
    out = []
    for c in np.unique(y[pool]):
        idx = rng.permutation(pool[y[pool] == c])
        out.append(idx if n is None else idx[:n])
    return np.sort(np.concatenate(out))


def make_stream(images: ImageSet, classes_per_task: int, val_per_class: int, train_per_class: int | None,
                test_per_class: int | None, device: torch.device, split_seed: int = 0) -> Stream:
    """Tasks of consecutive classes. Validation images are drawn from the training set first, so
    they are never trained on; subsets are fixed by `split_seed` (the run's seeds vary training only)."""
    num_classes = int(images.train_y.max()) + 1
    if num_classes % classes_per_task:
        raise DataSourceError(f"continual.classes_per_task={classes_per_task} does not divide the dataset's "
                              f"{num_classes} classes; valid: {[d for d in range(1, num_classes + 1) if num_classes % d == 0]}")
    smallest = int(np.bincount(images.train_y).min())
    if val_per_class >= smallest:
        raise DataSourceError(f"continual.val_per_class={val_per_class} leaves no training image in a class "
                              f"of {smallest}; valid: 0 to {smallest - 1}")
    rng = np.random.default_rng(split_seed)
    everything = np.arange(len(images.train_y))
    val_idx = _per_class(images.train_y, val_per_class, rng, everything) if val_per_class else np.array([], int)
    rest = np.setdiff1d(everything, val_idx)
    train_idx = _per_class(images.train_y, train_per_class, rng, rest)
    test_idx = _per_class(images.test_y, test_per_class, rng, np.arange(len(images.test_y)))
    train_x = images.train_x[train_idx]
    mean = torch.tensor(train_x.mean(axis=(0, 2, 3)) / 255.0, dtype=torch.float32, device=device).view(1, -1, 1, 1)
    std = torch.tensor(train_x.std(axis=(0, 2, 3)) / 255.0 + 1e-6, dtype=torch.float32, device=device).view(1, -1, 1, 1)

    def split(x: np.ndarray, y: np.ndarray, idx: np.ndarray, classes: list[int]) -> Split:
        keep = idx[np.isin(y[idx], classes)]
        return Split(torch.as_tensor(x[keep], device=device), torch.as_tensor(y[keep], device=device))

    tasks = []
    for first in range(0, num_classes, classes_per_task):
        classes = list(range(first, first + classes_per_task))
        tasks.append(Task(classes, split(images.train_x, images.train_y, train_idx, classes),
                          split(images.train_x, images.train_y, val_idx, classes),
                          split(images.test_x, images.test_y, test_idx, classes)))
    return Stream(tasks, mean, std)
