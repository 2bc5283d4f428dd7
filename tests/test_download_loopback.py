"""The real download path, end to end, against a web server on 127.0.0.1 (issue 17, Deliver 1).

The server holds tiny files in the official archive layouts, at the official URLs' paths: GLUE's
`glue/data/SST-2.zip` (SST-2/<file>.tsv inside) and `glue/data/MNLI.zip` (MNLI's 16-column files), LM-BFF's `projects/lm-bff/datasets.tar`
(original/SST-2/train.tsv inside, from which LM-BFF's 16-shot samples are regenerated), CIFAR-10's binary `~kriz/cifar-10-binary.tar.gz`
(cifar-10-batches-bin/ inside) and Tiny Shakespeare's `input.txt`. `data.download_origin` points the
stages at it; the recorded checksums (of files and of GLUE's archives) are swapped for the fixtures'
own. Each stage then downloads,
verifies and unpacks exactly as it would from the web, and a damaged download is refused, named,
with nothing left behind.
"""
import argparse
import dataclasses
import functools
import hashlib
import http.server
import io
import tarfile
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import yaml

from hsokv.benchmarks.continual import cifar
from hsokv.benchmarks.continual import data as continual_data
from hsokv.benchmarks.glue import data as glue_data
from hsokv.benchmarks.glue.data import k_shot_provenance, load_few_shot
from hsokv.benchmarks.glue.k_shot import lm_bff_sample
from hsokv.data import fetch
from hsokv.errors import DataSourceError, HsokvError
from stages import check_sources, download_cifar, download_glue, download_lm_corpus

SHAKESPEARE = "First Citizen:\nBefore we proceed any further, hear me speak.\n"
SST2 = {"train.tsv": "sentence\tlabel\n" + "".join(f"fine film {i}\t1\ndull film {i}\t0\n" for i in range(6)),
        "dev.tsv": "sentence\tlabel\ngreat\t1\nawful\t0\n",
        "test.tsv": "index\tsentence\n0\tunlabelled\n"}
# LM-BFF's SST-2 training text (cased, its own order): 40 lines a label, enough for 16 train + 16 dev
LM_BFF_TRAIN = "sentence\tlabel\n" + "".join(f"A fine film, take {i} .\t1\nA dull film, take {i} .\t0\n"
                                              for i in range(40))
GLUE_PATH = "glue/data/SST-2.zip"
LM_BFF_PATH = "projects/lm-bff/datasets.tar"
CIFAR_PATH = "~kriz/cifar-10-binary.tar.gz"
SHAKESPEARE_PATH = "karpathy/char-rnn/master/data/tinyshakespeare/input.txt"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _known(archive: bytes) -> dict:
    """A GLUE_ARCHIVES entry for a fixture archive."""
    return {"bytes": len(archive), "sha256": _sha256(archive)}


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _cifar_batches() -> dict[str, bytes]:
    """Two 3,073-byte records a batch (label byte, then 3x32x32 pixels), labels 0-9 across batches."""
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    out = {}
    for i, name in enumerate(names):
        labels = np.array([[(2 * i) % 10], [(2 * i + 1) % 10]], dtype=np.uint8)
        out[name] = np.hstack([labels, rng.integers(0, 256, (2, 3072), dtype=np.uint8)]).tobytes()
    out["batches.meta.txt"] = "\n".join(cifar.CIFAR_CLASSES).encode() + b"\n"
    return out


def _archives() -> dict[str, bytes]:
    """The official archives' bytes, keyed by their URL paths."""
    glue = io.BytesIO()
    with zipfile.ZipFile(glue, "w") as z:
        for name, text in SST2.items():
            z.writestr(f"SST-2/{name}", text)
    cifar_tar = io.BytesIO()
    with tarfile.open(fileobj=cifar_tar, mode="w:gz") as tar:
        for name, data in _cifar_batches().items():
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    lm_bff = io.BytesIO()
    with tarfile.open(fileobj=lm_bff, mode="w") as tar:
        # a larger member first, so that a download cut off half-way ends inside train.tsv
        dev = "sentence\tlabel\n" + "An unsampled line .\t1\n" * 400
        for name, text in (("original/SST-2/dev.tsv", dev), ("original/SST-2/train.tsv", LM_BFF_TRAIN)):
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    return {GLUE_PATH: glue.getvalue(), LM_BFF_PATH: lm_bff.getvalue(), CIFAR_PATH: cifar_tar.getvalue(),
            SHAKESPEARE_PATH: SHAKESPEARE.encode()}


