"""Few-shot GLUE data: the official TSV files, LM-BFF's k-shot samples, and our own sampler.

Protocol (LM-BFF, Gao et al. 2021): for each seed, k training examples per class and a dev set of
the same size, both drawn from GLUE's training set; evaluation on GLUE's full dev sets (GLUE's
test labels are hidden). `prepare` copies what a task needs into data/raw/glue/<task>/ (from a
mirror or the official archive, checksum-verified); `load_few_shot` reads it back. A downloaded
archive is verified whole (GLUE_ARCHIVES) before anything is unpacked; MNLI's dev files are then
cut down to the 4 columns of the recorded copies (columns.py) and verified like any file.
"""
from __future__ import annotations

import csv
import io
import json
import random
import shutil
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hsokv.benchmarks.glue.columns import keep_columns_in_file
from hsokv.benchmarks.glue.k_shot import LM_BFF_DATASETS_URL, extract_member, write_lm_bff_samples
from hsokv.data.fetch import fetch_files, mirror_roots, official_url, sha256
from hsokv.errors import GlueDataError

GLUE_URL = "https://dl.fbaipublicfiles.com/glue/data/{task}.zip"
LM_BFF_SEEDS = (13, 21, 42, 87, 100)
LM_BFF_K = 16
SOURCES = "sources.json"   # written by `prepare` beside the files: where each came from
# GLUE's archives as published in TensorFlow Datasets' url_checksums/glue.txt (the same files at
# GLUE_URL). A download must match before anything in it is read.
GLUE_ARCHIVES: dict[str, dict] = {
    "SST-2": {"bytes": 7_439_277, "sha256": "d67e16fb55739c1b32cdce9877596db1c127dc322d93c082281f64057c16deaa"},
    "MNLI": {"bytes": 312_783_507, "sha256": "e7c1d896d26ed6caf700110645df426cc2d8ebf02a5ab743d5a5c68ac1c83633"},
}


@dataclass(frozen=True)
class GlueTask:
    name: str
    text_columns: tuple[str, ...]          # one sentence, or (premise, hypothesis)
    label_column: str
    label_names: tuple[str, ...]           # as written in the files; index = class id
    eval_files: dict[str, str]             # eval split -> GLUE file
    k_shot_dev_file: str                   # LM-BFF's dev file name
    k_shot_origin: tuple[str, str]         # (archive URL, member): the train.tsv LM-BFF sampled from (k_shot.py)
    label_sentences: tuple[str, ...] | None = None  # one sentence per class, for label_init
    eval_columns: tuple[str, ...] | None = None     # the columns our eval files keep (None: GLUE's files whole)


TASKS: dict[str, GlueTask] = {
    "SST-2": GlueTask("SST-2", ("sentence",), "label", ("0", "1"), {"dev": "dev.tsv"}, "dev.tsv",
                      (LM_BFF_DATASETS_URL, "original/SST-2/train.tsv"), ("It was terrible.", "It was great.")),
    # MNLI's label_column in GLUE's dev files is gold_label too; its pairs are encoded premise [SEP] hypothesis.
    "MNLI": GlueTask("MNLI", ("sentence1", "sentence2"), "gold_label", ("contradiction", "entailment", "neutral"),
                     {"dev_matched": "dev_matched.tsv", "dev_mismatched": "dev_mismatched.tsv"}, "dev_matched.tsv",
                     (GLUE_URL.format(task="MNLI"), "MNLI/train.tsv"),
                     eval_columns=("index", "sentence1", "sentence2", "gold_label")),
}


@dataclass(frozen=True)
class Example:
    text_a: str
    text_b: str | None
    label: int


@dataclass
class FewShotSplits:
    task: GlueTask
    seed: int
    train: list[Example]
    dev: list[Example]
    evals: dict[str, list[Example]]


def get_task(name: str) -> GlueTask:
    if name not in TASKS:
        raise GlueDataError(f"unknown GLUE task {name!r}; known: {sorted(TASKS)}")
    return TASKS[name]


def read_tsv(path: str | Path, task: GlueTask) -> list[Example]:
    """Read a GLUE/LM-BFF TSV by its header names. GLUE's MNLI text holds unbalanced quotes, so
    no quote processing: one line is one example."""
    path = Path(path)
    if not path.is_file():
        raise GlueDataError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise GlueDataError(f"{path}: not UTF-8 text ({err})") from None
    rows = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    needed = [*task.text_columns, task.label_column]
    missing = [c for c in needed if c not in (rows.fieldnames or [])]
    if missing:
        raise GlueDataError(f"{path}: missing column(s) {missing} for {task.name}; header has {rows.fieldnames}")
    label_ids = {name: i for i, name in enumerate(task.label_names)}
    out = []
    for line, row in enumerate(rows, start=2):
        label = (row[task.label_column] or "").strip()
        if label not in label_ids:
            raise GlueDataError(f"{path}, line {line}: label {label!r} is not one of {list(task.label_names)}")
        texts = [(row[c] or "").strip() for c in task.text_columns]
        out.append(Example(texts[0], texts[1] if len(texts) > 1 else None, label_ids[label]))
    if not out:
        raise GlueDataError(f"{path}: no examples")
    return out


