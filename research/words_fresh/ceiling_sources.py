"""Where the held-out lists' difficulty comes from: mpnet's frozen ceiling on word lists that mix the main
list's and the fresh list's parts (domains' kinds and targets, details, sentence templates), each made by
data/authoring/make_word_specs.py's make_specs in memory. Writes research/words_fresh/ceiling_sources.json.

    python research/words_fresh/ceiling_sources.py     # from the repository root, mpnet installed
"""
import json
import sys
import tempfile
from functools import partial
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "data" / "authoring")]   # a script, not a package: the library and the generator
import make_word_specs as m  # noqa: E402

from hsokv.benchmarks.glue.sentences import frozen_sentences  # noqa: E402
from hsokv.benchmarks.words import research  # noqa: E402
from hsokv.benchmarks.words.ceiling import frozen_ceiling  # noqa: E402
from hsokv.benchmarks.words.inputs import SentenceEncoder  # noqa: E402
from hsokv.benchmarks.words.specs import load_word_specs  # noqa: E402

MAIN, FRESH = m.FILES["rare_words.yaml"], m.FILES["fresh_words.yaml"]   # make_specs' arguments
LISTS = {   # name: make_specs' arguments, one part (details: 1, templates: 2) swapped between the two files
    "main (rare_words.yaml)": MAIN,
    "main, held-out templates": (*MAIN[:2], FRESH[2], *MAIN[3:]),
    "main, fresh details": (MAIN[0], FRESH[1], *MAIN[2:]),
    "fresh, main templates": (*FRESH[:2], MAIN[2], *FRESH[3:]),
    "fresh (fresh_words.yaml)": FRESH,
}


def main() -> None:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, recipe in LISTS.items():
            path = Path(tmp) / "words.yaml"
            path.write_text(yaml.safe_dump(m.make_specs(*recipe)))
            cfg = research.research_config(REPO / "params.yaml", "research", None, str(path))
            encoder = SentenceEncoder("mpnet", *frozen_sentences("mpnet", cfg))
            ceiling = frozen_ceiling(load_word_specs(path), partial(research.sentence_vectors, encoder),
                                     cfg.synthetic.candidates)
            out[name] = {k: ceiling[k] for k in ("recall_all", "comprehension", "cloze_all")}
            print(name, {k: round(v, 3) for k, v in out[name].items()}, flush=True)
    (REPO / "research" / "words_fresh" / "ceiling_sources.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
