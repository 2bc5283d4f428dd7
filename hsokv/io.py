"""Writing outputs so that a crash or a kill never leaves a half-written file in place."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


def _remove_stale(folder: Path, pattern: str) -> None:
    """Temporaries a killed run (SIGKILL skips every cleanup) left beside its output."""
    for stale in folder.glob(pattern):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def atomic_write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path.parent, f".{path.name}.*.tmp")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary directory that replaces `path` only if the block finishes; on failure,
    parent folders this call created are removed again, so nothing at all is left behind."""
    path = Path(path)
    created = [p for p in path.parents if not p.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path.parent, f".{path.name}.tmpdir-*")
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.tmpdir-"))
    done = False
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
        done = True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not done:
            for parent in created:  # deepest first
                try:
                    parent.rmdir()
                except OSError:
                    break
