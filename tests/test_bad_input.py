"""Bad input, through the stage scripts as `dvc repro` runs them: each case exits 2 with a message
naming the problem (no traceback), and writes nothing: the output folder holds only the file it held
before, unchanged."""
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from conftest import REPO
from hsokv.config import MemoryConfig, ModelConfig
from hsokv.tokenizer import fit_tokenizer
from hsokv.model import TransformerWithKV

SENTINEL = '{"kept": true}\n'


@pytest.fixture
def case(tmp_path, params):
    """(params dict to edit, run(module, *args, params=...) -> CompletedProcess, out folder)."""
    params["preset"] = "quick_test"
    params["data"]["word_specs"] = str(REPO / "data/rare_words.yaml")
    params["data"]["allow_download"] = False   # on by default; bad-input cases never fetch from the web
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.json").write_text(SENTINEL)

    def run(module, *args, params_text=None):
        path = tmp_path / "params.yaml"
        path.write_text(params_text if params_text is not None else yaml.safe_dump(params, sort_keys=False))
        env = {k: v for k, v in os.environ.items() if k != "HSOKV_DATA_MIRROR"}
        return subprocess.run([sys.executable, "-m", f"stages.{module}", "--params", str(path), *map(str, args)],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    return params, run, out


def refused(p, out: Path, *needles: str) -> None:
    assert p.returncode == 2, f"exit {p.returncode}\n{p.stdout[-1500:]}\n{p.stderr[-1500:]}"
    assert "Traceback" not in p.stderr, p.stderr
    for needle in needles:
        assert needle in p.stderr, f"{needle!r} not in:\n{p.stderr}"
    assert [x.name for x in out.rglob("*")] == ["previous.json"] and (out / "previous.json").read_text() == SENTINEL


def prepare(run, out):
    return run("prepare_synthetic", "--out", out / "synthetic")


# -- params ----------------------------------------------------------------------------------------
def test_unknown_top_level_key(case):
    params, run, out = case
    params["trian"] = {"epochs": 3}
    refused(prepare(run, out), out, "unknown top-level key(s) ['trian']", "valid keys")


def test_unknown_key_in_a_section(case):
    params, run, out = case
    params["train"]["learnig_rate"] = 0.1
    refused(prepare(run, out), out, "train.learnig_rate: unknown key", "learning_rate")


def test_ill_typed_value(case):
    params, run, out = case
    params["train"]["learning_rate"] = "fast"
    refused(prepare(run, out), out, "train.learning_rate", "'fast'")


def test_out_of_range_value(case):
    params, run, out = case
    params["model"]["dropout"] = 1.5
    refused(prepare(run, out), out, "model.dropout", "less than 1", "1.5")


def test_heads_must_divide_width(case):
    params, run, out = case
    params["model"].update(d_model=100, num_heads=3)
    refused(prepare(run, out), out, "model.d_model (100) must be divisible by model.num_heads (3)")


def test_unknown_preset(case):
    params, run, out = case
    params["preset"] = "huge"
    refused(prepare(run, out), out, "unknown preset 'huge'", "demo", "quick_test", "research")


def test_unknown_memory_policy(case):
    params, run, out = case
    params["memory"]["policy"] = "magic"
    refused(prepare(run, out), out, "memory.policy: unknown policy 'magic'", "seed_prototype")


def test_empty_seed_list(case):
    params, run, out = case
    params["seeds"] = []
    refused(prepare(run, out), out, "seeds")


def test_malformed_params_yaml(case):
    _, run, out = case
    refused(run("prepare_synthetic", "--out", out / "synthetic", params_text="preset: demo\ntrain: {epochs: [\n"),
            out, "params.yaml: not valid YAML")


def test_params_file_that_is_not_a_mapping(case):
    _, run, out = case
    refused(run("prepare_synthetic", "--out", out / "synthetic", params_text="- just\n- a list\n"),
            out, "expected a mapping at the top level")


def test_unknown_glue_task(case):
    params, run, out = case
    params["glue"]["tasks"] = ["CoLA"]
    refused(run("download_glue", "--task", "CoLA", "--out", out / "glue"), out, "glue.tasks.0", "'SST-2'", "'MNLI'")


def test_unknown_search_strategy(case):
    _, run, out = case
    refused(run("search", "--strategy", "bayes", "--out", out / "search", "--models", out / "models",
                "--live", out / "live"), out, "--strategy 'bayes' is unknown", "swarm")


def test_ray_address_that_does_not_answer(case):
    params, run, out = case
    params["swarm"].update(backend="ray", ray_address="127.0.0.1:1")
    refused(run("search", "--strategy", "swarm", "--out", out / "search", "--models", out / "models",
                "--live", out / "live"), out, "swarm.ray_address='127.0.0.1:1'", "no Ray cluster answers")


# -- word specs ------------------------------------------------------------------------------------
def test_missing_word_spec_file(case, tmp_path):
    params, run, out = case
    params["data"]["word_specs"] = str(tmp_path / "nowhere.yaml")
    refused(prepare(run, out), out, "nowhere.yaml")


def test_word_spec_entry_without_usages(case, tmp_path):
    params, run, out = case
    specs = yaml.safe_load((REPO / "data/rare_words.yaml").read_text())
    del specs[3]["usages"]
    (tmp_path / "specs.yaml").write_text(yaml.safe_dump(specs))
    params["data"]["word_specs"] = str(tmp_path / "specs.yaml")
    refused(prepare(run, out), out, "specs.yaml", "usages")


def test_word_spec_file_that_is_not_yaml(case, tmp_path):
    params, run, out = case
    (tmp_path / "specs.yaml").write_text("- word: blorp\n  usages: [unclosed\n")
    params["data"]["word_specs"] = str(tmp_path / "specs.yaml")
    refused(prepare(run, out), out, "specs.yaml")


# -- language-model corpus -------------------------------------------------------------------------
def _lm(run, out):
    return run("language_model", "--metrics", out / "lm.json", "--table", out / "lm.md",
               "--results", out / "lm_results.json", "--plots", out / "plots")


@pytest.mark.parametrize("content, needle", [(b"", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks binary"),
                                             ("na\xefve caf\xe9\n".encode("latin-1"), "not UTF-8")],
                         ids=["empty", "binary", "latin1"])
def test_unusable_lm_corpus(case, tmp_path, content, needle):
    params, run, out = case
    (tmp_path / "corpus.txt").write_bytes(content)
    params["data"]["lm_corpus"] = str(tmp_path / "corpus.txt")
    refused(_lm(run, out), out, "corpus.txt", needle)


def test_missing_lm_corpus(case, tmp_path):
    params, run, out = case
    params["data"]["lm_corpus"] = str(tmp_path / "absent.txt")
    refused(_lm(run, out), out, "absent.txt: language-model corpus not found")


def test_lm_corpus_too_short_to_split(case, tmp_path):
    params, run, out = case
    (tmp_path / "corpus.txt").write_text("one line\ntwo lines\n")
    params["data"]["lm_corpus"] = str(tmp_path / "corpus.txt")
    refused(_lm(run, out), out, "corpus.txt: 19 char tokens split into")


# -- datasets --------------------------------------------------------------------------------------
def test_dataset_file_failing_its_checksum(case, tmp_path):
    params, run, out = case
    shared = REPO.parent / "shared" / "data"
    if not (shared / "glue/SST-2/dev.tsv").is_file():
        pytest.skip(f"needs the SST-2 copy in {shared}")
    mirror = tmp_path / "mirror"
    shutil.copytree(shared / "lm-bff-k-shot", mirror / "lm-bff-k-shot")
    (mirror / "glue/SST-2").mkdir(parents=True)
    data = (shared / "glue/SST-2/dev.tsv").read_bytes()
    (mirror / "glue/SST-2/dev.tsv").write_bytes(data[:-20] + b"tampered\t1\n")
    params["data"].update(mirror=str(mirror), allow_download=False)
    refused(run("download_glue", "--task", "SST-2", "--out", out / "glue"), out, "dev.tsv", "sha256")


# -- checkpoints -----------------------------------------------------------------------------------
@pytest.fixture
def checkpoint(case, tmp_path):
    """A valid checkpoint folder for seed 0, and the evaluate stage's command pointed at it."""
    params, run, out = case
    params["seeds"] = [0]
    tok = fit_tokenizer(["Ada walked to the station.", "A blorp means a small lamp."])
    model = TransformerWithKV(tok.get_vocab_size(), 3, 96, ModelConfig(num_layers=1, d_model=16, num_heads=2, ff_dim=32),
                              MemoryConfig(capacity=8))
    models = tmp_path / "models"
    model.save_pretrained(models / "seed_0", tok)
    (tmp_path / "training.json").write_text('{"seeds": [{"seed": 0}]}')

    def evaluate():
        return run("evaluate", "--models", models, "--training", tmp_path / "training.json",
                   "--data", tmp_path / "no_data", "--metrics", out / "evaluate.json")
    return models / "seed_0", evaluate


def test_truncated_checkpoint(case, checkpoint):
    folder, evaluate = checkpoint
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[:len(data) // 3])
    refused(evaluate(), case[2], "model.safetensors: not a readable safetensors file")


def test_pickle_bearing_checkpoint(case, checkpoint):
    folder, evaluate = checkpoint
    (folder / "kv_memory.safetensors").write_bytes(pickle.dumps({"keys": torch.zeros(2).tolist()}))
    refused(evaluate(), case[2], "kv_memory.safetensors: a pickle / torch.save payload")


def test_checkpoint_missing_a_file(case, checkpoint):
    folder, evaluate = checkpoint
    (folder / "tokenizer.json").unlink()
    refused(evaluate(), case[2], "missing tokenizer.json")


def test_tokenizer_that_does_not_match_the_model(case, checkpoint):
    folder, evaluate = checkpoint
    fit_tokenizer(["a completely different and somewhat longer vocabulary here"]).save(str(folder / "tokenizer.json"))
    refused(evaluate(), case[2], "tokenizer.json: vocabulary of", "tokenizer and model do not match")


# -- continual and distributed ------------------------------------------------------------------------
def test_cifar_without_a_copy(case, tmp_path):
    params, run, out = case
    params["continual"]["dataset"] = "cifar10"
    params["data"]["mirror"] = str(tmp_path)
    refused(run("download_cifar", "--out", out / "raw"), out, "could not get a verified copy of CIFAR-10",
            "three ways", "cifar-10-batches-bin", "allow_download: true", "continual.dataset: digits")


def test_continual_task_split_that_does_not_divide(case):
    params, run, out = case
    params["continual"]["dataset"] = "digits"
    assert run("download_cifar", "--out", out.parent / "raw").returncode == 0   # outside `out`
    params["continual"]["classes_per_task"] = 3
    refused(run("continual", "--data", out.parent / "raw", "--metrics", out / "m.json", "--results", out / "r.json",
                "--plots", out / "p"), out, "continual.classes_per_task=3 does not divide", "valid")


def test_distributed_unknown_tuned_algorithm(case):
    params, run, out = case
    params["distributed"]["swarm_tunes"] = "cma"
    refused(run("distributed", "--metrics", out / "m.json", "--results", out / "r.json", "--plots", out / "p"), out,
            "distributed.swarm_tunes: unknown 'cma'; valid: ars, es")


# -- values that pass a type check but are never meant (caught at config load) ----------------------
def _set(params, dotted, value):
    *sections, key = dotted.split(".")
    target = params
    for section in sections:
        target = target.setdefault(section, {})
    target[key] = value


@pytest.mark.parametrize("stage, dotted, value, needles", [
    ("prepare_synthetic", "train.epochs", True, ["train.epochs", "a boolean where a number"]),
    ("prepare_synthetic", "memory.capacity", False, ["memory.capacity", "a boolean"]),
    ("prepare_synthetic", "data.num_words", True, ["data.num_words", "a boolean"]),
    ("memory_scale", "memory_scale.sizes", [1000, True], ["memory_scale.sizes", "a boolean"]),
    ("distributed", "distributed.solved_return", float("nan"), ["distributed.solved_return", "finite number", "nan"]),
    ("distributed", "distributed.simulate_step_seconds", float("inf"),
     ["distributed.simulate_step_seconds", "finite number", "inf"]),
    ("prepare_synthetic", "train.learning_rate", float("-inf"), ["train.learning_rate", "finite number"]),
    ("prepare_synthetic", "model.dropout", float("nan"), ["model.dropout", "finite number"]),
    ("prepare_synthetic", "memory.forgetting_weights", [0.4, 0.2, float("nan"), 0.1],
     ["memory.forgetting_weights.2", "finite number"]),
    ("download_lm_corpus", "language_model.knn_lambda", [0.1, float("nan")], ["language_model.knn_lambda.1", "finite number"]),
    ("prepare_synthetic", "swarm.space", {"learning_rate": {"low": float("nan"), "high": 0.1}},
     ["swarm.space.learning_rate.low", "finite number"]),
    ("prepare_synthetic", "seeds", [0, 0], ["seeds", "each seed may appear once (repeated: [0])"]),
    ("prepare_synthetic", "seeds", [-1], ["seeds", "seeds must be >= 0 (got [-1])"]),
    ("prepare_synthetic", "seeds", [0, True], ["seeds", "a boolean"]),
    # a benchmark's own section is checked by the stages that import the benchmark (hsokv.config.section)
    ("download_glue", "glue.seeds", [13, 21, 13], ["glue.seeds", "repeated: [13]"]),
    ("ablation", "ablation.preset", "quik_test", ["ablation.preset: unknown preset 'quik_test'", "quick_test"]),
    ("prepare_synthetic", "swarm.preset", "quik_test", ["swarm.preset: unknown preset 'quik_test'"]),
    ("prepare_synthetic", "swarm.timing_workers", [0], ["swarm.timing_workers", ">= 1"]),
], ids=lambda x: x if isinstance(x, str) else None)
def test_value_refused_at_config_load(case, stage, dotted, value, needles):
    params, run, out = case
    _set(params, dotted, value)
    args = {"prepare_synthetic": ["--out", out / "synthetic"],
            "memory_scale": ["--metrics", out, "--plots", out / "plots"],
            "download_glue": ["--task", "SST-2", "--out", out / "glue"],
            "download_lm_corpus": ["--out", out / "corpus"],
            "distributed": ["--metrics", out / "m.json", "--results", out / "r.json", "--plots", out / "p"],
            "ablation": ["--out", out / "ablation", "--live", out / "live"]}[stage]
    refused(run(stage, *args), out, *needles)


def test_duplicate_key_in_params_yaml(case):
    params, run, out = case
    text = yaml.safe_dump(params, sort_keys=False).replace("\ntrain:\n", "\ntrain:\n  epochs: 3\n", 1)
    assert "\ntrain:\n  epochs: 3\n" in text  # ... and `epochs: null` further down the section
    refused(run("prepare_synthetic", "--out", out / "synthetic", params_text=text), out,
            "params.yaml: not valid YAML: duplicate key 'epochs'")


# -- word specs that would corrupt the benchmark -------------------------------------------------------
def _respell(spec: dict, word: str) -> None:
    for key in ("usages", "test_usages"):
        spec[key] = [u.replace(spec["word"], word) for u in spec[key]]
    spec["word"] = word


@pytest.mark.parametrize("edit, needles", [
    (lambda s: (_respell(s[0], "filo"), _respell(s[5], "ﬁlo")), ["'ﬁlo' (entry 5): duplicate word", "'filo' (entry 0)"]),
    (lambda s: (_respell(s[0], "filo"), _respell(s[5], "ｆｉｌｏ")), ["'ｆｉｌｏ' (entry 5): duplicate word"]),
    (lambda s: _respell(s[2], "sea-glass"), ["'sea-glass' (entry 2)", "splits it into 3 tokens"]),
    (lambda s: _respell(s[2], "station"), ["word 'station' occurs in the filler text"]),
    (lambda s: _respell(s[2], "the"), ["word 'the' occurs in the filler text"]),
    (lambda s: s[2].__setitem__("usages", [" ".join(["word"] * 120) + f" {s[2]['word']} {i}." for i in range(5)]),
     ["past data.max_length=96"]),
], ids=["ligature", "fullwidth", "hyphenated", "filler-place", "filler-article", "past-max-length"])
def test_word_spec_that_would_corrupt_the_benchmark(case, tmp_path, edit, needles):
    params, run, out = case
    specs = yaml.safe_load((REPO / "data/rare_words.yaml").read_text())
    edit(specs)
    (tmp_path / "specs.yaml").write_text(yaml.safe_dump(specs, allow_unicode=True))
    params["data"]["word_specs"] = str(tmp_path / "specs.yaml")
    refused(prepare(run, out), out, "specs.yaml", *needles)


def test_word_spec_entry_with_a_key_twice(case, tmp_path):
    params, run, out = case
    text = (REPO / "data/rare_words.yaml").read_text()
    first_domain = text.index("\n  domain:")
    (tmp_path / "specs.yaml").write_text(text[:first_domain] + "\n  domain: law" + text[first_domain:])
    params["data"]["word_specs"] = str(tmp_path / "specs.yaml")
    refused(prepare(run, out), out, "specs.yaml", "duplicate key 'domain'")


# -- hand-edited checkpoints and damaged results --------------------------------------------------------
@pytest.mark.parametrize("edit, needles", [
    (lambda c: c["memory"].__setitem__("capasity", 8), ["memory.capasity", "Extra inputs are not permitted"]),
    (lambda c: c["model"].__setitem__("d_model", True), ["model.d_model", "a boolean"]),
    (lambda c: c.pop("vocab_size"), ["missing key(s) ['vocab_size']"]),
    (lambda c: c.__setitem__("num_labels", "3"), ["num_labels must be a positive integer (got '3')"]),
    (lambda c: [c], ["expected a JSON object, got a list"]),
    (lambda c: c.__setitem__("memory", [c["memory"]]), ["memory must be an object"]),
], ids=["extra-key", "bool-size", "missing-key", "string-size", "list", "section-list"])
def test_hand_edited_checkpoint_config(case, checkpoint, edit, needles):
    folder, evaluate = checkpoint
    config = json.loads((folder / "config.json").read_text())
    edited = edit(config)
    (folder / "config.json").write_text(json.dumps(edited if isinstance(edited, list) else config))
    refused(evaluate(), case[2], "config.json", *needles)


def test_truncated_checkpoint_config(case, checkpoint):
    folder, evaluate = checkpoint
    (folder / "config.json").write_text((folder / "config.json").read_text()[:40])
    refused(evaluate(), case[2], "config.json: not valid JSON")


def test_truncated_training_results_read_by_evaluate(case, checkpoint, tmp_path):
    _, evaluate = checkpoint
    (tmp_path / "training.json").write_text('{"seeds": [{"seed": 0, "test": {"accu')
    refused(evaluate(), case[2], "training.json: not valid JSON (truncated or corrupt?)")


def test_truncated_results_read_by_a_report(case, tmp_path):
    _, run, out = case
    results = tmp_path / "results"
    results.mkdir()
    (results / "hsokv.json").write_text('{"preset": "quick_test", "seeds": [')
    refused(run("report_synthetic", "--methods", "hsokv", "--results", results, "--metrics", out, "--plots",
                out / "plots"), out, "hsokv.json: not valid JSON (truncated or corrupt?)")


def test_continual_unknown_method_and_missing_learning_rate(case):
    params, run, out = case
    stage = ("continual", "--data", out / "none", "--metrics", out / "m.json", "--results", out / "r.json", "--plots", out / "p")
    params["continual"]["methods"] = ["derp"]
    refused(run(*stage), out, "continual.methods: unknown 'derp'", "derpp")
    params["continual"]["methods"] = ["er"]
    params["continual"]["method_args"]["er"] = {"alpha": 0.1}
    refused(run(*stage), out, "continual.method_args.er: ['lr'] not set")
    params["continual"]["method_args"]["er"] = {"lr": 0.1}
    params["continual"]["backbone"] = "resnet50"
    refused(run(*stage), out, "continual.backbone: unknown 'resnet50'", "resnet18, resnet18_default_init, small_cnn")


def test_key_selection_refuses_the_tested_word_list(case):
    """Choosing hsokv_sentences' key settings on the main list would choose them on its test items."""
    params, run, out = case
    refused(run("words_key_selection", "--word-specs", REPO / "data/rare_words.yaml", "--out", out),
            out, "that is the list the benchmark is tested on (data.word_specs)", "data/heldout_words.yaml")


def test_sentence_keys_out_of_range(case):
    params, run, out = case
    params["synthetic"]["sentence_keys"]["temperature"] = 0
    refused(run("words_key_selection", "--out", out), out, "synthetic.sentence_keys.temperature")


def test_report_search_names_a_strategy_with_no_results(case, tmp_path):
    """An unknown strategy's search stage never ran: the error names swarm.strategies, not only a file."""
    params, run, out = case
    results = tmp_path / "results"
    results.mkdir()
    (results / "swarm.json").write_text("{}")
    params["swarm"]["strategies"] = ["swarm", "nope"]
    refused(run("report_search", "--results", results, "--metrics", out / "m", "--plots", out / "p"), out,
            "swarm.strategies: no search results for ['nope']", "strategies with results: ['swarm']")
