"""One registry class for every swappable part (methods, backbones, strategies, backends...).

`Registry(kind)` maps names to implementations; `register(name)` is its decorator and `get(name)`
fails with a ConfigError that lists the valid names, so a typo in params.yaml is caught at load.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator


class Registry:
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, Any] = {}

    def register(self, name: str) -> Callable[[Any], Any]:
        def deco(obj):
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = obj
            if isinstance(obj, type):
                obj.name = name
            return obj
        return deco

    def get(self, name: str) -> Any:
        if name not in self._items:
            from hsokv.config import ConfigError
            raise ConfigError(f"{self.kind}: unknown {name!r}; valid: {', '.join(self.names())}")
        return self._items[name]

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
