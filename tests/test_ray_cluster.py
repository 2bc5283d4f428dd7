"""The search's Ray backend on a real multi-node cluster on loopback, joined through
`distributed.ray_address` as a user joins one (the workload: the RL benchmark's CartPole swarm,
hsokv.benchmarks.rl): the swarm on it gives the serial backend's numbers exactly; a worker node
killed mid-run loses its task, which runs again on the surviving node, and the run reports the
lost node and the retried task; with every worker node gone the run stops with ClusterError.

The cluster is Ray's own test utility, ray.cluster_utils.Cluster: each node it adds is a separate
raylet process (the head also runs gcs_server), started as children of this test with a reaper
that kills them if the test process dies. (`ray start` daemonises its processes, and `ray stop`
would kill every Ray of every user on the machine.) The head has no CPU, so every task runs on a
worker node. RAY_TMPDIR keeps the cluster's files, sockets and address file in a directory of
its own, away from /tmp/ray, which other Ray sessions on the machine read.
"""
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
from ray import cloudpickle  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

from hsokv.benchmarks.rl import config as _section  # noqa: E402,F401  (registers the `distributed` section)
from hsokv.benchmarks.rl import scaling  # noqa: E402
from hsokv.benchmarks.rl.protocol import run_policy_trial  # noqa: E402
from hsokv.benchmarks.rl.report import timing  # noqa: E402
from hsokv.config import ConfigError, read_params, resolve  # noqa: E402
from hsokv.errors import ClusterError  # noqa: E402
from hsokv.search.backends import RayBackend  # noqa: E402

NODE = {"num_cpus": 1, "object_store_memory": 75 * 2**20}
# Declare a silent node dead after ~3 s instead of Ray's default ~15 s.
FAST_DEATH = {"health_check_period_ms": 1000, "health_check_failure_threshold": 3, "health_check_initial_delay_ms": 0}


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except (OSError, ValueError):
            continue
        if entry.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry))
    return out


def _kill_node_of_this_worker() -> None:
    """SIGKILL this task's node, as a machine dies: its raylet (this worker's parent), every
    process the raylet started (agents, other workers), then this worker."""
    raylet = os.getppid()
    assert Path(f"/proc/{raylet}/comm").read_text().strip() == "raylet", "a Ray worker's parent is its raylet"
    family, todo = [], [raylet]
    while todo:
        pid = todo.pop()
        family.append(pid)
        todo += _children(pid)
    for pid in family:
        if pid != os.getpid():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    os.kill(os.getpid(), signal.SIGKILL)


def kill_node_at(trial_id: int, marker_dir: str):
    """A trial function that kills its worker node the first time `trial_id` runs."""
    def run(task, spec):
        marker = Path(marker_dir) / f"killed-{spec.trial_id}"
        if spec.trial_id == trial_id and not marker.exists():
            marker.touch()
            _kill_node_of_this_worker()
        return run_policy_trial(task, spec)
    return run


def record_node(marker_dir: str):
    """A trial function that notes which node ran each trial."""
    def run(task, spec):
        (Path(marker_dir) / f"{spec.trial_id}-{ray.get_runtime_context().get_node_id()}").touch()
        return run_policy_trial(task, spec)
    return run


def _processes_under(directory: str) -> list[int]:
    """Processes whose command line names `directory`: this cluster's raylets and workers."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and directory in Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def cluster():
    directory = tempfile.mkdtemp(prefix="hsokv-ray-")   # short: Ray's unix socket paths live under it
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAY_TMPDIR", directory)
        try:
            cluster = Cluster(initialize_head=True, head_node_args={
                **NODE, "num_cpus": 0, "include_dashboard": False, "_system_config": FAST_DEATH})
        except Exception as err:  # noqa: BLE001  (whatever stops Ray starting here, say so and skip)
            shutil.rmtree(directory, ignore_errors=True)
            pytest.skip(f"Ray cannot start a cluster on this machine: {type(err).__name__}: {err}")
        try:
            for _ in range(2):
                cluster.add_node(**NODE)
            cloudpickle.register_pickle_by_value(sys.modules[__name__])   # the cluster's workers cannot import tests/
            yield cluster
        finally:
            if ray.is_initialized():
                ray.shutdown()
            cluster.shutdown()
            servers = []
            for pid in _processes_under(directory):   # ours by construction: they name our directory
                try:
                    if Path(f"/proc/{pid}/comm").read_text().strip() in ("raylet", "gcs_server"):
                        servers.append(pid)
                    os.kill(pid, signal.SIGKILL)      # e.g. an idle worker not yet gone after its raylet
                except (OSError, ProcessLookupError):
                    pass
            shutil.rmtree(directory, ignore_errors=True)
            assert not servers, f"raylet / gcs_server processes outlived the test cluster: {servers}"


# -- the benchmark's entry points ------------------------------------------------------------------
def config(address: str | None, node_counts=(2,)) -> dict:
    """quick_test's CartPole section, smaller: 2 meta-iterations of 2 agents x 2 configs, 1 generation a trial."""
    params = read_params()
    params["preset"] = "quick_test"
    params["distributed"].update({"eval_episodes": 3, "curve_episodes": 1, "score_episodes": 2, "backend": "ray",
                                  "ray_address": address, "node_counts": list(node_counts)})
    params["distributed"]["swarm"].update({"num_managers": 1, "agents_per_manager": 2, "configs_per_region": 2,
                                           "meta_iterations": 2, "agent_steps": 1, "rungs": 1})
    return resolve(params).distributed.model_dump()


