"""Where trials run: in this process, in a process pool, or on Ray. One interface:

    with make_backend(cfg.swarm) as backend:
        results = backend.map(fn, shared, items)     # [fn(shared, item) for item in items]

Results come back in the order of `items`, whatever order the workers finish in, and each item
carries its own seed, so every backend returns the same numbers. A task whose worker dies is
resubmitted (up to `max_retries` times); `backend.failures` lists every such event and
`backend.nodes_lost` every cluster node that died, and the run reports both. A task that raises
an ordinary exception is a bug in the task: it is not retried.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import socket
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from hsokv.errors import ClusterError, ConfigError
from hsokv.registry import Registry

if TYPE_CHECKING:   # no pydantic at run time: `python -m hsokv.benchmarks.rl.scaling` runs on hosts without it
    from hsokv.search.config import SwarmConfig

BACKENDS = Registry("search backend")


class TaskFailed(RuntimeError):
    """A task's worker died more than max_retries times."""


class _Backend:
    name = ""

    def __init__(self, workers: int = 1, max_retries: int = 2, ray_address: str | None = None, key: str = "swarm"):
        """`key`: the params section these settings come from, for error messages."""
        self.workers, self.max_retries, self.ray_address, self.key = workers, max_retries, ray_address, key
        self.failures: list[dict] = []    # each task lost to a dead worker or node, and resubmitted
        self.nodes_lost: list[dict] = []  # each cluster node that died during the run

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        pass

    def _give_up(self, index: int, attempts: int, error: str):
        raise TaskFailed(f"task {index} failed {attempts} times on the {self.name} backend "
                         f"({self.key}.max_retries={self.max_retries}); last error: {error}")


@BACKENDS.register("serial")
class SerialBackend(_Backend):
    def map(self, fn: Callable, shared: Any, items: list) -> list:
        return [fn(shared, item) for item in items]


@BACKENDS.register("simulate")
class SimulatedBackend(_Backend):
    """Runs every task here, one after another (so the numbers are those of any backend), and
    models the wall time `workers` nodes would take: each task goes to the node that frees up
    first and costs `latency_seconds` plus `step_seconds` per unit of `cost(result)` (environment
    steps, for the policy trials). `clock` is that modelled time, deterministic by construction,
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
    """Ray tasks, one CPU each: on a private local Ray with `workers` CPUs, or on the running
    cluster at `ray_address` (any number of machines), `workers` tasks at a time. A cluster's
    workers get this process's copy of the hsokv package (Ray's py_modules), so every node runs
    the same code without a checkout of its own; each node needs only the Python packages.

    Ray's own retry is off, so every lost task is seen here: a task whose worker crashed, whose
    node died or whose result was lost with its node is resubmitted to the nodes still alive (up
    to `max_retries` times); `failures` lists each such event and `nodes_lost` each node that
    died during the run. A cluster with no CPU left to run the remaining tasks (every worker
    node gone) raises ClusterError, naming the address, after `no_cpu_grace_seconds`."""

    no_cpu_grace_seconds = 60.0   # long enough for a node to restart and rejoin, short enough to notice
    poll_seconds = 1.0            # how often a waiting run checks that the cluster can still run it

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            import ray
        except ImportError as err:
            raise ConfigError(f"{self.key}.backend is 'ray' but ray is not importable ({err}); "
                              "install it (requirements.txt pins it) or choose 'serial' or 'multiprocessing'") from None
        self.ray = ray
        # What a task may lose to a crash, not to a bug in it: worth running again elsewhere.
        self._lost = (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                      ray.exceptions.OutOfMemoryError, ray.exceptions.ObjectLostError,
                      ray.exceptions.LocalRayletDiedError, ray.exceptions.RaySystemError)
        self._started = False
        if not ray.is_initialized():
            self._join()
            self._started = True
        self._remote = {}
        self._seen = self._alive_nodes()   # node id -> address of every node seen alive

    def _join(self) -> None:
        ray, key = self.ray, f"{self.key}.ray_address"
        if not self.ray_address:
            # address="local": a Ray of our own, never one that RAY_ADDRESS or /tmp/ray points at
            ray.init(address="local", num_cpus=self.workers, include_dashboard=False, log_to_driver=False)
            return
        if self.ray_address != "auto":
            _check_reachable(self.ray_address, key)
        try:
            ray.init(address=self.ray_address, log_to_driver=False,
                     runtime_env={"py_modules": [str(Path(__file__).resolve().parents[1])]})
        except (ConnectionError, RuntimeError, ValueError) as err:
            # Ray 2.60 (the pinned version) starts a head with token authentication when
            # ~/.ray/auth_token exists there; it refuses a driver without the token, and
            # ray.init then reports only a failed connection.
            raise ConfigError(f"{key}={self.ray_address!r}: could not join the Ray cluster there "
                              f"({type(err).__name__}: {err}); if its head uses token authentication, "
                              "run with RAY_AUTH_MODE=token and the head's token (~/.ray/auth_token or "
                              f"RAY_AUTH_TOKEN); or set {key}: null to start a local Ray") from None

    def _where(self) -> str:
        return (f"the Ray cluster at {self.key}.ray_address={self.ray_address!r}" if self.ray_address
                else "the local Ray")

    def _alive_nodes(self) -> dict[str, str]:
        return {n["NodeID"]: n["NodeManagerAddress"] for n in self.ray.nodes() if n["Alive"]}

    def _note_lost_nodes(self, named: str | None = None) -> None:
        """Record nodes the cluster reports dead, and `named`, the node a NodeDiedError names (the
        cluster takes seconds to declare a node dead; the task's owner hears of it first)."""
        alive = self._alive_nodes()
        recorded = {n["node_id"] for n in self.nodes_lost}
        dead = [node for node in self._seen if node not in alive] + ([named] if named in self._seen else [])
        for node in dict.fromkeys(dead):
            if node not in recorded:
                self.nodes_lost.append({"node_id": node, "address": self._seen[node]})
        self._seen.update(alive)   # nodes that joined during the run (restarted, autoscaled)

    def _check_capacity(self, starved_since: float | None, unfinished: int) -> float | None:
        """None while some alive node has a CPU; else when that began, until the grace runs out."""
        if self.ray.cluster_resources().get("CPU", 0) >= 1:
            return None
        now = time.monotonic()
        if starved_since is None:
            return now
        if now - starved_since < self.no_cpu_grace_seconds:
            return starved_since
        self._note_lost_nodes()
        lost = ", ".join(f"{n['node_id'][:12]} ({n['address']})" for n in self.nodes_lost) or "none seen"
        raise ClusterError(f"{self._where()} has no alive node with a CPU for {unfinished} unfinished task(s) "
                           f"after {self.no_cpu_grace_seconds:.0f}s (nodes lost during this run: {lost}); "
                           "start worker nodes with `ray start --address=<head host:port>` and run again")

    def map(self, fn: Callable, shared: Any, items: list) -> list:
        ray = self.ray
        remote = self._remote.setdefault(fn, ray.remote(num_cpus=1, max_retries=0)(fn))
        shared_ref = ray.put(shared)
        # At most `workers` tasks run at once, whether the Ray is this backend's own (`workers` CPUs),
        # a shared local one (ray_session) or a cluster: a sweep over worker counts measures the same
        # thing on each.
        waiting = list(range(len(items)))
        limit = self.workers
        pending: dict = {}
        attempts = [0] * len(items)
        results: dict[int, Any] = {}
        starved_since = None
        while waiting or pending:
            while waiting and len(pending) < limit:
                i = waiting.pop(0)
                pending[remote.remote(shared_ref, items[i])] = i
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=self.poll_seconds)
            if not ready:
                starved_since = self._check_capacity(starved_since, len(pending) + len(waiting))
                continue
            starved_since = None
            i = pending.pop(ready[0])
            try:
                results[i] = ray.get(ready[0])
            except self._lost as err:
                attempts[i] += 1
                self.failures.append({"task": i, "attempt": attempts[i], "error": type(err).__name__})
                self._note_lost_nodes(_named_node(err))
                if attempts[i] > self.max_retries:
                    self._give_up(i, attempts[i], f"{type(err).__name__} on {self._where()}")
                waiting.insert(0, i)
        self._note_lost_nodes()   # a node may die with none of this map's tasks on it
        return [results[i] for i in range(len(items))]

    def close(self) -> None:
        if self._started and self.ray.is_initialized():
            self.ray.shutdown()


