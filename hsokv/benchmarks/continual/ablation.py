"""H-SOKV's one-change ablations: every H-SOKV row against the H-SOKV row it changes exactly one setting
of, on test. A variant is named after the design it varies (`hsokv_random_selection` varies `hsokv`,
`hsokv_batch_replay_reservoir` varies `hsokv_batch_replay`), so its base is an H-SOKV row at its buffer
whose name begins its own and whose recorded args differ from its own in one setting only; a row that
changes several settings at once (the replay batch against merged replay) is no ablation of one thing and
is left to the design tables. The design's own row also meets its other readouts, the same runs read
another way: its head is the "no retrieval" ablation."""
from __future__ import annotations

from hsokv.benchmarks.continual.report import mean_std, p_text, paired_rows
from hsokv.benchmarks.continual.validation import MAIN


def _settings(row: dict) -> dict:
    return {k: v for k, v in row["args"].items() if k != "method"}


def one_change_ablations(rows: dict[str, dict]) -> list[dict]:
    """[{variant, base, change: {setting: [variant's value, base's value]}, seeds, difference, p_value}]:
    variant minus base, class-IL on test by each row's own readout, paired over the seeds both have."""
    own = {n: r for n, r in rows.items() if r["method"] == MAIN and r["own_readout"]}
    out = []
    for name, r in own.items():
        if r["run"] == MAIN:
            for other, o in rows.items():
                if o["run"] == MAIN and o["buffer"] == r["buffer"] and not o["own_readout"]:
                    out.append({"variant": other, "base": name, "change": {"readout": [o["readout"], r["readout"]]},
                                **paired_rows(o, r)})
    for name, r in own.items():
        for base, b in own.items():
            if base == name or b["buffer"] != r["buffer"] or not r["run"].startswith(b["run"] + "_"):
                continue
            a, s = _settings(r), _settings(b)
            changed = sorted(k for k in set(a) | set(s) if a.get(k) != s.get(k))
            if len(changed) == 1:
                k = changed[0]
                out.append({"variant": name, "base": base, "change": {k: [a.get(k), s.get(k)]}, **paired_rows(r, b)})
    return out


def ablation_table(ablations: list[dict]) -> str:
    lines = ["H-SOKV's one-change ablations on test (each row against the H-SOKV row it changes one setting of; "
             "class-IL of each row's own readout; negative = the change costs accuracy)", "",
             "| row | change (row / base; unset = the default) | base | seeds | difference (points) | paired t-test p |",
             "|---|---|---|---|---|---|"]
    for a in ablations:
        (k, (mine, theirs)), = a["change"].items()
        show = ["unset" if v is None else v for v in (mine, theirs)]
        lines.append(f"| {a['variant']} | {k}: {show[0]} / {show[1]} | {a['base']} | {len(a['seeds'])} | "
                     f"{mean_std(a['difference'])} | {p_text(a['p_value'])} |")
    return "\n".join(lines) + "\n"
