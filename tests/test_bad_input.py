"""Bad input, through the stage scripts as `dvc repro` runs them: each case exits 2 with a message
naming the problem (no traceback), and writes nothing: the output folder holds only the file it held
before, unchanged."""
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
from hsokv.data.tokenizer import fit_tokenizer
from hsokv.model import TransformerWithKV

SENTINEL = '{"kept": true}\n'


@pytest.fixture
def case(tmp_path, params):
    """(params dict to edit, run(module, *args, params=...) -> CompletedProcess, out folder)."""
    params["preset"] = "quick_test"
    params["data"]["word_specs"] = str(REPO / "data/rare_words.yaml")
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
            "cifar-10-python.tar.gz", "continual.dataset: digits")


def test_continual_task_split_that_does_not_divide(case):
    params, run, out = case
    assert run("download_cifar", "--out", out.parent / "raw").returncode == 0   # digits, outside `out`
    params["continual"]["classes_per_task"] = 3
    refused(run("continual", "--data", out.parent / "raw", "--metrics", out / "m.json", "--results", out / "r.json",
                "--plots", out / "p"), out, "continual.classes_per_task=3 does not divide", "valid")


def test_distributed_odd_population(case):
    params, run, out = case
    params["distributed"]["population"] = 7
    refused(run("distributed", "--metrics", out / "m.json", "--results", out / "r.json", "--plots", out / "p"), out,
            "distributed.population must be even")