def sample_k_shot(examples: list[Example], k: int, seed: int, num_labels: int) -> tuple[list[Example], list[Example]]:
    """k training and k dev examples per class, disjoint, drawn with `seed` (our sampler, not LM-BFF's)."""
    rng = random.Random(seed)
    train, dev = [], []
    for label in range(num_labels):
        pool = [e for e in examples if e.label == label]
        if len(pool) < 2 * k:
            raise GlueDataError(f"class {label} has {len(pool)} training examples; k={k} needs {2 * k}")
        picked = rng.sample(pool, 2 * k)
        train += picked[:k]
        dev += picked[k:]
    rng.shuffle(train)
    rng.shuffle(dev)
    return train, dev


def required_files(task: GlueTask, seeds: list[int], k_shot_source: str) -> dict[str, str]:
    """{path under data/raw/glue/<task>/: path under a mirror root} for one task."""
    files = {name: f"glue/{task.name}/{name}" for name in task.eval_files.values()}
    if k_shot_source == "sample":
        files["train.tsv"] = f"glue/{task.name}/train.tsv"
    else:
        for seed in seeds:
            for name in ("train.tsv", task.k_shot_dev_file):
                files[f"k_shot/16-{seed}/{name}"] = f"lm-bff-k-shot/{task.name}/16-{seed}/{name}"
    return files


def _unpack_glue_archive(url: str, task: GlueTask, folder: Path, members: list[str]) -> None:
    """Download GLUE's archive for `task`, check it against GLUE_ARCHIVES, and extract `members`
    (those it holds) under `folder`/glue. Every failure is an OSError: fetch_files reports it as a
    failed download of `url`, alongside the other sources it tried."""
    archive = folder / f"{task.name}.zip"
    with urllib.request.urlopen(url, timeout=30) as response, open(archive, "wb") as f:
        shutil.copyfileobj(response, f)
    known, got = GLUE_ARCHIVES[task.name], sha256(archive)
    if got != known["sha256"]:   # truncated, altered, or another version of the archive
        raise OSError(f"{url}: sha256 {got} ({archive.stat().st_size} bytes), expected {known['sha256']} "
                      f"({known['bytes']} bytes)")
    try:
        with zipfile.ZipFile(archive) as z:
            for name in sorted(set(members) & set(z.namelist())):   # the archive holds <task>/<file>.tsv
                z.extract(name, folder / "glue")
    except zipfile.BadZipFile as err:  # only if GLUE_ARCHIVES records something other than a zip
        raise OSError(f"{url}: not a zip archive ({err})") from None
    archive.unlink()   # MNLI's is 300 MB; what is needed has been extracted


def _download_glue(task: GlueTask, seeds: list[int], k_shot_source: str, origin: str | None = None):
    """A download for fetch_files: the files the task needs from GLUE's verified archive, eval files
    cut down to `task.eval_columns` (columns.py), and, for LM-BFF's samples, their regeneration from
    the train.tsv LM-BFF sampled (k_shot.py). fetch_files then verifies every file by its sha256."""
    url = official_url(GLUE_URL.format(task=task.name), origin)
    source, member = task.k_shot_origin
    source = official_url(source, origin)
    members = [f"{task.name}/{name}" for name in required_files(task, seeds, k_shot_source) if "/" not in name]
    if k_shot_source == "lm_bff" and source == url:
        members.append(member)

    def download(folder: Path) -> dict[str, str]:
        _unpack_glue_archive(url, task, folder, members)
        notes = {}
        for name in task.eval_files.values() if task.eval_columns else ():
            path, shown = folder / "glue" / task.name / name, f"{url} ({task.name}/{name})"
            if not path.is_file():   # fetch_files reports it missing
                continue
            try:
                keep_columns_in_file(path, task.eval_columns, shown)
            except GlueDataError as err:   # not GLUE's layout: a failed download, listed with the other sources
                raise OSError(str(err)) from None
            notes[f"glue/{task.name}/{name}"] = f"{shown} cut down to columns {', '.join(task.eval_columns)}"
        if k_shot_source != "lm_bff":
            return notes
        train = folder / "glue" / member
        if source != url:
            train = folder / "lm-bff-original" / member
            extract_member(source, member, train)
        dest = folder / "lm-bff-k-shot" / task.name
        made = write_lm_bff_samples(train, dest, seeds, LM_BFF_K, task.k_shot_dev_file)
        how = f"generated from {source} ({member}) by LM-BFF's sampling procedure, sha256 equal to LM-BFF's file"
        return {**notes, **{str(p.relative_to(folder)): how for p in made}}
    return download


