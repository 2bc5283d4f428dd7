"""The continual GPU kit's pause-state round trip: gpu_send_states.sh cuts the paused runs' states into pieces a
call can return, join_states.sh joins and checks them here (research/continual_kit/)."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parents[1] / "research" / "continual_kit"
pytestmark = pytest.mark.skipif(shutil.which("split") is None or shutil.which("sha256sum") is None,
                                reason="needs coreutils' split and sha256sum")


def send_calls(home: Path, work: Path, name: str) -> list[Path]:
    """Calls gpu_send_states.sh as the host would, one fresh $OUT a call, until it says all pieces went."""
    outs = []
    for call in range(20):
        out = work / f"call{call}"
        out.mkdir()
        env = {**os.environ, "HOME": str(home), "OUT": str(out), "PIECE_BYTES": "1000"}
        done = subprocess.run(["bash", str(KIT / "gpu_send_states.sh"), name], env=env, capture_output=True,
                              text=True, check=True)
        assert len(list((out / name).iterdir())) <= 8, "a call returns at most 8 files"
        outs.append(out)
        if "all pieces sent" in done.stdout:
            return outs
    raise AssertionError("gpu_send_states.sh never said all pieces were sent")


def paused_states(home: Path, name: str) -> dict[str, bytes]:
    paused = home / "cont-runs" / name / "paused"
    paused.mkdir(parents=True)
    states = {"icarl-200-e50-s0": os.urandom(5500), "er_ace-500-e50-s0": os.urandom(2000),
              "er_ace-200-e50-s0": os.urandom(999), "icarl-500-e50-s2": os.urandom(3001),
              "icarl-500-e50-s3": os.urandom(1000)}
    for label, data in states.items():
        (paused / f"{label}.safetensors").write_bytes(data)
    return states


def test_states_sent_in_pieces_join_back_byte_exact(tmp_path):
    states = paused_states(tmp_path / "home", "default_init_e50")
    outs = send_calls(tmp_path / "home", tmp_path, "default_init_e50")
    assert len(outs) > 2, "the pieces should need several calls at 4 a call"
    joined = subprocess.run(["bash", str(KIT / "join_states.sh"), "default_init_e50", *map(str, outs)],
                            cwd=tmp_path, capture_output=True, text=True)
    assert joined.returncode == 0, joined.stderr
    for label, data in states.items():
        assert (tmp_path / ".gpu/paused/default_init_e50" / f"{label}.safetensors").read_bytes() == data
    assert not (tmp_path / ".gpu/paused/default_init_e50/pieces").exists()


def test_a_missing_piece_is_refused_and_named(tmp_path):
    states = paused_states(tmp_path / "home", "default_init_e50")
    outs = send_calls(tmp_path / "home", tmp_path, "default_init_e50")
    pieces = [p for out in outs for p in (out / "default_init_e50").iterdir()]
    next(p for p in pieces if p.name.startswith("icarl-200-e50-s0.safetensors.part")).unlink()
    next(p for p in pieces if p.name == "icarl-500-e50-s2.sha256").unlink()
    joined = subprocess.run(["bash", str(KIT / "join_states.sh"), "default_init_e50", *map(str, outs)],
                            cwd=tmp_path, capture_output=True, text=True)
    assert joined.returncode == 1
    assert "icarl-200-e50-s0: its pieces do not match its sha256" in joined.stderr
    assert "icarl-500-e50-s2: pieces but no sha256 file" in joined.stderr
    target = tmp_path / ".gpu/paused/default_init_e50"
    assert not (target / "icarl-200-e50-s0.safetensors").exists()
    assert not (target / "icarl-500-e50-s2.safetensors").exists()
    assert (target / "er_ace-500-e50-s0.safetensors").read_bytes() == states["er_ace-500-e50-s0"]


def test_no_runs_folder_is_a_clear_error(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "OUT": str(tmp_path / "out")}
    done = subprocess.run(["bash", str(KIT / "gpu_send_states.sh"), "default_init_e50"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "no runs folder" in done.stderr and "default_init_e50" in done.stderr
