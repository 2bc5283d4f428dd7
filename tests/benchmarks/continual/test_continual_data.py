"""Continual data: CIFAR-10 in both official versions (fixtures in the official layouts), checksums,
the safe unpickler, download through a URL, the digits stand-in, and the stream's splits."""
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch

from hsokv.benchmarks.continual import cifar, data, stream
from hsokv.data.fetch import DataSourceError

SHARED_CIFAR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "cifar10"


def _batch(n, seed):
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"fixture", b"labels": [int(x) for x in rng.integers(0, 10, n)],
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"filenames": [b"x.png"] * n}


def _with_md5s(fmt, folder):
    return cifar.CifarFormat(fmt.folder, fmt.archive, fmt.archive_md5, fmt.url,
                            tuple((n, cifar.md5(folder / n)) for n, _ in fmt.train),
                            (fmt.test[0], cifar.md5(folder / fmt.test[0])), (fmt.meta[0], cifar.md5(folder / fmt.meta[0])))


@pytest.fixture
def python_mirror(tmp_path, monkeypatch):
    """The python version's layout (tiny batches pickled with bytes keys, as shipped)."""
    folder = tmp_path / "mirror" / "cifar10" / cifar.CIFAR_PYTHON.folder
    folder.mkdir(parents=True)
    for i, (name, _) in enumerate((*cifar.CIFAR_PYTHON.train, cifar.CIFAR_PYTHON.test)):
        (folder / name).write_bytes(pickle.dumps(_batch(6, i), protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"airplane"] * 10}, protocol=2))
    fmt = _with_md5s(cifar.CIFAR_PYTHON, folder)
    monkeypatch.setattr(cifar, "CIFAR_PYTHON", fmt)
    monkeypatch.setattr(cifar, "CIFAR_FORMATS", (fmt, cifar.CIFAR_BINARY))
    return tmp_path / "mirror"


@pytest.fixture
def binary_mirror(tmp_path, monkeypatch):
    """The binary version's layout: records of a label byte and 3,072 pixel bytes."""
    folder = tmp_path / "bmirror" / "cifar10" / cifar.CIFAR_BINARY.folder
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, _ in (*cifar.CIFAR_BINARY.train, cifar.CIFAR_BINARY.test):
        records = rng.integers(0, 256, (4, 3073), dtype=np.uint8)
        records[:, 0] = rng.integers(0, 10, 4)
        records.tofile(folder / name)
    (folder / "batches.meta.txt").write_text("\n".join(cifar.CIFAR_CLASSES) + "\n\n")
    fmt = _with_md5s(cifar.CIFAR_BINARY, folder)
    monkeypatch.setattr(cifar, "CIFAR_BINARY", fmt)
    monkeypatch.setattr(cifar, "CIFAR_FORMATS", (cifar.CIFAR_PYTHON, fmt))
    return tmp_path / "bmirror"


def test_python_version_from_mirror(python_mirror, tmp_path):
    manifest = data.fetch_images("cifar10", tmp_path / "raw", [python_mirror], allow_download=False)
    assert manifest["dataset"] == "cifar10" and len(manifest["files"]) == 7
    images = data.load_images("cifar10", tmp_path / "raw")
    assert images.train_x.shape == (30, 3, 32, 32) and images.train_x.dtype == np.uint8
    first = pickle.loads((python_mirror / "cifar10" / cifar.CIFAR_PYTHON.folder / "data_batch_1").read_bytes())
    assert np.array_equal(images.train_x[0], first[b"data"][0].reshape(3, 32, 32))  # row-major CHW, as shipped


def test_binary_version_from_mirror_and_archive(binary_mirror, tmp_path, monkeypatch):
    data.fetch_images("cifar10", tmp_path / "raw", [binary_mirror], allow_download=False)
    images = data.load_images("cifar10", tmp_path / "raw")
    raw = np.fromfile(binary_mirror / "cifar10" / cifar.CIFAR_BINARY.folder / "data_batch_1.bin", np.uint8).reshape(4, 3073)
    assert images.train_x.shape == (20, 3, 32, 32) and images.test_y.shape == (4,)
    assert np.array_equal(images.train_x[0], raw[0, 1:].reshape(3, 32, 32)) and images.train_y[0] == raw[0, 0]
    archive = tmp_path / "arch" / "cifar10" / cifar.CIFAR_BINARY.archive
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(binary_mirror / "cifar10" / cifar.CIFAR_BINARY.folder, arcname=cifar.CIFAR_BINARY.folder)
    fmt = cifar.CifarFormat(**{**cifar.CIFAR_BINARY.__dict__, "archive_md5": cifar.md5(archive)})
    monkeypatch.setattr(cifar, "CIFAR_BINARY", fmt)
    monkeypatch.setattr(cifar, "CIFAR_FORMATS", (cifar.CIFAR_PYTHON, fmt))
    data.fetch_images("cifar10", tmp_path / "raw2", [tmp_path / "arch"], allow_download=False)
    assert data.load_images("cifar10", tmp_path / "raw2").train_y.shape == (20,)


def test_download_goes_through_the_official_url(binary_mirror, tmp_path, monkeypatch):
    archive = tmp_path / "served.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(binary_mirror / "cifar10" / cifar.CIFAR_BINARY.folder, arcname=cifar.CIFAR_BINARY.folder)
    fmt = cifar.CifarFormat(**{**cifar.CIFAR_BINARY.__dict__, "archive_md5": cifar.md5(archive)})
    asked = []

    def fake_download(url, to):
        asked.append(url)
        to.write_bytes(archive.read_bytes())
    dest = tmp_path / "raw" / "cifar10"
    dest.mkdir(parents=True)
    monkeypatch.setattr(cifar, "CIFAR_BINARY", fmt)
    monkeypatch.setattr(cifar, "CIFAR_FORMATS", (cifar.CIFAR_PYTHON, fmt))
    source = cifar.fetch_cifar10(dest, [], allow_download=True, download=fake_download)
    assert asked == ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"] and source == asked[0]
    assert (dest / cifar.CIFAR_BINARY.folder / "test_batch.bin").is_file()


