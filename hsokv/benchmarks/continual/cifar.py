"""CIFAR-10 in either official version: fetching verified copies and reading them safely.

Each file is checked against the MD5 its authors publish: the python version
(`cifar-10-batches-py/`, or `cifar-10-python.tar.gz`) or the binary version
(`cifar-10-batches-bin/`, or `cifar-10-binary.tar.gz`). Sources in order: each mirror
(`data.mirror`, then $HSOKV_DATA_MIRROR) under `cifar10/`, then the official URL when
`data.allow_download` is true. The python batches are pickles: they are read with an unpickler
that can build only arrays and plain containers, so a tampered file cannot run code.
"""
from __future__ import annotations

import hashlib
import io
import pickle
import shutil
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hsokv.data.fetch import DataSourceError, official_url


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


def md5(path: str | Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def load_cifar10(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, test images, test labels) from a folder fetch_cifar10 wrote."""
    for fmt in CIFAR_FORMATS:
        sub = Path(folder) / fmt.folder
        if sub.is_dir():
            train_x, train_y = _read_split(sub, fmt, [n for n, _ in fmt.train])
            test_x, test_y = _read_split(sub, fmt, [fmt.test[0]])
            return train_x, train_y, test_x, test_y
    raise DataSourceError(f"{folder}: no CIFAR-10 batches here ({' or '.join(f.folder for f in CIFAR_FORMATS)}); "
                          "run `dvc repro download_cifar` first")
