"""SentenceKeys: one key per (sentence, word), read by each query sentence's best match."""
import torch

from hsokv.benchmarks.words.sentence_memory import SentenceKeys

# rows: 0 padding, 1-2 word 0's sentences, 3 word 1's, 4 a sentence seen with both
TABLE = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.6, 0.0, 0.8]])


def test_write_keeps_one_key_per_sentence_and_word():
    keys = SentenceKeys(TABLE, num_labels=2)
    keys.write(torch.tensor([[1, 4, 0], [3, 4, 0], [1, 2, 0]]), torch.tensor([0, 1, 0]))
    assert sorted(zip(keys.rows.tolist(), keys.labels.tolist())) == [(1, 0), (2, 0), (3, 1), (4, 0), (4, 1)]


def test_a_sentence_scores_each_word_by_its_best_key_not_their_mean():
    keys = SentenceKeys(TABLE * 3.0, num_labels=3)   # any length: cosine
    keys.write(torch.tensor([[1, 0], [2, 0], [3, 0]]), torch.tensor([0, 0, 1]))
    sims = keys.similarities(torch.tensor([[2, 0]]))
    assert torch.allclose(sims[0, 0], torch.tensor([1.0, 0.0, -1.0]))   # word 0 via row 2; word 2: no key
    scores = keys.scores(torch.tensor([[2, 4]]), torch.tensor([[0.1, 0.9]]))
    assert torch.allclose(scores, 0.1 * sims[0, 0] + 0.9 * keys.similarities(torch.tensor([[4]]))[0, 0])
    assert scores.argmax().item() == 1   # mostly row 4, nearer word 1 (0.8) than word 0 (0.6)
