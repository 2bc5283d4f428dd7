"""The word benchmark's committed research runs (research/words/<backbone>/<method>.json and
ceiling.json, written by hsokv.benchmarks.words.research) -> metrics and a markdown table: the
frozen ceilings, then every method's task variants (hsokv.benchmarks.words.report's tables)."""
from __future__ import annotations

from pathlib import Path

from hsokv.benchmarks.words.report import summary, task_tables
from hsokv.config import ConfigError
from hsokv.io import read_json

CEILING_COLUMNS = ("recall", "recall_any", "cloze", "comprehension", "recall_meaning", "cloze_meaning", "recall_all",
                   "cloze_all")
LEXICAL = "text"   # the backbone name of the controls, which read text (hsokv.benchmarks.words.research)
_ORDER = {m: i for i, m in enumerate(("hsokv_sentences", "hsokv_sentences_attended", "hsokv", "finetune", "knn"))}


def collect(runs: Path) -> dict:
    """{runs, preset, seeds, word_specs, provenance, ceilings: {backbone: ...}, methods: {backbone/method: summary}}."""
    files = sorted(f for f in Path(runs).glob("*/*.json") if f.name != "ceiling.json")
    if not files:
        raise ConfigError(f"{runs}: no run results; run python -m hsokv.benchmarks.words.research first")
    results = {f"{f.parent.name}/{f.stem}": read_json(f) for f in files}
    for key in ("preset", "word_specs"):
        values = {r[key] for r in results.values()}
        if len(values) > 1:
            raise ConfigError(f"{runs}: runs with different {key} {sorted(values)}; keep one per folder")
    seeds = {name: [s["seed"] for s in r["seeds"]] for name, r in results.items()}
    if len({tuple(s) for s in seeds.values()}) > 1:
        raise ConfigError(f"{runs}: runs over different seeds {seeds}; every method needs the same seeds")
    first = next(iter(results.values()))
    return {"runs": Path(runs).as_posix(), "preset": first["preset"], "word_specs": first["word_specs"],
            "seeds": next(iter(seeds.values())),
            "provenance": {k: sorted({str(r[k]) for r in results.values()}) for k in ("commit", "torch", "machine")},
            "ceilings": {f.parent.name: read_json(f)["ceiling"] for f in sorted(Path(runs).glob("*/ceiling.json"))},
            "methods": {name: summary(r["seeds"]) for name, r in results.items()}}


def markdown(metrics: dict) -> str:
    p = metrics["provenance"]
    lines = [f"# Word benchmark, research runs — preset `{metrics['preset']}`, {metrics['word_specs']}, "
             f"seeds {metrics['seeds']}", "",
             f"Committed runs ({metrics['runs']}/): commit {', '.join(p['commit'])}; torch {', '.join(p['torch'])}; "
             f"{', '.join(p['machine'])}.", ""]
    if metrics["ceilings"]:
        lines += ["## Frozen ceiling", "", "Each test sentence alone, nearest by cosine among the words' own sentences "
                  "(hsokv.benchmarks.words.ceiling); no story, no filler, no training.", "",
                  "| backbone | " + " | ".join(CEILING_COLUMNS) + " |", "|---" * (len(CEILING_COLUMNS) + 1) + "|"]
        lines += [f"| {b} | " + " | ".join(f"{c[k]:.3f}" if k in c else "n/a" for k in CEILING_COLUMNS) + " |"
                  for b, c in metrics["ceilings"].items()]
        lines.append("")
    methods = metrics["methods"]
    controls = {n: m for n, m in methods.items() if n.startswith(f"{LEXICAL}/")}
    for backbone in dict.fromkeys(n.split("/")[0] for n in methods if n not in controls):
        rows = {n: m for n, m in methods.items() if n.startswith(f"{backbone}/")}
        rows = dict(sorted(rows.items(), key=lambda kv: _ORDER.get(kv[0].split("/")[1], len(_ORDER))))
        lines += [f"## On `{backbone}` (with the lexical controls)", ""] + task_tables(rows | controls) + [""]
    return "\n".join(lines) + "\n"
