"""One registry class for every swappable part (methods, backbones, search strategies and
backends, RL policies): a name -> implementation table that says which names are valid.

    METHODS = Registry("synthetic method")

    @METHODS.register("hsokv")
    class HSOKV: ...

    METHODS.get("hsokv")     # the class; an unknown name raises ConfigError listing the valid ones
"""
from __future__ import annotations

from typing import Callable, Iterator

from hsokv.errors import ConfigError


class Registry:
    def __init__(self, kind: str):
        self.kind = kind  # what one entry is, for error messages: "backbone", "search strategy"
        self._entries: dict[str, object] = {}

    def register(self, name: str) -> Callable:
        """Decorator: file `obj` under `name`; a class also gets `name` as its attribute."""
        def deco(obj):
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            if isinstance(obj, type):
                obj.name = name
            self._entries[name] = obj
            return obj
        return deco

    def get(self, name: str):
        if name not in self._entries:
            raise ConfigError(f"unknown {self.kind} {name!r}; valid: {', '.join(self.names())}")
        return self._entries[name]

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self.names())})"