def _lm_bff_samples() -> dict[str, str]:
    """LM-BFF's seed-13 sample of the fixture, by the procedure tests/benchmarks/glue/test_glue_k_shot.py
    checks against LM-BFF's real files; its checksums stand in for the recorded ones."""
    train, dev = lm_bff_sample(LM_BFF_TRAIN.splitlines(keepends=True), 13, 16)
    return {"lm-bff-k-shot/SST-2/16-13/train.tsv": train, "lm-bff-k-shot/SST-2/16-13/dev.tsv": dev}


@pytest.fixture
def archives(monkeypatch):
    """The fixture archives, with their checksums standing in for the recorded ones."""
    monkeypatch.setattr(fetch, "CHECKSUMS", {
        **{f"glue/SST-2/{n}": {"sha256": _sha256(t.encode())} for n, t in SST2.items()},
        **{path: {"sha256": _sha256(t.encode())} for path, t in _lm_bff_samples().items()},
        "tinyshakespeare/input.txt": {"sha256": _sha256(SHAKESPEARE.encode())}})
    built = _archives()
    batches = _cifar_batches()
    fmt = cifar.CIFAR_BINARY
    fixture_fmt = dataclasses.replace(
        fmt, archive_md5=_md5(built[CIFAR_PATH]),
        train=tuple((n, _md5(batches[n])) for n, _ in fmt.train),
        test=(fmt.test[0], _md5(batches[fmt.test[0]])), meta=(fmt.meta[0], _md5(batches[fmt.meta[0]])))
    monkeypatch.setattr(cifar, "CIFAR_BINARY", fixture_fmt)
    monkeypatch.setattr(cifar, "CIFAR_FORMATS", (cifar.CIFAR_PYTHON, fixture_fmt))
    monkeypatch.setattr(glue_data, "GLUE_ARCHIVES", {"SST-2": _known(built[GLUE_PATH])})
    monkeypatch.delenv(fetch.MIRROR_ENV, raising=False)
    return built


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serving(root: Path, files: dict[str, bytes]):
    """An HTTP server on 127.0.0.1 (ephemeral port, its own thread) serving `files`; yields its origin."""
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _params(tmp_path: Path, params: dict, origin: str) -> str:
    params["data"].update(mirror=None, allow_download=True, download_origin=origin)
    params["glue"].update(k_shot_source="lm_bff", k=16, seeds=[13], tasks=["SST-2"])
    params["continual"]["dataset"] = "cifar10"
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return str(path)


def test_stages_download_verify_and_unpack_from_the_official_layouts(archives, params, tmp_path, capsys):
    out = tmp_path / "workspace"
    with serving(tmp_path / "www", archives) as origin:
        p = _params(tmp_path, params, origin)
        check_sources.main(argparse.Namespace(params=p, out=str(out / "sources_checked.txt")))
        said = capsys.readouterr().out
        assert f"GLUE SST-2: download {origin}/{GLUE_PATH}" in said
        assert f"LM-BFF SST-2 k-shot samples: download {origin}/{LM_BFF_PATH}, then LM-BFF's sampling" in said
        download_glue.main(argparse.Namespace(params=p, task="SST-2", out=str(out / "glue")))
        download_cifar.main(argparse.Namespace(params=p, out=str(out / "continual")))
        download_lm_corpus.main(argparse.Namespace(params=p, out=str(out / "tinyshakespeare")))
    glue = out / "glue/SST-2"
    assert {str(f.relative_to(glue)) for f in glue.rglob("*") if f.is_file()} == {
        "dev.tsv", "sources.json", "k_shot/16-13/train.tsv", "k_shot/16-13/dev.tsv"}
    assert (glue / "dev.tsv").read_text() == SST2["dev.tsv"]
    splits = load_few_shot(glue, "SST-2", 13, 16, "lm_bff")
    assert len(splits.train) == len(splits.dev) == 32 and len(splits.evals["dev"]) == 2
    assert splits.train[0].text_a.startswith("A ")   # LM-BFF's text, not GLUE's
    assert k_shot_provenance(glue, "lm_bff") == (
        f"generated from {origin}/{LM_BFF_PATH} (original/SST-2/train.tsv) by LM-BFF's sampling procedure, "
        "sha256 equal to LM-BFF's file")
    images = continual_data.load_images("cifar10", out / "continual")
    assert images.train_x.shape == (10, 3, 32, 32) and sorted(images.train_y) == list(range(10))
    manifest = yaml.safe_load((out / "continual/manifest.json").read_text())
    assert manifest["source"] == f"{origin}/{CIFAR_PATH}"
    assert (out / "tinyshakespeare/input.txt").read_text() == SHAKESPEARE
    assert not [p.name for p in out.rglob(".*")]   # no temporary or staging folder left


