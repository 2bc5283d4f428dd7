"""The swarm in lineage mode: its budget spent on one continuing policy (issue 22).

The halving swarm (hsokv.search.swarm, run by protocol.run_swarm) gives every agent its own team
policy, so at the small Hopper budget its best policy had run 18 of the 72 generations the swarm
paid for, while ARS runs all of its ~85 on one policy. This mode keeps the swarm's parts (agents in
regions, managers that reassign stale agents, the supervisor's overlap moves and config cloning,
the heatmap, successive halving) but every trial of a meta-iteration starts from one policy state,
the lineage's *head*: population-based training whose population shares one policy, its agents
exploring hyperparameters around the current best. Successive halving decides only which config
continues: each agent's proposals run `agent_steps` generations from the head, the best 1/eta run
eta times as long from where they stopped, for `rungs` rungs; the final rung's best trial becomes the
head, its agent's config the one the weakest agent clones next. With two agents, eta 2 and 3 rungs,
7 of every 8 generations extend the head's lineage. The head is the last winner, not the best ever,
so (as in ARS) a noisy lucky score cannot stall the lineage; the final policy is the best-scored
trial of the run, as for the halving swarm.

Budget: a run spends at most `budget` environment steps, training and scoring episodes alike. A
trial runs a generation's antithetic pairs only while their worst case (both episodes at the
environment's step limit), plus its scoring episodes, fits its share of what is left: near the end
of the budget its last generations use fewer directions. So the run never exceeds the budget, and ES
and ARS (which stop at the first generation reaching it) never get fewer steps; at most about one
pair's and the scoring episodes' worst case is left unspent. When a round of proposals no longer
fits, the head continues alone with its config until nothing fits.
"""
from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from hsokv.benchmarks.rl.protocol import PolicyTask, PolicyTrialResult, run_policy_trial, swarm_shape, swarm_task, tracked_run
from hsokv.errors import ConfigError
from hsokv.search.space import SearchSpace
from hsokv.search.swarm import Agent, Swarm
from hsokv.search.trial import TrialSpec

SPRINT_GENERATIONS = 1_000_000   # the head's last trial runs until its share of the budget is spent


class SerialMap:
    """Trials one after another in this process (a lineage run that is itself one backend task)."""

    def map(self, fn, shared, items: list) -> list:
        return [fn(shared, item) for item in items]


