"""Reading check.py's JSON lines for summarize.py and compare_grids.py: several files as one, and a run's final
accuracy kept once per seed (the check is deterministic, so two lines of one run and seed must agree)."""
import json


def lines(paths: str):
    """Each line of the comma-separated files, parsed, in order."""
    for path in paths.split(","):
        with open(path, encoding="utf-8") as f:
            yield from (json.loads(line) for line in f)


def keep(per_seed: dict[int, float], seed: int, value: float, what: str) -> None:
    """per_seed[seed] = value; a second line of the same seed that disagrees stops the script."""
    if per_seed.setdefault(seed, value) != value:
        raise SystemExit(f"{what} seed {seed}: two lines disagree ({per_seed[seed]} vs {value})")
