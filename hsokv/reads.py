"""What a stage may read of its config, enforced.

Each stage script declares READS, the params it reads: top-level names and sections ("seeds",
"model") or single keys ("data.max_length"). dvc.yaml lists exactly those params, plus each
preset's part of them (tests/test_house.py checks), so DVC reruns a stage when, and only when,
something it reads changes. `restrict(cfg, reads)` returns the config with everything else
replaced by guards that fail on first use, naming the key to declare: a stage cannot read a
param that dvc.yaml would not rerun it for. The guards survive `model_copy` and pickling (trials
on other processes see the same config).
"""
from __future__ import annotations

from pydantic import BaseModel


class UnreadParamError(RuntimeError):
    """Stage code read a param its READS does not declare (a bug in the stage, not in params.yaml)."""


def _refuse(key: str, reads: tuple[str, ...]):
    raise UnreadParamError(f"params key {key!r} is read but not in this stage's READS {reads}: add it to READS "
                           "and to the stage's params in dvc.yaml (tests/test_house.py prints the lines)")


class Unread:
    """Stands in for a section or top-level value the stage did not declare."""

    def __init__(self, key: str, reads: tuple[str, ...]):
        self.key, self.reads = key, reads

    def __reduce__(self):
        return Unread, (self.key, self.reads)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        _refuse(f"{self.key}.{name}", self.reads)

    def __iter__(self):
        _refuse(self.key, self.reads)

    def __len__(self):
        _refuse(self.key, self.reads)

    def __bool__(self):
        _refuse(self.key, self.reads)

    def __eq__(self, other):
        _refuse(self.key, self.reads)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Unread({self.key!r})"


class Partial:
    """A section of which the stage declared only some keys: those read through, others fail."""

    def __init__(self, key: str, section: BaseModel, keys: tuple[str, ...], reads: tuple[str, ...]):
        self.key, self.section, self.keys, self.reads = key, section, keys, reads

    def __reduce__(self):
        return Partial, (self.key, self.section, self.keys, self.reads)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in type(self.section).model_fields and name not in self.keys:
            _refuse(f"{self.key}.{name}", self.reads)
        return getattr(self.section, name)  # a declared key, or a method such as model_copy

    def __repr__(self) -> str:
        return f"Partial({self.key!r}, {self.keys})"


def restrict(cfg: BaseModel, reads: tuple[str, ...]) -> BaseModel:
    """`cfg` with only `reads` (and `preset`, which every stage reads to resolve) readable."""
    reads = tuple(reads)
    names = cfg.section_names()
    keys: dict[str, list[str]] = {}
    for entry in reads:
        top, _, key = entry.partition(".")
        if top not in names:
            raise ValueError(f"READS names {entry!r}, which is not a params key")
        value = getattr(cfg, top)
        if isinstance(value, dict):
            raise ValueError(f"READS names {entry!r}, but no imported module registered the section {top!r} "
                             "(hsokv.config.section): import the benchmark that reads it")
        if key and key not in getattr(type(value), "model_fields", {}):
            raise ValueError(f"READS names {entry!r}, which is not a params key")
        keys.setdefault(top, []).append(key)
    update = {}
    for name in names:
        if name == "preset" or (name in keys and "" in keys[name]):
            continue
        update[name] = (Partial(name, getattr(cfg, name), tuple(keys[name]), reads) if name in keys
                        else Unread(name, reads))
    return cfg.model_copy(update=update)


def as_dict(cfg: BaseModel) -> dict:
    """The config as JSON-ready values; of a restricted config, only what the stage reads."""
    out = {}
    for name in cfg.section_names():
        value = getattr(cfg, name)
        if isinstance(value, Unread):
            continue
        if isinstance(value, Partial):
            out[name] = value.section.model_dump(mode="json", include=set(value.keys))
        elif isinstance(value, BaseModel):
            out[name] = value.model_dump(mode="json")
        else:
            out[name] = value
    return out
