"""key_selection: the criterion, the grid's configs, and choosing over seed files."""
import json

import pytest

from hsokv.benchmarks.words.key_selection import GRID, grid_points, markdown, score, summarize, with_keys
from hsokv.config import ConfigError, resolve


def _result(recall, comprehension, cloze):
    tasks = {v: {"test": {"accuracy": a}, "retention": {"accuracy": r}}
             for v, (a, r) in {"recall": recall, "comprehension": comprehension, "cloze": cloze}.items()}
    tasks["recognition"] = {"test": {"accuracy": 1.0}, "retention": {"accuracy": 1.0}}   # not in the score
    return {"tasks": tasks}


def test_score_is_the_mean_of_phase_1_and_retention_over_the_meaning_variants():
    assert score(_result((0.6, 0.2), (0.9, 0.7), (0.3, 0.1))) == pytest.approx((0.4 + 0.8 + 0.2) / 3)


def test_with_keys_changes_only_the_sentence_keys():
    cfg = resolve({"preset": "t", "presets": {"t": {"seeds": [0]}}})
    changed = with_keys(cfg, {"rule": "all", "temperature": 0.1, "weight": 100.0})
    assert changed.synthetic.sentence_keys.rule == "all" and changed.synthetic.sentence_keys.weight == 100.0
    assert changed.synthetic.tasks == cfg.synthetic.tasks and cfg.synthetic.sentence_keys.rule == "statement"
    assert len(grid_points()) == len(GRID["rule"]) * len(GRID["word"]) * len(GRID["temperature"]) * len(GRID["weight"])
    assert cfg.synthetic.sentence_keys.word == "all" and changed.synthetic.sentence_keys.word == "all"
    with pytest.raises(ValueError, match="temperature"):
        with_keys(cfg, {"rule": "statement", "temperature": 0.0, "weight": 1.0})


def _seed_file(folder, seed, scores, word_specs="data/heldout_words.yaml"):
    points = [{**p, "score": s, "accuracy": {v: {"test": s, "retention": s} for v in ("recall", "comprehension", "cloze")}}
              for p, s in zip(grid_points(), scores)]
    (folder / f"seed_{seed}.json").write_text(json.dumps(
        {"seed": seed, "backbone": "minilm", "word_specs": word_specs, "points": points}))


def test_summarize_chooses_the_best_mean_over_seeds(tmp_path):
    n = len(grid_points())
    _seed_file(tmp_path, 0, [0.5] * n)
    _seed_file(tmp_path, 1, [0.5] * 3 + [0.9] + [0.5] * (n - 4))   # point 3 best on one seed only...
    _seed_file(tmp_path, 2, [0.5] * 5 + [0.7] + [0.5] * (n - 6))
    summary = summarize(tmp_path)
    assert summary["seeds"] == [0, 1, 2]
    assert summary["chosen"] == {k: grid_points()[3][k] for k in GRID}   # ...and best on the mean (0.633 > 0.567)
    assert summary["points"][3]["mean"] == pytest.approx((0.5 + 0.9 + 0.5) / 3)
    assert "**" in markdown(summary)


def test_summarize_refuses_mixed_word_lists_and_an_empty_folder(tmp_path):
    with pytest.raises(ConfigError, match="no seed_"):
        summarize(tmp_path)
    n = len(grid_points())
    _seed_file(tmp_path, 0, [0.5] * n)
    _seed_file(tmp_path, 1, [0.5] * n, word_specs="data/rare_words.yaml")
    with pytest.raises(ConfigError, match="another grid or word list"):
        summarize(tmp_path)


def test_trained_once_gives_every_point_its_own_runs_figures(tiny_cfg, monkeypatch):
    """Key selection trains each learning phase once per seed; every key setting still gets the
    figures of its own full run, and the keys of its own rule."""
    from conftest import fake_sentence_encoder
    from hsokv.benchmarks.words.data import build_splits
    from hsokv.benchmarks.words.key_selection import METHOD, trained_once
    from hsokv.benchmarks.words.methods import base
    from hsokv.benchmarks.words.protocol import run_seed
    from hsokv.benchmarks.words.specs import load_word_specs

    splits = build_splits(load_word_specs(tiny_cfg.data.word_specs), tiny_cfg.data, 0, tiny_cfg.synthetic.candidates)
    encoder, method_class = fake_sentence_encoder(), trained_once()
    trainings = []
    real = base.train_classifier
    monkeypatch.setattr(base, "train_classifier", lambda *a, **k: trainings.append(1) or real(*a, **k))
    figures = ("test", "retention", "test_phase2", "tasks", "probes")
    keys = []
    for point in ({"rule": "statement", "temperature": 0.05, "weight": 2.0},
                  {"rule": "all", "temperature": 0.1, "weight": 100.0},
                  {"rule": "attended", "temperature": 0.02, "weight": 1.0}):
        cfg = with_keys(tiny_cfg, point)
        once = run_seed(METHOD, splits, None, cfg, 0, count_flops=False, backbone=encoder, method_class=method_class,
                        on_done=lambda m: keys.append(len(m.keys)))
        before = len(trainings)
        alone = run_seed(METHOD, splits, None, cfg, 0, count_flops=False, backbone=encoder)
        assert len(trainings) == before + 2   # a run of its own trains both phases
        assert {k: once[k] for k in figures} == {k: alone[k] for k in figures}, point
    assert len(trainings) == 2 + 3 * 2   # the trained-once runs trained both phases once, on the first point
    assert keys[1] > keys[0]   # rule "all" keys every sentence, "statement" one a story
