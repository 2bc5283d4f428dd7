"""stages/check_params.py: the whole params.yaml validated, every section registered, whatever stages read."""
import re
import subprocess
import sys

import yaml

from conftest import REPO

PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


def run(params: dict, tmp_path):
    path, out = tmp_path / "params.yaml", tmp_path / "params_checked.txt"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "stages.check_params", "--params", str(path), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    return proc, out


def test_the_committed_params_pass_and_the_stamp_is_fixed(tmp_path):
    proc, out = run(PARAMS, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == "Every section of params.yaml validated (stage check_params).\n"


def test_a_misspelt_section_no_stage_reads_is_refused_by_name(tmp_path):
    # `dvc exp run -S +swarn.agent_steps=200` forces such a section in; before this stage nothing read it
    proc, out = run({**PARAMS, "swarn": {"agent_steps": 200}}, tmp_path)
    assert proc.returncode == 2 and "unknown top-level key(s) ['swarn']" in proc.stderr and "'swarm'" in proc.stderr
    assert not out.exists()


def test_a_bad_key_in_a_benchmark_section_is_refused_by_name(tmp_path):
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["search_meaning"]["agent_stepz"] = 3
    proc, out = run(params, tmp_path)
    assert proc.returncode == 2 and "search_meaning.agent_stepz: unknown key" in proc.stderr and "agent_steps" in proc.stderr
    assert not out.exists()


def test_it_registers_every_section_the_library_declares():
    # its imports are listed by hand (dvc.yaml's deps follow them): a new @section module must join them
    import stages.check_params  # noqa: F401
    from hsokv.sections import SECTIONS

    declared = {m for f in (REPO / "hsokv").rglob("*.py")
                for m in re.findall(r'@section\("(\w+)"\)', f.read_text(encoding="utf-8"))}
    assert declared and declared <= set(SECTIONS.names()), sorted(declared - set(SECTIONS.names()))