@pytest.mark.parametrize("damaged, stage, named", [
    (SHAKESPEARE_PATH, "lm", "tinyshakespeare/input.txt fails its checksum"),
    (CIFAR_PATH, "cifar", "cifar-10-binary.tar.gz fails its checksum"),
    (GLUE_PATH, "glue", "SST-2.zip: sha256 "),
    (LM_BFF_PATH, "glue", "datasets.tar: not a readable tar archive"),
])
def test_a_damaged_download_is_refused_named_and_leaves_nothing(archives, params, tmp_path, damaged, stage, named):
    files = dict(archives)
    files[damaged] = files[damaged][: len(files[damaged]) // 2]   # a download cut off half-way
    out = tmp_path / "workspace"
    out.mkdir()
    with serving(tmp_path / "www", files) as origin:
        p = _params(tmp_path, params, origin)
        run = {"lm": lambda: download_lm_corpus.main(argparse.Namespace(params=p, out=str(out / "lm"))),
               "cifar": lambda: download_cifar.main(argparse.Namespace(params=p, out=str(out / "cifar"))),
               "glue": lambda: download_glue.main(argparse.Namespace(params=p, task="SST-2", out=str(out / "glue")))}
        with pytest.raises(DataSourceError) as err:
            run[stage]()
    assert isinstance(err.value, HsokvError)   # hsokv.cli turns it into `error: ...`, exit 2
    assert named in str(err.value) and origin in str(err.value), str(err.value)
    assert list(out.iterdir()) == []           # no output, no temporary, no staging folder


# GLUE's MNLI files: train.tsv has 12 columns (label1 and gold_label), the dev files 16
MNLI_DEV_HEADER = ("index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse",
                   "sentence1_parse", "sentence2_parse", "sentence1", "sentence2",
                   "label1", "label2", "label3", "label4", "label5", "gold_label")
MNLI_DEV_ROWS = [("0", "A cat sleeps ", "An animal \"rests.", "entailment"), ("1", "A dog .", "No dog .", "contradiction")]


def _mnli_archive() -> tuple[bytes, tuple[str, str]]:
    """(MNLI.zip in GLUE's layout, LM-BFF's seed-13 sample of its train.tsv)."""
    head = "index\tpromptID\tpairID\tgenre\tsentence1\tsentence2\tlabel1\tgold_label\n"
    train = head + "".join(f"{i}\t{i}\t{i}n\tslate\tA man sits {i} .\tSomeone sits .\t{lab}\t{lab}\n"
                           for i, lab in enumerate(["entailment", "neutral", "contradiction"] * 40))
    full = "\t".join(MNLI_DEV_HEADER) + "\n" + "".join(
        "\t".join({"index": i, "sentence1": a, "sentence2": b, "gold_label": lab, "genre": "fiction",
                   "label1": lab}.get(c, f"({c} {i})") for c in MNLI_DEV_HEADER) + "\n" for i, a, b, lab in MNLI_DEV_ROWS)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for name, text in {"train.tsv": train, "dev_matched.tsv": full, "dev_mismatched.tsv": full,
                           "original/multinli_1.0_train.jsonl": "{}\n"}.items():
            z.writestr(f"MNLI/{name}", text)
    return archive.getvalue(), lm_bff_sample(train.splitlines(keepends=True), 13, 16)


MNLI_REDUCED = "index\tsentence1\tsentence2\tgold_label\n" + "".join("\t".join(r) + "\n" for r in MNLI_DEV_ROWS)


def _mnli_setup(monkeypatch, reduced: str = MNLI_REDUCED):
    """The fixture MNLI.zip, with checksums recorded for it, for `reduced` (both dev files) and its samples."""
    zipped, samples = _mnli_archive()
    made = dict(zip(("lm-bff-k-shot/MNLI/16-13/train.tsv", "lm-bff-k-shot/MNLI/16-13/dev_matched.tsv"), samples))
    recorded = {"glue/MNLI/dev_matched.tsv": reduced, "glue/MNLI/dev_mismatched.tsv": reduced, **made}
    monkeypatch.setattr(fetch, "CHECKSUMS", {path: {"sha256": _sha256(t.encode())} for path, t in recorded.items()})
    monkeypatch.setattr(glue_data, "GLUE_ARCHIVES", {"MNLI": _known(zipped)})
    monkeypatch.delenv(fetch.MIRROR_ENV, raising=False)
    return zipped, samples


def test_mnli_dev_files_are_cut_down_to_the_recorded_columns_and_samples_regenerated(monkeypatch, params, tmp_path):
    """GLUE's 16-column dev files become the 4-column files of the recorded checksums, byte for byte;
    MNLI's LM-BFF samples come from the train.tsv of the same archive."""
    zipped, samples = _mnli_setup(monkeypatch)
    with serving(tmp_path / "www", {"glue/data/MNLI.zip": zipped}) as origin:
        p = _params(tmp_path, params, origin)
        download_glue.main(argparse.Namespace(params=p, task="MNLI", out=str(tmp_path / "glue")))
    folder = tmp_path / "glue/MNLI"
    for name in ("dev_matched.tsv", "dev_mismatched.tsv"):
        assert (folder / name).read_bytes() == MNLI_REDUCED.encode()
    assert (folder / "k_shot/16-13/train.tsv").read_text() == samples[0]
    splits = load_few_shot(folder, "MNLI", 13, 16, "lm_bff")
    assert splits.train[0].text_b == "Someone sits ." and splits.evals["dev_matched"][1].label == 0
    assert k_shot_provenance(folder, "lm_bff").startswith(f"generated from {origin}/glue/data/MNLI.zip (MNLI/train.tsv)")
    sources = yaml.safe_load((folder / "sources.json").read_text())
    assert sources["dev_matched.tsv"] == (f"{origin}/glue/data/MNLI.zip (MNLI/dev_matched.tsv) cut down to columns "
                                          "index, sentence1, sentence2, gold_label")


@pytest.mark.parametrize("fault", ["altered archive", "truncated archive", "reduction differs from the record"])
def test_mnli_download_that_fails_verification_is_named_and_leaves_nothing(monkeypatch, params, tmp_path, fault):
    zipped, _ = _mnli_setup(monkeypatch, MNLI_REDUCED.replace("sleeps ", "sleeps") if
                            fault == "reduction differs from the record" else MNLI_REDUCED)
    served = {"altered archive": zipped[:100] + bytes([zipped[100] ^ 1]) + zipped[101:],
              "truncated archive": zipped[: len(zipped) // 2]}.get(fault, zipped)
    out = tmp_path / "workspace"
    out.mkdir()
    with serving(tmp_path / "www", {"glue/data/MNLI.zip": served}) as origin:
        p = _params(tmp_path, params, origin)
        with pytest.raises(DataSourceError) as err:
            download_glue.main(argparse.Namespace(params=p, task="MNLI", out=str(out / "glue")))
    said = str(err.value)
    if fault == "reduction differs from the record":
        got = _sha256(MNLI_REDUCED.encode())
        assert f"download {origin}/glue/data/MNLI.zip: glue/MNLI/dev_matched.tsv fails its checksum (sha256 {got}" in said
    else:
        url, want = f"{origin}/glue/data/MNLI.zip", glue_data.GLUE_ARCHIVES["MNLI"]
        assert f"{url}: sha256 {_sha256(served)} ({len(served)} bytes), expected {want['sha256']} ({want['bytes']} bytes)" in said
    assert list(out.iterdir()) == []   # no output, no temporary, no staging folder
