"""The three rows of the language-model table, each a class whose scores go through protocol.score:

- `ngram.KneserNey`: interpolated modified Kneser-Ney counts, order chosen on validation;
- `transformer.Transformer`: the causal transformer without memory;
- `knn_lm.KnnLM`: the same seed's transformer mixed with a datastore of training contexts.

No registry: the methods are not interchangeable (kNN-LM is built on a trained transformer, the
n-gram has no seed), so protocol.py runs each where it belongs.
"""
