"""bm25 (control): lexical retrieval over the training stories (and their probes). A story gets
the label of the best-scoring training story; a story sharing no word with any gets a random
label. Comprehension: the usage's word by the same rule, then the candidate scoring highest
against that word's training stories.

Okapi BM25 as rank-bm25's BM25Okapi computes it (k1 1.5, b 0.75, idf log((N - n + 0.5) / (n + 0.5)),
negative idf floored at 0.25 x the mean idf), written out as one matrix product: rank-bm25 scores
one query at a time in a Python loop over documents, ~100x slower on the ~7,000 queries a seed asks.
"""
from __future__ import annotations

import torch

from hsokv.benchmarks.words.methods.base import METHODS, Predictions, _Method
from hsokv.benchmarks.words.methods.lookup import pick
from hsokv.tokenizer import split_words

K1, B, EPSILON = 1.5, 0.75, 0.25


class Okapi:
    def __init__(self, docs: list[list[str]]):
        self.vocab = {t: i for i, t in enumerate(sorted({t for d in docs for t in d}))}
        tf = torch.zeros(len(docs), len(self.vocab))
        for row, doc in enumerate(docs):
            for t in doc:
                tf[row, self.vocab[t]] += 1
        n = (tf > 0).sum(0).float()
        idf = torch.log((len(docs) - n + 0.5) / (n + 0.5))
        idf = torch.where(idf < 0, EPSILON * idf.mean(), idf)
        length = tf.sum(1, keepdim=True)
        self.weights = idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / length.mean()))

    def scores(self, queries: list[list[str]]) -> torch.Tensor:
        """[queries, docs]; a query term counts as often as it occurs (as rank-bm25)."""
        q = torch.zeros(len(queries), len(self.vocab))
        for row, query in enumerate(queries):
            for t in query:
                if t in self.vocab:
                    q[row, self.vocab[t]] += 1
        return q @ self.weights.T


@METHODS.register("bm25")
class BM25(_Method):
    backbones = ("text",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.docs: list[list[str]] = []
        self.doc_labels: list[int] = []

    def learn(self, stories, probes, labels, sources, phase):
        for texts in (stories, probes):   # the same training examples every method sees
            self.docs += [split_words(t) for t in texts]
            self.doc_labels += labels.tolist()
        self.index = Okapi(self.docs)
        return [{"phase": phase, "documents": len(self.docs)}]

    def _label_scores(self, texts) -> torch.Tensor:
        doc_scores = self.index.scores([split_words(t) for t in texts])
        labels = torch.tensor(self.doc_labels).expand_as(doc_scores)
        return torch.zeros(len(texts), self.num_labels).scatter_reduce(1, labels, doc_scores, "amax")

    def predict(self, texts):
        scores = self._label_scores(texts)
        return Predictions(torch.tensor([pick(s, self.generator) for s in scores]), scores=scores)

    def choose(self, texts, candidates, per_item: int) -> torch.Tensor:
        words = self.predict(texts).pred
        cand = self._label_scores(candidates).view(len(texts), per_item, -1)
        return torch.tensor([pick(cand[i, :, w], self.generator) for i, w in enumerate(words.tolist())])
