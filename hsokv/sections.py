"""What a params.yaml section is: a frozen pydantic model that refuses unknown keys, booleans
where numbers belong, NaN and infinity; the registry benchmark and search sections join with
`@section(name)`; name fields checked against a registry (hsokv.config.resolve)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hsokv.registry import Registry

# Benchmark sections: name -> Section class, filled by @section as their packages are imported.
SECTIONS = Registry("params section")


def section(name: str):
    """Class decorator: `name` is a params.yaml section validated by this class."""
    return SECTIONS.register(name)


class Section(BaseModel):
    # Numbers must be finite: a NaN or an infinity passes every range check and would surface
    # only in a result (NaN in a metrics file, a run that never ends).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_only_where_booleans_belong(cls, value, info):
        """pydantic takes `true` for the number 1; in a params file it is always a slip."""
        if cls.model_fields[info.field_name].annotation is not bool:
            items = value if isinstance(value, list) else [value]
            if any(isinstance(item, bool) for item in items):
                raise ValueError("a boolean where a number or a name belongs")
        return value


def distinct_non_negative_seeds(seeds: list[int]) -> list[int]:
    """Each seed names its own outputs (seed_N): a repeated seed would overwrite itself, and
    numpy's generators refuse negative seeds (after minutes of work)."""
    negative = [s for s in seeds if s < 0]
    if negative:
        raise ValueError(f"seeds must be >= 0 (got {negative})")
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise ValueError(f"each seed may appear once (repeated: {repeated})")
    return seeds


def name_field(registry: str, default: Any, also: tuple[str, ...] = (), **kwargs) -> Any:
    """A field holding names of registered parts, checked by resolve() against `registry`
    ("module:ATTRIBUTE", a hsokv.registry.Registry) when that module is loaded. config.py never
    imports it: a stage imports the parts it uses before it loads params, so each stage checks
    the names it can run, and no core module depends on a benchmark. `also`: names that are not
    registered parts (distributed.backend's "auto")."""
    return Field(default, json_schema_extra={"registry": registry, "also": list(also)}, **kwargs)
