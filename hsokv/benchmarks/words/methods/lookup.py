"""lookup (control): the dictionary of the training stories' definitional statements ("W means D.").
A story naming a dictionary word gets that word; any other story the word whose definition shares
the most words with it (ties broken at random). Comprehension: the usage's word by the same rule,
then the candidate sharing the most words with that word's stored definition. No learning, no
meaning: what token lookup and word overlap alone achieve on each task."""
from __future__ import annotations

import re

import torch

from hsokv.benchmarks.words.methods.base import METHODS, Predictions, _Method
from hsokv.tokenizer import split_words

_STATEMENT = re.compile(r"(?:^|(?<=\. ))(\S+) means ([^.]+)\.")


def overlap(a: list[str], b: list[str]) -> int:
    return len(set(a) & set(b))


def pick(scores: torch.Tensor, generator: torch.Generator) -> int:
    """The best score's index, a tie broken at random (a control that finds nothing is at chance)."""
    best = (scores == scores.max()).nonzero().flatten()
    return int(best[torch.randint(len(best), (1,), generator=generator)])


@METHODS.register("lookup")
class Lookup(_Method):
    backbones = ("text",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.words: dict[str, int] = {}
        self.definitions: dict[int, list[str]] = {}

    def learn(self, stories, probes, labels, sources, phase):
        for text, label in zip(stories, labels.tolist()):
            for word, definition in _STATEMENT.findall(text):
                self.words[split_words(word)[0]] = label
                self.definitions[label] = split_words(definition)
        return [{"phase": phase, "dictionary_size": len(self.words)}]

    def _scores(self, text: str) -> torch.Tensor:
        tokens = split_words(text)
        scores = torch.zeros(self.num_labels)
        named = [self.words[t] for t in tokens if t in self.words]
        if named:
            scores[named[0]] = 1.0
            return scores
        for label, definition in self.definitions.items():
            scores[label] = overlap(tokens, definition) / 1000   # below any named word
        return scores

    def predict(self, texts):
        scores = torch.stack([self._scores(t) for t in texts])
        return Predictions(torch.tensor([pick(s, self.generator) for s in scores]), scores=scores)

    def choose(self, texts, candidates, per_item: int) -> torch.Tensor:
        chosen = []
        for i, label in enumerate(self.predict(texts).pred.tolist()):
            definition = self.definitions.get(label, [])
            options = candidates[i * per_item:(i + 1) * per_item]
            chosen.append(pick(torch.tensor([float(overlap(split_words(c), definition)) for c in options]),
                               self.generator))
        return torch.tensor(chosen)