class LineageSwarm(Swarm):
    """hsokv.search.swarm.Swarm whose trials all continue the head's policy, within an env-step budget."""

    def __init__(self, task: PolicyTask, space: SearchSpace, cfg, backend, seed: int, log, budget: int,
                 start_values: dict | None = None, run=run_policy_trial):
        super().__init__(task, space, cfg, backend, seed, log, run=run)
        if cfg.anchor and start_values is None:
            raise ConfigError("distributed.lineage.anchor: needs the tuned algorithm's settings (start_values)")
        self.budget, self.used = int(budget), 0
        self.head: PolicyTrialResult | None = None
        self.start_values = start_values   # agent 0's first config: the tuned algorithm's own settings

    def propose(self, agent: Agent) -> list[tuple[TrialSpec, np.ndarray]]:
        """The agent's config (its first: the algorithm's settings for agent 0, and every one of agent 0's
        with `anchor`; else a draw from its region), then local moves around it within its region, each
        from the head's policy."""
        manager, cfg = self.managers[agent.manager], self.cfg
        parent = None if self.head is None else self.head.state
        values = agent.team_values
        if agent.id == 0 and self.start_values is not None and (values is None or cfg.anchor):
            values = {k: self.start_values[k] for k in self.space.names}
        if values is None:
            centre = self._new_point(manager, lambda: agent.region.sample(self.rng))
            values = self.space.decode(centre)
        centre = self.space.encode(values)
        out = [(self._spec(values, cfg.agent_steps, parent), centre)]
        while len(out) < cfg.configs_per_region:
            p = self._new_point(manager, lambda: agent.region.clip(centre + self.rng.normal(0, cfg.local_move_scale, len(centre))))
            out.append((self._spec(self.space.decode(p), cfg.agent_steps, parent), p))
        for _, p in out:
            manager.explored.append(p)
        return out

    def _rung(self, iteration: int, rung: int, live: list) -> list:
        """One batch of trials sharing what is left of the budget; the ones that ran, logged."""
        left = self.budget - self.used
        task = replace(self.task, max_env_steps=left // len(live))
        results = self.backend.map(self.run_fn, task, [spec for _, spec, _ in live])
        done = []
        for (aid, spec, p), res in zip(live, results):
            if res.steps == 0:
                continue
            self.used += res.env_steps
            self.log.trial(res, p, iteration=iteration, rung=rung, agent=aid,
                           manager=None if aid is None else self.agents[aid].manager, warm=spec.parent is not None)
            self.heatmap.add(p, res.score)
            done.append((aid, res, p))
        return done

    def run_iteration(self, iteration: int) -> bool:
        """One round of proposals from the head and its successive halving; False when nothing ran."""
        cfg = self.cfg
        live = [(a.id, spec, p) for a in self.agents for spec, p in self.propose(a)]
        latest: dict[int, tuple] = {}     # trial id -> (agent id, its latest result, its point)
        for rung in range(cfg.rungs):
            for aid, res, p in self._rung(iteration, rung, live):
                latest[res.trial_id] = (aid, res, p)
            if not latest:
                return False
            ranked = sorted((latest[spec.trial_id] for _, spec, _ in live if spec.trial_id in latest),
                            key=lambda arp: (-arp[1].score, arp[1].trial_id))
            keep = ranked[:math.ceil(len(ranked) / cfg.eta)]
            if rung + 1 < cfg.rungs:
                steps = cfg.agent_steps * cfg.eta ** (rung + 1)
                live = [(aid, TrialSpec(r.trial_id, r.values, steps, self.seed * 1_000_003 + r.trial_id + 7919 * (rung + 1),
                                        r.state), p) for aid, r, p in keep]
        winner_agent, self.head, _ = keep[0]
        for agent in self.agents:
            own = [r for aid, r, _ in latest.values() if aid == agent.id]
            if own:
                best = max(own, key=lambda r: (r.score, -r.trial_id))
                agent.team, agent.team_values, agent.best_score = self.head, best.values, best.score
            agent.stale = 0 if agent.id == winner_agent else agent.stale + 1
        return True

    def sprint(self, iteration: int) -> None:
        """The head alone with its config, until its worst-case generation no longer fits."""
        values = self.head.values if self.head is not None else {k: self.start_values[k] for k in self.space.names}
        spec = self._spec(values, SPRINT_GENERATIONS, None if self.head is None else self.head.state)
        done = self._rung(iteration, 0, [(None, spec, self.space.encode(values))])
        if done:
            self.head = done[0][1]
            self.log.iteration(iteration, sprint=True)

    def run(self) -> None:
        it = 0
        while self.run_iteration(it):
            self.coordinate(it)
            self.log.iteration(it, **self.supervise(it))
            it += 1
        self.sprint(it)
        if self.head is None:
            raise ConfigError(f"distributed.lineage: its budget ({self.budget:,} env steps, the halving swarm's) cannot "
                              "pay for one worst-case pair of episodes and its scoring episodes; give the swarm a larger "
                              "budget or set distributed.lineage.enabled: false")


def lineage_shape(d: dict) -> SimpleNamespace:
    """The swarm's agents and rules from `distributed.swarm`, its rungs from `distributed.lineage`;
    meta-iterations run until the budget is spent."""
    shape, own = swarm_shape(d), d["lineage"]
    return SimpleNamespace(**{**vars(shape), "configs_per_region": own["configs_per_agent"],
                              "agent_steps": own["agent_steps"], "eta": own["eta"], "rungs": own["rungs"],
                              "anchor": own.get("anchor", False),   # specs written before the switch: off, as then
                              "meta_iterations": math.inf})


def run_lineage(d: dict, seed: int, backend, budget: int, curve: bool = True) -> dict:
    """One lineage-mode swarm run spending at most `budget` env steps (the halving swarm's, in the
    comparison); the same record as protocol.run_swarm's, with its budget and the head's length."""
    base = swarm_task(d)
    shape = lineage_shape(d)
    space = SearchSpace(shape.space.__dict__)
    holder = {}

    def build(log):
        holder["swarm"] = LineageSwarm(base, space, shape, backend, seed, log, budget, start_values=base.settings)
        return holder["swarm"]

    out = tracked_run(d, seed, backend, curve, base, build)
    swarm = holder["swarm"]
    out.update(method="lineage", budget=int(budget), head_generations=swarm.head.state.generations)
    return out


def run_lineage_job(d: dict, job: tuple[str, int, int]) -> dict:
    """("lineage", seed, budget) as one backend task, its trials run in that task's process."""
    _, seed, budget = job
    return run_lineage(d, seed, SerialMap(), budget)
