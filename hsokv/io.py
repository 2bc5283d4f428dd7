"""Reading and writing the pipeline's files so that a crash or a kill never leaves a half-written
file in place, a value JSON cannot hold never reaches a metrics file, and a damaged input names
itself.

Temporaries are named `.<output name>.<pid>-<random>.tmp` (files) and
`.<output name>.tmpdir-<pid>-<random>` (folders): the process id tells a later run whether the
writer is still alive, so a leftover of a killed run (SIGKILL skips every cleanup) can be removed by
any later run without touching the temporary of one still running.
"""
from __future__ import annotations

import glob
import json
import math
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from hsokv.errors import HsokvError


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Outputs get the modes any other new file gets (0644 / 0755 under the usual umask 022), not
# mkstemp's 0600 / mkdtemp's 0700.
_UMASK = _read_umask()
FILE_MODE = 0o666 & ~_UMASK
DIR_MODE = 0o777 & ~_UMASK

_TEMPORARY = re.compile(r"\.(?P<output>.+)\.(?:tmpdir-(?P<dir_pid>\d+)-[^.]+|(?P<file_pid>\d+)-[^.]+\.tmp)")


class JsonFileError(HsokvError, ValueError):
    """A JSON file that cannot be read (truncated, corrupt), or a value that JSON cannot hold (NaN,
    inf); the message names the file and, for a value, its key path."""


def _writer_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _is_stale(name: str, output: str | None = None) -> bool:
    """A temporary (of `output`, when given) whose writer has exited. Names of the older format
    (no process id) count as stale when they belong to `output`, as they did before."""
    match = _TEMPORARY.fullmatch(name)
    if match is None:
        legacy = output is not None and (re.fullmatch(rf"\.{re.escape(output)}\.[^.]+\.tmp", name)
                                         or name.startswith(f".{output}.tmpdir-"))
        return bool(legacy)
    if output is not None and match["output"] != output:
        return False
    return not _writer_alive(int(match["dir_pid"] or match["file_pid"]))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _remove_stale(folder: Path, output: str) -> None:
    """Temporaries a killed run left beside `output`."""
    for entry in folder.glob(f".{glob.escape(output)}.*"):
        if _is_stale(entry.name, output):
            _remove(entry)


def remove_stale_temporaries(folders: Iterable[str | Path], recursive: bool = False) -> list[Path]:
    """Remove every temporary in `folders` (and below them, if `recursive`) whose writer has
    exited; returns what was removed. Every stage calls this first (hsokv.cli), so a kill's
    leftovers go on the next run whatever that run does, and a run-cache restore's on the next
    stage that runs."""
    removed = []
    for folder in map(Path, folders):
        if not folder.is_dir():
            continue
        entries = folder.rglob(".*") if recursive else folder.glob(".*")
        for entry in list(entries):
            if _is_stale(entry.name) and (entry.exists() or entry.is_symlink()):
                _remove(entry)
                removed.append(entry)
    return removed


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}-"


