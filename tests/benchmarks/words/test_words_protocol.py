"""Every method through the one evaluation path, on a tiny split."""
import pytest
import torch

from conftest import fake_sentence_encoder
from hsokv.benchmarks.words.data import build_splits, masked_form, meaning_form
from hsokv.benchmarks.words.inputs import sentences
from hsokv.benchmarks.words.key_selection import with_keys
from hsokv.benchmarks.words.methods import METHODS
from hsokv.benchmarks.words.protocol import run_seed
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.tokenizer import fit_tokenizer


@pytest.fixture(scope="module")
def tiny(request):
    from conftest import REPO
    from hsokv.config import resolve
    cfg = resolve({"preset": "t", "presets": {"t": {
        "seeds": [0], "data": {"num_words": 40},
        "model": {"num_layers": 1, "d_model": 32, "num_heads": 2, "ff_dim": 64},
        "train": {"epochs": 6, "learning_rate": 3e-3}}}, "data": {"word_specs": str(REPO / "data/rare_words.yaml")}})
    splits = build_splits(load_word_specs(cfg.data.word_specs), cfg.data, 0)
    return cfg, splits, fit_tokenizer(splits.training_text())


@pytest.mark.parametrize("method", sorted(METHODS))
def test_method_runs_and_reports(tiny, method):
    cfg, splits, tok = tiny
    torch.set_num_threads(1)
    backbones = METHODS.get(method).backbones
    control = backbones == ("text",)
    backbone = "text" if control else "scratch" if "scratch" in backbones else fake_sentence_encoder()
    r = run_seed(method, splits, tok, cfg, seed=0, backbone=backbone, count_flops=not control)
    for split in ("test", "retention", "test_phase2"):
        assert 0.0 <= r[split]["accuracy"] <= 1.0
    assert r["test"]["n"] == len(splits.test) and r["retention"]["n"] == len(splits.retention)
    assert control or r["flops"] > 0
    assert (r["test"]["kv_hit_rate"] is None) == (method in ("finetune", "lookup", "bm25"))
    assert (r["test"]["kv_utility"] is None) == (method not in ("hsokv", "hsokv_sentences"))
    assert sorted(r["tasks"]) == sorted(cfg.synthetic.tasks) and r["tasks"]["recognition"]["test"] == r["test"]
    for task in ("recall", "cloze", "comprehension"):
        assert r["tasks"][task]["test"]["n"] == len(splits.tasks[task]["test"])
        assert 0.0 <= r["tasks"][task]["retention"]["accuracy"] <= 1.0
    assert 0.0 <= r["probes"]["swapped"]["follows_swap"] <= 1.0 and r["probes"]["masked"]["n"] == len(splits.test)


def test_the_controls_solve_recognition_and_nothing_else(tiny):
    """lookup names the word from its token (and follows a swapped-in one); on paraphrases and
    glosses worded with test-only words it is near chance (1/40 words, 1/4 candidates)."""
    cfg, splits, tok = tiny
    r = run_seed("lookup", splits, tok, cfg, seed=0, backbone="text", count_flops=False)
    assert r["test"]["accuracy"] == 1.0 and r["probes"]["swapped"]["follows_swap"] == 1.0
    assert r["tasks"]["recall"]["test"]["accuracy"] < 0.15 and r["tasks"]["cloze"]["test"]["accuracy"] < 0.15
    assert r["tasks"]["comprehension"]["test"]["accuracy"] < 0.45


def test_hsokv_learns_the_tiny_task(tiny):
    """Trained end to end, H-SOKV recalls its words far above chance (1/40) and above B3."""
    cfg, splits, tok = tiny
    r = run_seed("hsokv", splits, tok, cfg, seed=0)
    knn = run_seed("knn", splits, tok, cfg, seed=0)
    assert r["history"][-1]["loss"] < 0.5 * r["history"][0]["loss"]
    assert r["test"]["accuracy"] > 0.25 and r["test"]["accuracy"] > knn["test"]["accuracy"] + 0.15
    assert r["history"][-1]["memory_size"] == 2 * (len(splits.train_phase1) + len(splits.train_phase2))


