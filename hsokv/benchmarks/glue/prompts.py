"""Zero-shot label scores from a frozen sentence encoder: no training example is used.

Single sentences (SST-2): cosine similarity of the input's vector to each label sentence's
("It was terrible." / "It was great."). Pairs (MNLI): a sentence encoder has no masked-LM head to
fill LM-BFF's "premise ? [Yes/Maybe/No], hypothesis" template, so each label rewrites the
hypothesis instead and the score is the premise's similarity to that rewrite: entailment the
hypothesis as it is, neutral "Perhaps, <hypothesis>", contradiction "It is not true that
<hypothesis>". NLI-trained encoders (MiniLM, MPNet) place a premise near what it entails, which is
what this reads; their MNLI numbers are not clean zero-shot results for that same reason.
"""
from __future__ import annotations

import torch

from hsokv.benchmarks.glue.frozen import FrozenEncoder

PAIR_TEMPLATES = {"contradiction": "It is not true that {}", "entailment": "{}", "neutral": "Perhaps, {}"}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def zero_shot_scores(encoder: FrozenEncoder, task, data) -> torch.Tensor:
    """[len(data), num_labels] cosine similarities (every backbone's vectors are unit length)."""
    if task.label_sentences is not None:
        return encoder.vectors(data.seqs) @ encoder.sentences(list(task.label_sentences)).T
    examples = data.examples
    premises = encoder.sentences([e.text_a for e in examples])
    columns = []
    for name in task.label_names:
        template = PAIR_TEMPLATES[name]
        rewrites = [template.format(e.text_b if template.startswith("{}") else _lower_first(e.text_b))
                    for e in examples]
        columns.append((premises * encoder.sentences(rewrites)).sum(-1))
    return torch.stack(columns, dim=-1)