def atomic_write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path.parent, path.name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _non_finite(obj: Any, where: str = "") -> tuple[str, float] | None:
    """(key path, value) of the first NaN or infinity in a JSON-able object, else None."""
    if isinstance(obj, float):
        return None if math.isfinite(obj) else (where or "(top level)", obj)
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, (list, tuple)) else ()
    for key, value in items:
        found = _non_finite(value, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def write_json(path: str | Path, obj: Any) -> None:
    """Write `obj` as JSON, refusing NaN and infinity: JSON has no such numbers (Python would write
    the invalid tokens NaN / Infinity), and a metric that is not a number is a failed run."""
    found = _non_finite(obj)
    if found:
        key, value = found
        raise JsonFileError(f"{path}: {key} is {value}; JSON holds only finite numbers, so nothing was written")
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n")


def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise JsonFileError(f"{path}: not valid JSON (truncated or corrupt?): {err}; rerun the stage that "
                            "writes it (`dvc repro`)") from None


class UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser: params load 10x faster
    """yaml's SafeLoader, except that a mapping with the same key twice is an error: the plain
    loader keeps the last value silently, so a key edited in one place could be undone by a
    forgotten copy further down."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} at line {key_node.start_mark.line + 1} "
                    f"(first at line {seen[key].line + 1})", None)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """Parse YAML safely (no Python objects), refusing duplicate keys."""
    return yaml.load(text, Loader=UniqueKeyLoader)


class Staged:
    """Where each output of a stage is written until all are swapped in together (`staged[target]`)."""

    def __init__(self) -> None:
        self.paths: dict[Path, Path] = {}

    def __getitem__(self, target: str | Path) -> Path:
        return self.paths[Path(target)]


@contextmanager
def outputs(files: Iterable[str | Path] = (), dirs: Iterable[str | Path] = ()) -> Iterator[Staged]:
    """A stage's outputs, replaced all together or not at all.

    Each output is written to a temporary beside its target: `staged[target]` is a free path for
    a file, an empty folder for a folder (a DVCLive run directory too). They are all created before
    the block runs, so an output folder that cannot be written fails before any work. When the
    block finishes, every existing target is moved aside, every temporary moved in, and what was
    moved aside removed; a failure in between moves everything back. If the block fails, the
    temporaries go and every target (the last good run's files and logs) stays as it was; so do
    parent folders this call created, which are removed again.
    """
    file_targets, dir_targets = [Path(f) for f in files], [Path(d) for d in dirs]
    targets = file_targets + dir_targets
    if len(set(targets)) < len(targets):
        raise ValueError(f"an output is named twice: {[str(t) for t in targets]}")
    created = sorted({p for t in targets for p in t.parents if not p.exists()}, key=lambda p: -len(p.parts))
    staged, done = Staged(), False
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale(target.parent, target.name)
            if target in file_targets:
                fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=_temporary_prefix(target), suffix=".tmp")
                os.close(fd)
                os.unlink(tmp)  # the name is reserved and the folder proven writable; the stage writes the file
            else:
                tmp = tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmpdir-{os.getpid()}-")
            staged.paths[target] = Path(tmp)
        yield staged
        unwritten = [str(t) for t, tmp in staged.paths.items() if not (tmp.exists() or tmp.is_symlink())]
        if unwritten:
            raise RuntimeError(f"the stage did not write {unwritten}; its earlier outputs are kept")
        _swap_in(staged.paths)
        done = True
    finally:
        for tmp in staged.paths.values():
            if tmp.exists() or tmp.is_symlink():
                _remove(tmp)
        if not done:
            for parent in created:  # deepest first; a folder something else wrote into stays
                try:
                    parent.rmdir()
                except OSError:
                    pass


def _swap_in(staged: dict[Path, Path]) -> None:
    """Move every target aside, every temporary in; undo all of it if any step fails."""
    aside: dict[Path, Path] = {}
    moved_in: list[Path] = []
    try:
        for target in staged:
            if target.exists() or target.is_symlink():  # a symlink is replaced, never written through
                old = target.with_name(f"{_temporary_prefix(target)}{os.urandom(4).hex()}.tmp")
                os.replace(target, old)
                aside[target] = old
        for target, tmp in staged.items():
            os.chmod(tmp, DIR_MODE if tmp.is_dir() else FILE_MODE)
            os.replace(tmp, target)
            moved_in.append(target)
    except BaseException:
        for target in reversed(moved_in):
            os.replace(target, staged[target])
        for target, old in aside.items():
            os.replace(old, target)
        raise
    for old in aside.values():
        _remove(old)


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary directory that replaces `path` only if the block finishes; on failure,
    parent folders this call created are removed again, so nothing at all is left behind."""
    with outputs(dirs=[path]) as staged:
        yield staged[path]
