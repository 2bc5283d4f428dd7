"""optuna_tpe: Optuna's TPE sampler with its successive-halving pruner, under the swarm's budget.

One trial at a time (TPE conditions each proposal on every finished trial): a config is trained
to the rung milestones (hsokv.search.lineage.milestones: agent_steps, x eta, ... up to a swarm
team's longest lineage), scored at each, and pruned when the pruner ranks it below the top 1/eta
of its rung. The search stops when the step budget is spent (the last call is cut to fit).
"""
from __future__ import annotations

from hsokv.errors import ConfigError
from hsokv.search.lineage import chunk_seed, milestones
from hsokv.search.space import SearchSpace
from hsokv.search.swarm import planned_steps
from hsokv.search.tracking import SearchLog
from hsokv.search.trial import TrialSpec


def _optuna():
    try:
        import optuna
    except ImportError as err:
        raise ConfigError(f"search strategy 'optuna_tpe' needs optuna ({err}); pip install -r requirements.txt") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def suggest(trial, space: SearchSpace) -> dict:
    values = {}
    for name in space.names:
        d = space.dims[name]
        if d.choices is not None:
            values[name] = trial.suggest_categorical(name, list(d.choices))
        elif d.integer:
            values[name] = trial.suggest_int(name, int(d.low), int(d.high), log=d.log)
        else:
            values[name] = trial.suggest_float(name, d.low, d.high, log=d.log)
    return values


def optuna_tpe(objective, space: SearchSpace, swarm, backend, seed: int, log: SearchLog) -> None:
    optuna = _optuna()
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=swarm.agent_steps, reduction_factor=swarm.eta))
    budget, rungs = planned_steps(swarm), milestones(swarm)
    index = 0
    while log.steps < budget:
        index += 1
        trial = study.ask()
        values, state, done, pruned = suggest(trial, space), None, 0, False
        for call, milestone in enumerate(rungs):
            steps = min(milestone - done, budget - log.steps)
            if steps <= 0:
                break
            spec = TrialSpec(index, values, steps, chunk_seed(seed, index, call), state)
            result = backend.map(objective.trial, objective.task, [spec])[0]
            state, done = result.state, done + steps
            log.trial(result, space.encode(values), rung=call)
            trial.report(result.score, done)
            if trial.should_prune():
                pruned = True
                break
        study.tell(trial, state=optuna.trial.TrialState.PRUNED) if pruned else study.tell(trial, result.score)
