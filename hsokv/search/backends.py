"""Where trials run: in this process, in a process pool, or on Ray. One interface:

    with make_backend(cfg.swarm) as backend:
        results = backend.map(fn, shared, items)     # [fn(shared, item) for item in items]

Results come back in the order of `items`, whatever order the workers finish in, and each item
carries its own seed, so every backend returns the same numbers. A task whose worker dies is
resubmitted (up to `max_retries` times); `backend.failures` lists every such event, and the run
reports them. A task that raises an ordinary exception is a bug in the task: it is not retried.
"""
from __future__ import annotations

import multiprocessing
import socket
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from hsokv.config import SwarmConfig
from hsokv.errors import ConfigError
from hsokv.registry import Registry

BACKENDS = Registry("search backend")


class TaskFailed(RuntimeError):
    """A task's worker died more than max_retries times."""


class _Backend:
    name = ""

    def __init__(self, workers: int = 1, max_retries: int = 2, ray_address: str | None = None):
        self.workers, self.max_retries, self.ray_address = workers, max_retries, ray_address
        self.failures: list[dict] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        pass

    def _give_up(self, index: int, attempts: int, error: str):
        raise TaskFailed(f"task {index} failed {attempts} times on the {self.name} backend "
                         f"(swarm.max_retries={self.max_retries}); last error: {error}")


@BACKENDS.register("serial")
class SerialBackend(_Backend):
    def map(self, fn: Callable, shared: Any, items: list) -> list:
        return [fn(shared, item) for item in items]


@BACKENDS.register("simulate")
class SimulatedBackend(_Backend):
    """Runs every task here, one after another (so the numbers are those of any backend), and
    models the wall time `workers` nodes would take: each task goes to the node that frees up
    first and costs `latency_seconds` plus `step_seconds` per unit of `cost(result)` (environment
    steps, for the CartPole trials). `clock` is that modelled time, deterministic by construction,
    so scaling curves can be drawn without a cluster."""

    def __init__(self, *args, step_seconds: float = 2e-5, latency_seconds: float = 0.005,
                 cost: Callable[[Any], float] = lambda result: getattr(result, "env_steps", 0), **kwargs):
        super().__init__(*args, **kwargs)
        self.step_seconds, self.latency_seconds, self.cost = step_seconds, latency_seconds, cost
        self.clock = 0.0

    def map(self, fn: Callable, shared: Any, items: list) -> list:
        results = [fn(shared, item) for item in items]
        free_at = [self.clock] * self.workers
        for r in results:  # list scheduling in submission order, as a pool hands tasks out
            node = min(range(self.workers), key=lambda k: (free_at[k], k))
            free_at[node] += self.latency_seconds + self.step_seconds * self.cost(r)
        self.clock = max(free_at)  # a map returns when its last task does
        return results


@BACKENDS.register("multiprocessing")
class ProcessBackend(_Backend):
    """A pool of spawned processes (spawn, not fork: forking a process that has run torch's
    thread pools can deadlock). A dead worker breaks the whole pool: the pool is rebuilt and every
    unfinished task resubmitted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def map(self, fn: Callable, shared: Any, items: list) -> list:
        results: dict[int, Any] = {}
        attempts = [0] * len(items)
        while len(results) < len(items):
            pending = [i for i in range(len(items)) if i not in results]
            futures = {i: self._executor().submit(fn, shared, items[i]) for i in pending}
            for i, fut in futures.items():
                try:
                    results[i] = fut.result()
                except BrokenProcessPool as err:
                    attempts[i] += 1
                    self.failures.append({"task": i, "attempt": attempts[i], "error": f"BrokenProcessPool: {err}"})
                    if attempts[i] > self.max_retries:
                        self._give_up(i, attempts[i], repr(err))
            if len(results) < len(items):
                self.close()  # the pool is broken; the next round builds a new one
        return [results[i] for i in range(len(items))]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@BACKENDS.register("ray")
class RayBackend(_Backend):
    """Ray tasks, one CPU each. Starts a local Ray with `workers` CPUs unless `ray_address` names a
    running cluster to join. Ray's own retry is off so that every worker death is seen, counted
    and resubmitted here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            import ray
        except ImportError as err:
            raise ConfigError(f"swarm.backend is 'ray' but ray is not importable ({err}); "
                              "install it (requirements.txt pins it) or choose 'serial' or 'multiprocessing'") from None
        self.ray = ray
        self._started = False
        if not ray.is_initialized():
            if self.ray_address and self.ray_address != "auto":
                _check_reachable(self.ray_address)
            try:
                if self.ray_address:
                    ray.init(address=self.ray_address, log_to_driver=False)
                else:
                    ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise ConfigError(f"swarm.ray_address={self.ray_address!r}: could not join a Ray cluster there "
                                  f"({type(err).__name__}: {err}); start one with `ray start --head`, "
                                  "or set swarm.ray_address: null to start a local Ray") from None
            self._started = True
        self._remote = {}

    def map(self, fn: Callable, shared: Any, items: list) -> list:
        ray = self.ray
        remote = self._remote.setdefault(fn, ray.remote(num_cpus=1, max_retries=0)(fn))
        shared_ref = ray.put(shared)
        refs = {i: remote.remote(shared_ref, item) for i, item in enumerate(items)}
        attempts = [0] * len(items)
        results: dict[int, Any] = {}
        while refs:
            ready, _ = ray.wait(list(refs.values()), num_returns=1)
            i = next(k for k, r in refs.items() if r == ready[0])
            try:
                results[i] = ray.get(ready[0])
                del refs[i]
            except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                    ray.exceptions.RaySystemError) as err:
                attempts[i] += 1
                self.failures.append({"task": i, "attempt": attempts[i], "error": type(err).__name__})
                if attempts[i] > self.max_retries:
                    self._give_up(i, attempts[i], type(err).__name__)
                refs[i] = remote.remote(shared_ref, items[i])
        return [results[i] for i in range(len(items))]

    def close(self) -> None:
        if self._started and self.ray.is_initialized():
            self.ray.shutdown()


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast: ray.init on an address where nothing answers retries for minutes."""
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except (OSError, ValueError) as err:
        raise ConfigError(f"swarm.ray_address={address!r}: no Ray cluster answers there ({err}); start one with "
                          "`ray start --head` and give its host:port, or set swarm.ray_address: null "
                          "to start a local Ray") from None


def make_backend(cfg: SwarmConfig) -> _Backend:
    return BACKENDS.get(cfg.backend)(cfg.workers, cfg.max_retries, cfg.ray_address)
