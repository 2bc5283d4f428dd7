"""Image datasets for continual learning: CIFAR-10 (official python batches) and scikit-learn's 8x8
digits (ships inside the package, so the protocol runs offline while no CIFAR copy is at hand).

`fetch_images(dataset, dest, mirrors, allow_download)` places verified files under `dest`:
- cifar10: the six batches and batches.meta of `cifar-10-batches-py/`, each checked against the MD5
  that the dataset's authors (and torchvision) publish, taken from a mirror holding
  `cifar10/cifar-10-python.tar.gz` (MD5 checked, extracted with tarfile's `data` filter) or the
  extracted `cifar10/cifar-10-batches-py/` folder; else downloaded by torchvision when allowed.
- digits: the arrays of `sklearn.datasets.load_digits`, SHA-256 checked, as `digits.npz`.

`load_images(dataset, folder)` returns an ImageSet of float32 images in [0, 1], NCHW. The CIFAR
batches are pickles; they are read with an unpickler that can build only dicts, lists, numbers,
bytes and numpy arrays, so a tampered file cannot run code.
"""
from __future__ import annotations

import hashlib
import io
import json
import pickle
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hsokv.data.fetch import DataSourceError
from hsokv.io import atomic_dir

CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_ARCHIVE = ("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a")
CIFAR_TRAIN = [("data_batch_1", "c99cafc152244af753f735de768cd75f"),
               ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
               ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"),
               ("data_batch_4", "634d18415352ddfa80567beed471001a"),
               ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb")]
CIFAR_TEST = [("test_batch", "40351d587109b95175f43aff81a1287e")]
CIFAR_META = ("batches.meta", "5ff9c542aee3614f3951f8cda6e48888")
CIFAR_FILES = dict(CIFAR_TRAIN + CIFAR_TEST + [CIFAR_META])
# sha256 of load_digits()'s images (float64 bytes) and labels (int64 bytes), scikit-learn 1.9.1.
DIGITS_SHA256 = {"images": "20def7f70a702f0af9732fbba4375e147a7d54fe70d8c45569b8e7c1c7010c10",
                 "target": "a3c91c262eddcf7ba8f0e37507c30284493c9b20412ffe4af30d536401f7ba21"}
DATASETS = ("cifar10", "digits")


@dataclass
class ImageSet:
    train_x: np.ndarray   # (N, C, H, W) float32 in [0, 1]
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


# -- CIFAR-10 ---------------------------------------------------------------------------------------
def _cifar_sources(root: Path) -> list[tuple[str, Path]]:
    return [("archive", root / "cifar10" / CIFAR_ARCHIVE[0]), ("archive", root / CIFAR_ARCHIVE[0]),
            ("folder", root / "cifar10" / CIFAR_FOLDER), ("folder", root / CIFAR_FOLDER)]


def _take_cifar_folder(folder: Path, out: Path, label: str, tried: list[str]) -> bool:
    missing = [name for name in CIFAR_FILES if not (folder / name).is_file()]
    if missing:
        tried.append(f"{label}: {folder} lacks {missing}")
        return False
    for name, want in CIFAR_FILES.items():
        got = md5(folder / name)
        if got != want:
            tried.append(f"{label}: {folder / name} fails its checksum (md5 {got}, expected {want})")
            return False
    out.mkdir(parents=True, exist_ok=True)
    for name in CIFAR_FILES:
        shutil.copyfile(folder / name, out / name)
    return True


def _take_cifar_archive(archive: Path, out: Path, scratch: Path, label: str, tried: list[str]) -> bool:
    got = md5(archive)
    if got != CIFAR_ARCHIVE[1]:
        tried.append(f"{label}: {archive} fails its checksum (md5 {got}, expected {CIFAR_ARCHIVE[1]}; "
                     "a truncated copy fails here)")
        return False
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(scratch, filter="data")
    except (tarfile.TarError, OSError, EOFError) as err:
        tried.append(f"{label}: {archive} could not be extracted ({err})")
        return False
    return _take_cifar_folder(scratch / CIFAR_FOLDER, out, f"{label} (extracted)", tried)


def _download_cifar(staging: Path) -> None:
    from torchvision.datasets import CIFAR10
    CIFAR10(root=str(staging), train=True, download=True)


def fetch_cifar10(dest: Path, mirrors: list[Path], allow_download: bool) -> str:
    """Verified CIFAR-10 batches into dest/cifar-10-batches-py; returns where they came from."""
    tried: list[str] = []
    out = dest / CIFAR_FOLDER
    scratch = dest / ".extract"
    for root in mirrors:
        if not root.is_dir():
            tried.append(f"mirror {root}: not a folder")
            continue
        for kind, path in _cifar_sources(root):
            if not path.exists():
                continue
            ok = (_take_cifar_archive(path, out, scratch, "mirror", tried) if kind == "archive"
                  else _take_cifar_folder(path, out, "mirror", tried))
            shutil.rmtree(scratch, ignore_errors=True)
            if ok:
                return str(path)
        if not any(p.exists() for _, p in _cifar_sources(root)):
            tried.append(f"mirror {root}: has neither cifar10/{CIFAR_ARCHIVE[0]} nor cifar10/{CIFAR_FOLDER}/")
    if allow_download:
        staging = dest / ".download"
        staging.mkdir()
        try:
            _download_cifar(staging)
            if _take_cifar_archive(staging / CIFAR_ARCHIVE[0], out, scratch, "download", tried):
                return "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz (torchvision)"
        except (OSError, RuntimeError) as err:  # URLError is an OSError; torchvision raises RuntimeError on a bad md5
            tried.append(f"download: failed ({err})")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(scratch, ignore_errors=True)
    else:
        tried.append("download: not attempted (set data.allow_download: true to let torchvision fetch it)")
    lines = "\n  ".join(tried) or "(no source configured)"
    raise DataSourceError(
        f"could not get a verified copy of CIFAR-10.\nTried:\n  {lines}\nProvide cifar10/{CIFAR_ARCHIVE[0]} "
        f"(md5 {CIFAR_ARCHIVE[1]}) or the extracted cifar10/{CIFAR_FOLDER}/ under data.mirror (params.yaml) or "
        "$HSOKV_DATA_MIRROR, set data.allow_download: true where the web is reachable, or run on the offline "
        "stand-in with continual.dataset: digits.")


class _SafeUnpickler(pickle.Unpickler):
    """Builds numpy arrays and plain containers only; any other global is refused."""
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a CIFAR batch holds arrays and lists only")
        return super().find_class(module.replace("numpy.core", "numpy._core"), name)


def read_cifar_batch(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            batch = _SafeUnpickler(io.BytesIO(f.read()), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError) as err:
        raise DataSourceError(f"{path}: not a CIFAR-10 python batch ({err})") from None
    if not isinstance(batch, dict):
        raise DataSourceError(f"{path}: not a CIFAR-10 python batch (a {type(batch).__name__}, expected a dict)")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in batch.items()}


def _cifar_split(folder: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for name in names:
        batch = read_cifar_batch(folder / name)
        if "data" not in batch or "labels" not in batch:
            raise DataSourceError(f"{folder / name}: a CIFAR-10 batch needs 'data' and 'labels' (has {sorted(batch)})")
        xs.append(np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        ys.append(np.asarray(batch["labels"], dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def load_cifar10(folder: Path) -> ImageSet:
    folder = Path(folder) / CIFAR_FOLDER
    if not folder.is_dir():
        raise DataSourceError(f"{folder}: no CIFAR-10 batches here; run `dvc repro download_cifar` first")
    train_x, train_y = _cifar_split(folder, [n for n, _ in CIFAR_TRAIN])
    test_x, test_y = _cifar_split(folder, [n for n, _ in CIFAR_TEST])
    meta = read_cifar_batch(folder / CIFAR_META[0])
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta.get("label_names", [])]
    return ImageSet(train_x.astype(np.float32) / 255.0, train_y, test_x.astype(np.float32) / 255.0, test_y, names)


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
    """A fixed stratified split (independent of the run's seeds), so no test image is ever trained on."""
    path = Path(folder) / "digits.npz"
    if not path.is_file():
        raise DataSourceError(f"{path}: not found; run `dvc repro download_cifar` first")
    with np.load(path) as f:
        images, target = f["images"], f["target"]
    rng = np.random.default_rng(split_seed)
    test_idx = []
    for c in np.unique(target):
        idx = rng.permutation(np.flatnonzero(target == c))
        test_idx.extend(idx[:int(round(len(idx) * test_fraction))])
    is_test = np.zeros(len(target), dtype=bool)
    is_test[test_idx] = True
    x = (images.astype(np.float32) / 16.0)[:, None]
    return ImageSet(x[~is_test], target[~is_test], x[is_test], target[is_test], [str(c) for c in range(10)])


# -- both --------------------------------------------------------------------------------------------
def fetch_images(dataset: str, dest: str | Path, mirrors: list[Path], allow_download: bool) -> dict:
    """Verified copies of `dataset` in `dest` (replaced only when complete); returns the manifest."""
    if dataset not in DATASETS:
        raise DataSourceError(f"continual.dataset: unknown dataset {dataset!r}; valid: {list(DATASETS)}")
    with atomic_dir(dest) as tmp:
        sub = Path(tmp) / dataset
        sub.mkdir(parents=True)
        source = fetch_cifar10(sub, mirrors, allow_download) if dataset == "cifar10" else export_digits(sub)
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
