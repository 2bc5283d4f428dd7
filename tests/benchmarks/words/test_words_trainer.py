import pytest
import torch

from hsokv.benchmarks.words.trainer import HFSwarmConfig, HFSwarmTrainer
from hsokv.config import ConfigError
from hsokv.model import load_pretrained

SMALL = {"agents_per_manager": 2, "agent_steps": 5, "num_managers": 1, "backend": "serial"}


@pytest.fixture(scope="module")
def trained():
    trainer = HFSwarmTrainer(HFSwarmConfig(meta_iterations=2, extras=SMALL))
    return trainer, trainer.train()


def test_train_returns_a_summary_with_test_metrics(trained):
    trainer, summary = trained
    assert summary["steps_used"] == 100  # 1 manager x 2 agents x 2 iterations x (2 x 5 + 1 x 15) steps
    assert set(summary["test_metrics"]) == {"accuracy", "one_shot_accuracy"}
    assert set(summary["best_config"]) == set(trainer.cfg.swarm.space)
    metrics = trainer.evaluate()
    assert metrics["validation_accuracy"] == pytest.approx(summary["validation_accuracy"])
    assert metrics["test_one_shot_accuracy"] == summary["test_metrics"]["one_shot_accuracy"]


def test_save_then_load_predicts_identically(trained, tmp_path):
    trainer, _ = trained
    trainer.save_model(tmp_path / "ckpt")
    model, tokenizer, config = load_pretrained(tmp_path / "ckpt")
    assert tokenizer.get_vocab_size() == trainer.tokenizer.get_vocab_size()
    assert config["searched_values"] == trainer.best.values
    ids = trainer.task.test[0]
    with torch.no_grad():
        before = trainer.model.head(trainer.model.encoder(ids))
        after = model.head(model.encoder(ids))
    assert torch.equal(before, after)


def test_extras_are_validated_like_params_yaml():
    with pytest.raises(ConfigError, match="swarm.agent_stepz"):
        HFSwarmConfig(extras={"agent_stepz": 5}).pipeline_config()
    with pytest.raises(ConfigError, match="swarm.eta"):
        HFSwarmConfig(extras={"eta": 1}).pipeline_config()


def test_evaluate_before_train_is_an_error():
    trainer = HFSwarmTrainer(HFSwarmConfig(meta_iterations=1, extras=SMALL))
    with pytest.raises(RuntimeError, match="call train"):
        trainer.evaluate()
