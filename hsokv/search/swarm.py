"""The hierarchical swarm: agents search regions, managers coordinate agents, a supervisor
watches the whole space.

One meta-iteration:
1. Agents propose. Each agent owns a region (a box of the unit cube, hsokv.search.space) and
   proposes `configs_per_region` configs: its team's current config (training continues from
   the team's model state), local moves around it (warm-started from the same state) and fresh
   samples from the region (new models). A manager never lets its agents revisit a config within
   `min_distance` of one its team (or a peer manager) already tried.
2. Successive halving, per agent: every proposal trains `agent_steps` steps; the best 1/eta
   continue with eta times as many, for `rungs` rungs, so a 50-step fluke cannot decide. The
   agent's best final config, with its model, becomes its team.
3. Managers: an agent whose best has not improved by `plateau_tolerance` for `plateau_patience`
   iterations is reassigned, to a region around a peer manager's better config if there is one
   (managers share their best config every iteration), else to the least explored heatmap cell.
4. Supervisor: updates the global heatmap of explored space; moves the weaker of two agents whose
   regions overlap by more than `overlap_threshold` to the least explored cell; clones the
   strongest team onto the weakest (weights and config, then a perturbed config, as in
   population-based training); records diversity (mean pairwise distance of the teams' configs)
   and strategy entropy (of the teams' optimisers).

All training goes through a backend (hsokv.search.backends): each rung of all agents is one batch
of independent tasks, which is where the parallelism is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np

from hsokv.search.space import SearchSpace, distance, mean_pairwise_distance
from hsokv.search.tracking import SearchLog
from hsokv.search.trial import TrialOutcome, TrialSpec

if TYPE_CHECKING:   # the swarm reads its settings by attribute: the research runners pass plain namespaces
    from hsokv.search.config import SwarmShape


@dataclass
class Region:
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def around(cls, centre: np.ndarray, width: float) -> "Region":
        low = np.clip(centre - width / 2, 0.0, 1.0 - width)
        return cls(low, low + width)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low, self.high)

    def clip(self, point: np.ndarray) -> np.ndarray:
        return np.clip(point, self.low, self.high)

    def overlap(self, other: "Region") -> float:
        """Shared volume as a share of the smaller region's volume."""
        side = np.clip(np.minimum(self.high, other.high) - np.maximum(self.low, other.low), 0.0, None)
        smaller = min(np.prod(self.high - self.low), np.prod(other.high - other.low))
        return float(np.prod(side) / smaller) if smaller > 0 else 0.0


@dataclass
class Agent:
    id: int
    manager: int
    region: Region
    team: TrialOutcome | None = None     # the agent's model and the config it trains with
    team_values: dict | None = None     # differs from team.values right after a clone
    best_score: float = -math.inf       # returns can be negative (HalfCheetah)
    stale: int = 0


@dataclass
class Manager:
    id: int
    agents: list[Agent]
    explored: list[np.ndarray] = field(default_factory=list)
    peer_best: tuple[float, np.ndarray] | None = None

    def best(self) -> Agent:
        return max(self.agents, key=lambda a: (a.best_score, -a.id))

    def is_new(self, point: np.ndarray, min_distance: float) -> bool:
        return all(distance(point, p) >= min_distance for p in self.explored)


class Heatmap:
    """Counts and best score of explored configs over two searched dimensions."""

    def __init__(self, space: SearchSpace, dims: list[str], bins: int):
        self.axes = [space.names.index(d) for d in dims]
        self.dims, self.bins = dims, bins
        self.counts = np.zeros((bins, bins), dtype=int)
        self.best = np.full((bins, bins), np.nan)

    def cell(self, point: np.ndarray) -> tuple[int, int]:
        return tuple(min(int(point[a] * self.bins), self.bins - 1) for a in self.axes)

    def add(self, point: np.ndarray, score: float) -> None:
        c = self.cell(point)
        self.counts[c] += 1
        self.best[c] = score if np.isnan(self.best[c]) else max(self.best[c], score)

    def least_explored(self, rng: np.random.Generator, dim: int) -> np.ndarray:
        """A point in the least visited cell (ties broken at random); other dimensions random."""
        cells = np.argwhere(self.counts == self.counts.min())
        i, j = cells[rng.integers(len(cells))]
        point = rng.uniform(0.0, 1.0, dim)
        point[self.axes[0]], point[self.axes[1]] = (i + 0.5) / self.bins, (j + 0.5) / self.bins
        return point

    def to_dict(self) -> dict:
        return {"dims": self.dims, "bins": self.bins, "counts": self.counts.tolist(),
                "best": [[None if np.isnan(v) else float(v) for v in row] for row in self.best]}


