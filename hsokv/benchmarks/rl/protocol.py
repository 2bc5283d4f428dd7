"""The comparison at equal environment steps: the swarm tuning ES or ARS, against plain ES and ARS.

For each seed the swarm runs first (`swarm_tunes` names the algorithm whose learning rate, noise
and directions it searches; the rest of that algorithm's settings stay fixed). Every environment
step it takes counts: all agents' trials and the episodes that score them. ES and ARS then get
exactly that many steps (each stops at the first generation that reaches it), so no baseline gets
less than the swarm.

Curves: the return of each method's current policy against its environment steps and its wall
time, on `curve_episodes` held-out episodes at `curve_points` points (ES, ARS) or after every
meta-iteration (the swarm's best policy so far). The final policy (the swarm's: the best-scored
trial's) is evaluated on `eval_episodes` held-out episodes. Evaluation episodes are never counted
as budget and never timed; their seeds (>= 2**31) are disjoint from training's.

Everything here reads the `distributed` section as a plain dict (RLConfig.model_dump(), or the
research runner's JSON spec), so it runs without pydantic.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np

from hsokv.benchmarks.rl.envs import make_env
from hsokv.benchmarks.rl.es import PolicyState, evaluate, generation
from hsokv.benchmarks.rl.policies import POLICIES
from hsokv.errors import ConfigError
from hsokv.search.space import SearchSpace
from hsokv.search.swarm import Swarm
from hsokv.search.tracking import SearchLog
from hsokv.search.trial import TrialSpec

METHODS = ("swarm", "es", "ars")


@dataclass
class PolicyTask:
    """What every trial of one swarm run shares."""
    env_id: str
    policy: str
    hidden_size: int
    settings: dict          # the tuned algorithm's fixed settings; a trial's values override them
    score_episodes: int
    max_env_steps: int | None = None    # what one trial may spend (the lineage swarm's rungs); None = no limit


@dataclass
class PolicyTrialResult:
    trial_id: int
    values: dict
    score: float          # mean true return of the centre policy over the task's score episodes
    steps: int            # generations run in this call
    state: PolicyState
    seconds: float
    env_steps: int        # environment steps of this call: training and scoring


def make_policy(policy: str, hidden_size: int, env):
    return POLICIES.get(policy)(env.observation_space.shape[0], env.action_space, hidden_size)


def horizon(env) -> int:
    """The environment's episode step limit: the worst case a budgeted trial plans for."""
    limit = env.spec.max_episode_steps if env.spec is not None else None
    if limit is None:
        raise ConfigError(f"distributed.env_id: {env.spec.id if env.spec else env} has no episode step limit, "
                          "so a trial cannot keep to an env-step budget; choose an environment with one")
    return int(limit)


def _directions_that_fit(task: PolicyTask, env, spent: int, directions: int) -> int:
    """The next generation's directions under `task.max_env_steps` (`spent` env steps so far): all of them
    while their worst case (two episodes each at the step limit) fits beside the scoring episodes', then
    fewer, then 0; with no budget, all of them."""
    if task.max_env_steps is None:
        return directions
    limit = horizon(env)
    fit = (task.max_env_steps - spent - task.score_episodes * limit) // (2 * limit)
    return directions if fit >= directions else max(0, int(fit))


def run_policy_trial(task: PolicyTask, spec: TrialSpec) -> PolicyTrialResult:
    """The swarm's unit of work: `spec.steps` generations from `spec.parent` (or a zero policy), then
    the score. Every draw comes from `spec.seed`, so any process on any backend gives the same numbers.

    Under `task.max_env_steps` (the lineage swarm) a generation runs only the directions whose worst
    case (both episodes at the step limit) still fits beside the scoring episodes': all of them until
    the budget nears its end, then fewer (an ES/ARS step on fewer directions). A budgeted trial that
    could start no generation returns steps 0, env_steps 0 and is not scored."""
    start = time.perf_counter()
    env = make_env(task.env_id)
    policy = make_policy(task.policy, task.hidden_size, env)
    settings = {**task.settings, **spec.values}
    rng = np.random.default_rng(spec.seed)
    state = spec.parent if spec.parent is not None else PolicyState.fresh(policy.size, policy.obs_dim)
    before, ran = state.env_steps, 0
    for _ in range(spec.steps):
        directions = _directions_that_fit(task, env, state.env_steps - before, settings["directions"])
        if directions < 1:
            break
        step_settings = settings if directions == settings["directions"] else {**settings, "directions": directions}
        state = generation(env, policy, state, step_settings, rng)
        ran += 1
    if task.max_env_steps is not None and ran == 0:
        env.close()
        return PolicyTrialResult(spec.trial_id, spec.values, -math.inf, 0, state, time.perf_counter() - start, 0)
    scores, score_steps = evaluate(env, policy, state, settings, rng.integers(0, 2**31 - 1, task.score_episodes))
    state = replace(state, env_steps=state.env_steps + score_steps)   # never alter a parent others share
    env.close()
    return PolicyTrialResult(spec.trial_id, spec.values, float(np.mean(scores)), ran, state,
                             time.perf_counter() - start, state.env_steps - before)


def eval_seeds(seed: int, episodes: int) -> list[int]:
    return [2**31 + seed * 100_003 + i for i in range(episodes)]


