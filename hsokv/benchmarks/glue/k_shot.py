"""LM-BFF's k-shot samples, regenerated from GLUE's train.tsv by LM-BFF's own procedure.

LM-BFF (Gao et al. 2021) publishes no archive of its 16-shot folders: its script
`tools/generate_k_shot_data.py` draws them from GLUE's training file. The procedure, reproduced
here so that the outputs are the same bytes (download_glue verifies them against the recorded
SHA-256 of LM-BFF's files, so a difference cannot pass unnoticed):

1. read train.tsv as lines (text mode, universal newlines), header line apart;
2. seed numpy's legacy global generator with the sample's seed (RandomState(seed)) and shuffle the
   data lines in place;
3. group the shuffled lines by label (the last tab-separated field of the stripped line), labels in
   order of first appearance;
4. train = header + the first k lines of each group; dev = header + lines k..2k of each group
   (`dev_matched.tsv` for MNLI), labels in the same order; lines are written unchanged.

The training file is LM-BFF's `original/<task>/train.tsv` from its datasets.tar
(data/download_dataset.sh). For MNLI that is GLUE's own train.tsv: the `index` column of all 480
rows of LM-BFF's five MNLI samples follows this procedure's order for GLUE's 392,702 rows, so GLUE's
archive (which download_glue fetches anyway) serves. For SST-2 it is not: LM-BFF's SST-2 text is
cased and re-tokenised (no trailing space, "(aliens come to earth)"), in another order, and some of
its sampled rows are absent from GLUE's train.tsv, so SST-2's samples need LM-BFF's archive.
"""
from __future__ import annotations

import shutil
import tarfile
import urllib.request
from pathlib import Path

import numpy as np

from hsokv.errors import GlueDataError


LM_BFF_DATASETS_URL = "https://nlp.cs.princeton.edu/projects/lm-bff/datasets.tar"


def extract_member(url: str, member: str, path: Path, timeout: float = 30) -> None:
    """Stream the tar archive at `url` until `member` and write that one file to `path` (LM-BFF's
    archive holds every task's data: nothing else is stored)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        try:
            with tarfile.open(fileobj=response, mode="r|*") as tar:
                for info in tar:
                    if info.isfile() and info.name.removeprefix("./") == member:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        with open(path, "wb") as out:
                            shutil.copyfileobj(tar.extractfile(info), out)
                        return
        except tarfile.TarError as err:  # truncated or not a tar: a failed download, reported as one
            raise OSError(f"{url}: not a readable tar archive ({err})") from None
    raise OSError(f"{url}: the archive has no {member}")


def read_lines(path: str | Path) -> list[str]:
    """The file's lines as LM-BFF's script reads them (text mode: '\\r\\n' and '\\r' become '\\n')."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.readlines()
    except (OSError, UnicodeDecodeError) as err:
        raise GlueDataError(f"{path}: cannot read GLUE's train.tsv ({err})") from None


def lm_bff_sample(lines: list[str], seed: int, k: int) -> tuple[str, str]:
    """(train.tsv text, dev text) of one LM-BFF sample from GLUE train.tsv's `lines`."""
    if len(lines) < 2:
        raise GlueDataError("GLUE's train.tsv has no data lines to sample from")
    header, rows = lines[0], list(lines[1:])
    np.random.RandomState(seed).shuffle(rows)  # the legacy generator's stream, as np.random.seed + shuffle
    groups: dict[str, list[str]] = {}
    for line in rows:
        groups.setdefault(line.strip().split("\t")[-1], []).append(line)
    short = {label: len(g) for label, g in groups.items() if len(g) < 2 * k}
    if short:
        raise GlueDataError(f"GLUE's train.tsv has too few lines for k={k} (train + dev need {2 * k} a label): {short}")
    train = header + "".join(line for g in groups.values() for line in g[:k])
    dev = header + "".join(line for g in groups.values() for line in g[k:2 * k])
    return train, dev


def write_lm_bff_samples(train_tsv: str | Path, dest: str | Path, seeds: list[int], k: int,
                         dev_file: str) -> list[Path]:
    """Write `dest`/<k>-<seed>/{train.tsv, dev_file} for every seed (LM-BFF's folder layout)."""
    lines = read_lines(train_tsv)
    written = []
    for seed in seeds:
        folder = Path(dest) / f"{k}-{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in zip(("train.tsv", dev_file), lm_bff_sample(lines, seed, k)):
            # newline="" keeps '\n' as read (LM-BFF wrote on Linux: '\n' line ends)
            with open(folder / name, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            written.append(folder / name)
    return written
