"""The research spec: the resolved `distributed` section (with its seeds) as JSON, which the runner and
the scaling script read on a host without pydantic, params.yaml or DVC (the runner's --write-spec writes it
where they are installed). A hand-edited or older spec is refused with the file and what is wrong, not a traceback."""
from __future__ import annotations

import json
from pathlib import Path

SPEC_HINT = "write one with: python -m hsokv.benchmarks.rl.runner --write-spec PATH --preset P"


def read_spec(path: Path) -> dict:
    """The spec the runner's --write-spec wrote, or ValueError naming the file and what is wrong with it."""
    if not path.is_file():
        raise ValueError(f"{path}: no such spec file; {SPEC_HINT}")
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON (truncated or corrupt?): {err}; {SPEC_HINT}") from None
    if not isinstance(spec, dict) or "env_id" not in spec:   # every spec names its environment
        raise ValueError(f"{path}: not a spec (a JSON object of the distributed section's keys); {SPEC_HINT}")
    return spec


def missing_spec_key(err: KeyError, spec: dict, path: Path) -> str | None:
    """The message for a KeyError that is a key absent from the spec (a hand-edited or older spec), or
    None for any other KeyError (a bug: let it raise)."""
    key = err.args[0] if err.args else None
    if isinstance(key, str) and key not in spec:
        return f"{path}: the spec has no key {key!r}, which this version reads; {SPEC_HINT}"
    return None