def run_on(address: str | None, backend: str, workers: int, run=run_policy_trial) -> dict:
    """One swarm run of the stage `distributed`'s sweep, its backend built from the section as the stage does."""
    return scaling.timed_swarm(config(address), 0, backend, workers, run=run)


def report(runs: list[dict], address: str) -> dict:
    return timing([{"seed": 0, "sweep": runs}], config(address, [r["workers"] for r in runs]), "ray",
                  scaling.cpu_count())


def join(address: str):
    return scaling.make_policy_backend(config(address), "ray", 1)


# -- the tests ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def serial():
    return run_on(None, "serial", 1)


def same_search(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in ("theta", "evaluation", "best_values", "best_score", "env_steps"))


def test_cluster_has_a_raylet_process_per_node(cluster):
    raylets = {n.all_processes["raylet"][0].process.pid for n in [cluster.head_node, *cluster.worker_nodes]}
    assert len(raylets) == 3
    assert all(Path(f"/proc/{pid}/comm").read_text().strip() == "raylet" for pid in raylets)


def test_swarm_on_the_cluster_gives_the_serial_numbers(cluster, serial, tmp_path):
    out = run_on(cluster.address, "ray", 2, run=record_node(str(tmp_path)))
    assert same_search(out, serial)
    assert len({f.name.split("-")[1] for f in tmp_path.iterdir()}) == 2   # both worker nodes ran trials
    assert out["retries"] == [] and out["nodes_lost"] == []


def test_killed_worker_node_its_task_rerun_and_reported(cluster, serial, tmp_path):
    out = run_on(cluster.address, "ray", 2, run=kill_node_at(2, str(tmp_path)))
    assert (tmp_path / "killed-2").exists()
    assert same_search(out, serial)            # the rerun trial gave the same numbers: nothing lost
    assert len(out["nodes_lost"]) == 1
    assert out["nodes_lost"][0]["address"] == cluster.head_node.node_ip_address   # one machine: one address
    assert [r["task"] for r in out["retries"]] and all(r["error"] in ("NodeDiedError", "WorkerCrashedError")
                                                       for r in out["retries"])
    summary = report([out], cluster.address)
    assert summary["nodes_lost"] == 1 and summary["retries"] == len(out["retries"])


def nap(_shared, item):
    import time
    start = time.time()
    time.sleep(0.3)
    return start, time.time()


def test_on_a_cluster_at_most_workers_tasks_run_at_once(cluster):
    """The cluster has two CPUs; one worker asked for means one task at a time."""
    with join(cluster.address) as backend:
        spans = sorted(backend.map(nap, None, list(range(4))))
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))


def test_every_worker_node_gone_is_a_clear_error(cluster, monkeypatch):
    """Runs last in this file: it takes the cluster's remaining worker nodes down."""
    for node in list(cluster.worker_nodes):
        cluster.remove_node(node, allow_graceful=False)
    monkeypatch.setattr(RayBackend, "no_cpu_grace_seconds", 2.0)
    with pytest.raises(ClusterError, match=f"distributed.ray_address='{cluster.address}'.*no alive node with a CPU"):
        run_on(cluster.address, "ray", 2)


def test_unreachable_address_names_the_distributed_key():
    if ray.is_initialized():
        pytest.skip("a Ray session is already running in this process")
    with pytest.raises(ConfigError, match="distributed.ray_address='127.0.0.1:1': no Ray cluster answers"):
        join("127.0.0.1:1")


def test_an_address_that_is_not_a_ray_head_is_refused_at_once():
    """Something answers, but not Ray's GCS (a web server, as the dashboard's port would be):
    without the check ray.init retries for many minutes."""
    import http.server
    import threading
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"127.0.0.1:{server.server_address[1]}"
        with pytest.raises(ConfigError, match=f"distributed.ray_address='{address}': something answers there, but not"):
            join(address)
    finally:
        server.shutdown()
        server.server_close()
