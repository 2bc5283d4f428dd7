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

MAIN_T = (m.USAGE_TEMPLATES_MAIN, m.TEST_USAGE_TEMPLATES_MAIN, m.PARAPHRASE_TEMPLATES_MAIN)
HELD_T = (m.USAGE_TEMPLATES_HELDOUT, m.TEST_USAGE_TEMPLATES_HELDOUT, m.PARAPHRASE_TEMPLATES_HELDOUT)
LISTS = {   # name: (domains, details, templates, syllables, seed)
    "main (rare_words.yaml)": (m.DOMAINS_MAIN, m.DETAILS_MAIN, MAIN_T, m.SYLLABLES_MAIN, 1),
    "main, held-out templates": (m.DOMAINS_MAIN, m.DETAILS_MAIN, HELD_T, m.SYLLABLES_MAIN, 1),
    "main, fresh details": (m.DOMAINS_MAIN, m.DETAILS_FRESH, MAIN_T, m.SYLLABLES_MAIN, 1),
    "fresh, main templates": (m.DOMAINS_FRESH, m.DETAILS_FRESH, MAIN_T, m.SYLLABLES_HELDOUT, 3),
    "fresh (fresh_words.yaml)": (m.DOMAINS_FRESH, m.DETAILS_FRESH, HELD_T, m.SYLLABLES_HELDOUT, 3),
}


def main() -> None:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (domains, details, templates, syllables, seed) in LISTS.items():
            path = Path(tmp) / "words.yaml"
            path.write_text(yaml.safe_dump(m.make_specs(domains, details, templates, syllables, 30, seed)))
            cfg = research.research_config(REPO / "params.yaml", "research", None, str(path))
            encoder = SentenceEncoder("mpnet", *frozen_sentences("mpnet", cfg))
            ceiling = frozen_ceiling(load_word_specs(path), partial(research.sentence_vectors, encoder),
                                     cfg.synthetic.candidates)
            out[name] = {k: ceiling[k] for k in ("recall_all", "comprehension", "cloze_all")}
            print(name, {k: round(v, 3) for k, v in out[name].items()}, flush=True)
    (REPO / "research" / "words_fresh" / "ceiling_sources.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