def test_same_seed_same_result(tiny):
    cfg, splits, tok = tiny
    a, b = (run_seed("hsokv", splits, tok, cfg, seed=0) for _ in range(2))
    assert a["test"] == b["test"] and a["retention"] == b["retention"]


@pytest.mark.parametrize("method", ["hsokv", "hsokv_sentences", "finetune", "knn"])
def test_methods_run_on_a_pretrained_encoder(tiny, method):
    cfg, splits, tok = tiny
    torch.manual_seed(0)
    r = run_seed(method, splits, tok, cfg, seed=0, backbone=fake_sentence_encoder(), count_flops=False)
    assert r["backbone"] == "fake" and 0.0 <= r["tasks"]["recall"]["test"]["accuracy"] <= 1.0


def test_a_method_refuses_a_backbone_it_cannot_read(tiny):
    cfg, splits, tok = tiny
    with pytest.raises(ValueError, match="method 'kv_only' runs on \\['scratch'\\], not on backbone 'fake'"):
        run_seed("kv_only", splits, tok, cfg, seed=0, backbone=fake_sentence_encoder())


def test_unknown_method(tiny):
    cfg, splits, tok = tiny
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        run_seed("nope", splits, tok, cfg, seed=0)


def _keys_under_rule(tiny, rule, word="keep"):
    cfg, splits, tok = tiny
    seen = {}
    point = {"rule": rule, "word": word, "temperature": 0.05, "weight": 2.0}
    run_seed("hsokv_sentences", splits, tok, with_keys(cfg, point), seed=0, backbone=fake_sentence_encoder(),
             count_flops=False, on_done=lambda m: seen.update(keys=m.keys, index=m.key_index))
    sentence = {row: s for s, row in seen["index"].items()}
    return splits, [(sentence[r], lab) for r, lab in zip(seen["keys"].rows.tolist(), seen["keys"].labels.tolist())]


def test_hsokv_sentences_keys_each_word_by_its_definitional_statement_as_the_word_setting_says(tiny):
    splits, kept = _keys_under_rule(tiny, "statement", "keep")
    assert len(kept) == len(splits.words)
    assert all(s.startswith(f"{splits.words[lab]} means ") for s, lab in kept)
    _, replaced = _keys_under_rule(tiny, "statement", "replace")   # the meaning alone: no word in any key
    assert sorted(replaced) == sorted((meaning_form(s), lab) for s, lab in kept)
    assert all(s.startswith("Something means ") for s, _ in replaced)
    _, both = _keys_under_rule(tiny, "statement", "both")
    assert sorted(both) == sorted(kept + replaced)
    _, every = _keys_under_rule(tiny, "statement", "all")   # and each statement with its word masked
    assert sorted(every) == sorted(both + [(masked_form(s), lab) for s, lab in kept])
    assert sum(s.startswith("[MASK] means ") for s, _ in every) == len(kept)


def test_the_word_setting_touches_only_statements_among_the_rules_sentences(tiny):
    splits, kept = _keys_under_rule(tiny, "all", "keep")
    _, both = _keys_under_rule(tiny, "all", "both")
    statements = [(s, lab) for s, lab in kept if meaning_form(s) is not None]
    assert 0 < len(statements) < len(kept)
    assert sorted(both) == sorted(kept + [(meaning_form(s), lab) for s, lab in statements])


def test_hsokv_sentences_rule_all_keys_every_sentence_of_stories_and_probes(tiny):
    splits, keys = _keys_under_rule(tiny, "all")
    keys = set(keys)
    items = splits.train_phase1 + splits.train_phase2
    expected = {(s, it.label) for it in items for text in (it.text, it.probe) for s in sentences(text)}
    assert keys == expected


def test_hsokv_sentences_rule_attended_keys_one_sentence_of_each_story(tiny):
    splits, keys = _keys_under_rule(tiny, "attended")
    keys = set(keys)
    items = splits.train_phase1 + splits.train_phase2
    assert 0 < len(keys) <= len(items)
    stories = {(s, it.label) for it in items for s in sentences(it.text)}
    assert keys <= stories   # a story's own sentence, under the story's word; never a probe-only one
    assert {lab for _, lab in keys} == {it.label for it in items}   # every word has its key
