"""Getting real dataset files: from a local mirror, or from the web when allowed; always verified.

A mirror is a folder holding the files in their official layout (the same relative paths as the
keys of checksums.json, e.g. `glue/SST-2/dev.tsv`). Sources are tried in order: the `data.mirror`
param, then $HSOKV_DATA_MIRROR, then a download (`data.allow_download`, on by default; `data.download_origin`
swaps the official host for another serving the same paths, e.g. a caching proxy). A file is
accepted only if its SHA-256 matches the one recorded in this repository; when no source has every
file, the error lists what each source lacked and how to provide the data. Files land in a
temporary folder that replaces the destination only when all of them are verified, so a failure
leaves nothing half-written.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import threading
import urllib.parse
from pathlib import Path
from typing import Callable

from hsokv.errors import DataSourceError
from hsokv.io import atomic_dir

MIRROR_ENV = "HSOKV_DATA_MIRROR"
CHECKSUMS: dict[str, dict] = json.loads((Path(__file__).with_name("checksums.json")).read_text(encoding="utf-8"))


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mirror_roots(mirror: str | None) -> list[Path]:
    """The mirrors to try, in order: the param, then the environment variable."""
    roots = [mirror, os.environ.get(MIRROR_ENV)]
    return [Path(r).expanduser() for r in roots if r]


def official_url(url: str, origin: str | None) -> str:
    """`url`, or the same path on `origin` (scheme://host[:port]) when one is given."""
    if not origin:
        return url
    return origin.rstrip("/") + urllib.parse.urlsplit(url).path


def fetch_files(files: dict[str, str], dest: str | Path, mirrors: list[Path],
                download: Callable[[Path], dict[str, str] | None] | None = None, how_to_provide: str = "",
                url: str = "", manifest: str | None = None) -> dict[str, str]:
    """Place verified copies of `files` ({path under dest: path under a mirror root}) in `dest`.

    `download(folder)`, when given, must fill `folder` with files in the mirror layout (from `url`,
    which the errors name); it may return {mirror path: how that file was made} for files it derived
    rather than unpacked. Returns {path under dest: where it came from}, also written as JSON to
    `dest`/`manifest` when given (with the files, so the provenance cannot disagree with them).
    Raises DataSourceError naming every source tried.
    """
    unknown = sorted(m for m in files.values() if m not in CHECKSUMS)
    if unknown:
        raise DataSourceError(f"no SHA-256 recorded for {unknown} in hsokv/data/checksums.json; add the checksum "
                              "of a verified copy there before this file can be used")
    tried: list[str] = []
    origin: dict[str, str] = {}
    notes: dict[str, str] = {}
    with atomic_dir(dest) as tmp:
        def take_from(root: Path, label: str) -> None:
            missing = [d for d in files if d not in origin]
            for dest_rel in missing:
                src = root / files[dest_rel]
                if not src.is_file():
                    continue
                got, want = sha256(src), CHECKSUMS[files[dest_rel]]["sha256"]
                if got != want:
                    # a download's staging folder is gone by the time anyone reads this: name the file
                    shown = files[dest_rel] if label.startswith("download") else src
                    tried.append(f"{label}: {shown} fails its checksum (sha256 {got}, expected {want})")
                    continue
                target = tmp / dest_rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)
                # a download's staging path is gone afterwards: say what it was made from instead
                origin[dest_rel] = (notes.get(files[dest_rel], label) if label.startswith("download")
                                    else str(src))
            lacking = [files[d] for d in files if d not in origin and not (root / files[d]).is_file()]
            if lacking:
                where = "the archive" if label.startswith("download") else root
                tried.append(f"{label}: {where} lacks {len(lacking)} file(s), e.g. {lacking[0]}")

        for root in mirrors:
            if not root.is_dir():
                tried.append(f"mirror {root}: not a folder")
                continue
            take_from(root, "mirror")
            if len(origin) == len(files):
                break
        if len(origin) < len(files):
            if download is None:
                tried.append("download: not attempted (set data.allow_download: true to fetch from the official URLs)")
            else:
                staging = Path(tmp) / ".download"
                staging.mkdir()
                try:
                    notes.update(download(staging) or {})
                    take_from(staging, f"download {url}".strip())
                except OSError as err:  # urllib's URLError, socket errors, and a damaged archive (the download's)
                    tried.append(f"download {url}".strip() + f": failed ({err})")
                shutil.rmtree(staging, ignore_errors=True)
        if len(origin) < len(files):
            missing = [files[d] for d in files if d not in origin]
            lines = "\n  ".join(tried) or "(no source configured)"
            raise DataSourceError(
                f"could not get verified copies of {len(missing)} file(s), e.g. {missing[0]}.\nTried:\n  {lines}\n"
                f"Provide them with data.mirror (params.yaml) or ${MIRROR_ENV} pointing at a folder in the official "
                f"layout{', ' + how_to_provide if how_to_provide else ''}.")
        if manifest:
            (tmp / manifest).write_text(json.dumps(origin, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return origin


def _answers(url: str, timeout: float) -> bool:
    """Whether the URL's host accepts a connection: enough to tell "no network" from "go ahead";
    the download itself verifies the rest."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:  # refused, unreachable, no DNS, timed out
        return False


def _probe(urls: dict[str, str], timeout: float) -> dict[str, bool]:
    """Which URLs' hosts answer, all probed at once. Daemon threads: a name lookup that hangs
    (socket timeouts do not cover DNS) neither delays the answer past `timeout` nor the exit."""
    answers: dict[str, bool] = {}
    threads = [threading.Thread(target=lambda k=k, u=u: answers.__setitem__(k, _answers(u, timeout)), daemon=True)
               for k, u in urls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return {k: answers.get(k, False) for k in urls}


def check_sources(required: dict[str, list[list[str]]], mirrors: list[Path], urls: dict[str, str | None] | None,
                  timeout: float = 0.5, hints: dict[str, str] | None = None) -> dict[str, str]:
    """Before any stage works: where each dataset would come from, without copying or hashing.

    `required` maps a dataset to its acceptable mirror layouts (each a list of paths under a
    mirror root, e.g. CIFAR-10's archive or its extracted folder); `urls` maps a dataset to the
    URL it downloads from (None: it has no official download), or is None when downloads are off;
    `hints` adds a dataset's own way out to the error. Returns {dataset: source}; raises
    DataSourceError naming every dataset that no source can provide, and the three ways to
    provide it. Hosts are probed at once, so the answer takes at most about `timeout` seconds.
    """
    found: dict[str, str] = {}
    for dataset, layouts in required.items():
        for root in mirrors:
            layout = next((paths for paths in layouts if all((root / p).exists() for p in paths)), None)
            if layout is not None:
                found[dataset] = f"mirror {root}"
                break
    to_probe = {d: url for d, url in (urls or {}).items() if d in required and d not in found and url}
    reachable = _probe(to_probe, timeout)
    found.update({d: f"download {to_probe[d]}" for d, ok in reachable.items() if ok})
    missing = [d for d in required if d not in found]
    if missing:
        def why(dataset: str) -> str:
            if urls is None:
                reason = "downloads off (data.allow_download: false)"
            else:
                reason = f"{to_probe[dataset]} unreachable" if dataset in to_probe else "no official download"
            return reason + (f" ({hints[dataset]})" if hints and dataset in hints else "")
        roots = ", ".join(str(r) for r in mirrors) or "none configured"
        reasons = "\n  ".join(f"{d}: in no mirror, {why(d)}" for d in missing)
        # the example names a file the first mirror lacks (MNLI's dev set may be there and its train.tsv not)
        first = next((p for p in required[missing[0]][0] if not mirrors or not (mirrors[0] / p).exists()),
                     required[missing[0]][0][0])
        where = f"{mirrors[0]}/{first}" if mirrors else f"<mirror>/{first}"
        download = ("set data.allow_download: true where the official URLs are reachable" if urls is None else
                    "run where the URLs above are reachable (or set data.download_origin to a host serving their paths)")
        raise DataSourceError(
            f"no source for {', '.join(missing)} (mirrors: {roots}):\n  {reasons}\n"
            "Provide the data in one of three ways:\n"
            f"  1. point data.mirror (params.yaml) or ${MIRROR_ENV} at a folder holding the files in their official "
            f"layout (e.g. {first});\n"
            f"  2. {download};\n"
            f"  3. place the files there yourself (e.g. {where}), or `dvc pull` the data/raw outputs from a remote "
            "that has them.")
    return found