def held_out(d: dict, settings: dict, state: PolicyState, seed: int, episodes: int) -> dict:
    env = make_env(d["env_id"])
    returns, _ = evaluate(env, make_policy(d["policy"], d["hidden_size"], env), state, settings, eval_seeds(seed, episodes))
    env.close()
    return {"mean_return": float(np.mean(returns)), "std_return": float(np.std(returns)),
            "min_return": float(np.min(returns)), "episodes": episodes}


def _namespace(value):
    return SimpleNamespace(**{k: _namespace(v) for k, v in value.items()}) if isinstance(value, dict) else value


def swarm_shape(d: dict) -> SimpleNamespace:
    """The swarm's settings with attribute access, as hsokv.search.swarm reads them."""
    return _namespace(d["swarm"])


def algorithm_settings(d: dict, algorithm: str) -> dict:
    """An algorithm's settings as its generation reads them (`es` or `ars` section, plus its name)."""
    return {"algorithm": algorithm, **d[algorithm]}


def swarm_task(d: dict) -> PolicyTask:
    return PolicyTask(d["env_id"], d["policy"], d["hidden_size"], algorithm_settings(d, d["swarm_tunes"]), d["score_episodes"])


def tracked_run(d: dict, seed: int, backend, curve: bool, task: PolicyTask, build, evaluate: bool = True) -> dict:
    """A swarm run (`build(log)` makes it; its run() logs every trial); with `curve`, its best policy
    is evaluated after every meta-iteration (untimed); with `evaluate`, at the end on eval_episodes
    held-out episodes (else "evaluation" is None). Shared by both swarm modes."""
    points, paused = [], [0.0]

    def checkpoint(record):
        t0 = time.perf_counter()
        best = log.best
        point = {"iteration": record["iteration"], "env_steps": sum(t["env_steps"] for t in log.trials),
                 "best_score": best.score}
        if curve:
            point["return"] = held_out(d, {**task.settings, **best.values}, best.state, seed,
                                       d["curve_episodes"])["mean_return"]
        points.append(point)
        paused[0] += time.perf_counter() - t0

    log = SearchLog(on_iteration=checkpoint)
    start = time.perf_counter()
    build(log).run()
    simulated = hasattr(backend, "clock")
    wall = backend.clock if simulated else time.perf_counter() - start - paused[0]
    # Each point's wall time: the measured share of the run up to that meta-iteration's trials.
    seconds = np.cumsum([sum(t["seconds"] for t in log.trials if t["iteration"] == p["iteration"]) for p in points])
    for p, s in zip(points, seconds):
        p["wall_seconds"] = float(wall * s / seconds[-1]) if seconds[-1] > 0 else 0.0
    best = log.best
    return {"method": "swarm", "seed": seed, "env_steps": points[-1]["env_steps"], "wall_seconds": wall,
            "simulated": simulated, "best_values": best.values, "best_score": best.score,
            "best_lineage_generations": best.state.generations, "theta": [float(x) for x in best.state.theta],
            "curve": points, "trials": len(log.trials),
            "evaluation": (held_out(d, {**task.settings, **best.values}, best.state, seed, d["eval_episodes"])
                           if evaluate else None)}


def run_swarm(d: dict, seed: int, backend, curve: bool = True, run=run_policy_trial, evaluate: bool = True) -> dict:
    """One run of the halving swarm (hsokv.search.swarm), every agent training its own team's policy."""
    task, shape = swarm_task(d), swarm_shape(d)
    return tracked_run(d, seed, backend, curve, task,
                       lambda log: Swarm(task, SearchSpace(shape.space.__dict__), shape, backend, seed, log, run=run),
                       evaluate=evaluate)


def run_baseline(d: dict, method: str, seed: int, budget: int) -> dict:
    """ES or ARS with its fixed settings (section `es` or `ars`) until it has used `budget` env steps."""
    fixed = algorithm_settings(d, method)
    env = make_env(d["env_id"])
    policy = make_policy(d["policy"], d["hidden_size"], env)
    rng = np.random.default_rng([seed, METHODS.index(method)])
    state = PolicyState.fresh(policy.size, policy.obs_dim)
    marks = [budget * (k + 1) / d["curve_points"] for k in range(d["curve_points"])]
    points, wall = [], 0.0
    while state.env_steps < budget:
        t0 = time.perf_counter()
        state = generation(env, policy, state, fixed, rng)
        wall += time.perf_counter() - t0
        if marks and (state.env_steps >= marks[0] or state.env_steps >= budget):
            while marks and state.env_steps >= marks[0]:
                marks.pop(0)
            points.append({"generation": state.generations, "env_steps": state.env_steps, "wall_seconds": wall,
                           "return": held_out(d, fixed, state, seed, d["curve_episodes"])["mean_return"]})
    env.close()
    return {"method": method, "seed": seed, "budget": budget, "env_steps": state.env_steps, "wall_seconds": wall,
            "generations": state.generations, "settings": fixed, "theta": [float(x) for x in state.theta],
            "curve": points, "evaluation": held_out(d, fixed, state, seed, d["eval_episodes"])}


def run_baseline_job(d: dict, job: tuple[str, int, int]) -> dict:
    """(method, seed, budget) as one backend task: ES and ARS of a seed run side by side."""
    return run_baseline(d, *job)