def planned_steps(cfg: SwarmShape) -> int:
    """Training steps one swarm run uses: the budget every other strategy gets too."""
    per_agent, n = 0, cfg.configs_per_region
    for r in range(cfg.rungs):
        per_agent += n * cfg.agent_steps * cfg.eta ** r
        n = math.ceil(n / cfg.eta)
    return per_agent * cfg.num_managers * cfg.agents_per_manager * cfg.meta_iterations


def lineage_steps(cfg: SwarmShape) -> int:
    """The most steps one team's model can accumulate: random/grid search's default per config."""
    return cfg.meta_iterations * sum(cfg.agent_steps * cfg.eta ** r for r in range(cfg.rungs))


def strategy_entropy(space: SearchSpace, values: list[dict]) -> float | None:
    """Entropy of the teams' optimisers (or first choice dimension), 0 = all alike, 1 = all different."""
    name = "optimizer" if "optimizer" in space.names else next(
        (n for n in space.names if space.dims[n].choices is not None), None)
    if name is None or len(values) < 2:
        return None
    _, counts = np.unique([str(v[name]) for v in values], return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum() / math.log(min(len(values), len(space.dims[name].choices))))


class Swarm:
    def __init__(self, task, space: SearchSpace, cfg: SwarmShape, backend, seed: int, log: SearchLog, run: Callable):
        """`run(task, spec)` trains one trial: hsokv.benchmarks.words.objective.run_trial for the model
        search, hsokv.benchmarks.rl.protocol.run_policy_trial for the policies."""
        self.task, self.space, self.cfg, self.backend, self.seed, self.log = task, space, cfg, backend, seed, log
        self.run_fn = run
        self.rng = np.random.default_rng(seed)
        self.heatmap = Heatmap(space, cfg.heatmap_dims, cfg.heatmap_bins)
        # Initial regions: centres spread by a Latin hypercube, so agents start apart.
        n = cfg.num_managers * cfg.agents_per_manager
        centres = (np.stack([self.rng.permutation(n) for _ in range(len(space))], 1) + self.rng.uniform(size=(n, len(space)))) / n
        agents = [Agent(i, i // cfg.agents_per_manager, Region.around(centres[i], cfg.region_width)) for i in range(n)]
        self.managers = [Manager(m, agents[m * cfg.agents_per_manager:(m + 1) * cfg.agents_per_manager])
                         for m in range(cfg.num_managers)]
        self.agents = agents
        self.next_trial = 0

    # -- 1. proposals ------------------------------------------------------------------------
    def _new_point(self, manager: Manager, draw) -> np.ndarray:
        """A point the manager has not explored (the farthest of 20 draws if the region is full)."""
        best, best_d = None, -1.0
        for _ in range(20):
            p = draw()
            if manager.is_new(p, self.cfg.min_distance):
                return p
            d = min(distance(p, q) for q in manager.explored)
            if d > best_d:
                best, best_d = p, d
        return best

    def _spec(self, values: dict, steps: int, parent=None) -> TrialSpec:
        self.next_trial += 1
        return TrialSpec(self.next_trial, values, steps, self.seed * 1_000_003 + self.next_trial, parent)

    def propose(self, agent: Agent) -> list[tuple[TrialSpec, np.ndarray]]:
        manager, cfg = self.managers[agent.manager], self.cfg
        out = []
        if agent.team is not None:
            point = self.space.encode(agent.team_values)
            out.append((self._spec(agent.team_values, cfg.agent_steps, agent.team.state), point))
            for _ in range(cfg.configs_per_region // 2):
                p = self._new_point(manager, lambda: agent.region.clip(point + self.rng.normal(0, cfg.local_move_scale, len(point))))
                out.append((self._spec(self.space.decode(p), cfg.agent_steps, agent.team.state), p))
        while len(out) < cfg.configs_per_region:
            p = self._new_point(manager, lambda: agent.region.sample(self.rng))
            out.append((self._spec(self.space.decode(p), cfg.agent_steps), p))
        out = out[:cfg.configs_per_region]
        for _, p in out:
            manager.explored.append(p)
        return out

    # -- 2. successive halving ---------------------------------------------------------------
    def run_iteration(self, iteration: int) -> None:
        cfg = self.cfg
        live = {a.id: self.propose(a) for a in self.agents}
        finals: dict[int, list[TrialOutcome]] = {}
        for rung in range(cfg.rungs):
            flat = [(aid, spec, p) for aid, props in live.items() for spec, p in props]
            results = self.backend.map(self.run_fn, self.task, [spec for _, spec, _ in flat])
            by_agent: dict[int, list] = {}
            for (aid, spec, p), res in zip(flat, results):
                agent = self.agents[aid]
                self.log.trial(res, p, iteration=iteration, rung=rung, agent=aid, manager=agent.manager,
                               warm=spec.parent is not None)
                self.heatmap.add(p, res.score)
                by_agent.setdefault(aid, []).append((res, p))
            live = {}
            for aid, scored in by_agent.items():
                scored.sort(key=lambda rp: (-rp[0].score, rp[0].trial_id))
                finals[aid] = scored
                keep = scored[:math.ceil(len(scored) / cfg.eta)]
                if rung + 1 < cfg.rungs:
                    steps = cfg.agent_steps * cfg.eta ** (rung + 1)
                    live[aid] = [(TrialSpec(r.trial_id, r.values, steps, self.seed * 1_000_003 + r.trial_id + 7919 * (rung + 1),
                                            r.state), p) for r, p in keep]
        for agent in self.agents:
            best, _ = finals[agent.id][0]
            agent.team, agent.team_values = best, best.values
            if best.score > agent.best_score + cfg.plateau_tolerance:
                agent.best_score, agent.stale = best.score, 0
            else:
                agent.best_score, agent.stale = max(agent.best_score, best.score), agent.stale + 1

    # -- 3. managers ---------------------------------------------------------------------------
    def coordinate(self, iteration: int) -> None:
        cfg = self.cfg
        bests = [(m.best().best_score, self.space.encode(m.best().team_values), m) for m in self.managers]
        for m in self.managers:  # each manager hears every peer's best config
            peers = [(s, p) for s, p, other in bests if other is not m]
            for _, p in peers:
                m.explored.append(p)
            m.peer_best = max(peers, key=lambda sp: sp[0]) if peers else None
            own = m.best().best_score
            for agent in m.agents:
                if agent.stale < cfg.plateau_patience:
                    continue
                if m.peer_best is not None and m.peer_best[0] > own:
                    centre, why = m.peer_best[1], "peer_best"
                else:
                    centre, why = self.heatmap.least_explored(self.rng, len(self.space)), "unexplored_cell"
                agent.region, agent.stale = Region.around(centre, cfg.region_width), 0
                self.log.event(iteration, "reassign", agent=agent.id, manager=m.id, target=why)

    # -- 4. supervisor -------------------------------------------------------------------------
    def supervise(self, iteration: int) -> dict:
        cfg = self.cfg
        for i, a in enumerate(self.agents):
            for b in self.agents[i + 1:]:
                if a.region.overlap(b.region) > cfg.overlap_threshold:
                    weaker = min((a, b), key=lambda x: (x.best_score, -x.id))
                    weaker.region = Region.around(self.heatmap.least_explored(self.rng, len(self.space)), cfg.region_width)
                    self.log.event(iteration, "overlap", agent=weaker.id, other=(b if weaker is a else a).id)
        if cfg.clone and len(self.agents) > 1 and iteration + 1 < cfg.meta_iterations:
            ranked = sorted(self.agents, key=lambda x: (x.best_score, -x.id))
            weak, strong = ranked[0], ranked[-1]
            if strong.best_score > weak.best_score:
                point = self.space.encode(strong.team_values)
                point = np.clip(point + self.rng.normal(0, cfg.clone_perturb, len(point)), 0.0, 1.0)
                weak.team, weak.team_values = strong.team, self.space.decode(point)
                weak.best_score, weak.stale = strong.best_score, 0
                weak.region = Region.around(point, cfg.region_width)
                self.log.event(iteration, "clone", agent=weak.id, source=strong.id)
        team_values = [a.team_values for a in self.agents if a.team_values is not None]
        return {"diversity": mean_pairwise_distance([self.space.encode(v) for v in team_values]),
                "strategy_entropy": strategy_entropy(self.space, team_values),
                "optimizers": [str(v.get("optimizer")) for v in team_values]}

    def run(self) -> None:
        for it in range(self.cfg.meta_iterations):
            self.run_iteration(it)
            self.coordinate(it)
            stats = self.supervise(it)
            self.log.iteration(it, **stats)