def prepare(task_name: str, dest: str | Path, seeds: list[int], k: int, k_shot_source: str,
            mirror: str | None, allow_download: bool, origin: str | None = None) -> dict[str, str]:
    """Copy verified files for one task into `dest`, with SOURCES (each file's origin, JSON);
    returns {file: source}. LM-BFF's samples come from a mirror first, else are regenerated."""
    task = get_task(task_name)
    _check_source(k, seeds, k_shot_source)
    url = official_url(GLUE_URL.format(task=task.name), origin)
    if k_shot_source == "lm_bff" and task.k_shot_origin[0] != GLUE_URL.format(task=task.name):
        url += f" (and {official_url(task.k_shot_origin[0], origin)} for LM-BFF's samples)"
    return fetch_files(required_files(task, seeds, k_shot_source), dest, mirror_roots(mirror),
                       _download_glue(task, seeds, k_shot_source, origin) if allow_download else None,
                       "", url, manifest=SOURCES)


def _check_source(k: int, seeds: list[int], k_shot_source: str) -> None:
    if k_shot_source != "lm_bff":
        return
    if k != LM_BFF_K:
        raise GlueDataError(f"glue.k is {k}, but LM-BFF's samples hold {LM_BFF_K} per class; "
                            f"set glue.k: {LM_BFF_K} or glue.k_shot_source: sample")
    extra = sorted(set(seeds) - set(LM_BFF_SEEDS))
    if extra:
        raise GlueDataError(f"glue.seeds {extra} have no LM-BFF sample; LM-BFF's seeds are {list(LM_BFF_SEEDS)} "
                            "(or set glue.k_shot_source: sample)")


def k_shot_provenance(root: str | Path, k_shot_source: str) -> str:
    """Where one task's training samples came from, for the results: LM-BFF's published files (a
    mirror), their regeneration (a download), or our own sampler; from `prepare`'s SOURCES."""
    if k_shot_source == "sample":
        return "sampled from GLUE's train.tsv by hsokv's sampler (glue.k_shot_source: sample)"
    path = Path(root) / SOURCES
    if not path.is_file():   # a folder copied by hand (a GPU host) or written before download_glue recorded it
        return f"not recorded (no {SOURCES}: download_glue writes it)"
    sources = json.loads(path.read_text(encoding="utf-8"))
    kinds = {v if v.startswith("generated") else "LM-BFF's published files (mirror copy)"
             for k, v in sources.items() if k.startswith("k_shot/")}
    return "; ".join(sorted(kinds))


def eval_subset(examples: list[Example], n: int | None, sample_seed: int | None) -> list[Example]:
    """The first n examples, or with sample_seed a random n of them (in file order): the same subset
    for every seed, method and backbone, as it depends on the file and the two numbers only."""
    if n is None or n >= len(examples):
        return examples
    if sample_seed is None:
        return examples[:n]
    return [examples[i] for i in sorted(random.Random(sample_seed).sample(range(len(examples)), n))]


def load_few_shot(root: str | Path, task_name: str, seed: int, k: int, k_shot_source: str,
                  max_eval_examples: int | None = None, eval_sample_seed: int | None = None) -> FewShotSplits:
    """One seed's splits from a folder written by `prepare`."""
    task, root = get_task(task_name), Path(root)
    _check_source(k, [seed], k_shot_source)
    if k_shot_source == "sample":
        train, dev = sample_k_shot(read_tsv(root / "train.tsv", task), k, seed, len(task.label_names))
    else:
        folder = root / "k_shot" / f"16-{seed}"
        train, dev = read_tsv(folder / "train.tsv", task), read_tsv(folder / task.k_shot_dev_file, task)
        for name, split in (("train.tsv", train), (task.k_shot_dev_file, dev)):
            counts = [sum(e.label == c for e in split) for c in range(len(task.label_names))]
            if counts != [k] * len(counts):
                raise GlueDataError(f"{folder / name}: {counts} examples per class, expected {k} each")
    evals = {split: eval_subset(read_tsv(root / name, task), max_eval_examples, eval_sample_seed)
             for split, name in task.eval_files.items()}
    return FewShotSplits(task, seed, train, dev, evals)
