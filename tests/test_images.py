"""Image datasets: CIFAR-10's official python batches (fixture), checksums, the safe unpickler, digits."""
import io
import pickle
import tarfile

import numpy as np
import pytest

from hsokv.data import images
from hsokv.data.fetch import DataSourceError


def _batch(n, seed):
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"fixture", b"labels": [int(x) for x in rng.integers(0, 10, n)],
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"filenames": [b"x.png"] * n}


@pytest.fixture
def cifar_mirror(tmp_path, monkeypatch):
    """A mirror in CIFAR-10's official layout (tiny batches pickled as the python version ships
    them: bytes keys), with the recorded MD5s pointed at the fixture's."""
    folder = tmp_path / "mirror" / "cifar10" / images.CIFAR_FOLDER
    folder.mkdir(parents=True)
    for i, (name, _) in enumerate(images.CIFAR_TRAIN + images.CIFAR_TEST):
        (folder / name).write_bytes(pickle.dumps(_batch(6, i), protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"airplane", b"automobile"] + [b"c"] * 8}, protocol=2))
    monkeypatch.setattr(images, "CIFAR_FILES", {n: images.md5(folder / n) for n in images.CIFAR_FILES})
    return tmp_path / "mirror"


def test_cifar_from_extracted_mirror(cifar_mirror, tmp_path):
    manifest = images.fetch_images("cifar10", tmp_path / "raw", [cifar_mirror], allow_download=False)
    assert manifest["dataset"] == "cifar10" and len(manifest["files"]) == 7
    data = images.load_images("cifar10", tmp_path / "raw")
    assert data.train_x.shape == (30, 3, 32, 32) and data.test_x.shape == (6, 3, 32, 32)
    assert data.train_x.dtype == np.float32 and 0.0 <= data.train_x.min() and data.train_x.max() <= 1.0
    assert data.class_names[:2] == ["airplane", "automobile"]
    first = pickle.loads((cifar_mirror / "cifar10" / images.CIFAR_FOLDER / "data_batch_1").read_bytes())
    assert np.allclose(data.train_x[0], first[b"data"][0].reshape(3, 32, 32) / 255.0)  # row-major CHW, as shipped


def test_cifar_from_archive(cifar_mirror, tmp_path, monkeypatch):
    archive = tmp_path / "arch" / "cifar10" / images.CIFAR_ARCHIVE[0]
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(cifar_mirror / "cifar10" / images.CIFAR_FOLDER, arcname=images.CIFAR_FOLDER)
    monkeypatch.setattr(images, "CIFAR_ARCHIVE", (images.CIFAR_ARCHIVE[0], images.md5(archive)))
    images.fetch_images("cifar10", tmp_path / "raw", [tmp_path / "arch"], allow_download=False)
    assert images.load_images("cifar10", tmp_path / "raw").train_y.shape == (30,)


def test_truncated_archive_fails_its_md5_and_writes_nothing(tmp_path):
    archive = tmp_path / "m" / "cifar10" / images.CIFAR_ARCHIVE[0]
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"\x1f\x8b truncated")
    with pytest.raises(DataSourceError, match="fails its checksum.*c58f30108f718f92721af3b95e74349a"):
        images.fetch_images("cifar10", tmp_path / "raw", [tmp_path / "m"], allow_download=False)
    assert not (tmp_path / "raw").exists()


def test_no_source_names_what_to_provide(tmp_path):
    with pytest.raises(DataSourceError, match="(?s)neither.*allow_download.*continual.dataset: digits"):
        images.fetch_images("cifar10", tmp_path / "raw", [tmp_path], allow_download=False)


def test_unpickler_refuses_code(tmp_path):
    class Exploit:
        def __reduce__(self):
            import os
            return (os.system, ("echo pwned",))
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Exploit()}, protocol=2))
    with pytest.raises(DataSourceError, match="refusing to load"):
        images.read_cifar_batch(path)


def test_digits_split_is_fixed_and_disjoint(tmp_path):
    images.fetch_images("digits", tmp_path / "raw", [], allow_download=False)
    a = images.load_images("digits", tmp_path / "raw", test_fraction=0.25)
    b = images.load_images("digits", tmp_path / "raw", test_fraction=0.25)
    assert len(a.train_y) + len(a.test_y) == 1797 and np.array_equal(a.test_x, b.test_x)
    assert abs(len(a.test_y) / 1797 - 0.25) < 0.01 and set(np.unique(a.test_y)) == set(range(10))
    # no image object is in both splits: the split is over indices, and identical rows are rare
    train_rows = {r.tobytes() for r in a.train_x}
    assert sum(r.tobytes() in train_rows for r in a.test_x) <= 3
    with pytest.raises(DataSourceError, match="holds 'digits', but continual.dataset is 'cifar10'"):
        images.load_images("cifar10", tmp_path / "raw")


def test_restricted_unpickler_reads_numpy_arrays():
    buf = pickle.dumps({b"data": np.arange(6, dtype=np.uint8)}, protocol=2)
    out = images._SafeUnpickler(io.BytesIO(buf), encoding="bytes").load()
    assert out[b"data"].tolist() == list(range(6))
