"""The word benchmark's own params sections: `eval` (its evaluation batch), `ablation` (the
variants and the preset they borrow) and `synthetic` (the task variants,
hsokv.benchmarks.words.tasks, and hsokv_sentences' key memory). The sections it shares (data,
model, memory, train, baselines) and the model search's `swarm` are core (hsokv.config)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from hsokv.config import Section, section


@section("eval")
class EvalConfig(Section):
    batch_size: int = Field(256, ge=1, le=65536)


@section("ablation")
class AblationConfig(Section):
    variants: list[str] = Field(min_length=1, default_factory=lambda: ["full", "seed_prototype"])
    preset: str | None = Field(None, description="preset whose data/model/train the ablation uses; null = the active one")
    workers: int = Field(1, ge=1, le=64, description="processes running the (variant, seed) runs side by side "
                         "(hsokv.benchmarks.words.runs)")
    threads: int | None = Field(None, ge=1, le=1024, description="torch CPU threads of each of those processes when "
                                "workers > 1; null = torch's default (every core: oversubscribed, set it)")


TASKS = ("recognition", "recall", "comprehension", "cloze")
KEY_RULES = ("statement", "attended", "all")
KEY_WORDS = ("keep", "replace", "both", "all")


class SentenceKeysConfig(Section):
    """hsokv_sentences' second memory (hsokv.benchmarks.words.methods.hsokv_sentences): which
    sentences become keys, and how their vote is mixed with H-SOKV's own. Chosen on the held-out
    word list (hsokv.benchmarks.words.key_selection), never on the main list's test items: the
    defaults are mpnet's choice (research/words_key_selection/mpnet/summary.md, 5 seeds); MiniLM's
    best point (attended, 0.1, 100) scores 0.001 above these settings there, far inside its seeds' spread."""
    rule: Literal[KEY_RULES] = Field("statement", description="statement: each story's 'W means D.'; attended: "
                                     "each story's most-attended sentence; all: every sentence of the stories and probes")
    word: Literal[KEY_WORDS] = Field("all", description="a definitional statement chosen as a key: keep: as written; "
                                     "replace: with its word replaced ('Something means D.', the meaning alone); both; "
                                     "all: both and the masked form ('[MASK] means D.', as a cloze item masks a usage)")
    temperature: float = Field(0.02, gt=0.0, le=10.0, description="divides the keys' cosine votes before the softmax")
    weight: float = Field(2.0, ge=0.0, le=1000.0, description="the keys' log-probabilities' weight against H-SOKV's own")


@section("synthetic")
class SyntheticConfig(Section):
    tasks: list[Literal[TASKS]] = Field(min_length=1, default_factory=lambda: list(TASKS),
                                        description="task variants every method is measured on")
    candidates: int = Field(4, ge=2, le=16, description="comprehension: definitions to choose from (1 right)")
    sentence_keys: SentenceKeysConfig = SentenceKeysConfig()
    workers: int = Field(1, ge=1, le=64, description="processes running the (method, seed) runs side by side "
                         "(hsokv.benchmarks.words.runs); with a pretrained backbone, the parent encodes each "
                         "sentence once first")
    threads: int | None = Field(None, ge=1, le=1024, description="torch CPU threads of each of those processes when "
                                "workers > 1; null = torch's default (every core: oversubscribed, set it)")