@contextlib.contextmanager
def ray_session(cpus: int, ray_address: str | None):
    """One local Ray of `cpus` CPUs for everything inside, where each RayBackend would otherwise start
    and stop its own (~7 s each on 2 cores); backends then run `workers` tasks at a time on it. With a
    ray_address the backends join that cluster themselves, and this does nothing."""
    import ray   # the caller chose the ray backend: RayBackend names the install command if it is missing

    if ray_address or ray.is_initialized():
        yield
        return
    ray.init(address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def _named_node(err: Exception) -> str | None:
    """The node id a NodeDiedError names ("... node ID: <hex>."), if it names one."""
    found = re.search(r"node ID: ([0-9a-f]+)", str(err)) if type(err).__name__ == "NodeDiedError" else None
    return found.group(1) if found else None


# A gRPC client's first bytes (HTTP/2's connection preface, then an empty SETTINGS frame); a gRPC
# server such as Ray's GCS answers with a SETTINGS frame (type 0x4) of its own.
_HTTP2_HELLO = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])


def _check_reachable(address: str, key: str, timeout: float = 5.0) -> None:
    """Fail fast: ray.init on an address where nothing answers, or where something other than a
    Ray head's GCS answers (the dashboard's port 8265, say), retries for many minutes."""
    host, _, port = address.rpartition(":")
    tls = os.environ.get("RAY_USE_TLS", "0").lower() not in ("0", "false", "")   # then TLS must speak first
    reply = b"\0\0\0\4"   # what a gRPC server answers, assumed under TLS
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as conn:
            if not tls:
                conn.sendall(_HTTP2_HELLO)
                reply = conn.recv(9)
    except (OSError, ValueError) as err:
        raise ConfigError(f"{key}={address!r}: no Ray cluster answers there ({err}); start one with "
                          f"`ray start --head` and give its host:port, or set {key}: null "
                          "to start a local Ray") from None
    if len(reply) < 4 or reply[3] != 4:
        raise ConfigError(f"{key}={address!r}: something answers there, but not a Ray cluster's GCS (no gRPC "
                          f"reply); give the head's host:port as `ray start --head --port=6379` prints it (not the "
                          f"dashboard's), or set {key}: null to start a local Ray")


def make_backend(cfg: SwarmConfig) -> _Backend:
    return BACKENDS.get(cfg.backend)(cfg.workers, cfg.max_retries, cfg.ray_address)