def test_corrupt_member_fails_its_md5_and_writes_nothing(binary_mirror, tmp_path):
    bad = binary_mirror / "cifar10" / cifar.CIFAR_BINARY.folder / "data_batch_3.bin"
    bad.write_bytes(bad.read_bytes()[:-1])
    with pytest.raises(DataSourceError, match="data_batch_3.bin fails its checksum"):
        data.fetch_images("cifar10", tmp_path / "raw", [binary_mirror], allow_download=False)
    assert not (tmp_path / "raw").exists()


def test_no_source_names_three_ways_to_provide(tmp_path):
    with pytest.raises(DataSourceError, match="(?s)has none of.*not attempted.*three ways.*"
                                              "cifar-10-batches-bin.*allow_download: true.*continual.dataset: digits"):
        data.fetch_images("cifar10", tmp_path / "raw", [tmp_path], allow_download=False)


def test_unpickler_refuses_code(tmp_path):
    class Exploit:
        def __reduce__(self):
            import os
            return (os.system, ("echo pwned",))
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Exploit()}, protocol=2))
    with pytest.raises(DataSourceError, match="refusing to load"):
        cifar.read_cifar_batch(path)
    buf = pickle.dumps({b"data": np.arange(6, dtype=np.uint8)}, protocol=2)
    assert cifar._SafeUnpickler(io.BytesIO(buf), encoding="bytes").load()[b"data"].tolist() == list(range(6))


def test_binary_reader_rejects_a_partial_record(tmp_path):
    (tmp_path / "b.bin").write_bytes(bytes(3073 + 5))
    with pytest.raises(DataSourceError, match="not a whole number of 3,073-byte"):
        cifar.read_cifar_bin(tmp_path / "b.bin")


@pytest.mark.skipif(not (SHARED_CIFAR / "cifar-10-batches-bin").is_dir(), reason="../shared/data/cifar10 absent")
def test_real_cifar10_binary_matches_the_published_facts():
    """The shared copy passes the recorded MD5s; 1,000 test images per class; first labels as documented."""
    fmt = cifar.CIFAR_BINARY
    assert cifar.md5(SHARED_CIFAR / fmt.folder / fmt.test[0]) == fmt.test[1]
    x, y = cifar.read_cifar_bin(SHARED_CIFAR / fmt.folder / fmt.test[0])
    assert x.shape == (10000, 3, 32, 32) and np.bincount(y).tolist() == [1000] * 10
    assert y[:10].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]


def test_digits_split_is_fixed_and_disjoint(tmp_path):
    data.fetch_images("digits", tmp_path / "raw", [], allow_download=False)
    a = data.load_images("digits", tmp_path / "raw", test_fraction=0.25)
    b = data.load_images("digits", tmp_path / "raw", test_fraction=0.25)
    assert len(a.train_y) + len(a.test_y) == 1797 and np.array_equal(a.test_x, b.test_x)
    assert not {r.tobytes() for r in a.train_x} & {r.tobytes() for r in a.test_x}   # digits holds no duplicate image
    assert a.train_x.dtype == np.uint8 and a.train_x.max() == 255
    with pytest.raises(DataSourceError, match="holds 'digits', but continual.dataset is 'cifar10'"):
        data.load_images("cifar10", tmp_path / "raw")


def blobs(per_class=20, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (per_class * classes, 3, 8, 8), dtype=np.uint8)
    y = np.repeat(np.arange(classes), per_class)
    return data.ImageSet(x, y, x[::2].copy(), y[::2].copy(), [str(c) for c in range(classes)])


def test_stream_validation_is_carved_from_training_and_never_trained_on():
    s = stream.make_stream(blobs(), 2, val_per_class=5, train_per_class=None, test_per_class=None,
                         device=torch.device("cpu"))
    assert [t.classes for t in s.tasks] == [[0, 1], [2, 3]]
    for t in s.tasks:
        assert len(t.val.y) == 10 and len(t.train.y) == 30
        train_rows = {r.numpy().tobytes() for r in t.train.x}
        assert not any(r.numpy().tobytes() in train_rows for r in t.val.x)
    again = stream.make_stream(blobs(), 2, 5, None, None, torch.device("cpu"))
    assert torch.equal(again.tasks[1].val.x, s.tasks[1].val.x)   # fixed, whatever the run's seed
    with pytest.raises(DataSourceError, match="classes_per_task=3 does not divide"):
        stream.make_stream(blobs(), 3, 5, None, None, torch.device("cpu"))
    with pytest.raises(DataSourceError, match="val_per_class=20 leaves no training image"):
        stream.make_stream(blobs(), 2, 20, None, None, torch.device("cpu"))
    # more images a class than there are was clamped silently (the metrics recorded the size asked for)
    with pytest.raises(DataSourceError, match=r"train_per_class=16: the smallest class holds 15 .* valid: 1 to 15"):
        stream.make_stream(blobs(), 2, 5, 16, None, torch.device("cpu"))
    with pytest.raises(DataSourceError, match=r"test_per_class=11: the smallest class holds 10 test images"):
        stream.make_stream(blobs(), 2, 5, None, 11, torch.device("cpu"))
