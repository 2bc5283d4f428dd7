"""asha and pbt: Ray Tune's ASHA and population-based training, under the swarm's budget.

Both run Ray Tune (on the running Ray if there is one, else a local Ray of one CPU) with one
trial at a time, so results arrive in one order and a rerun repeats every figure; the budget is
counted in that order and Tune is stopped once the steps are spent (a result past the budget is
not counted). Trials train in Ray workers; each result carries its state (the chosen trial's
model, for the one test scoring) and its lineage (the (values, steps, seed) calls that built it,
hsokv.search.lineage: what a PBT checkpoint holds).
- asha: random configs, each trained to the rung milestones (agent_steps, x eta, ... up to a
  swarm team's longest lineage) and stopped by ASHA unless in the top 1/eta of its rung.
- pbt:  a population the size of the swarm's teams (managers x agents), each member trained for
  the budget's share; at every `interval` steps the bottom quarter copies a top-quarter member's
  model (a checkpoint: its lineage) and perturbs its config. The interval is chosen so PBT scores
  the validation split as often as the swarm does.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import random
import tempfile
import uuid
from pathlib import Path

import numpy as np

from hsokv.errors import ConfigError
from hsokv.search.backends import TaskFailed
from hsokv.search.lineage import Reported, call_key, chunk_seed, milestones, remember, replay, spec_record
from hsokv.search.space import SearchSpace
from hsokv.search.swarm import planned_steps
from hsokv.search.tracking import SearchLog
from hsokv.search.trial import TrialSpec

# (search, lineage prefix) -> outcome, in each Ray worker: a restored checkpoint is not retrained
_STATES: dict = {}


def _tune():
    try:
        import ray
        from ray import tune
    except ImportError as err:
        raise ConfigError(f"search strategies 'asha' and 'pbt' need ray[tune] ({err}); "
                          "pip install -r requirements.txt") from None
    return ray, tune


def domains(tune, space: SearchSpace) -> dict:
    out = {}
    for name in space.names:
        d = space.dims[name]
        if d.choices is not None:
            out[name] = tune.choice(list(d.choices))
        elif d.integer:
            out[name] = (tune.lograndint if d.log else tune.randint)(int(d.low), int(d.high) + 1)
        else:
            out[name] = (tune.loguniform if d.log else tune.uniform)(d.low, d.high)
    return out


def clip(space: SearchSpace, config: dict) -> dict:
    """A config PBT perturbed, back in the space: numbers clipped to their range."""
    values = {}
    for name in space.names:
        d, v = space.dims[name], config[name]
        values[name] = v if d.choices is not None else type(v)(min(max(v, d.low), d.high))
    return values


def _index(tune) -> int:
    """Tune's trial ids end in the trial's number (`..._00003`): a stable index for seeds."""
    return int(tune.get_context().get_trial_id().rsplit("_", 1)[1]) + 1


def _report(tune, result, lineage, done, checkpoint: bool) -> None:
    # the state rides along to the driver (as the swarm's Ray backend returns it), so the chosen
    # trial's model is there without retraining its lineage
    metrics = {"score": result.score, "steps": done, "call_steps": result.steps, "seconds": result.seconds,
               "lineage": json.dumps(lineage), "state": result.state, "trained_values": result.values}
    if not checkpoint:
        tune.report(metrics)
        return
    with tempfile.TemporaryDirectory() as folder:   # a checkpoint is the lineage, replayed on restore
        (Path(folder) / "lineage.json").write_text(json.dumps(lineage))
        tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(folder))


def asha_trainable(config, run, task, space, rungs, seed):
    _, tune = _tune()
    index, values = _index(tune), {n: config[n] for n in space.names}
    state, done, lineage = None, 0, []
    for call, milestone in enumerate(rungs):
        spec = TrialSpec(index, values, milestone - done, chunk_seed(seed, index, call), state)
        result = run(task, spec)
        state, done = result.state, milestone
        lineage.append(spec_record(spec))
        _report(tune, result, lineage, done, checkpoint=False)


def pbt_trainable(config, run, task, space, length, interval, seed, search):
    _, tune = _tune()
    index, values = _index(tune), clip(space, config)
    checkpoint = tune.get_checkpoint()
    lineage = [] if checkpoint is None else json.loads((Path(checkpoint.to_directory()) / "lineage.json").read_text())
    if _STATES.get("search") != search:   # a new search (seed, null control): its own models
        _STATES.clear()
        _STATES["search"] = search
    outcome = replay(run, task, index, lineage, _STATES)
    done = sum(c["steps"] for c in lineage)
    while done < length:
        spec = TrialSpec(index, values, min(interval, length - done), chunk_seed(seed, index, len(lineage)),
                         None if outcome is None else outcome.state)
        outcome = run(task, spec)
        lineage = lineage + [spec_record(spec)]
        done += spec.steps
        remember(_STATES, tuple(call_key(c) for c in lineage), outcome)
        _report(tune, outcome, lineage, done, checkpoint=True)


def _fit(trainable, param_space, scheduler, objective, space, swarm, seed, log: SearchLog, num_samples: int,
         concurrent: int, **settings) -> None:
    ray, tune = _tune()
    budget = planned_steps(swarm)
    arrived: list[dict] = []

    class Budget(tune.Stopper):
        """Stops Tune once the results so far have spent the budget."""
        def __call__(self, trial_id, result):
            arrived.append(result)
            return False

        def stop_all(self):
            return sum(r["call_steps"] for r in arrived) >= budget

    class UntilTrialsEnd(tune.search.BasicVariantGenerator):
        """Tune's random configs, finished only once its trials are (or the budget is spent). Tune
        keeps a stopped trial's Ray worker for the next trial only while the search is unfinished, and
        the plain generator is finished once it has drawn its last config: then every later PBT pause
        and ASHA trial started a new worker, importing torch (2-5 s each on 2 cores; most of the time
        of a demo search)."""
        def is_finished(self) -> bool:
            return super().is_finished() and (not self._live_trials or stopper.stop_all())

    stopper = Budget()

    if not ray.is_initialized():   # kept for the next search of this process; Ray stops when the process exits
        # exactly `concurrent` CPUs, whatever the section's backend workers: with a spare CPU Tune may
        # start the next trial before the budget stopper has seen the last result, and the searches
        # stop repeating themselves (measured: ASHA's and PBT's picks changed with workers: 2)
        ray.init(address="local", num_cpus=concurrent, include_dashboard=False, log_to_driver=False)
    random.seed(seed)      # PBT's explore draws from Python's and numpy's generators in the driver
    np.random.seed(seed)
    # Tune's default CSV/JSON/TensorBoard loggers write into the temporary storage below, which nobody
    # reads (the Budget stopper keeps every result): skipping them saves time and their writer threads
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    quiet = logging.getLogger("ray.tune")   # Tune warns of every trial the budget left unstarted
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory() as storage:
            tuner = tune.Tuner(
                tune.with_parameters(trainable, task=objective.task, run=objective.trial, space=space, seed=seed,
                                     **settings),
                param_space=param_space,
                tune_config=tune.TuneConfig(num_samples=num_samples, metric="score", mode="max", scheduler=scheduler,
                                            max_concurrent_trials=concurrent, reuse_actors=True,
                                            search_alg=UntilTrialsEnd(random_state=seed)),
                run_config=tune.RunConfig(storage_path=storage, stop=stopper, verbose=0))
            grid = tuner.fit()
        if grid.errors:   # a trial that raised is a bug in the objective, as on every backend: not retried
            raise TaskFailed(f"{len(grid.errors)} Ray Tune trial(s) failed; first: {grid.errors[0]!r}")
    finally:
        quiet.setLevel(level)
    for r in arrived:
        if log.steps + r["call_steps"] > budget:
            break
        lineage = json.loads(r["lineage"])
        index = int(r["trial_id"].rsplit("_", 1)[1]) + 1
        values = lineage[-1]["values"]
        log.trial(Reported(index, values, r["score"], r["call_steps"], r["seconds"], lineage, r["state"],
                           r["trained_values"]), space.encode(values), lineage_calls=len(lineage))
    # the chosen model's own values: a null control's are the default config, whatever Tune asked for
    log.best = dataclasses.replace(log.best, values=log.best.trained_values)


def asha(objective, space: SearchSpace, swarm, backend, seed: int, log: SearchLog) -> None:
    _, tune = _tune()
    from ray.tune.schedulers import ASHAScheduler
    rungs = milestones(swarm)
    scheduler = ASHAScheduler(time_attr="steps", max_t=rungs[-1], grace_period=rungs[0],
                              reduction_factor=swarm.eta)
    # enough samples for the budget even if every trial stops at the first rung; Budget stops Tune sooner
    _fit(asha_trainable, domains(tune, space), scheduler, objective, space, swarm, seed, log,
         num_samples=planned_steps(swarm) // rungs[0] + 1, concurrent=1, rungs=rungs)


def pbt_shape(swarm) -> tuple[int, int, int]:
    """(population, steps per member, interval): the swarm's teams, steps and evaluations."""
    population = swarm.num_managers * swarm.agents_per_manager
    length = planned_steps(swarm) // population
    per_rung, n = [], swarm.configs_per_region
    for r in range(swarm.rungs):
        per_rung.append(n)
        n = math.ceil(n / swarm.eta)
    evaluations = sum(per_rung) * swarm.meta_iterations   # the swarm's, per team
    return population, length, max(1, math.ceil(length / evaluations))


def pbt(objective, space: SearchSpace, swarm, backend, seed: int, log: SearchLog) -> None:
    _, tune = _tune()
    from ray.tune.schedulers import PopulationBasedTraining
    population, length, interval = pbt_shape(swarm)
    param_space = domains(tune, space)
    # choices as lists: PBT moves a choice to a neighbouring one; numbers x0.8/x1.2 or resampled
    mutations = {n: list(space.dims[n].choices) if space.dims[n].choices is not None else param_space[n]
                 for n in space.names}
    scheduler = PopulationBasedTraining(time_attr="steps", perturbation_interval=interval,
                                        hyperparam_mutations=mutations, synch=True)
    # one member at a time: synchronous PBT pauses each at every interval until all have reached it.
    # The whole population at once was 3-4x slower on 2 shared cores and not repeatable (measured).
    _fit(pbt_trainable, param_space, scheduler, objective, space, swarm, seed, log, num_samples=population,
         concurrent=1, length=length, interval=interval, search=uuid.uuid4().hex)
