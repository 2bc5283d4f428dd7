"""A Hugging Face-style entry point: configure, train (the swarm tunes H-SOKV), evaluate, save.

    from hsokv.benchmarks.words.trainer import HFSwarmConfig, HFSwarmTrainer
    trainer = HFSwarmTrainer(HFSwarmConfig(meta_iterations=2, extras={
        "agents_per_manager": 2, "agent_steps": 5, "num_managers": 1}))
    summary = trainer.train()          # summary["test_metrics"]
    trainer.evaluate()
    trainer.save_model("models/mine")  # hsokv.checkpoint layout; TransformerWithKV.from_pretrained

The config goes through the same validation as params.yaml: it starts from a params file and
preset, and `extras` may set any `swarm.*` key; an unknown or invalid key raises ConfigError.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hsokv.benchmarks.words.data import build_splits
from hsokv.benchmarks.words.objective import WordsObjective, accuracy, build_model, make_task, score_on_test
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.config import PipelineConfig, read_params, resolve
from hsokv.search.backends import make_backend
from hsokv.search.strategies import run_search
from hsokv.tokenizer import fit_tokenizer
from hsokv.training import pick_device


@dataclass
class HFSwarmConfig:
    meta_iterations: int = 2
    extras: dict = field(default_factory=dict)   # any other swarm.* key
    preset: str = "quick_test"
    seed: int = 0
    params_file: str = "params.yaml"

    def pipeline_config(self) -> PipelineConfig:
        raw = read_params(self.params_file)
        raw = {**raw, "preset": self.preset, "seeds": [self.seed],
               "swarm": {**(raw.get("swarm") or {}), "meta_iterations": self.meta_iterations, **self.extras}}
        return resolve(raw, f"{self.params_file} + HFSwarmConfig")


class HFSwarmTrainer:
    def __init__(self, config: HFSwarmConfig):
        self.config = config
        self.cfg = config.pipeline_config()
        splits = build_splits(load_word_specs(self.cfg.data.word_specs), self.cfg.data, config.seed)
        self.tokenizer = fit_tokenizer(splits.training_text())
        self.task = make_task(splits, self.tokenizer, self.cfg)
        self.model = None
        self.best = None

    def train(self) -> dict:
        with make_backend(self.cfg.swarm) as backend:
            result, log = run_search("swarm", WordsObjective(self.task), self.cfg.swarm, backend, self.config.seed)
        self.best = log.best
        self.model = build_model(self.task, self.best.values, self.best.state, pick_device(self.cfg.device)).eval()
        return {"best_config": result["best"]["values"], "validation_accuracy": result["best"]["validation_accuracy"],
                "steps_used": result["steps_used"], "failures": result["failures"], "test_metrics": result["test"]}

    def _require_trained(self):
        if self.model is None:
            raise RuntimeError("call train() before evaluate() or save_model()")

    def evaluate(self) -> dict:
        self._require_trained()
        ids, labels, _ = self.task.validation
        return {"validation_accuracy": accuracy(self.model, ids, labels, pick_device(self.cfg.device)),
                **{f"test_{k}": v for k, v in score_on_test(self.task, self.best.state).items()}}

    def save_model(self, path: str | Path) -> Path:
        self._require_trained()
        return self.model.save_pretrained(path, self.tokenizer, {"searched_values": self.best.values, "trained_steps": self.best.state.steps})
